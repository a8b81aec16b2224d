/**
 * @module Group routes (issue 16): a volunteer creates and hosts a volunteer group under
 * `/api/groups`, a customer a private pool under `/api/pools` (the same host operations,
 * under the customer's credentials); peers claim and use their seats under `/api/seats`.
 * The domain answers with statuses; {@link GROUP_PROBLEMS} alone turns them into problems.
 */
import { Hono, type Context } from 'hono';
import { base64ToBytes } from '../../shared/base64.ts';
import { ClaimSeatRequestSchema, CreateGroupRequestSchema, CreatePoolRequestSchema, GroupLeaseRequestSchema, GroupReleaseRequestSchema, GroupResultsRequestSchema, SignalRequestSchema, type IceServer } from '../../shared/groups/schemas.ts';
import { RESULTS_BATCH_BYTES_MAX } from '../../shared/limits.ts';
import { requireCustomer, requireVolunteer, type AuthVariables } from '../auth/require.ts';
import type { Coordinator } from '../coordinator/index.ts';
import type { Store } from '../db/index.ts';
import { readJson } from '../http/body.ts';
import { clientOrigin } from '../http/origin.ts';
import { positiveIdParam } from '../http/path-ids.ts';
import { ProblemError, refusalProblem, type ProblemSlug } from '../http/problem.ts';
import type { KernelRegistry } from '../kernels/registry.ts';
import { WORK_PROBLEMS } from '../coordinator/work.routes.ts';
import { claimSeat, closeGroup, createPool, createVolunteerGroup, declineSeat, groupStatus, sendNotice, type GroupAnswer, type GroupRefusal, type Host } from './groups.ts';
import { postAnswer, postOffer, takeAnswer, takeOffer, type SignalRefusal } from './signals.ts';
import { leaseForGroup, leaveGroup, releaseGroupLeases, uploadGroupResults, type GroupResultStatus } from './work.ts';

/** The problem type of every status the group operations refuse with. */
const GROUP_PROBLEMS = {
  group_not_found: 'group-not-found',
  group_closed: 'group-closed',
  group_full: 'group-full',
  own_group: 'group-own-seat',
  too_many_groups: 'too-many-groups',
  kernel_unknown: 'kernel-unknown',
  job_not_found: 'not-found',
  job_not_running: 'job-not-running',
  insufficient_funds: 'insufficient-funds',
  seat_not_found: 'seat-not-found',
  seat_received: 'seat-received',
  key_invalid: 'validation',
  quorum_invalid: 'validation',
  signal_not_found: 'signal-not-found',
  signal_exists: 'signal-exists',
} as const satisfies Record<GroupRefusal['status'] | SignalRefusal['status'], ProblemSlug>;

type Refused = GroupRefusal | SignalRefusal;

/** The answer's value, or its refusal thrown as a problem. */
function valueOf<T>(a: GroupAnswer<T> | SignalRefusal): T {
  if (a.status !== 'ok') throw refusalProblem(GROUP_PROBLEMS, a as Refused);
  return a.value;
}

/** The problem one uploaded result is answered with when refused. */
function itemProblem(leaseId: number, s: Exclude<GroupResultStatus, { status: 'ok' }>): ProblemError {
  if (s.status === 'lease_not_in_group') return new ProblemError('lease-not-in-group', `lease ${leaseId} was not leased to a peer of this group`);
  if (s.status === 'signature_invalid') return new ProblemError('signature-invalid', `the signature of lease ${leaseId}'s result does not verify with its peer's key`);
  if (s.status === 'input_altered') return new ProblemError('input-altered', `lease ${leaseId}'s peer signed its result over an input other than its unit's: the result is dropped, the peer not blamed, and the lease given back`);
  if (s.status === 'result_size') return new ProblemError('result-size', `unit ${s.unitId} yields ${s.expected} bytes, got ${s.got}`);
  return new ProblemError(WORK_PROBLEMS[s.status], `lease ${leaseId}: ${s.status.replaceAll('_', ' ')}`);
}

function idParam(raw: string, what: 'seat'): number {
  const id = positiveIdParam(raw);
  if (id === undefined) throw new ProblemError(`${what}-not-found`, `'${raw.slice(0, 20)}' is not a ${what} id`);
  return id;
}

/** What the group routes are built from (the composition root's deps have it all). */
export interface GroupDeps {
  store: Store;
  kernels: KernelRegistry;
  coordinator: Coordinator;
  now: () => number;
  /** Proxies whose X-Forwarded-For names the client (TRUST_PROXY). */
  trustedProxies: ReadonlySet<string>;
  /** STUN/TURN servers named to hosts and peers with their group or seat (GROUP_ICE_SERVERS). */
  groupIceServers: readonly IceServer[];
}

type Ctx = Context<{ Variables: AuthVariables }>;
/** The group named in the path (routes mounted under a prefix variable are not typed with it). */
const groupIdOf = (c: Ctx) => c.req.param('groupId') ?? '';

