/**
 * @module A group's leases given back (issue 16), on SQLite and PostgreSQL: a host that
 * altered a unit's input is found out from its peer's signature over the input's hash, and
 * the peer is not penalised (the result dropped, no trust change, nobody credited, the unit
 * leased again); a host gives back the leases of a peer that left mid-unit, and a peer gives
 * up on its host: only the group's (or that peer's) leases still leased time out, unpenalised,
 * and their units are leased again, also after the group ended.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Lease } from '../../shared/api/schemas.ts';
import { base64ToBytes, bytesToBase64 } from '../../shared/base64.ts';
import { GROUP_LEASE_UNITS_MAX, GROUP_TTL_MS_MIN } from '../../shared/groups/schemas.ts';
import { closeDialectApps, snapshot, testDialects, type TestDialect } from '../testing.ts';
import { groupWorld, signedItem, type Peer } from './testing.ts';

const dialects = await testDialects('group releases');
afterEach(closeDialectApps);

/** What trust is made of: the columns a penalty (or a credit) would change. */
const TRUST = ['id', 'results_valid', 'valid_streak', 'quota_daily', 'verified_matches', 'disproved'] as const;

/** A world with a paid two-unit job, a host and a volunteer group whose two peers sent their notices. */
async function hosted(dialect: TestDialect) {
  const w = await groupWorld(dialect);
  const cust = await w.customerWithJob();
  const [host, a, b] = [await w.volunteer(), await w.volunteer(), await w.volunteer()];
  const g = (await w.call('POST', '/api/groups', host.token, { seats: 2, ttlMs: GROUP_TTL_MS_MIN, kernel: 'lorenz96' }, host.address)).body as { groupId: string; invite: string };
  await w.join(g.groupId, g.invite, [a, b]);
  const lease = async (max = 8) => (await w.call('POST', `/api/groups/${g.groupId}/lease`, host.token, { max }, host.address)).body.leases as Lease[];
  const release = (leaseIds: number[], token = host.token) => w.call('POST', `/api/groups/${g.groupId}/release`, token, { leaseIds }, host.address);
  const leave = (p: Peer, groupId = g.groupId) => w.call('POST', `/api/seats/${groupId}/leave`, p.token, undefined, p.address);
  const trust = (ids: string[]) => w.store.db.selectFrom('volunteers').select(TRUST).where('id', 'in', ids).orderBy('id').execute();
  const replica = (id: number) => w.store.db.selectFrom('replicas').select(['state', 'outcome', 'result_hash', 'credited_points']).where('id', '=', id).executeTakeFirstOrThrow();
  return { ...w, cust, host, a, b, g, lease, release, leave, trust, replica };
}

