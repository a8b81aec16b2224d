/**
 * @module The signalling relay of a group (issue 16): without trickle ICE each seat needs one
 * offer (host → peer) and one answer (peer → host), each a complete session description.
 * Only the group's host and that seat's peer may write or read a seat's messages; a message
 * is kept until it is read (then deleted, so a failed connection can be set up again) or
 * until the group ends. Sizes are bounded by the request schema (GROUP_SDP_CHARS_MAX).
 */
import type { Transaction } from 'kysely';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import { groupForUpdate, hostedGroup, type GroupAnswer, type Host } from './groups.ts';

export type SignalKind = 'offer' | 'answer';
/** Why a signal was refused, beyond a group's refusals. */
export type SignalRefusal = { status: 'signal_not_found' | 'signal_exists'; detail: string };

const refuse = (status: SignalRefusal['status'] | 'seat_not_found' | 'group_closed', detail: string) => ({ status, detail }) as const;

/** Seat `seatId` of a group the host holds (claimed, the group open). */
async function hostSeat(store: Store, trx: Transaction<Database>, host: Host, groupId: string, seatId: number, now: number) {
  const g = await hostedGroup(store, trx, host, groupId, now, true);
  if (g.status !== 'ok') return g;
  const seat = await trx.selectFrom('group_seats').select('id').where('id', '=', seatId).where('group_id', '=', groupId).where('state', '=', 'claimed').executeTakeFirst();
  return seat ? ({ status: 'ok', seatId } as const) : refuse('seat_not_found', `group ${groupId} has no claimed seat ${seatId}`);
}

/** The caller's own claimed seat in an open group. */
async function peerSeat(store: Store, trx: Transaction<Database>, volunteerId: string, groupId: string, now: number) {
  const g = await groupForUpdate(store, trx, groupId);
  const seat = g && (await trx.selectFrom('group_seats').select('id').where('group_id', '=', g.id).where('volunteer_id', '=', volunteerId).where('state', '=', 'claimed').executeTakeFirst());
  if (!g || !seat) return refuse('seat_not_found', `you hold no seat in group ${groupId}`);
  if (g.closed_at !== null || g.expires_at <= now) return refuse('group_closed', `group ${groupId} has ended`);
  return { status: 'ok', seatId: Number(seat.id) } as const;
}

async function put(trx: Transaction<Database>, groupId: string, seatId: number, kind: SignalKind, sdp: string, now: number): Promise<GroupAnswer<{ seatId: number }> | SignalRefusal> {
  const r = await trx.insertInto('group_signals').values({ seat_id: seatId, kind, group_id: groupId, sdp, created_at: now }).onConflict((oc) => oc.columns(['seat_id', 'kind']).doNothing()).executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) return refuse('signal_exists', `seat ${seatId} has an ${kind} waiting to be read`);
  return { status: 'ok', value: { seatId } };
}

async function take(trx: Transaction<Database>, seatId: number, kind: SignalKind): Promise<GroupAnswer<{ sdp: string }> | SignalRefusal> {
  const row = await trx.selectFrom('group_signals').select('sdp').where('seat_id', '=', seatId).where('kind', '=', kind).executeTakeFirst();
  if (!row) return refuse('signal_not_found', `no ${kind} is waiting for seat ${seatId}`);
  await trx.deleteFrom('group_signals').where('seat_id', '=', seatId).where('kind', '=', kind).execute();
  return { status: 'ok', value: { sdp: row.sdp } };
}

/** The host posts its offer for a seat. */
export function postOffer(store: Store, host: Host, groupId: string, seatId: number, sdp: string, now: number) {
  return inTransaction(store, async (trx) => {
    const s = await hostSeat(store, trx, host, groupId, seatId, now);
    return s.status === 'ok' ? put(trx, groupId, seatId, 'offer', sdp, now) : s;
  });
}

/** The host reads (and so removes) the peer's answer for a seat. */
export function takeAnswer(store: Store, host: Host, groupId: string, seatId: number, now: number) {
  return inTransaction(store, async (trx) => {
    const s = await hostSeat(store, trx, host, groupId, seatId, now);
    return s.status === 'ok' ? take(trx, seatId, 'answer') : s;
  });
}

/** The peer reads (and so removes) the host's offer for its seat. */
export function takeOffer(store: Store, volunteerId: string, groupId: string, now: number) {
  return inTransaction(store, async (trx) => {
    const s = await peerSeat(store, trx, volunteerId, groupId, now);
    return s.status === 'ok' ? take(trx, s.seatId, 'offer') : s;
  });
}

/** The peer posts its answer for its seat. */
export function postAnswer(store: Store, volunteerId: string, groupId: string, sdp: string, now: number) {
  return inTransaction(store, async (trx) => {
    const s = await peerSeat(store, trx, volunteerId, groupId, now);
    return s.status === 'ok' ? put(trx, groupId, s.seatId, 'answer', sdp, now) : s;
  });
}
