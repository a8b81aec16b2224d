import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { API_PATHS } from '../../shared/api/schemas.ts';
import { ADMISSION_HEADER, CLIENT_KEY_HEADER, RECEPTION_PATHS, type AdmitResponse, type ClaimResponse } from '../../shared/reception/schemas.ts';
import { createApp } from '../app.ts';
import { readConfig } from '../config.ts';
import { openStore, type Store } from '../db/index.ts';
import { loadKernelRegistry } from '../kernels/registry.ts';
import { KERNELS_DIST } from '../testing.ts';
import { startReception } from './roles.ts';

let store: Store | undefined;
afterEach(async () => store?.close());

describe('edge roles', () => {
  it('on a node that requires admission, work needs a claimed ticket; with one it proceeds', async () => {
    store = await openStore(':memory:');
    const config = readConfig({ EDGE_ROLE: 'all', ADMISSION: 'required', NODE_CAPACITY: '5', PORT: '9999' });
    const roles = startReception(config);
    const app = createApp({ store, kernels: await loadKernelRegistry(KERNELS_DIST), reception: roles.mount });
    try {
      const { token } = (await (await app.request(API_PATHS.volunteers, { method: 'POST' })).json()) as { token: string };
      const clientKey = randomBytes(32).toString('base64url');
      const headers = { authorization: `Bearer ${token}`, [CLIENT_KEY_HEADER]: clientKey, 'content-type': 'application/json' };
      const lease = (extra: Record<string, string> = {}) => app.request(API_PATHS.lease, { method: 'POST', headers: { ...headers, ...extra }, body: '{}' });

      const refused = await lease();
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { type: string }).type).toBe('/problems/admission-required');

      const admitted = (await (await app.request(RECEPTION_PATHS.admit, { method: 'POST', headers, body: JSON.stringify({ scope: 'volunteer' }) })).json()) as AdmitResponse;
      expect(admitted).toMatchObject({ status: 'admitted', node: { id: 'node-9999', url: 'http://127.0.0.1:9999' } });
      if (admitted.status !== 'admitted') return;
      const claim = await app.request(RECEPTION_PATHS.admission, { method: 'POST', headers, body: JSON.stringify({ ticket: admitted.ticket, scope: 'volunteer' }) });
      expect(claim.status).toBe(201);
      const { admission } = (await claim.json()) as ClaimResponse;
      const ok = await lease({ [ADMISSION_HEADER]: admission });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ leases: [] });
      // Job submission needs an admission of its own scope.
      const job = await app.request(API_PATHS.jobs, { method: 'POST', headers: { ...headers, [ADMISSION_HEADER]: admission }, body: '{}' });
      expect(((await job.json()) as { type: string }).type).toBe('/problems/ticket-wrong-scope');
    } finally {
      roles.stop();
    }
  });

  it('refuses a node or reception role without its shared secrets', () => {
    expect(() => readConfig({ EDGE_ROLE: 'node' })).toThrow(/TICKET_KEYS and RECEPTION_REPORT_KEY/);
    expect(() => readConfig({ EDGE_ROLE: 'node', TICKET_KEYS: 'k1:x', RECEPTION_REPORT_KEY: 'r' })).toThrow(/RECEPTION_URL/);
    expect(() => readConfig({ EDGE_ROLE: 'boss' })).toThrow(/EDGE_ROLE/);
    expect(readConfig({}).admissionRequired).toBe(false);
  });
});
