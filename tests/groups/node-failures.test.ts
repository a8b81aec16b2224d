/**
 * A group's failure paths and cheating hosts, over real WebRTC in Node against a real edge:
 * a host that flips a kernel byte (the peer refuses, nothing runs, its seat is not billed),
 * alters a result, submits a peer's lease as its own, or alters an input (the peer is not
 * blamed); a peer that leaves mid-unit (its units go back at once and nothing is credited
 * twice); a host that leaves (its peers fall back to the server, the group's units reissued).
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/client.ts';
import { base64ToBytes, bytesToBase64 } from '../../shared/base64.ts';
import { groupCreation, type HostApi, type SignedResult } from '../../shared/groups/client.ts';
import type { GroupHost, HostEvent } from '../../shared/groups/host.ts';
import type { PeerEvent } from '../../shared/groups/peer.ts';
import { GROUP_CONNECT_TIMEOUT_MS } from '../../shared/groups/protocol.ts';
import { useGroupWorld } from './world.ts';

/** How long a group needs to reach the state a test waits for (a kernel sent, units computed). */
const GROUP_STATE_MS_MAX = 30_000;
const poll = { timeout: GROUP_STATE_MS_MAX, interval: 100 };
/** Units of about 0.3 s each in Node (a peer can be caught mid-unit), many of them. */
const LONG_UNITS = { n: 128, steps: 400_000, snapEvery: 400_000, members: 24, membersPerUnit: 1, seed: 9 };
const SHORT_UNITS = { n: 16, steps: 200, snapEvery: 100, members: 8, membersPerUnit: 2, seed: 4 };

const w = useGroupWorld();

/** Reads the edge's SQLite file (the suite's server runs on its default embedded database). */
function db<T>(sql: string, ...args: unknown[]): T[] {
  const d = new Database(w.ctx.server.databaseUrl, { readonly: true, fileMustExist: true });
  try {
    return d.prepare(sql).all(...args) as T[];
  } finally {
    d.close();
  }
}

/** 'both' once both peers have the kernel; otherwise what the host and each peer saw, for the failure message. */
function withKernel(host: GroupHost, ...peers: { events: PeerEvent[] }[]): string {
  if (peers.every((p) => p.events.some((e) => e.type === 'kernel'))) return 'both';
  return JSON.stringify({ host: host.peerViews, peers: peers.map((p) => p.events.map((e) => (e.type === 'connected' || e.type === 'kernel' ? `${e.type}@${e.ms}` : e.type))) });
}

const dropped = (events: HostEvent[]) => events.filter((e): e is Extract<HostEvent, { type: 'dropped' }> => e.type === 'dropped');

