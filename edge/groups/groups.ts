/**
 * @module Groups (DESIGN.md, "Groups"; issue 16), the server's side: a host creates a group
 * (a volunteer group, or a customer's private pool for one of its running jobs) and gets an
 * invite code, shown once; peers claim seats with it and their Ed25519 public key (the seat
 * count goes down, never below zero; the same volunteer twice counts once), say when they
 * received the kernel (a reception notice), or decline before that. A pool's seats are held
 * on the customer's balance and charged per approved seat or per notice (billing.ts); the
 * rest is released when the group closes or expires ({@link sweepGroups}). Every operation
 * is one transaction; refusals are statuses and change nothing.
 */
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import type { CreatedGroup as CreatedGroupBody, CreatePoolRequest, CreateGroupRequest, GroupStatus as GroupStatusBody, Seat as SeatBody } from '../../shared/groups/schemas.ts';

// The answers without the deployment's STUN/TURN servers, which the routes add (GROUP_ICE_SERVERS).
type CreatedGroup = Omit<CreatedGroupBody, 'iceServers'>;
type Seat = Omit<SeatBody, 'iceServers'>;
type GroupStatus = Omit<GroupStatusBody, 'iceServers'>;
import { newId } from '../auth/tokens.ts';
import type { Store } from '../db/index.ts';
import { runInOpenTransaction } from '../db/prepared.ts';
import type { Database } from '../db/schema.ts';
import type { GroupsTable } from '../db/tables/groups.ts';
import { inTransaction } from '../db/tx.ts';
import type { KernelEntry, KernelRegistry } from '../kernels/registry.ts';
import { chargeSeatOp, holdSeatsOp, releaseSeatsOp } from './billing.ts';

/** Open groups one volunteer may host at once: a few tabs' worth; each holds seats and relay space. */
export const GROUP_OPEN_PER_HOST_MAX = 4;
/** Open private pools one customer may have at once: an office or lab per job, a few jobs at a time. */
export const GROUP_OPEN_PER_CUSTOMER_MAX = 8;
/** Groups one sweep closes, so one sweep's work stays bounded (the next takes the rest seconds later). */
export const GROUPS_SWEPT_MAX = 100;
/** Random bytes of an invite code: 256 bits, unguessable, so only its hash is kept. */
const INVITE_BYTES = 32;

/** Who hosts: a volunteer (volunteer groups) or a customer (private pools). */
export type Host = { kind: 'volunteer'; volunteerId: string } | { kind: 'pool'; customerId: string };

/** Why a group operation was refused. */
export type GroupRefusal = {
  status:
    | 'group_not_found'
    | 'group_closed'
    | 'group_full'
    | 'own_group'
    | 'too_many_groups'
    | 'kernel_unknown'
    | 'job_not_found'
    | 'job_not_running'
    | 'insufficient_funds'
    | 'seat_not_found'
    | 'seat_received'
    | 'key_invalid'
    | 'quorum_invalid';
  detail: string;
};
export type GroupAnswer<T> = { status: 'ok'; value: T } | GroupRefusal;

export type GroupRow = Selectable<GroupsTable>;
const ok = <T>(value: T): GroupAnswer<T> => ({ status: 'ok', value });
const refuse = (status: GroupRefusal['status'], detail: string): GroupRefusal => ({ status, detail });

export const inviteHash = (code: string) => createHash('sha256').update(code).digest('hex');
const isOpen = (g: Pick<GroupRow, 'closed_at' | 'expires_at'>, now: number) => g.closed_at === null && g.expires_at > now;

/** The kernel entry a group runs (`version` undefined: the newest offered). */
export function groupKernel(registry: KernelRegistry, id: string, version?: number): KernelEntry | undefined {
  let best: KernelEntry | undefined;
  for (const k of registry.entries.values()) if (k.id === id && (version === undefined ? !best || k.version > best.version : k.version === version)) best = k;
  return best;
}
const kernelOf = (k: KernelEntry) => ({ id: k.id, version: k.version, sha256: k.sha256 });

