/**
 * @module A group's work (issue 16): the host leases a batch of units for its peers (each
 * unit a replica of ONE peer, under the group's one origin: edge/coordinator/group-lease.ts)
 * and later uploads their results on their behalf. Each result carries its peer's Ed25519
 * signature over {@link groupResultMessage} with the key the peer registered at its seat
 * claim, so the host can drop or delay a peer's result but never alter it or claim it: an
 * item whose signature does not verify, or whose lease is not one of this group's peers', is
 * refused alone, and a valid one goes through the coordinator's normal submit path as the
 * PEER (credits to the peer, never the host).
 */
import { createHash, verify } from 'node:crypto';
import { groupResultMessage, type GroupLeaseResponse } from '../../shared/groups/schemas.ts';
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

/** One uploaded result's answer: the coordinator's status, or why it was refused before it. */
export type GroupResultStatus = SubmitStatus | { status: 'lease_not_in_group' } | { status: 'signature_invalid' };

/** Leases up to `max` units to the peers of the host's open group (peers with a claimed seat that sent their notice). */
export async function leaseForGroup(store: Store, coordinator: Coordinator, host: Host, groupId: string, max: number, hostOrigin: string | null, now: number): Promise<GroupAnswer<GroupLeaseResponse>> {
  const found = await inTransaction(store, async (trx) => {
    const g = await hostedGroup(store, trx, host, groupId, now, true);
    if (g.status !== 'ok') return g;
    const seats = await trx.selectFrom('group_seats').select(['id', 'volunteer_id', 'state', 'notice_at']).where('group_id', '=', groupId).execute();
    return { status: 'ok' as const, value: { g: g.value, seats } };
  });
  if (found.status !== 'ok') return found;
  const { g, seats } = found.value;
  const members = seats.map((s) => s.volunteer_id);
  if (g.host_volunteer_id) members.push(g.host_volunteer_id);
  const spec = {
    groupId,
    peers: seats.filter((s) => s.state === 'claimed' && s.notice_at !== null).map((s) => ({ volunteerId: s.volunteer_id, seatId: Number(s.id) })),
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

/** Whether `signature` (base64url) is the peer's over its output of `leaseId` in group `groupId`. */
export function signatureValid(publicKey: string, groupId: string, leaseId: number, output: Uint8Array, signature: string): boolean {
  const key = importPeerKey(publicKey);
  if (!key) return false;
  const hash = createHash('sha256').update(output).digest('hex');
  const message = Buffer.from(groupResultMessage(groupId, leaseId, hash), 'utf8');
  try {
    return verify(null, message, key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * Takes results the host uploads for its group's peers, one status per item in order. The
 * group may have closed or expired meanwhile: results of its leases are still taken (the
 * host may have been offline), as a late result is on the normal path.
 */
export async function uploadGroupResults(
  store: Store,
  coordinator: Coordinator,
  host: Host,
  groupId: string,
  items: readonly { leaseId: number; output: Uint8Array; signature: string }[],
  now: number,
): Promise<GroupAnswer<GroupResultStatus[]>> {
  const found = await inTransaction(store, async (trx) => {
    const g = await hostedGroup(store, trx, host, groupId, now, false);
    if (g.status !== 'ok') return g;
    const ids = items.map((it) => it.leaseId);
    const replicas = await trx.selectFrom('replicas').select(['id', 'volunteer_id', 'origin']).where('id', 'in', ids).execute();
    const seats = await trx.selectFrom('group_seats').select(['volunteer_id', 'public_key']).where('group_id', '=', groupId).execute();
    return { status: 'ok' as const, value: { replicas, seats } };
  });
  if (found.status !== 'ok') return found;
  const keys = new Map(found.value.seats.map((s) => [s.volunteer_id, s.public_key]));
  const leases = new Map(found.value.replicas.map((r) => [Number(r.id), r]));
  const answers: GroupResultStatus[] = [];
  for (const it of items) {
    const r = leases.get(it.leaseId);
    const key = r && r.origin === groupOrigin(groupId) ? keys.get(r.volunteer_id) : undefined;
    if (!r || key === undefined) answers.push({ status: 'lease_not_in_group' });
    else if (!signatureValid(key, groupId, it.leaseId, it.output, it.signature)) answers.push({ status: 'signature_invalid' });
    else answers.push(await coordinator.submit(r.volunteer_id, it.leaseId, it.output, now));
  }
  return { status: 'ok', value: answers };
}
