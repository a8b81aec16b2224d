/**
 * @module A group's work (issue 16): the host leases a batch of units for its peers (each
 * unit a replica of ONE peer, under the group's one origin: edge/coordinator/group-lease.ts)
 * and later uploads their results on their behalf. Each result carries its peer's Ed25519
 * signature over {@link groupResultMessage} with the key the peer registered at its seat
 * claim, so the host can drop or delay a peer's result but never alter it or claim it: an
 * item whose signature does not verify, or whose lease is not one of this group's peers', is
 * refused alone, and a valid one goes through the coordinator's normal submit path as the
 * PEER (credits to the peer, never the host). The peer also signs the hash of the input it
 * computed on: one that verifies but differs from the unit's real input shows the HOST
 * altered it, so the result is dropped, the peer is not penalised and the lease is given
 * back. Leases given back early (a peer left mid-unit, or gave up on its host) time out at
 * once, unpenalised, so their units are leased again.
 */
import { createHash, verify } from 'node:crypto';
import { groupResultMessage, type GroupLeaseResponse, type GroupReleased } from '../../shared/groups/schemas.ts';
import { groupOrigin, type Coordinator, type SubmitStatus } from '../coordinator/index.ts';
import type { Store } from '../db/index.ts';
import { inTransaction } from '../db/tx.ts';
import { hostedGroup, importPeerKey, type GroupAnswer, type Host } from './groups.ts';

/**
 * Lifetime of a group's leases: long enough for the group to work through its batch without
 * the server (the host's browser keeps the results in its outbox meanwhile), short enough
 * that units a vanished group held go back to other volunteers the same afternoon. Normal
 * leases last at most LEASE_TTL_MAX_MS (15 minutes).
 */
export const GROUP_LEASE_TTL_MS = 2 * 3_600_000;

/**
 * One uploaded result's answer: the coordinator's status, or why it was refused before it.
 * `input_altered`: the peer's signature verifies, over an input other than its unit's.
 */
export type GroupResultStatus = SubmitStatus | { status: 'lease_not_in_group' } | { status: 'signature_invalid' } | { status: 'input_altered' };

/**
 * Leases up to `max` units to the peers of the host's open group (peers with a claimed seat
 * that sent their notice; with `onlySeats`, only those of them: the ones the host reaches).
 */
export async function leaseForGroup(
  store: Store,
  coordinator: Coordinator,
  host: Host,
  groupId: string,
  max: number,
  hostOrigin: string | null,
  now: number,
  onlySeats?: readonly number[],
): Promise<GroupAnswer<GroupLeaseResponse>> {
  const found = await inTransaction(store, async (trx) => {
    const g = await hostedGroup(store, trx, host, groupId, now, true);
    if (g.status !== 'ok') return g;
    const seats = await trx.selectFrom('group_seats').select(['id', 'volunteer_id', 'state', 'notice_at', 'origin']).where('group_id', '=', groupId).execute();
    return { status: 'ok' as const, value: { g: g.value, seats } };
  });
  if (found.status !== 'ok') return found;
  const { g, seats } = found.value;
  const members = seats.map((s) => s.volunteer_id);
  if (g.host_volunteer_id) members.push(g.host_volunteer_id);
  const spec = {
    groupId,
    peers: seats.filter((s) => s.state === 'claimed' && s.notice_at !== null && (!onlySeats || onlySeats.includes(Number(s.id)))).map((s) => ({ volunteerId: s.volunteer_id, seatId: Number(s.id), origin: s.origin })),
    members,
    kernel: { id: g.kernel_id, version: g.kernel_version },
    pool: g.kind === 'pool' ? { jobId: g.job_id!, quorum: g.quorum } : null,
    hostOrigin,
    // Never past the group's end: its peers' seats (and keys) are only good until then.
    ttlMs: Math.max(1, Math.min(GROUP_LEASE_TTL_MS, g.expires_at - now)),
  };
  const r = await coordinator.leaseForGroup(spec, max, now);
  return { status: 'ok', value: { leases: r.leases.map(({ volunteerId: _peer, ...l }) => l), ...(r.retryAfterMs === undefined ? {} : { retryAfterMs: r.retryAfterMs }) } };
}

/**
 * Whether `signature` (base64url) is the peer's over its output of `leaseId` in group
 * `groupId`, computed on input bytes of SHA-256 `inputSha256` (lower-case hex).
 */
