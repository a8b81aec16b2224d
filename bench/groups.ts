/**
 * @module `npm run bench -- groups` (issue 16, "Measure"): one real edge (SQLite) on this
 * machine and 3 peers in Node (node-datachannel on 127.0.0.1, one worker thread each),
 * measured side by side in one run:
 *
 * 1. **direct**: the 3 peers work with the server as `npm run worker` does (WorkLoop, no
 *    kernel cache) on a job of BENCH_GROUPS_UNITS units;
 * 2. **group**: the same 3 peers (same identities, same threads) join a private pool of the
 *    customer's next job of the same size, hosted in this process, from empty kernel caches;
 * 3. **kept**: the same peers join a second pool with the kernel files kept from (2), to time
 *    a seat's setup when no kernel byte crosses the channel.
 *
 * Reported: validated units/s (units of the job over the time from starting the peers to the
 * job's completion as the edge stamped it, seat setup included), server HTTP requests per unit
 * (every request of every peer's and the host's clients, counted by a fetch wrapper), and the
 * time to set up a seat (claim answered → channel open → kernel ready, from the moment the
 * peer starts), medians over the 3 peers, cold and kept.
 *
 * Why a pool at quorum 1 and not a direct partner: in a volunteer group one replica of each
 * unit must come from outside the group, so a partner would have to compute as many replicas
 * as the 3 peers together, and the group could run no faster than that partner (it would
 * measure the partner, not the group). A pool keeps every replica on the 3 peers measured.
 * The direct mode cannot run at quorum 1 (a job's quorum is QUORUM_DEFAULT), so its peers
 * partner each other; and on loopback all of them share one network origin, so the server
 * re-runs every direct unit (probation, independence), while it re-runs a share of a pool's
 * quorum-1 units (SOLO_VERIFY_RATE, after a peer's first verified matches). The ratio of
 * units/s therefore includes the replication the customer chose to skip, not only the
 * transport: the table prints peer results and server runs per unit, and peer results/s,
 * so the two can be read apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createApiClient, type ApiClient } from '../shared/api/client.ts';
import { groupCreation, hostApi, seatApi } from '../shared/groups/client.ts';
import { GroupHost } from '../shared/groups/host.ts';
import { GroupPeer, type PeerEvent } from '../shared/groups/peer.ts';
import { QUORUM_DEFAULT } from '../shared/limits.ts';
import { createKernelSource, type KernelCache } from '../shared/volunteer/kernel-source.ts';
import { Outbox, memoryOutboxStore } from '../shared/volunteer/outbox.ts';
import { WorkLoop } from '../shared/volunteer/work-loop.ts';
import { topUpForTests } from '../edge/testing.ts';
import { createThreadExecutor } from '../edge/node-worker/executor.ts';
import { fileKernelCache } from '../edge/node-worker/kernel-cache.ts';
import { nodePeerConnections } from '../edge/node-worker/rtc.ts';
import { startServer, type RunningServer } from '../tests/e2e/harness.ts';

/** Units of each measured job: about 30 s for the group on a 2-core machine (BENCH_GROUPS_UNITS). */
const UNITS = Number(process.env.BENCH_GROUPS_UNITS ?? 100);
const PEERS = 3;
/** One unit: 200 variables × 1,000,000 steps, about 0.4 s of kernel in Node here. */
const UNIT = { n: 200, steps: 1_000_000, snapEvery: 1_000_000, membersPerUnit: 1 };
/** Units of the kept-kernel pool's job: it is there to time the seats, not to compute. */
const KEPT_UNITS = PEERS;
/** Longest a measured job may take before the bench gives up. */
const RUN_MS_MAX = 600_000;
/** Longest the kept-kernel seats may take to be ready. */
const SETUP_MS_MAX = 60_000;
/** A pool's lifetime: longer than any run of this bench. */
const POOL_TTL_MS = 3_600_000;

const rtc = nodePeerConnections('127.0.0.1');