export function groupRoutes({ store, kernels, coordinator, now, trustedProxies, groupIceServers }: GroupDeps) {
  // What hosts and peers connect with: told with the group (creation, status) and the seat.
  const withIce = <T extends object>(v: T) => ({ ...v, iceServers: groupIceServers });
  const app = new Hono<{ Variables: AuthVariables }>();
  const volunteer = requireVolunteer(store);
  const customer = requireCustomer(store);

  app.post('/api/groups', volunteer, async (c) => {
    const req = await readJson(c, CreateGroupRequestSchema);
    return c.json(withIce(valueOf(await createVolunteerGroup(store, kernels, c.get('volunteerId'), req, now()))), 201);
  });
  app.post('/api/pools', customer, async (c) => {
    const req = await readJson(c, CreatePoolRequestSchema);
    return c.json(withIce(valueOf(await createPool(store, kernels, c.get('customerId'), req, now()))), 201);
  });

  // The host's operations, the same for a volunteer group and a private pool.
  const hostRoutes = (prefix: '/api/groups' | '/api/pools', auth: typeof volunteer, hostOf: (c: Ctx) => Host) => {
    const base = `${prefix}/:groupId`;
    app.get(base, auth, async (c) => c.json(withIce(valueOf(await groupStatus(store, kernels, hostOf(c), groupIdOf(c), now())))));
    app.delete(base, auth, async (c) => c.json(valueOf(await closeGroup(store, hostOf(c), groupIdOf(c), now()))));
    app.put(`${base}/seats/:seatId/offer`, auth, async (c) => {
      const seatId = idParam(c.req.param('seatId') ?? '', 'seat');
      const { sdp } = await readJson(c, SignalRequestSchema);
      return c.json(valueOf(await postOffer(store, hostOf(c), groupIdOf(c), seatId, sdp, now())));
    });
    app.get(`${base}/seats/:seatId/answer`, auth, async (c) => {
      const seatId = idParam(c.req.param('seatId') ?? '', 'seat');
      return c.json(valueOf(await takeAnswer(store, hostOf(c), groupIdOf(c), seatId, now())));
    });
    app.post(`${base}/lease`, auth, async (c) => {
      const { max, seats } = await readJson(c, GroupLeaseRequestSchema, {});
      return c.json(valueOf(await leaseForGroup(store, coordinator, hostOf(c), groupIdOf(c), max, clientOrigin(c, trustedProxies) ?? null, now(), seats)));
    });
    app.post(`${base}/results`, auth, async (c) => {
      const { results } = await readJson(c, GroupResultsRequestSchema, undefined, RESULTS_BATCH_BYTES_MAX);
      const items = results.map((r) => ({ leaseId: r.leaseId, inputSha256: r.inputSha256, output: base64ToBytes(r.output), signature: r.signature }));
      const statuses = valueOf(await uploadGroupResults(store, coordinator, hostOf(c), groupIdOf(c), items, now()));
      return c.json({
        results: statuses.map((s, i) => (s.status === 'ok' ? s.answer : { leaseId: items[i]!.leaseId, problem: itemProblem(items[i]!.leaseId, s).toProblem() })),
      });
    });
    app.post(`${base}/release`, auth, async (c) => {
      const { leaseIds } = await readJson(c, GroupReleaseRequestSchema);
      return c.json(valueOf(await releaseGroupLeases(store, coordinator, hostOf(c), groupIdOf(c), leaseIds, now())));
    });
  };
  hostRoutes('/api/groups', volunteer, (c) => ({ kind: 'volunteer', volunteerId: c.get('volunteerId') }));
  hostRoutes('/api/pools', customer, (c) => ({ kind: 'pool', customerId: c.get('customerId') }));

  // A peer's own seat: claimed with the invite, then named by its group.
  app.post('/api/seats', volunteer, async (c) => {
    const { invite, publicKey } = await readJson(c, ClaimSeatRequestSchema);
    return c.json(withIce(valueOf(await claimSeat(store, kernels, c.get('volunteerId'), invite, publicKey, clientOrigin(c, trustedProxies) ?? null, now()))));
  });
  app.post('/api/seats/:groupId/notice', volunteer, async (c) => c.json(valueOf(await sendNotice(store, c.get('volunteerId'), c.req.param('groupId'), now()))));
  app.post('/api/seats/:groupId/leave', volunteer, async (c) => c.json(valueOf(await leaveGroup(store, coordinator, c.get('volunteerId'), c.req.param('groupId'), now()))));
  app.delete('/api/seats/:groupId', volunteer, async (c) => c.json(valueOf(await declineSeat(store, c.get('volunteerId'), c.req.param('groupId'), now()))));
  app.get('/api/seats/:groupId/offer', volunteer, async (c) => c.json(valueOf(await takeOffer(store, c.get('volunteerId'), c.req.param('groupId'), now()))));
  app.put('/api/seats/:groupId/answer', volunteer, async (c) => {
    const { sdp } = await readJson(c, SignalRequestSchema);
    return c.json(valueOf(await postAnswer(store, c.get('volunteerId'), c.req.param('groupId'), sdp, now())));
  });

  return app;
}