describe.each(dialects)('group releases on %s', (dialect) => {
  it('a host that altered an input: the result is dropped, its peer is not penalised, nobody is credited, and the unit is leased again', async () => {
    const w = await hosted(dialect);
    const leases = await w.lease();
    expect(leases).toHaveLength(2);
    expect(await w.lease()).toEqual([]);
    const l = leases[0]!;
    const peer = await w.holder(l.leaseId, [w.a, w.b]);
    // The host hands its peer an input with one byte flipped; the peer computes on it and signs what it got.
    const altered = base64ToBytes(l.input);
    altered[altered.length - 1] = altered[altered.length - 1]! ^ 1;
    const out = await w.compute({ ...l, input: bytesToBase64(altered) });
    const item = signedItem(peer.keys.privateKey, w.g.groupId, l, out, altered);
    const trustBefore = await w.trust([w.a.id, w.b.id]);

    // The host claiming the unit's real input for it breaks the peer's signature instead.
    const before = await snapshot(w.store);
    const real = signedItem(peer.keys.privateKey, w.g.groupId, l, out);
    const forged = await w.call('POST', `/api/groups/${w.g.groupId}/results`, w.host.token, { results: [{ ...item, inputSha256: real.inputSha256 }] }, w.host.address);
    expect(forged.body.results[0].problem.type).toBe('/problems/signature-invalid');
    expect(await snapshot(w.store)).toEqual(before);

    const up = await w.call('POST', `/api/groups/${w.g.groupId}/results`, w.host.token, { results: [item] }, w.host.address);
    expect(up.status).toBe(200);
    expect(up.body.results[0]).toMatchObject({ leaseId: l.leaseId, problem: { type: '/problems/input-altered', status: 422 } });
    // Not recorded, the lease given back as if it expired, no outcome, nobody credited, trust as it was.
    expect(await w.replica(l.leaseId)).toMatchObject({ state: 'timed_out', outcome: null, result_hash: null });
    expect(await w.trust([w.a.id, w.b.id])).toEqual(trustBefore);
    for (const v of [w.host, w.a, w.b]) expect(await w.points(v.id)).toBe(0);
    // The unit is the group's to lease again (it was not before).
    expect((await w.lease()).map((x) => x.unitId)).toEqual([l.unitId]);
  });

  it("the host gives back a peer's leases: they time out unpenalised and are leased again; others' leases are not touched", async () => {
    const w = await hosted(dialect);
    const outsider = await w.volunteer();
    const direct = (await w.clientFrom(outsider.address, outsider.token).lease({ max: 4 })).leases;
    expect(direct).toHaveLength(2);
    const leases = await w.lease();
    expect(leases).toHaveLength(2);
    const [first, second] = leases as [Lease, Lease];
    const trustBefore = await w.trust([w.a.id, w.b.id]);

    // Another host's group, and a body out of bounds, are refused and change nothing.
    const before = await snapshot(w.store);
    expect((await w.release([first.leaseId], outsider.token)).body.type).toBe('/problems/group-not-found');
    expect((await w.release([])).body.type).toBe('/problems/validation');
    expect((await w.release(Array.from({ length: GROUP_LEASE_UNITS_MAX + 1 }, (_, i) => i + 1))).body.type).toBe('/problems/validation');
    expect(await snapshot(w.store)).toEqual(before);

    // Only the group's own leased lease counts: the outsider's lease and an unknown id are left alone.
    const r = await w.release([first.leaseId, direct[0]!.leaseId, 999_999]);
    expect(r).toMatchObject({ status: 200, body: { released: 1 } });
    expect((await w.replica(first.leaseId)).state).toBe('timed_out');
    expect((await w.replica(second.leaseId)).state).toBe('leased');
    expect((await w.replica(direct[0]!.leaseId)).state).toBe('leased');
    expect((await w.release([first.leaseId])).body).toEqual({ released: 0 });
    expect(await w.trust([w.a.id, w.b.id])).toEqual(trustBefore);
    // Its unit goes to the group again (another peer, or anyone).
    expect((await w.lease()).map((x) => x.unitId)).toEqual([first.unitId]);

    // After the group ended the host may still clean up.
    expect((await w.call('DELETE', `/api/groups/${w.g.groupId}`, w.host.token, undefined, w.host.address)).status).toBe(200);
    expect((await w.release([second.leaseId])).body).toEqual({ released: 1 });
    expect((await w.replica(second.leaseId)).state).toBe('timed_out');
  });

  it('a pool gives back its leases under its own route, with the customer as host', async () => {
    const w = await groupWorld(dialect);
    const cust = await w.customerWithJob();
    const [a, stranger] = [await w.volunteer(), await w.volunteer()];
    const pool = (await w.call('POST', '/api/pools', cust.key, { jobId: cust.jobId, seats: 1, ttlMs: GROUP_TTL_MS_MIN, billing: 'seat' })).body;
    await w.join(pool.groupId, pool.invite, [a]);
    const leases = (await w.call('POST', `/api/pools/${pool.groupId}/lease`, cust.key, { max: 8 })).body.leases as Lease[];
    expect(leases).toHaveLength(2);
    const ids = leases.map((l) => l.leaseId);
    expect((await w.call('POST', `/api/pools/${pool.groupId}/release`, stranger.token, { leaseIds: ids })).status).toBe(401);
    expect((await w.call('POST', `/api/groups/${pool.groupId}/release`, stranger.token, { leaseIds: ids })).body.type).toBe('/problems/group-not-found');
    expect((await w.call('POST', `/api/pools/${pool.groupId}/release`, cust.key, { leaseIds: ids })).body).toEqual({ released: 2 });
    const states = await w.store.db.selectFrom('replicas').select('state').where('id', 'in', ids).execute();
    expect(states.map((s) => s.state)).toEqual(['timed_out', 'timed_out']);
  });

  it('a peer that gives up on its host gives back only its own leases of that group; its seat stays', async () => {
    const w = await hosted(dialect);
    await w.customerWithJob();
    // A holds one unit directly; the group leases the other three to A and B.
    const direct = (await w.clientFrom(w.a.address, w.a.token).lease({ max: 1 })).leases;
    expect(direct).toHaveLength(1);
    const leases = await w.lease();
    expect(leases).toHaveLength(3);
    const ofA: number[] = [];
    const ofB: number[] = [];
    for (const l of leases) ((await w.holder(l.leaseId, [w.a, w.b])) === w.a ? ofA : ofB).push(l.leaseId);
    expect(ofA.length).toBeGreaterThan(0);
    expect(ofB.length).toBeGreaterThan(0);
    const seats = () => w.store.db.selectFrom('group_seats').selectAll().orderBy('id').execute();
    const seatsBefore = await seats();
    const trustBefore = await w.trust([w.a.id, w.b.id]);

    // A volunteer that never held a seat there is refused, and so is an unknown group.
    const stranger = await w.volunteer();
    const before = await snapshot(w.store);
    expect((await w.leave(stranger)).body.type).toBe('/problems/seat-not-found');
    expect((await w.leave(w.a, 'g_nonexistent')).body.type).toBe('/problems/seat-not-found');
    expect(await snapshot(w.store)).toEqual(before);

    expect((await w.leave(w.a)).body).toEqual({ released: ofA.length });
    const state = async (ids: number[]) => (await w.store.db.selectFrom('replicas').select('state').where('id', 'in', ids).execute()).map((r) => r.state);
    expect(await state(ofA)).toEqual(ofA.map(() => 'timed_out'));
    expect(await state(ofB)).toEqual(ofB.map(() => 'leased'));
    expect(await state([direct[0]!.leaseId])).toEqual(['leased']);
    expect(await seats()).toEqual(seatsBefore);
    expect(await w.trust([w.a.id, w.b.id])).toEqual(trustBefore);
    expect((await w.leave(w.a)).body).toEqual({ released: 0 });

    // After the host closed the group, B gives up on it too.
    expect((await w.call('DELETE', `/api/groups/${w.g.groupId}`, w.host.token, undefined, w.host.address)).status).toBe(200);
    expect((await w.leave(w.b)).body).toEqual({ released: ofB.length });
    expect(await state(ofB)).toEqual(ofB.map(() => 'timed_out'));
  });
});