/** Requests of a set of clients, by route (ids replaced), counted by {@link countingFetch}. */
class RequestCount {
  readonly byRoute = new Map<string, number>();
  total = 0;
  add(url: string): void {
    const route = new URL(url, 'http://x').pathname.replace(/\/(g_[\w-]+|\d+|[0-9a-f-]{16,})(?=\/|$)/g, '/:id');
    this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
    this.total++;
  }
  snapshot(): { total: number; byRoute: Map<string, number> } {
    return { total: this.total, byRoute: new Map(this.byRoute) };
  }
}

function countingFetch(count: RequestCount): typeof fetch {
  return (input, init) => {
    count.add(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    return fetch(input, init);
  };
}

interface Peer {
  token: string;
  executor: ReturnType<typeof createThreadExecutor>;
  dir: string;
  cache: KernelCache;
}

interface ModeResult {
  seconds: number;
  requests: { total: number; byRoute: Map<string, number> };
  resultsPerUnit: number;
  serverRunsPerUnit: number;
}

/** A seat's setup, in ms from the peer's start. */
interface Setup {
  claimMs: number;
  channelMs: number;
  kernelMs: number;
  origin: 'cache' | 'channel';
}

/** Peer results returned and the server's own runs, per unit of `jobId`, from the edge's database. */
function replication(server: RunningServer, jobId: string, units: number): { resultsPerUnit: number; serverRunsPerUnit: number } {
  const db = new Database(server.databaseUrl, { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get(jobId) as { n: number }).n;
    const results = one("select count(*) as n from replicas r join units u on u.id = r.unit_id where u.job_id = ? and r.state = 'returned'");
    const runs = one("select count(*) as n from units where job_id = ? and verification in ('matched', 'corrected')");
    return { resultsPerUnit: results / units, serverRunsPerUnit: runs / units };
  } finally {
    db.close();
  }
}

/** Waits for the job's end on its progress events; returns when the edge stamped it completed. */
async function completion(customer: ApiClient, jobId: string): Promise<number> {
  for await (const p of customer.jobEvents(jobId, AbortSignal.timeout(RUN_MS_MAX))) void p;
  const done = await customer.job(jobId);
  if (done.status !== 'completed' || !done.completedAt) throw new Error(`job ${jobId} ended ${done.status}: ${done.unitsValid}/${done.unitsTotal} units valid`);
  return Date.parse(done.completedAt);
}

const job = (customer: ApiClient, members: number, seed: number) => customer.createJob({ kind: 'lorenz96', params: { ...UNIT, members, seed } });

async function runDirect(server: RunningServer, customer: ApiClient, peers: Peer[]): Promise<ModeResult> {
  const { id } = await job(customer, UNITS, 11);
  const count = new RequestCount();
  const started = Date.now();
  const running = peers.map((p) => {
    const f = countingFetch(count);
    const api = createApiClient({ baseUrl: server.url, token: p.token, fetch: f });
    const outbox = new Outbox({ api, store: memoryOutboxStore() });
    const loop = new WorkLoop({ api, kernels: createKernelSource({ api, baseUrl: server.url, fetch: f }), executors: [p.executor], outbox });
    loop.start();
    return { loop, outbox };
  });
  const ended = await completion(customer, id);
  const requests = count.snapshot();
  for (const r of running) {
    await r.loop.stop();
    r.outbox.close();
  }
  return { seconds: (ended - started) / 1000, requests, ...replication(server, id, UNITS) };
}

/**
 * One private pool of the customer's new job of `units` units, hosted here, joined by every
 * peer. `until`: the job's completion (a measured run), or every seat ready (setup only).
 */
async function runPool(server: RunningServer, apiKey: string, peers: Peer[], units: number, seed: number, until: 'completed' | 'ready') {
  const customer = createApiClient({ baseUrl: server.url, token: apiKey });
  const { id } = await job(customer, units, seed);
  const group = await groupCreation({ baseUrl: server.url, token: apiKey }).createPool({ jobId: id, seats: peers.length, ttlMs: POOL_TTL_MS, billing: 'notice', quorum: 1 });
  const count = new RequestCount();
  const hostFetch = countingFetch(count);
  const kernels = createKernelSource({ api: createApiClient({ baseUrl: server.url, token: apiKey, fetch: hostFetch }), baseUrl: server.url, fetch: hostFetch });
  const host = new GroupHost({ api: hostApi('pools', { baseUrl: server.url, token: apiKey, fetch: hostFetch }), groupId: group.groupId, kernelBytes: () => kernels.bytes(group.kernel), createPeerConnection: rtc });
  const setups: Promise<Setup>[] = [];
  const members: GroupPeer[] = [];
  const started = Date.now();
  await host.start();
  for (const p of peers) {
    let claimMs = -1;
    let channelMs = -1;
    let ready!: (s: Setup) => void;
    let failed!: (err: Error) => void;
    setups.push(new Promise<Setup>((resolve, reject) => ((ready = resolve), (failed = reject))));
    const t0 = Date.now();
    const onEvent = (e: PeerEvent) => {
      if (e.type === 'seat') claimMs = Date.now() - t0;
      else if (e.type === 'connected') channelMs = e.ms;
      else if (e.type === 'kernel') ready({ claimMs, channelMs, kernelMs: e.ms, origin: e.origin });
    };
    const peer = new GroupPeer({ seats: seatApi({ baseUrl: server.url, token: p.token, fetch: countingFetch(count) }), invite: group.invite, executors: [p.executor], cache: p.cache, createPeerConnection: rtc, onEvent });
    members.push(peer);
    void peer.run().then(
      (o) => {
        if (o.kind !== 'fallback' || o.reason !== 'host_left') console.error(`a peer's group session ended ${JSON.stringify(o)}`);
        // A seat that ended before its kernel was ready is a failed run, not one to wait for.
        failed(new Error(`a peer's seat ended before its kernel was ready: ${JSON.stringify(o)}`));
      },
      (err: unknown) => failed(err instanceof Error ? err : new Error(String(err))),
    );
  }
  try {
    const allReady = Promise.all(setups);
    // Fails the run as soon as a seat ends before it was ready (its rejection is read below).
    allReady.catch(() => undefined);
    let ended = 0;
    if (until === 'completed') ended = (await Promise.all([completion(customer, id), allReady]))[0];
    else await Promise.race([allReady, new Promise((_, reject) => setTimeout(() => reject(new Error('the kept-kernel seats were not ready in time')), SETUP_MS_MAX))]);
    const requests = count.snapshot();
    const setup = await allReady;
    const kernelBytesSent = host.peerViews.reduce((n, v) => n + v.kernelBytesSent, 0);
    return { seconds: (ended - started) / 1000, requests, setup, kernelBytesSent, ...(until === 'completed' ? replication(server, id, units) : { resultsPerUnit: 0, serverRunsPerUnit: 0 }) };
  } finally {
    await host.close();
    await Promise.all(members.map((m) => m.stop()));
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function run(): Promise<void> {
  // The machine is shared: the load before the run says how much of it the bench had.
  const loadAtStart = loadavg()[0]!;
  const server = await startServer();
  const peers: Peer[] = [];
  try {
    const anon = createApiClient({ baseUrl: server.url });
    const { apiKey } = await anon.createCustomer('Groups bench');
    const customer = createApiClient({ baseUrl: server.url, token: apiKey });
    // Paid with money: the trial credit is small, and pool seats are charged.
    await topUpForTests(customer);
    for (let i = 0; i < PEERS; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-groups-peer-'));
      peers.push({ token: (await anon.createVolunteer()).token, executor: createThreadExecutor(), dir, cache: fileKernelCache(join(dir, 'kernels')) });
    }

    const direct = await runDirect(server, customer, peers);
    const group = await runPool(server, apiKey, peers, UNITS, 12, 'completed');
    const kept = await runPool(server, apiKey, peers, KEPT_UNITS, 13, 'ready');

    // What the bench exists to show must hold, or the numbers mean something else.
    if (group.setup.some((s) => s.origin !== 'channel') || group.kernelBytesSent === 0) throw new Error('the cold seats did not take the kernel over the channel');
    if (kept.setup.some((s) => s.origin !== 'cache') || kept.kernelBytesSent !== 0) throw new Error(`the kept-kernel seats were sent ${kept.kernelBytesSent} kernel bytes`);

    const rate = (m: { seconds: number }) => UNITS / m.seconds;
    const perUnit = (m: { requests: { total: number } }) => m.requests.total / UNITS;
    const row = (name: string, a: string, b: string, note = '') => console.log(`${name.padEnd(44)} ${a.padStart(12)} ${b.padStart(14)}  ${note}`);
    console.log(
      `${PEERS} peers × 1 thread (Node; node-datachannel on 127.0.0.1), one edge (SQLite) on this machine, ` +
        `jobs of ${UNITS} units of lorenz96 ${UNIT.n} variables × ${UNIT.steps.toLocaleString('en')} steps; direct at quorum ${QUORUM_DEFAULT}, group = a private pool at quorum 1; ` +
        `${availableParallelism()} cores, load average ${loadAtStart.toFixed(1)} at start`,
    );
    row('', 'direct', 'group (pool)', 'group/direct');
    row('validated units/s', rate(direct).toFixed(2), rate(group).toFixed(2), `${(rate(group) / rate(direct)).toFixed(2)}×`);
    row('  start → job completed', `${direct.seconds.toFixed(1)} s`, `${group.seconds.toFixed(1)} s`);
    row('peer results per unit', direct.resultsPerUnit.toFixed(2), group.resultsPerUnit.toFixed(2));
    row("server's own runs per unit", direct.serverRunsPerUnit.toFixed(2), group.serverRunsPerUnit.toFixed(2));
    const resultsRate = (m: ModeResult) => (m.resultsPerUnit * UNITS) / m.seconds;
    row('peer results/s (replication set aside)', resultsRate(direct).toFixed(2), resultsRate(group).toFixed(2), `${(resultsRate(group) / resultsRate(direct)).toFixed(2)}×`);
    row('server HTTP requests per unit', perUnit(direct).toFixed(2), perUnit(group).toFixed(2), `${(perUnit(group) / perUnit(direct)).toFixed(2)}×`);
    const routes = new Set([...direct.requests.byRoute.keys(), ...group.requests.byRoute.keys()]);
    for (const r of [...routes].sort((a, b) => (group.requests.byRoute.get(b) ?? 0) + (direct.requests.byRoute.get(b) ?? 0) - (group.requests.byRoute.get(a) ?? 0) - (direct.requests.byRoute.get(a) ?? 0))) {
      row(`  ${r}`, String(direct.requests.byRoute.get(r) ?? 0), String(group.requests.byRoute.get(r) ?? 0));
    }
    console.log('');
    row(`seat setup, median of ${PEERS} peers`, 'cold', 'kept kernel', 'kept/cold');
    for (const [name, key] of [
      ['  seat claim answered', 'claimMs'],
      ['  channel open', 'channelMs'],
      ['  kernel ready', 'kernelMs'],
    ] as const) {
      const c = median(group.setup.map((s) => s[key]));
      const k = median(kept.setup.map((s) => s[key]));
      row(name, `${c} ms`, `${k} ms`, `${(k / c).toFixed(2)}×`);
    }
    const transfer = (m: { setup: Setup[] }) => median(m.setup.map((s) => s.kernelMs - s.channelMs));
    row('  channel open → kernel ready', `${transfer(group)} ms`, `${transfer(kept)} ms`, 'kernel sent or found, checked, notice sent');
    row('  kernel bytes over the channels', String(group.kernelBytesSent), String(kept.kernelBytesSent));
    row('  server HTTP requests, kept seats', '', String(kept.requests.total), 'host and peers, start → every seat ready');
  } finally {
    await Promise.all(peers.map((p) => p.executor.close()));
    for (const p of peers) rmSync(p.dir, { recursive: true, force: true });
    await server.stop();
  }
}