describe('a host that cheats', () => {
  it('flips one byte of the kernel: the peer refuses, nothing runs, its pool seat is not billed', async () => {
    const { api: customer, apiKey, job } = await w.customerWithJob(SHORT_UNITS);
    const before = await customer.balance();
    const pool = await groupCreation({ baseUrl: w.url(), token: apiKey }).createPool({ jobId: job.id, seats: 1, ttlMs: 600_000, billing: 'notice', quorum: 1 });
    const { host } = await w.startHost('pools', apiKey, pool, {
      kernelBytes: (real) => {
        const evil = real.slice();
        evil[evil.length - 1]! ^= 1;
        return evil;
      },
    });
    const peer = await w.volunteer();
    const p = w.startPeer(peer.token, pool.invite);
    const outcome = await p.outcome;
    expect(outcome).toMatchObject({ kind: 'refused' });
    expect(p.events.some((e) => e.type === 'unit_started')).toBe(false);
    await expect.poll(() => host.peerViews.map((v) => `${v.state}:${v.detail}`), poll).toEqual([expect.stringMatching(/^refused/)]);
    await host.close();
    const status = await (await import('../../shared/groups/client.ts')).hostApi('pools', { baseUrl: w.url(), token: apiKey }).status(pool.groupId);
    expect(status.peers).toEqual([expect.objectContaining({ state: 'declined', received: false })]);
    // Its seat was held at creation and released whole: the balance is as before.
    expect((await customer.balance()).balanceMinor).toBe(before.balanceMinor);
  }, 60_000);

  it('alters a result, or submits a peer lease as its own: refused, nobody credited', async () => {
    const { api: customer, job } = await w.customerWithJob(SHORT_UNITS);
    const hostV = await w.volunteer();
    const group = await w.createGroup(hostV.token, 1);
    const ownAttempts: unknown[] = [];
    let n = 0;
    const { events } = await w.startHost('groups', hostV.token, group, {
      wrap: (api): HostApi => ({
        ...api,
        results: async (groupId, items) => {
          // Every other result: its output altered; the rest: the host tries them as its own results.
          const altered: SignedResult[] = [];
          for (const it of items) {
            if (n++ % 2 === 0) altered.push({ ...it, output: it.output.map((b, i) => (i === 0 ? b ^ 1 : b)) });
            else ownAttempts.push(await hostV.api.submitResult(it.leaseId, it.output).catch((err: unknown) => err));
          }
          const answers = altered.length > 0 ? (await api.results(groupId, altered)).results : [];
          return { results: items.map((it) => answers.find((a) => a.leaseId === it.leaseId) ?? { leaseId: it.leaseId, problem: { type: 'about:blank', title: 'kept by the host', status: 400 } }) };
        },
      }),
    });
    const peer = await w.volunteer();
    w.startPeer(peer.token, group.invite);
    // Both kinds of upload were tried (results go up in batches: an altered one, then a kept one).
    await expect.poll(() => dropped(events).some((e) => /signature/i.test(e.reason)) && ownAttempts.length > 0, poll).toBe(true);
    for (const a of ownAttempts) expect(a).toBeInstanceOf(ApiError);
    const [mp, mh] = await Promise.all([peer.api.me(), hostV.api.me()]);
    expect(mp).toMatchObject({ points: 0, resultsValid: 0, resultsPending: 0 });
    expect(mh).toMatchObject({ points: 0, resultsValid: 0, resultsPending: 0 });
    expect(db<{ n: number }>("select count(*) as n from replicas r join units u on u.id = r.unit_id where u.job_id = ? and r.state = 'returned'", job.id)[0]!.n).toBe(0);
    void customer;
  }, 60_000);

  it('alters an input: the result is refused as the host\'s doing, the peer is not blamed, the unit goes back', async () => {
    await w.customerWithJob(SHORT_UNITS);
    const hostV = await w.volunteer();
    const group = await w.createGroup(hostV.token, 1);
    const { events } = await w.startHost('groups', hostV.token, group, {
      wrap: (api): HostApi => ({
        ...api,
        lease: async (groupId, max, seats) => {
          const r = await api.lease(groupId, max, seats);
          return { ...r, leases: r.leases.map((l) => ({ ...l, input: bytesToBase64(base64ToBytes(l.input).map((b, i, arr) => (i === arr.length - 1 ? b ^ 0x01 : b))) })) };
        },
      }),
    });
    const peer = await w.volunteer();
    w.startPeer(peer.token, group.invite);
    await expect.poll(() => dropped(events).length, poll).toBeGreaterThanOrEqual(2);
    expect(dropped(events).every((e) => /input/i.test(e.reason))).toBe(true);
    const mine = db<{ outcome: string | null }>('select outcome from replicas where volunteer_id = ?', peer.volunteerId);
    expect(mine.length).toBeGreaterThan(0);
    // No result of the peer was recorded, none judged invalid (the server's release of the leases is tested in edge/groups/release.test.ts).
    expect(mine.filter((r) => r.outcome !== null)).toEqual([]);
    expect(await peer.api.me()).toMatchObject({ resultsValid: 0, resultsPending: 0 });
  }, 60_000);
});