export function signatureValid(publicKey: string, groupId: string, leaseId: number, inputSha256: string, output: Uint8Array, signature: string): boolean {
  const key = importPeerKey(publicKey);
  if (!key) return false;
  const message = Buffer.from(groupResultMessage(groupId, leaseId, inputSha256, sha256Hex(output)), 'utf8');
  try {
    return verify(null, message, key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** One result the host uploads for a peer. */
export interface GroupResultItem {
  leaseId: number;
  /** SHA-256 (lower-case hex) of the input the peer computed on, as it signed it. */
  inputSha256: string;
  output: Uint8Array;
  signature: string;
}

/**
 * Takes results the host uploads for its group's peers, one status per item in order. The
 * group may have closed or expired meanwhile: results of its leases are still taken (the
 * host may have been offline), as a late result is on the normal path. An item whose peer
 * signed an input other than its unit's is `input_altered`: not recorded, nobody credited or
 * penalised, and its lease given back ({@link releaseGroupLeases}'s rules).
 */
export async function uploadGroupResults(store: Store, coordinator: Coordinator, host: Host, groupId: string, items: readonly GroupResultItem[], now: number): Promise<GroupAnswer<GroupResultStatus[]>> {
  const found = await inTransaction(store, async (trx) => {
    const g = await hostedGroup(store, trx, host, groupId, now, false);
    if (g.status !== 'ok') return g;
    const ids = items.map((it) => it.leaseId);
    const replicas = await trx.selectFrom('replicas').select(['id', 'unit_id', 'volunteer_id', 'origin']).where('id', 'in', ids).execute();
    const seats = await trx.selectFrom('group_seats').select(['volunteer_id', 'public_key']).where('group_id', '=', groupId).execute();
    return { status: 'ok' as const, value: { replicas, seats } };
  });
  if (found.status !== 'ok') return found;
  const keys = new Map(found.value.seats.map((s) => [s.volunteer_id, s.public_key]));
  const leases = new Map(found.value.replicas.map((r) => [Number(r.id), { ...r, unit_id: Number(r.unit_id) }]));
  // Each item checked against its peer's key first; only the inputs of signed items are read (a unit's is up to 1 MiB).
  const checked = items.map((it) => {
    const r = leases.get(it.leaseId);
    const key = r && r.origin === groupOrigin(groupId) ? keys.get(r.volunteer_id) : undefined;
    if (!r || key === undefined) return { status: 'lease_not_in_group' as const };
    if (!signatureValid(key, groupId, it.leaseId, it.inputSha256, it.output, it.signature)) return { status: 'signature_invalid' as const };
    return { status: 'signed' as const, replica: r };
  });
  const inputHashes = await unitInputHashes(store, checked.flatMap((c) => (c.status === 'signed' ? [c.replica.unit_id] : [])));
  const answers: GroupResultStatus[] = [];
  for (const [i, it] of items.entries()) {
    const c = checked[i]!;
    if (c.status !== 'signed') answers.push(c);
    else if (inputHashes.get(c.replica.unit_id) !== it.inputSha256) {
      await coordinator.releaseForGroup(groupId, { leaseIds: [it.leaseId] }, now);
      answers.push({ status: 'input_altered' });
    } else answers.push(await coordinator.submit(c.replica.volunteer_id, it.leaseId, it.output, now));
  }
  return { status: 'ok', value: answers };
}

/** SHA-256 (lower-case hex) of the input of each of `unitIds`, read one unit at a time so at most one input is held at once. */
async function unitInputHashes(store: Store, unitIds: readonly number[]): Promise<Map<number, string>> {
  const hashes = new Map<number, string>();
  for (const id of new Set(unitIds)) {
    const u = await store.db.selectFrom('units').select('input').where('id', '=', id).executeTakeFirst();
    if (u) hashes.set(id, sha256Hex(new Uint8Array(u.input)));
  }
  return hashes;
}

/**
 * The host gives back leases of its group's peers (a peer left mid-unit): those of `leaseIds`
 * that are this group's and still leased time out now, as expired leases do, unpenalised, so
 * their units go to another peer or back to anyone. Also after the group ended (the host
 * cleaning up). Other leases in the list are not counted.
 */
export async function releaseGroupLeases(store: Store, coordinator: Coordinator, host: Host, groupId: string, leaseIds: readonly number[], now: number): Promise<GroupAnswer<GroupReleased>> {
  const g = await inTransaction(store, (trx) => hostedGroup(store, trx, host, groupId, now, false));
  if (g.status !== 'ok') return g;
  return { status: 'ok', value: { released: await coordinator.releaseForGroup(groupId, { leaseIds }, now) } };
}

/**
 * A peer gives up on its host (the host is gone): its own leases of group `groupId` still
 * leased time out now, unpenalised, so their units are reissued (at most GROUP_RELEASED_MAX
 * a call). Its seat stays as it is: a pool's bill stands. Also after the group ended; refused
 * only when the peer never held a seat there.
 */
export async function leaveGroup(store: Store, coordinator: Coordinator, volunteerId: string, groupId: string, now: number): Promise<GroupAnswer<GroupReleased>> {
  const seat = await store.db.selectFrom('group_seats').select('id').where('group_id', '=', groupId).where('volunteer_id', '=', volunteerId).executeTakeFirst();
  if (!seat) return { status: 'seat_not_found', detail: `you hold no seat in group ${groupId}` };
  return { status: 'ok', value: { released: await coordinator.releaseForGroup(groupId, { volunteerId }, now) } };
}
