import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMISSION_HEADER, CLIENT_KEY_HEADER, RECEPTION_PATHS, type AdmitResponse, type TicketScope } from '../../shared/reception/schemas.ts';
import { TICKET_TTL_MS } from '../../shared/limits.ts';
import { openStore, type Store } from '../db/index.ts';
import { onError } from '../http/problem.ts';
import { NodeAdmissions } from './node.ts';
import { Reception } from './reception.ts';
import { nodeRoutes, receptionRoutes, requireAdmission } from './routes.ts';
import { randomKeyring, sealTicket } from './tickets.ts';

const REPORT_KEY = 'test-report-key-0123456789';
const newClientKey = () => randomBytes(32).toString('base64url');

let stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function setup() {
  const clock = { now: 1_800_000_000_000 };
  const ring = randomKeyring();
  const store = await openStore(':memory:');
  stores.push(store);
  const reception = new Reception({ ring, now: () => clock.now });
  const makeNode = (id: string) => new NodeAdmissions({ node: id, url: `http://${id}.test`, capacity: 2, ring, store, now: () => clock.now });
  const nodes = { a: makeNode('a'), b: makeNode('b') };
  const appFor = (node: NodeAdmissions) => {
    const app = new Hono();
    app.onError(onError);
    app.route('/', receptionRoutes(reception, REPORT_KEY));
    app.route('/', nodeRoutes(node));
    app.post('/api/work/lease', requireAdmission(node, 'volunteer'), (c) => c.json({ ok: true }));
    return app;
  };
  const apps = { a: appFor(nodes.a), b: appFor(nodes.b) };
  const report = async (node: NodeAdmissions) => {
    const res = await apps.a.request(RECEPTION_PATHS.report, { method: 'POST', headers: { authorization: `Bearer ${REPORT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(node.takeReport()) });
    expect(res.status).toBe(204);
  };
  await report(nodes.a);
  const admit = async (clientKey: string, scope: TicketScope = 'volunteer') => {
    const res = await apps.a.request(RECEPTION_PATHS.admit, { method: 'POST', headers: { [CLIENT_KEY_HEADER]: clientKey, 'content-type': 'application/json' }, body: JSON.stringify({ scope }) });
    return (await res.json()) as AdmitResponse;
  };
  const claim = async (node: 'a' | 'b', ticket: string, clientKey: string, scope: TicketScope = 'volunteer') => {
    const res = await apps[node].request(RECEPTION_PATHS.admission, { method: 'POST', headers: { [CLIENT_KEY_HEADER]: clientKey, 'content-type': 'application/json' }, body: JSON.stringify({ ticket, scope }) });
    return { status: res.status, body: (await res.json()) as { type?: string; admission?: string } };
  };
  return { clock, ring, store, reception, nodes, apps, report, admit, claim };
}

describe('tickets', () => {
  it('refuses every kind of bad ticket with its own problem type, and a valid one works once', async () => {
    const t = await setup();
    const key = newClientKey();
    const admitted = await t.admit(key);
    if (admitted.status !== 'admitted') throw new Error('expected an admission');
    expect(admitted.node.id).toBe('a');
    const ticket = admitted.ticket;
    const refusedAs = async (p: Promise<{ status: number; body: { type?: string } }>) => (await p).body.type;

    // Forged: one character changed, an unknown key id, not a ticket at all, a ticket sealed with another key.
    const flipped = ticket.slice(0, -3) + (ticket.at(-3) === 'A' ? 'B' : 'A') + ticket.slice(-2);
    expect(await refusedAs(t.claim('a', flipped, key))).toBe('/problems/ticket-forged');
    expect(await refusedAs(t.claim('a', `zz.${ticket.split('.')[1]}`, key))).toBe('/problems/ticket-forged');
    expect(await refusedAs(t.claim('a', 'hello', key))).toBe('/problems/ticket-forged');
    const claims = { id: 'x1', node: 'a', client: key, nbf: t.clock.now, exp: t.clock.now + 1000, scope: 'volunteer' as const };
    expect(await refusedAs(t.claim('a', sealTicket(randomKeyring(t.ring.current.kid), claims), key))).toBe('/problems/ticket-forged');
    // Not yet valid, wrong node, wrong client, wrong scope.
    expect(await refusedAs(t.claim('a', sealTicket(t.ring, { ...claims, nbf: t.clock.now + 60_000, exp: t.clock.now + 90_000 }), key))).toBe('/problems/ticket-not-yet-valid');
    expect(await refusedAs(t.claim('b', ticket, key))).toBe('/problems/ticket-wrong-node');
    expect(await refusedAs(t.claim('a', ticket, newClientKey()))).toBe('/problems/ticket-wrong-client');
    expect(await refusedAs(t.claim('a', ticket, key, 'checkout'))).toBe('/problems/ticket-wrong-scope');
    expect(await refusedAs(t.claim('a', sealTicket(t.ring, { ...claims, addr: '203.0.113.9' }), key))).toBe('/problems/ticket-wrong-client');

    // The real ticket, after all those refusals, still works: once.
    const ok = await t.claim('a', ticket, key);
    expect(ok.status).toBe(201);
    expect(await refusedAs(t.claim('a', ticket, key))).toBe('/problems/ticket-used');
    // A restarted node (same database, empty memory) still refuses the replay.
    const restarted = new NodeAdmissions({ node: 'a', url: 'http://a.test', capacity: 2, ring: t.ring, store: t.store, now: () => t.clock.now });
    await expect(restarted.claim(ticket, key, 'volunteer')).rejects.toMatchObject({ slug: 'ticket-used' });

    // The admission opens the node's routes for its scope and client only; ending it closes them.
    const lease = (admission: string | undefined, clientKey: string) =>
      t.apps.a.request('/api/work/lease', { method: 'POST', headers: { [CLIENT_KEY_HEADER]: clientKey, ...(admission ? { [ADMISSION_HEADER]: admission } : {}) } });
    expect((await lease(ok.body.admission, key)).status).toBe(200);
    expect(((await (await lease(ok.body.admission, newClientKey())).json()) as { type: string }).type).toBe('/problems/ticket-wrong-client');
    expect(((await (await lease(undefined, key)).json()) as { type: string }).type).toBe('/problems/admission-required');
    await t.apps.a.request(RECEPTION_PATHS.admission, { method: 'DELETE', headers: { [CLIENT_KEY_HEADER]: key, [ADMISSION_HEADER]: ok.body.admission! } });
    expect(((await (await lease(ok.body.admission, key)).json()) as { type: string }).type).toBe('/problems/admission-required');
    expect(t.nodes.a.active).toBe(0);

    // Expired: a fresh ticket presented after its lifetime.
    const late = await t.admit(key);
    if (late.status !== 'admitted') throw new Error('expected an admission');
    t.clock.now += TICKET_TTL_MS + 1;
    expect(await refusedAs(t.claim('a', late.ticket, key))).toBe('/problems/ticket-expired');
    // The node counted each refusal by reason for the operator.
    expect(t.nodes.a.takeReport().refused).toMatchObject({ 'ticket-forged': 4, 'ticket-used': 1, 'ticket-expired': 1, 'ticket-wrong-client': 3 });
  });

  it('refuses reports without the shared key and admissions without a client key', async () => {
    const t = await setup();
    const report = await t.apps.a.request(RECEPTION_PATHS.report, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: JSON.stringify(t.nodes.a.takeReport()) });
    expect(report.status).toBe(401);
    const admit = await t.apps.a.request(RECEPTION_PATHS.admit, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'volunteer' }) });
    expect(((await admit.json()) as { type: string }).type).toBe('/problems/validation');
  });
});