describe('peers and hosts that leave', () => {
  it('a peer that stops mid-unit: its units go back at once, to the other peer, and nothing is credited twice', async () => {
    const hostV = await w.volunteer();
    const group = await w.createGroup(hostV.token, 2);
    const { host, events } = await w.startHost('groups', hostV.token, group);
    const [a, b] = [await w.volunteer(), await w.volunteer()];
    const pa = w.startPeer(a.token, group.invite);
    const pb = w.startPeer(b.token, group.invite);
    // The job comes once both peers have the kernel, so the host hands units to both.
    await expect.poll(() => withKernel(host, pa, pb), poll).toBe('both');
    const { api: customer, job } = await w.customerWithJob(LONG_UNITS);
    await expect.poll(() => pa.events.some((e) => e.type === 'unit_started'), poll).toBe(true);
    await pa.peer.stop();
    expect((await pa.outcome).kind).toBe('stopped');
    await expect.poll(() => events.some((e) => e.type === 'released'), poll).toBe(true);
    const released = events.flatMap((e) => (e.type === 'released' ? e.leaseIds : []));
    // A's released units are leased again to B (one replica per unit inside the group at a time).
    await expect.poll(() => pb.events.filter((e) => e.type === 'unit_done').length, poll).toBeGreaterThan(0);
    const units = db<{ unit_id: number }>(`select unit_id from replicas where id in (${released.join(',')})`).map((r) => r.unit_id);
    await expect
      .poll(() => db<{ n: number }>(`select count(*) as n from replicas where unit_id in (${units.join(',')}) and volunteer_id = ? and state <> 'timed_out'`, b.volunteerId)[0]!.n, poll)
      .toBeGreaterThan(0);
    const aReleased = db<{ state: string; credited_points: number | null }>(`select state, credited_points from replicas where id in (${released.join(',')})`);
    expect(aReleased.every((r) => r.state === 'timed_out' && !r.credited_points)).toBe(true);
    // Never two live replicas of one unit inside the group.
    expect(db(`select unit_id from replicas where origin = ? and state <> 'timed_out' group by unit_id having count(*) > 1`, `group:${group.groupId}`)).toEqual([]);
    // The host saw it leave (its bye, or its connection closing first).
    expect(host.peerViews.filter((v) => v.state === 'left' || v.state === 'gone')).toHaveLength(1);
    void customer;
    void job;
  }, 90_000);

  it('a host that leaves: its peers fall back to the server and the group\'s units are reissued', async () => {
    const hostV = await w.volunteer();
    const group = await w.createGroup(hostV.token, 2);
    const { host } = await w.startHost('groups', hostV.token, group);
    const [a, b] = [await w.volunteer(), await w.volunteer()];
    const pa = w.startPeer(a.token, group.invite);
    const pb = w.startPeer(b.token, group.invite);
    await expect.poll(() => withKernel(host, pa, pb), poll).toBe('both');
    const { job } = await w.customerWithJob(LONG_UNITS);
    // Both computing; otherwise what each side saw, for the failure message.
    const started = () => ([pa, pb].every((p) => p.events.some((e) => e.type === 'unit_started')) ? 'both' : JSON.stringify({ host: host.peerViews, a: pa.events.slice(0, 4), b: pb.events.slice(0, 4) }));
    await expect.poll(started, poll).toBe('both');
    await host.stop();
    const [oa, ob] = await Promise.all([pa.outcome, pb.outcome]);
    expect(oa).toMatchObject({ kind: 'fallback', reason: 'host_left' });
    expect(ob).toMatchObject({ kind: 'fallback', reason: 'host_left' });
    // Nothing of the group stays leased: every unit it held can go to anyone now.
    expect(db<{ n: number }>("select count(*) as n from replicas where origin = ? and state = 'leased'", `group:${group.groupId}`)[0]!.n).toBe(0);
    void job;
  }, 90_000);

  it('a peer whose channel never opens falls back within the connect timeout, its seat declined unbilled', async () => {
    const hostV = await w.volunteer();
    const group = await w.createGroup(hostV.token, 1);
    // No host runs: no offer ever comes.
    const peer = await w.volunteer();
    const started = Date.now();
    const p = w.startPeer(peer.token, group.invite);
    expect(await p.outcome).toMatchObject({ kind: 'fallback', reason: 'connect_timeout', released: 0 });
    expect(Date.now() - started).toBeLessThan(GROUP_CONNECT_TIMEOUT_MS + 5_000);
    expect((await w.createGroup(hostV.token, 1)).seatsLeft).toBe(1);
  }, 60_000);
});