/** A group by id, locked on PostgreSQL until the transaction ends (claims and charges of one group run one at a time). */
export async function groupForUpdate(store: Store, trx: Transaction<Database>, id: string): Promise<GroupRow | undefined> {
  const q = trx.selectFrom('groups').selectAll().where('id', '=', id);
  const row = await (store.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  return row ? { ...row, created_at: Number(row.created_at), expires_at: Number(row.expires_at), closed_at: row.closed_at === null ? null : Number(row.closed_at) } : undefined;
}

/** The group `id` if `host` hosts it (`open`: and it is still open). */
export async function hostedGroup(store: Store, trx: Transaction<Database>, host: Host, id: string, now: number, open: boolean): Promise<GroupAnswer<GroupRow>> {
  const g = await groupForUpdate(store, trx, id);
  const hostId = host.kind === 'volunteer' ? host.volunteerId : host.customerId;
  // Another host's group is not found, as an unknown one: group ids are not disclosed.
  if (!g || g.kind !== host.kind || (g.kind === 'volunteer' ? g.host_volunteer_id : g.host_customer_id) !== hostId) return refuse('group_not_found', `no group ${id} of yours`);
  if (open && !isOpen(g, now)) return refuse('group_closed', `group ${id} has ${g.closed_at === null ? 'expired' : 'been closed'}`);
  return ok(g);
}

async function openGroupsOf(trx: Transaction<Database>, column: 'host_volunteer_id' | 'host_customer_id', id: string, now: number): Promise<number> {
  const r = await trx.selectFrom('groups').select((eb) => eb.fn.countAll<number>().as('n')).where(column, '=', id).where('closed_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  return Number(r?.n ?? 0);
}

function newGroupRow(kind: GroupRow['kind'], kernel: KernelEntry, seats: number, ttlMs: number, now: number): { row: GroupRow; invite: string } {
  const invite = randomBytes(INVITE_BYTES).toString('base64url');
  const row: GroupRow = {
    id: newId('g'),
    kind,
    host_volunteer_id: null,
    host_customer_id: null,
    job_id: null,
    invite_hash: inviteHash(invite),
    seats,
    seats_left: seats,
    billing: null,
    quorum: null,
    kernel_id: kernel.id,
    kernel_version: kernel.version,
    charged: 0,
    created_at: now,
    expires_at: now + ttlMs,
    closed_at: null,
  };
  return { row, invite };
}

const created = (row: GroupRow, invite: string, kernel: KernelEntry): CreatedGroup => ({ groupId: row.id, invite, seatsLeft: row.seats_left, kernel: kernelOf(kernel), expiresAt: row.expires_at });

/** A volunteer group hosted by `volunteerId`, running the newest version of `req.kernel`. */
export async function createVolunteerGroup(store: Store, registry: KernelRegistry, volunteerId: string, req: CreateGroupRequest, now: number): Promise<GroupAnswer<CreatedGroup>> {
  const kernel = groupKernel(registry, req.kernel);
  if (!kernel) return refuse('kernel_unknown', `this server runs no kernel ${req.kernel}`);
  const { row, invite } = newGroupRow('volunteer', kernel, req.seats, req.ttlMs, now);
  row.host_volunteer_id = volunteerId;
  return inTransaction(store, async (trx) => {
    if ((await openGroupsOf(trx, 'host_volunteer_id', volunteerId, now)) >= GROUP_OPEN_PER_HOST_MAX) return refuse('too_many_groups', `you host ${GROUP_OPEN_PER_HOST_MAX} open groups already (the most at once)`);
    await trx.insertInto('groups').values(row).execute();
    return ok(created(row, invite, kernel));
  });
}

/** A private pool for the customer's running job `req.jobId`, its seats held on its balance. */
export async function createPool(store: Store, registry: KernelRegistry, customerId: string, req: CreatePoolRequest, now: number): Promise<GroupAnswer<CreatedGroup>> {
  return inTransaction(store, async (trx, rollback): Promise<GroupAnswer<CreatedGroup>> => {
    const job = await trx.selectFrom('jobs').select(['id', 'status', 'quorum']).where('id', '=', req.jobId).where('customer_id', '=', customerId).executeTakeFirst();
    if (!job) return refuse('job_not_found', `no job ${req.jobId} of yours`);
    if (job.status !== 'running') return refuse('job_not_running', `job ${req.jobId} is ${job.status}`);
    if (req.quorum !== undefined && req.quorum > job.quorum) return refuse('quorum_invalid', `quorum ${req.quorum} is over the job's (${job.quorum}): a pool may only lower it`);
    const unit = await trx.selectFrom('units').select(['kernel_id', 'kernel_version']).where('job_id', '=', job.id).orderBy('id', 'desc').limit(1).executeTakeFirst();
    const kernel = unit && groupKernel(registry, unit.kernel_id, unit.kernel_version);
    if (!kernel) return refuse('kernel_unknown', `the kernel of job ${req.jobId} is not offered here`);
    if ((await openGroupsOf(trx, 'host_customer_id', customerId, now)) >= GROUP_OPEN_PER_CUSTOMER_MAX) return refuse('too_many_groups', `you have ${GROUP_OPEN_PER_CUSTOMER_MAX} open pools already (the most at once)`);
    const { row, invite } = newGroupRow('pool', kernel, req.seats, req.ttlMs, now);
    Object.assign(row, { host_customer_id: customerId, job_id: job.id, billing: req.billing, quorum: req.quorum ?? null });
    await trx.insertInto('groups').values(row).execute();
    if ((await runInOpenTransaction(store, trx, holdSeatsOp(row.id, customerId, req.seats, req.ttlMs, now))) === 'insufficient') {
      return rollback(refuse('insufficient_funds', `the balance does not cover ${req.seats} seats`));
    }
    return ok(created(row, invite, kernel));
  });
}

/** Whether `key` is a raw Ed25519 public key (32 bytes, base64url, a point Node can import). */
export function importPeerKey(key: string) {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/**
 * `volunteerId` claims a seat with an invite code, from network `origin` (kept on the seat:
 * whether trial-only work pays the peer depends on it, edge/coordinator/funding.ts). A
 * volunteer with a seat already gets the same seat back with the key it sends now (a
 * reloaded page made a new non-extractable key: the old one is gone with the page, so
 * results it signed and the host still holds no longer verify); its first origin stays.
 * One that declined takes a seat again if one is left.
 */
export async function claimSeat(store: Store, registry: KernelRegistry, volunteerId: string, invite: string, publicKey: string, origin: string | null, now: number): Promise<GroupAnswer<Seat>> {
  if (!importPeerKey(publicKey)) return refuse('key_invalid', 'publicKey is not a raw Ed25519 public key');
  return inTransaction(store, async (trx): Promise<GroupAnswer<Seat>> => {
    const found = await trx.selectFrom('groups').select('id').where('invite_hash', '=', inviteHash(invite)).executeTakeFirst();
    const g = found && (await groupForUpdate(store, trx, found.id));
    if (!g) return refuse('group_not_found', 'no group has this invite code');
    if (!isOpen(g, now)) return refuse('group_closed', `group ${g.id} has ${g.closed_at === null ? 'expired' : 'been closed'}`);
    if (g.host_volunteer_id === volunteerId) return refuse('own_group', 'the host cannot take a seat in its own group');
    const kernel = groupKernel(registry, g.kernel_id, g.kernel_version);
    if (!kernel) return refuse('kernel_unknown', `kernel ${g.kernel_id}@${g.kernel_version} is no longer offered here`);
    const seat = (seatId: number): GroupAnswer<Seat> => ok({ groupId: g.id, seatId, kernel: kernelOf(kernel), expiresAt: g.expires_at });
    const mine = await trx.selectFrom('group_seats').select(['id', 'state']).where('group_id', '=', g.id).where('volunteer_id', '=', volunteerId).executeTakeFirst();
    if (mine?.state === 'claimed') {
      await trx.updateTable('group_seats').set({ public_key: publicKey }).where('id', '=', mine.id).execute();
      return seat(Number(mine.id));
    }
    // Guarded in the statement too: the count never goes below zero, whatever the isolation.
    const taken = await trx.updateTable('groups').set((eb) => ({ seats_left: eb('seats_left', '-', 1) })).where('id', '=', g.id).where('seats_left', '>', 0).executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 0) return refuse('group_full', `group ${g.id} has no seats left`);
    if (mine) {
      await trx.updateTable('group_seats').set({ state: 'claimed', public_key: publicKey, claimed_at: now, origin }).where('id', '=', mine.id).execute();
      return seat(Number(mine.id));
    }
    const row = await trx.insertInto('group_seats').values({ group_id: g.id, volunteer_id: volunteerId, public_key: publicKey, origin, state: 'claimed', claimed_at: now, notice_at: null, charged_at: null }).returning('id').executeTakeFirstOrThrow();
    return seat(Number(row.id));
  });
}

/** The caller's claimed seat in group `groupId`, with its group locked. */
async function ownSeat(store: Store, trx: Transaction<Database>, volunteerId: string, groupId: string, now: number) {
  const g = await groupForUpdate(store, trx, groupId);
  const seat = g && (await trx.selectFrom('group_seats').selectAll().where('group_id', '=', g.id).where('volunteer_id', '=', volunteerId).where('state', '=', 'claimed').executeTakeFirst());
  if (!g || !seat) return refuse('seat_not_found', `you hold no seat in group ${groupId}`);
  if (!isOpen(g, now)) return refuse('group_closed', `group ${g.id} has ${g.closed_at === null ? 'expired' : 'been closed'}`);
  return { g, seat: { ...seat, id: Number(seat.id) } };
}

/** Charges one seat of a pool (once per volunteer), in the transaction that approved it. */
async function chargeSeat(store: Store, trx: Transaction<Database>, g: GroupRow, seat: { id: number; volunteer_id: string; charged_at: number | null }, now: number): Promise<void> {
  if (g.kind !== 'pool' || seat.charged_at !== null || g.charged >= g.seats) return;
  await runInOpenTransaction(store, trx, chargeSeatOp(g.id, seat.volunteer_id, g.charged + 1, now));
  await trx.updateTable('groups').set({ charged: g.charged + 1 }).where('id', '=', g.id).execute();
  await trx.updateTable('group_seats').set({ charged_at: now }).where('id', '=', seat.id).execute();
  g.charged++;
}

/** The peer received the kernel (idempotent). A pool's seat is charged now at the latest (either billing option). */
export async function sendNotice(store: Store, volunteerId: string, groupId: string, now: number): Promise<GroupAnswer<{ seatId: number }>> {
  return inTransaction(store, async (trx) => {
    const own = await ownSeat(store, trx, volunteerId, groupId, now);
    if ('status' in own) return own;
    if (own.seat.notice_at === null) {
      await trx.updateTable('group_seats').set({ notice_at: now }).where('id', '=', own.seat.id).execute();
      await chargeSeat(store, trx, own.g, own.seat, now);
    }
    return ok({ seatId: own.seat.id });
  });
}

/** The peer declines before it received the kernel: its seat goes back to the group, unbilled. */
export async function declineSeat(store: Store, volunteerId: string, groupId: string, now: number): Promise<GroupAnswer<{ seatId: number }>> {
  return inTransaction(store, async (trx) => {
    const own = await ownSeat(store, trx, volunteerId, groupId, now);
    if ('status' in own) return own;
    if (own.seat.notice_at !== null) return refuse('seat_received', 'this seat received the kernel already: it was approved and cannot be declined');
    await trx.updateTable('group_seats').set({ state: 'declined' }).where('id', '=', own.seat.id).execute();
    await trx.updateTable('groups').set((eb) => ({ seats_left: eb('seats_left', '+', 1) })).where('id', '=', own.g.id).execute();
    await trx.deleteFrom('group_signals').where('seat_id', '=', own.seat.id).execute();
    return ok({ seatId: own.seat.id });
  });
}

/** A group as its host sees it. */
export async function groupStatus(store: Store, registry: KernelRegistry, host: Host, groupId: string, now: number): Promise<GroupAnswer<GroupStatus>> {
  return inTransaction(store, async (trx) => {
    const found = await hostedGroup(store, trx, host, groupId, now, false);
    if (found.status !== 'ok') return found;
    const g = found.value;
    const seats = await trx.selectFrom('group_seats').select(['id', 'state', 'notice_at']).where('group_id', '=', g.id).orderBy('id').execute();
    const k = groupKernel(registry, g.kernel_id, g.kernel_version);
    return ok({
      groupId: g.id,
      kind: g.kind,
      seats: g.seats,
      seatsLeft: g.seats_left,
      kernel: { id: g.kernel_id, version: g.kernel_version, sha256: k?.sha256 ?? '' },
      expiresAt: g.expires_at,
      closed: !isOpen(g, now),
      peers: seats.map((s) => ({ seatId: Number(s.id), state: s.state, received: s.notice_at !== null })),
    });
  });
}

/**
 * Ends a group in `trx`: per-seat billing charges the approved seats not charged yet (claimed
 * and not declined), the rest of the holds is released, relayed messages are dropped.
 */
async function endGroup(store: Store, trx: Transaction<Database>, g: GroupRow, now: number): Promise<void> {
  if (g.billing === 'seat') {
    const approved = await trx.selectFrom('group_seats').select(['id', 'volunteer_id', 'charged_at']).where('group_id', '=', g.id).where('state', '=', 'claimed').where('charged_at', 'is', null).orderBy('id').execute();
    for (const s of approved) await chargeSeat(store, trx, g, { ...s, id: Number(s.id) }, now);
  }
  if (g.kind === 'pool') await runInOpenTransaction(store, trx, releaseSeatsOp(g.id, g.charged, g.seats, now));
  await trx.updateTable('groups').set({ closed_at: Math.min(now, g.expires_at) }).where('id', '=', g.id).execute();
  await trx.deleteFrom('group_signals').where('group_id', '=', g.id).execute();
}

/** The host closes its group (idempotent): no seat is claimed after, and a pool's holds are settled. */
export async function closeGroup(store: Store, host: Host, groupId: string, now: number): Promise<GroupAnswer<{ groupId: string }>> {
  return inTransaction(store, async (trx) => {
    const found = await hostedGroup(store, trx, host, groupId, now, false);
    if (found.status !== 'ok') return found;
    if (found.value.closed_at === null) await endGroup(store, trx, found.value, now);
    return ok({ groupId });
  });
}

/** Ends groups past their expiry (at most {@link GROUPS_SWEPT_MAX}); edge/main.ts runs it with the hold sweep, before holds expire. */
export async function sweepGroups(store: Store, now: number): Promise<number> {
  const due = await store.db.selectFrom('groups').select('id').where('closed_at', 'is', null).where('expires_at', '<=', now).orderBy('expires_at').limit(GROUPS_SWEPT_MAX).execute();
  let ended = 0;
  for (const { id } of due) {
    const done = await inTransaction(store, async (trx) => {
      const g = await groupForUpdate(store, trx, id);
      if (!g || g.closed_at !== null) return false;
      await endGroup(store, trx, g, now);
      return true;
    });
    if (done) ended++;
  }
  return ended;
}
