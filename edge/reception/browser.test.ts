import { afterEach, describe, expect, it } from 'vitest';
import { API_PATHS } from '../../shared/api/schemas.ts';
import { CLIENT_KEY_HEADER, RECEPTION_PATHS } from '../../shared/reception/schemas.ts';
import { createApp } from '../app.ts';
import { parseOrigins, readConfig } from '../config.ts';
import { openStore, type Store } from '../db/index.ts';
import { loadKernelRegistry } from '../kernels/registry.ts';
import { KERNELS_DIST } from '../testing.ts';
import { startReception } from './roles.ts';

const APP = 'http://app.example:8080';
const keys = { TICKET_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`, RECEPTION_REPORT_KEY: 'report-key-for-tests' };
let store: Store | undefined;
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await store?.close();
});

async function appFor(env: Record<string, string>, now?: () => number) {
  store = await openStore(':memory:');
  const roles = startReception(readConfig(env));
  stops.push(roles.stop);
  return createApp({ store, kernels: await loadKernelRegistry(KERNELS_DIST), reception: roles.mount, now });
}

describe('browser access to reception and nodes', () => {
  it('tells the page whether admission is required and where reception is, by role', async () => {
    const config = async (env: Record<string, string>) => (await (await appFor(env)).request(RECEPTION_PATHS.config)).json();
    expect(await config({})).toEqual({ required: false, receptionUrl: '' });
    expect(await config({ ADMISSION: 'required' })).toEqual({ required: true, receptionUrl: '' });
    expect(await config({ EDGE_ROLE: 'reception', ...keys })).toEqual({ required: true, receptionUrl: '' });
    expect(await config({ EDGE_ROLE: 'node', RECEPTION_URL: 'http://rec.example:9000', ...keys })).toEqual({ required: true, receptionUrl: 'http://rec.example:9000' });
  });

  it('grants CORS (with credentials) only to the configured app origins, refusals included', async () => {
    const app = await appFor({ EDGE_ROLE: 'node', RECEPTION_URL: 'http://rec.example:9000', APP_ORIGINS: `${APP}, https://other.example`, ...keys });
    const preflight = (origin: string) =>
      app.request(API_PATHS.lease, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': `content-type,authorization,${CLIENT_KEY_HEADER}` },
      });
    const ok = await preflight(APP);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-headers')).toContain(CLIENT_KEY_HEADER);

    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();

    // A refusal (no admission) still reaches the app's page with its problem readable.
    const refused = await app.request(API_PATHS.lease, { method: 'POST', headers: { origin: APP, 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
    expect(refused.headers.get('content-type')).toContain('problem+json');
  });

  it('sends no CORS headers when no app origin is configured', async () => {
    const app = await appFor({});
    const res = await app.request(API_PATHS.kernels, { headers: { origin: APP } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("lets the page connect to reception and to the nodes reception knows (connect-src)", async () => {
    const node = await appFor({ EDGE_ROLE: 'node', RECEPTION_URL: 'http://rec.example:9000/', ...keys });
    expect((await node.request('/api/health')).headers.get('content-security-policy')).toMatch(/connect-src 'self' http:\/\/rec\.example:9000;/);
    const reception = await appFor({ EDGE_ROLE: 'reception', ...keys });
    // Read before the node reports: the list must not stay stale once it has.
    expect((await reception.request('/api/health')).headers.get('content-security-policy')).toMatch(/connect-src 'self' ?;/);
    const report = { node: 'n1', url: 'http://n1.example:7001', capacity: 2, active: 0 };
    const sent = await reception.request(RECEPTION_PATHS.report, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.RECEPTION_REPORT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    });
    expect(sent.status).toBe(204);
    // A node that just reported is allowed from the next response on.
    expect((await reception.request('/api/health')).headers.get('content-security-policy')).toMatch(/connect-src 'self' http:\/\/n1\.example:7001;/);
  });

  it('lets a waiting client leave the line at once, and only with its own key', async () => {
    const app = await appFor({ EDGE_ROLE: 'reception', ...keys });
    const full = { node: 'n1', url: 'http://n1.example:7001', capacity: 1, active: 1 };
    const reported = await app.request(RECEPTION_PATHS.report, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.RECEPTION_REPORT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(full),
    });
    expect(reported.status).toBe(204);
    const ka = 'a'.repeat(43);
    const kb = 'b'.repeat(43);
    const post = (path: string, key: string, body: object) =>
      app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', [CLIENT_KEY_HEADER]: key }, body: JSON.stringify(body) });
    const admit = async (key: string, place?: string) => (await (await post(RECEPTION_PATHS.admit, key, { scope: 'volunteer', place })).json()) as { position: number; place: string };
    const a = await admit(ka);
    expect(a.position).toBe(0);
    expect((await admit(kb)).position).toBe(1);
    // Someone else's key cannot take a's place away; a forged place is refused.
    expect((await post(RECEPTION_PATHS.leave, kb, { place: a.place })).status).toBe(204);
    expect((await admit(kb)).position).toBe(1);
    const forged = await post(RECEPTION_PATHS.leave, ka, { place: `${a.place}x` });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.headers.get('content-type')).toContain('problem+json');
    expect((await post(RECEPTION_PATHS.leave, ka, { extra: 1 })).status).toBe(422);
    expect((await admit(kb)).position).toBe(1);
    expect((await post(RECEPTION_PATHS.leave, ka, { place: a.place })).status).toBe(204);
    expect((await admit(kb)).position).toBe(0);
  });

  it('refuses APP_ORIGINS that are not origins', () => {
    expect(parseOrigins(' https://a.example ,http://b.example:81')).toEqual(['https://a.example', 'http://b.example:81']);
    expect(() => parseOrigins('https://a.example/path')).toThrow(/APP_ORIGINS/);
    expect(() => parseOrigins('*')).toThrow(/APP_ORIGINS/);
    expect(() => readConfig({ APP_ORIGINS: 'ftp://x.example' })).toThrow(/APP_ORIGINS/);
  });
});
