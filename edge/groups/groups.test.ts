/**
 * @module Groups' seats, billing and signalling (issue 16), on SQLite and PostgreSQL: seats
 * go down to zero and no further (also under parallel claims), the same volunteer counts
 * once, the host cannot take a seat, ended groups refuse; a pool's bill is its notices (or
 * its approved seats) and the rest is released at expiry; only the host and a seat's peer
 * read and write its messages.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GROUP_TTL_MS_MIN } from '../../shared/groups/schemas.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { closeDialectApps, snapshot, testDialects } from '../testing.ts';
import { GROUP_SEAT_PRICE_MINOR, groupTransferIds } from './billing.ts';
import { sweepGroups } from './groups.ts';
import { groupWorld, peerKeys } from './testing.ts';

const dialects = await testDialects('groups');
afterEach(closeDialectApps);

describe.each(dialects)('groups on %s', (dialect) => {
  it('seats: claimed down to zero, the same volunteer once, never the host, and ended groups refuse', async () => {
    const w = await groupWorld(dialect);
    const host = await w.volunteer();
    const g = await w.call('POST', '/api/groups', host.token, { seats: 2, ttlMs: GROUP_TTL_MS_MIN, kernel: 'lorenz96' });
    expect(g.status).toBe(201);
    const kernel = w.kernels.entries.get(`lorenz96@${g.body.kernel.version}`)!;
    expect(g.body.kernel.sha256).toBe(kernel.sha256);
    const [a, b, c] = [await w.volunteer(), await w.volunteer(), await w.volunteer()];
    expect((await w.call('POST', '/api/seats', host.token, { invite: g.body.invite, publicKey: host.keys.publicKey })).body.type).toBe('/problems/group-own-seat');
    const seatA = await w.call('POST', '/api/seats', a.token, { invite: g.body.invite, publicKey: a.keys.publicKey });
    expect(seatA.status).toBe(200);
    expect(seatA.body.kernel.sha256).toBe(kernel.sha256);
    // The same volunteer again (a reloaded page, with a new key): the same seat, now with that key.
    const reloaded = peerKeys();
    expect((await w.call('POST', '/api/seats', a.token, { invite: g.body.invite, publicKey: reloaded.publicKey })).body.seatId).toBe(seatA.body.seatId);
    expect((await w.store.db.selectFrom('group_seats').select('public_key').where('volunteer_id', '=', a.id).executeTakeFirstOrThrow()).public_key).toBe(reloaded.publicKey);
    expect((await w.call('GET', `/api/groups/${g.body.groupId}`, host.token)).body.seatsLeft).toBe(1);
    expect((await w.call('POST', '/api/seats', b.token, { invite: g.body.invite, publicKey: b.keys.publicKey })).status).toBe(200);
    const before = await snapshot(w.store);
    const full = await w.call('POST', '/api/seats', c.token, { invite: g.body.invite, publicKey: c.keys.publicKey });
    expect(full.body.type).toBe('/problems/group-full');
    expect(await snapshot(w.store)).toEqual(before);
    // B declines before any notice: its seat goes back, and C takes it.
    expect((await w.call('DELETE', `/api/seats/${g.body.groupId}`, b.token)).status).toBe(200);
    expect((await w.call('POST', '/api/seats', c.token, { invite: g.body.invite, publicKey: c.keys.publicKey })).status).toBe(200);
    // A peer that received the kernel cannot decline; its notice is idempotent.
    expect((await w.call('POST', `/api/seats/${g.body.groupId}/notice`, a.token)).status).toBe(200);
    expect((await w.call('POST', `/api/seats/${g.body.groupId}/notice`, a.token)).status).toBe(200);
    expect((await w.call('DELETE', `/api/seats/${g.body.groupId}`, a.token)).body.type).toBe('/problems/seat-received');
    const status = await w.call('GET', `/api/groups/${g.body.groupId}`, host.token);
    expect(status.body.seatsLeft).toBe(0);
    expect(status.body.peers.filter((p: { state: string }) => p.state === 'claimed')).toHaveLength(2);
    // After expiry: refused.
    w.clock.now += GROUP_TTL_MS_MIN;
    expect((await w.call('DELETE', `/api/seats/${g.body.groupId}`, c.token)).body.type).toBe('/problems/group-closed');
    expect((await w.call('POST', '/api/seats', b.token, { invite: g.body.invite, publicKey: b.keys.publicKey })).body.type).toBe('/problems/group-closed');
  });

  it('a bad key or a wrong invite changes nothing', async () => {
    const w = await groupWorld(dialect);
    const [host, a] = [await w.volunteer(), await w.volunteer()];
    const g = await w.call('POST', '/api/groups', host.token, { seats: 1, ttlMs: GROUP_TTL_MS_MIN, kernel: 'lorenz96' });
    const before = await snapshot(w.store);
    expect((await w.call('POST', '/api/seats', a.token, { invite: 'A'.repeat(43), publicKey: a.keys.publicKey })).body.type).toBe('/problems/group-not-found');
    expect((await w.call('POST', '/api/groups', host.token, { seats: 1, ttlMs: GROUP_TTL_MS_MIN, kernel: 'no-such-kernel' })).body.type).toBe('/problems/kernel-unknown');
    expect((await w.call('GET', `/api/groups/${g.body.groupId}`, a.token)).body.type).toBe('/problems/group-not-found');
    expect(await snapshot(w.store)).toEqual(before);
  });

  it.runIf(dialect === 'postgres')('parallel claims: exactly `seats` succeed', async () => {
    const w = await groupWorld(dialect);
    const host = await w.volunteer();
    const g = await w.call('POST', '/api/groups', host.token, { seats: 3, ttlMs: GROUP_TTL_MS_MIN, kernel: 'lorenz96' });
    const peers = await Promise.all(Array.from({ length: 10 }, () => w.volunteer()));
    const answers = await Promise.all(peers.map((p) => w.call('POST', '/api/seats', p.token, { invite: g.body.invite, publicKey: p.keys.publicKey })));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(3);
    expect(answers.filter((r) => r.body.type === '/problems/group-full')).toHaveLength(7);
    expect((await w.call('GET', `/api/groups/${g.body.groupId}`, host.token)).body.seatsLeft).toBe(0);
  });

  for (const billing of ['notice', 'seat'] as const) {
    it(`a private pool billed per ${billing}: the bill is what the option counts, the rest released at expiry`, async () => {
      const w = await groupWorld(dialect);
      const cust = await w.customerWithJob();
      const balance = async () => (await ledgerOf(w.store).balance(ACCOUNTS.customerBalance(cust.id).id))!;
      const start = await balance();
      const pool = await w.call('POST', '/api/pools', cust.key, { jobId: cust.jobId, seats: 4, ttlMs: GROUP_TTL_MS_MIN, billing });
      expect(pool.status).toBe(201);
      expect((await balance()).debitsPending - start.debitsPending).toBe(4 * GROUP_SEAT_PRICE_MINOR);
      const [a, b, c] = [await w.volunteer(), await w.volunteer(), await w.volunteer()];
      for (const p of [a, b, c]) expect((await w.call('POST', '/api/seats', p.token, { invite: pool.body.invite, publicKey: p.keys.publicKey })).status).toBe(200);
      await w.call('POST', `/api/seats/${pool.body.groupId}/notice`, a.token);
      await w.call('POST', `/api/seats/${pool.body.groupId}/notice`, a.token);
      await w.call('DELETE', `/api/seats/${pool.body.groupId}`, b.token);
      // a: noticed; b: declined (never billed); c: approved, no notice.
      const expected = billing === 'notice' ? 1 : 2;
      w.clock.now += GROUP_TTL_MS_MIN;
      expect(await sweepGroups(w.store, w.clock.now)).toBe(1);
      expect(await sweepGroups(w.store, w.clock.now)).toBe(0);
      const end = await balance();
      expect(end.debitsPending).toBe(start.debitsPending);
      expect(start.posted - end.posted).toBe(expected * GROUP_SEAT_PRICE_MINOR);
      const ids = groupTransferIds(pool.body.groupId);
      expect(await ledgerOf(w.store).transfer(ids.seat(a.id))).toBeDefined();
      expect(await ledgerOf(w.store).transfer(ids.seat(b.id))).toBeUndefined();
      expect((await ledgerOf(w.store).transfer(ids.seat(c.id))) !== undefined).toBe(billing === 'seat');
      // The job's invoice shows the pool's seat charges.
      expect((await cust.api.jobInvoice(cust.jobId)).pools).toEqual([
        { groupId: pool.body.groupId, billing, seats: 4, seatsCharged: expected, seatPriceMinor: GROUP_SEAT_PRICE_MINOR, amountMinor: expected * GROUP_SEAT_PRICE_MINOR, open: false },
      ]);
    });
  }

  it('a pool the balance does not cover is refused and nothing is held', async () => {
    const w = await groupWorld(dialect);
    const c = await w.client().createCustomer('Poor');
    const job = await w.client(c.apiKey).createJob({ kind: 'lorenz96', params: { n: 8, steps: 20, snapEvery: 20, members: 2, membersPerUnit: 1, seed: 3 } });
    const before = await snapshot(w.store);
    const r = await w.call('POST', '/api/pools', c.apiKey, { jobId: job.id, seats: 32, ttlMs: GROUP_TTL_MS_MIN, billing: 'seat' });
    expect(r.body.type).toBe('/problems/insufficient-funds');
    expect(await snapshot(w.store)).toEqual(before);
  });

  it('signals: one offer and one answer per seat, only between the host and that seat', async () => {
    const w = await groupWorld(dialect);
    const [host, a, b] = [await w.volunteer(), await w.volunteer(), await w.volunteer()];
    const g = await w.call('POST', '/api/groups', host.token, { seats: 2, ttlMs: GROUP_TTL_MS_MIN, kernel: 'lorenz96' });
    const seatA = (await w.call('POST', '/api/seats', a.token, { invite: g.body.invite, publicKey: a.keys.publicKey })).body.seatId as number;
    await w.call('POST', '/api/seats', b.token, { invite: g.body.invite, publicKey: b.keys.publicKey });
    const gid = g.body.groupId as string;
    expect((await w.call('PUT', `/api/groups/${gid}/seats/${seatA}/offer`, host.token, { sdp: 'v=0 offer' })).status).toBe(200);
    expect((await w.call('PUT', `/api/groups/${gid}/seats/${seatA}/offer`, host.token, { sdp: 'v=0 again' })).body.type).toBe('/problems/signal-exists');
    // B holds another seat: it sees no offer of A's; a peer cannot use the host's routes.
    expect((await w.call('GET', `/api/seats/${gid}/offer`, b.token)).body.type).toBe('/problems/signal-not-found');
    expect((await w.call('GET', `/api/groups/${gid}/seats/${seatA}/answer`, b.token)).body.type).toBe('/problems/group-not-found');
    expect((await w.call('PUT', `/api/groups/${gid}/seats/${seatA}/offer`, a.token, { sdp: 'x' })).body.type).toBe('/problems/group-not-found');
    expect((await w.call('GET', `/api/seats/${gid}/offer`, a.token)).body).toEqual({ sdp: 'v=0 offer' });
    expect((await w.call('GET', `/api/seats/${gid}/offer`, a.token)).body.type).toBe('/problems/signal-not-found');
    expect((await w.call('GET', `/api/groups/${gid}/seats/${seatA}/answer`, host.token)).body.type).toBe('/problems/signal-not-found');
    expect((await w.call('PUT', `/api/seats/${gid}/answer`, a.token, { sdp: 'v=0 answer' })).status).toBe(200);
    expect((await w.call('GET', `/api/groups/${gid}/seats/${seatA}/answer`, host.token)).body).toEqual({ sdp: 'v=0 answer' });
    const big = await w.call('PUT', `/api/seats/${gid}/answer`, a.token, { sdp: 'x'.repeat(20_000) });
    expect(big.status).toBe(422);
  });
});
