/**
 * @module `npm run worker -- --server URL [--reception URL] [--threads N] [--units N] [--identity FILE] [--join INVITE] [--bind ADDRESS]`:
 * a volunteer that runs in Node, with one worker thread per core, through the same work loop
 * and kernel runtime as the browser. For servers that volunteer, and for load tests. With
 * `--reception`, work goes to the node reception admits it to (and to another one if that
 * node fails); `--server` is then only where the identity is created. With `--join`, it
 * first works as a peer of the group the invite opens (join.ts; `--bind` keeps ICE on one
 * address), keeping kernels in files next to the identity, and goes on with the server when
 * the group falls through.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createApiClient } from '../../shared/api/client.ts';
import { admittedFetch } from '../../shared/reception/admitted-fetch.ts';
import { WORKERS_PER_TAB_MAX } from '../../shared/limits.ts';
import { createKernelSource } from '../../shared/volunteer/kernel-source.ts';
import { Outbox, memoryOutboxStore } from '../../shared/volunteer/outbox.ts';
import { WorkLoop } from '../../shared/volunteer/work-loop.ts';
import { createIdentityWithRetries } from './create-identity.ts';
import { createThreadExecutor } from './executor.ts';
import { afterGroup, EXIT_CLAIM_REFUSED, EXIT_KERNEL_REFUSED, joinGroup } from './join.ts';
import { fileKernelCache } from './kernel-cache.ts';
import type { GroupPeer } from '../../shared/groups/peer.ts';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'http://127.0.0.1:8787' },
    reception: { type: 'string' },
    threads: { type: 'string', default: String(availableParallelism()) },
    units: { type: 'string' },
    identity: { type: 'string', default: 'data/worker-identity.json' },
    join: { type: 'string' },
    bind: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run worker -- --server URL [--reception URL] [--threads N] [--units N per thread] [--identity FILE] [--join INVITE [--bind ADDRESS]]');
  console.log('  --join INVITE   work as a peer of the group the invite opens; back to the server if the group falls through');
  console.log('  --bind ADDRESS  gather ICE candidates on this address only (e.g. 127.0.0.1)');
  console.log(`  exit codes: 1 no identity, 2 bad arguments, ${EXIT_KERNEL_REFUSED} the host's kernel was refused, ${EXIT_CLAIM_REFUSED} the seat claim was refused`);
  process.exit(0);
}
const threads = Number(values.threads);
if (!Number.isInteger(threads) || threads < 1 || threads > WORKERS_PER_TAB_MAX) {
  console.error(`--threads must be a whole number from 1 to ${WORKERS_PER_TAB_MAX}`);
  process.exit(2);
}
const unitsPerSlotMax = values.units === undefined ? undefined : Number(values.units);
if (unitsPerSlotMax !== undefined && (!Number.isInteger(unitsPerSlotMax) || unitsPerSlotMax < 1)) {
  console.error('--units must be a positive whole number');
  process.exit(2);
}

const server = values.server.replace(/\/$/, '');
let token: string | undefined;
if (existsSync(values.identity)) token = (JSON.parse(readFileSync(values.identity, 'utf8')) as { token: string }).token;
if (!token) {
  // New identities are bounded per network origin: a 429 is waited out (bounded), with the reason printed.
  const anonymous = createApiClient({ baseUrl: server });
  const created = await createIdentityWithRetries(() => anonymous.createVolunteer()).catch((err: unknown) => {
    console.error(`could not create a volunteer identity: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
  mkdirSync(dirname(values.identity), { recursive: true });
  writeFileSync(values.identity, JSON.stringify(created), { mode: 0o600 });
  token = created.token;
  console.log(`new volunteer identity ${created.volunteerId} saved in ${values.identity}`);
}
// Through reception: a client key of this run binds its tickets; requests go to the admitted node.
const viaReception = values.reception
  ? admittedFetch({
      receptionUrl: values.reception,
      scope: 'volunteer',
      clientKey: randomBytes(32).toString('base64url'),
      onWaiting: (w) => console.log(`waiting for admission: ${w.position} ahead${w.estimate.known ? `, about ${Math.round(w.estimate.lowMs / 1000)}–${Math.round(w.estimate.highMs / 1000)} s` : ''}`),
    })
  : undefined;
const apiOptions = viaReception ? { baseUrl: '', token, fetch: viaReception } : { baseUrl: server, token };
const api = createApiClient(apiOptions);
const executors = Array.from({ length: threads }, () => createThreadExecutor());
// With --join, kernels are kept in files next to the identity, so a second group reuses them.
const kernelCache = values.join ? fileKernelCache(join(dirname(values.identity), 'kernels')) : undefined;
let peer: GroupPeer | undefined;
let loop: WorkLoop | undefined;
let outbox: Outbox | undefined;
const stop = async () => {
  await peer?.stop();
  await loop?.stop();
  outbox?.close();
  await Promise.all(executors.map((x) => x.close()));
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

if (values.join && kernelCache) {
  console.log(`joining a group with ${threads} thread(s) through ${server}; Ctrl-C leaves`);
  // Loaded only here: the plain worker never needs node-datachannel's native module.
  const { nodePeerConnections } = await import('./rtc.ts');
  const joined = joinGroup({ api: apiOptions, invite: values.join, executors, cache: kernelCache, createPeerConnection: nodePeerConnections(values.bind) });
  peer = joined.peer;
  const next = afterGroup(await joined.outcome);
  peer = undefined;
  if (next.next === 'exit') {
    (next.code === 0 ? console.log : console.error)(next.message);
    await Promise.all(executors.map((x) => x.close()));
    process.exit(next.code);
  }
  console.log(next.message);
}

let units = 0;
let points = 0;
// Results wait in memory until the edge takes them (a restarting edge, say); Node keeps no
// state across runs of this worker, the edge reissues what a killed worker held.
outbox = new Outbox({
  api,
  store: memoryOutboxStore(),
  onEvent(e) {
    if (e.type === 'sent') {
      units++;
      points += e.creditedPoints;
      console.log(`lease ${e.leaseId}: ${e.outcome}${e.creditedPoints ? ` +${e.creditedPoints} points` : ''} (units ${units}, points ${points})`);
    } else if (e.type === 'dropped') {
      console.error(`lease ${e.leaseId} (unit ${e.unitId}) dropped: ${e.reason}, ${e.detail}`);
    } else if (process.env.WORKER_DEBUG) console.log(JSON.stringify(e));
  },
});
loop = new WorkLoop({
  api,
  kernels: createKernelSource({ api, ...(viaReception ? { fetch: viaReception } : { baseUrl: server }), ...(kernelCache ? { cache: kernelCache } : {}) }),
  executors,
  outbox,
  unitsPerSlotMax,
  onEvent(e) {
    if (e.type === 'error' || e.type === 'kernel_refused') console.error(`[slot ${e.slot}] ${e.message}`);
    else if (e.type === 'dropped') console.log(`[slot ${e.slot}] lease ${e.leaseId} dropped: ${e.reason}`);
    else if (process.env.WORKER_DEBUG) console.log(JSON.stringify(e).slice(0, 200));
  },
});
console.log(`volunteering ${threads} thread(s) to ${server}; Ctrl-C stops`);
loop.start();
await loop.finished();
await Promise.all(executors.map((x) => x.close()));
await outbox.drained();
outbox.close();
console.log(`done: ${units} units submitted, ${points} points credited`);
