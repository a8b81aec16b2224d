/**
 * @module A group's work (issue 16), on SQLite and PostgreSQL: a group lease never puts two
 * replicas of a unit inside one group and its replicas are one origin; a result altered by
 * the host, re-signed wrongly, of another group's lease, or claimed by the host as its own is
 * refused and credits nobody; a valid signed result credits the peer, never the host; a
 * private pool's replicas earn nothing and its job completes; a peer that claimed its seat
 * from the customer's own network earns nothing from its trial-only job through a group.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Lease } from '../../shared/api/schemas.ts';
import { bytesToBase64 } from '../../shared/base64.ts';
import { GROUP_TTL_MS_MIN } from '../../shared/groups/schemas.ts';
import { closeDialectApps, snapshot, testDialects } from '../testing.ts';
import { SMALL_JOB, groupWorld, signedItem } from './testing.ts';
import { GROUP_LEASE_TTL_MS } from './work.ts';

const dialects = await testDialects('group work');
afterEach(closeDialectApps);

describe.each(dialects)('group work on %s', (dialect) => {
  it('one replica per unit inside a group, one origin, credits to the peer only, tampering refused', async () => {
    const w = await groupWorld(dialect);
    const cust = await w.customerWithJob();
    const [host, a, b, outsider] = [await w.volunteer(), await w.volunteer(), await w.volunteer(), await w.volunteer()];
    const g = (await w.call('POST', '/api/groups', host.token, { seats: 2, ttlMs: 3 * GROUP_LEASE_TTL_MS, kernel: 'lorenz96' }, host.address)).body;
    await w.join(g.groupId, g.invite, [a, b]);
    const leased = await w.call('POST', `/api/groups/${g.groupId}/lease`, host.token, { max: 8 }, host.address);
    const leases = leased.body.leases as (Lease & { seatId: number })[];
    // Two units, each to one peer; the job wants two replicas of each, but never two inside the group.
    expect(leases).toHaveLength(2);
    expect(new Set(leases.map((l) => l.unitId)).size).toBe(2);
    expect(leases.every((l) => l.deadline === w.clock.now + GROUP_LEASE_TTL_MS)).toBe(true);
    expect((await w.call('POST', `/api/groups/${g.groupId}/lease`, host.token, { max: 8 }, host.address)).body.leases).toEqual([]);
    const replicas = await w.store.db.selectFrom('replicas').select(['unit_id', 'volunteer_id', 'origin']).execute();
    expect(replicas.every((r) => r.origin === `group:${g.groupId}`)).toBe(true);
    expect(new Set(replicas.map((r) => r.volunteer_id))).toEqual(new Set([a.id, b.id]));

    const [first, second] = leases;
    const holder = (leaseId: number) => w.holder(leaseId, [a, b]);
    const p1 = await holder(first!.leaseId);
    const out1 = await w.compute(first!);
    const item1 = signedItem(p1.keys.privateKey, g.groupId, first!, out1);
    const altered = Uint8Array.from(out1);
    altered[0] = altered[0]! ^ 1;
    const other = (await w.call('POST', '/api/groups', host.token, { seats: 1, ttlMs: GROUP_TTL_MS_MIN, kernel: 'lorenz96' }, host.address)).body;
    const before = await snapshot(w.store);
    const refused = await w.call('POST', `/api/groups/${g.groupId}/results`, host.token, {
      results: [
        { ...item1, output: bytesToBase64(altered) },
        signedItem(host.keys.privateKey, g.groupId, first!, out1),
      ],
    }, host.address);
    expect(refused.body.results.map((r: { problem?: { type: string } }) => r.problem?.type)).toEqual(['/problems/signature-invalid', '/problems/signature-invalid']);
    // The same signed result uploaded for another group, and the host submitting the peer's lease as its own.
    const elsewhere = await w.call('POST', `/api/groups/${other.groupId}/results`, host.token, { results: [item1] }, host.address);
    expect(elsewhere.body.results[0].problem.type).toBe('/problems/lease-not-in-group');
    const own = await w.call('POST', '/api/work/results', host.token, { results: [{ leaseId: first!.leaseId, output: bytesToBase64(out1) }] }, host.address);
    expect(own.body.results[0].problem.type).toBe('/problems/lease-not-yours');
    expect(await snapshot(w.store)).toEqual(before);

    // Valid: both peers' results go through; the outsider supplies the quorum partners.
    const p2 = await holder(second!.leaseId);
    expect(p2).not.toBe(p1);
    const out2 = await w.compute(second!);
    const ok = await w.call('POST', `/api/groups/${g.groupId}/results`, host.token, {
      results: [
        item1,
        signedItem(p2.keys.privateKey, g.groupId, second!, out2),
      ],
    }, host.address);
    expect(ok.body.results.map((r: { outcome?: string }) => r.outcome)).toEqual(['pending', 'pending']);
    const api = w.clientFrom(outsider.address, outsider.token);
    for (const l of (await api.lease({ max: 4 })).leases) await api.submitResult(l.leaseId, await w.compute(l));
    await w.coordinator.verifier.settle();
    expect((await cust.api.job(cust.jobId)).status).toBe('completed');
    expect(await w.points(a.id)).toBeGreaterThan(0);
    expect(await w.points(b.id)).toBeGreaterThan(0);
    expect(await w.points(host.id)).toBe(0);
  });

  it('a unit a member already holds is not handed to the group', async () => {
    const w = await groupWorld(dialect);
    await w.customerWithJob();
    const [host, a] = [await w.volunteer(), await w.volunteer()];
    const direct = await w.clientFrom(a.address, a.token).lease({ max: 1 });
    expect(direct.leases).toHaveLength(1);
    const g = (await w.call('POST', '/api/groups', host.token, { seats: 1, ttlMs: GROUP_TTL_MS_MIN, kernel: 'lorenz96' }, host.address)).body;
    await w.join(g.groupId, g.invite, [a]);
    const leases = (await w.call('POST', `/api/groups/${g.groupId}/lease`, host.token, { max: 8 }, host.address)).body.leases as Lease[];
    expect(leases.map((l) => l.unitId)).not.toContain(direct.leases[0]!.unitId);
    expect(leases).toHaveLength(1);
  });

  it("a private pool computes its own job at its quorum, earns no points, and the job completes", async () => {
    const w = await groupWorld(dialect);
    const cust = await w.customerWithJob();
    const [a, b, stranger] = [await w.volunteer(), await w.volunteer(), await w.volunteer()];
    const pool = (await w.call('POST', '/api/pools', cust.key, { jobId: cust.jobId, seats: 2, ttlMs: GROUP_TTL_MS_MIN, billing: 'notice', quorum: 1 })).body;
    // A volunteer group's kernel matches, but a pool leases its own job only: another customer's job stays out.
    const elsewhere = await w.customerWithJob();
    await w.join(pool.groupId, pool.invite, [a, b]);
    const leases = (await w.call('POST', `/api/pools/${pool.groupId}/lease`, cust.key, { max: 8 })).body.leases as (Lease & { seatId: number })[];
    expect(leases.map((l) => l.jobId)).toEqual([cust.jobId, cust.jobId]);
    expect((await w.call('POST', `/api/pools/${pool.groupId}/lease`, stranger.token, { max: 8 })).status).toBe(401);
    const seats = await w.store.db.selectFrom('group_seats').select(['id', 'volunteer_id']).execute();
    const keyOf = (seatId: number) => (seats.find((s) => Number(s.id) === seatId)!.volunteer_id === a.id ? a : b).keys.privateKey;
    const results = [];
    for (const l of leases) {
      const out = await w.compute(l);
      results.push(signedItem(keyOf(l.seatId), pool.groupId, l, out));
    }
    const up = await w.call('POST', `/api/pools/${pool.groupId}/results`, cust.key, { results });
    expect(up.body.results.every((r: { creditedPoints?: number }) => r.creditedPoints === 0)).toBe(true);
    await w.coordinator.verifier.settle();
    expect((await cust.api.job(cust.jobId)).status).toBe('completed');
    expect((await elsewhere.api.job(elsewhere.jobId)).status).toBe('running');
    const credited = await w.store.db.selectFrom('replicas').select(['credited_points', 'unfunded']).where('origin', '=', `group:${pool.groupId}`).execute();
    expect(credited.every((r) => Number(r.credited_points) === 0 && Number(r.unfunded) === 1)).toBe(true);
    expect(await w.points(a.id)).toBe(0);
    expect(await w.points(b.id)).toBe(0);
  });

  it("a peer that claimed its seat from the customer's network earns nothing from its trial-only job; a peer elsewhere does", async () => {
    const w = await groupWorld(dialect);
    // A customer on trial credit only (no top-up), made from its home network.
    const home = '198.51.100.7';
    const c = await w.clientFrom(home).createCustomer('Self-dealer');
    const customer = w.clientFrom(home, c.apiKey);
    const job = await customer.createJob(SMALL_JOB as never);
    const [host, a, b, outsider] = [await w.volunteer(), await w.volunteer(), await w.volunteer(), await w.volunteer()];
    // The host and B are elsewhere; A's identity was made elsewhere too, but it claims its seat at home.
    const atHome = { ...a, address: '198.51.100.99' };
    const g = (await w.call('POST', '/api/groups', host.token, { seats: 2, ttlMs: 3 * GROUP_LEASE_TTL_MS, kernel: 'lorenz96' }, host.address)).body;
    await w.join(g.groupId, g.invite, [atHome, b]);
    const leases = (await w.call('POST', `/api/groups/${g.groupId}/lease`, host.token, { max: 8 }, host.address)).body.leases as Lease[];
    expect(leases).toHaveLength(2);
    const unfunded = await w.store.db.selectFrom('replicas').select(['volunteer_id', 'unfunded']).where('origin', '=', `group:${g.groupId}`).execute();
    expect(Object.fromEntries(unfunded.map((r) => [r.volunteer_id, Number(r.unfunded)]))).toEqual({ [a.id]: 1, [b.id]: 0 });
    const results = [];
    for (const l of leases) results.push(signedItem((await w.holder(l.leaseId, [a, b])).keys.privateKey, g.groupId, l, await w.compute(l)));
    expect((await w.call('POST', `/api/groups/${g.groupId}/results`, host.token, { results }, host.address)).body.results.map((r: { outcome?: string }) => r.outcome)).toEqual(['pending', 'pending']);
    const api = w.clientFrom(outsider.address, outsider.token);
    for (const l of (await api.lease({ max: 4 })).leases) await api.submitResult(l.leaseId, await w.compute(l));
    await w.coordinator.verifier.settle();
    expect((await customer.job(job.id)).status).toBe('completed');
    // Both peers' results counted for the job; only the one away from the customer's network was paid.
    const valid = await w.store.db.selectFrom('replicas').select(['volunteer_id', 'outcome']).where('origin', '=', `group:${g.groupId}`).execute();
    expect(valid.every((r) => r.outcome === 'valid')).toBe(true);
    expect(await w.points(a.id)).toBe(0);
    expect(await w.points(b.id)).toBeGreaterThan(0);
  });

  it('a lease for named seats goes to those peers only; a seat not of the group gets nothing', async () => {
    const w = await groupWorld(dialect);
    await w.customerWithJob();
    const [host, a, b] = [await w.volunteer(), await w.volunteer(), await w.volunteer()];
    const g = (await w.call('POST', '/api/groups', host.token, { seats: 2, ttlMs: 3 * GROUP_LEASE_TTL_MS, kernel: 'lorenz96' }, host.address)).body;
    await w.join(g.groupId, g.invite, [a, b]);
    const seatOfB = (await w.call('GET', `/api/groups/${g.groupId}`, host.token, undefined, host.address)).body.peers[1].seatId as number;
    const leased = await w.call('POST', `/api/groups/${g.groupId}/lease`, host.token, { max: 8, seats: [seatOfB] }, host.address);
    expect(leased.body.leases.length).toBeGreaterThan(0);
    expect(leased.body.leases.every((l: { seatId: number }) => l.seatId === seatOfB)).toBe(true);
    const replicas = await w.store.db.selectFrom('replicas').select('volunteer_id').execute();
    expect(new Set(replicas.map((r) => r.volunteer_id))).toEqual(new Set([b.id]));
    const before = await snapshot(w.store);
    expect((await w.call('POST', `/api/groups/${g.groupId}/lease`, host.token, { max: 8, seats: [seatOfB + 1000] }, host.address)).body.leases).toEqual([]);
    expect((await w.call('POST', `/api/groups/${g.groupId}/lease`, host.token, { max: 8, seats: [] }, host.address)).status).toBe(422);
    expect(await snapshot(w.store)).toEqual(before);
  });
});
