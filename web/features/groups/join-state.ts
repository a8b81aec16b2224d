/**
 * @module What the join page shows of a peer's session in a group (issue 16), as a pure
 * reducer over the peer's events (shared/groups/peer.ts) and its outcome, plus the reading
 * of the invite from the page's URL fragment and of a refused seat claim. Before Join the
 * phase is `idle`: nothing is claimed and nothing computes.
 */
import type { FallbackReason, PeerEvent, PeerOutcome } from '../../../shared/groups/peer.ts';
import { describeError, problemOf } from '../../lib/errors.ts';

/** Where the peer is, in the order a session goes through them; the last five are ends. */
export type JoinPhase =
  | 'idle'
  | 'claiming'
  | 'connecting'
  | 'kernel'
  | 'ready'
  | 'computing'
  | 'fallback'
  | 'refused'
  | 'declined'
  | 'stopped'
  | 'error';

/** Why a seat could not be claimed, as the page words it. */
export type ClaimError = { kind: 'full' | 'closed' | 'notFound' | 'own' } | { kind: 'other'; text: string };

export interface JoinView {
  phase: JoinPhase;
  seat?: { groupId: string; seatId: number };
  /** Where the kernel came from: the host's channel (its bytes) or this device's cache (nothing sent). */
  kernel?: { origin: 'channel' | 'cache'; bytes: number };
  unitsDone: number;
  unitsRunning: number;
  unitsFailed: number;
  /** Why the host's kernel was refused. */
  reason?: string;
  fallback?: FallbackReason;
  /** Whether the peer had received the kernel when it declined (then it left rather than gave the seat back). */
  received?: boolean;
  error?: ClaimError;
}

export type JoinAction =
  | { type: 'join' }
  /** Declined before Join: nothing was claimed. */
  | { type: 'decline-unjoined' }
  | { type: 'event'; event: PeerEvent }
  | { type: 'outcome'; outcome: PeerOutcome }
  | { type: 'error'; error: ClaimError }
  | { type: 'reset' };

export const initialJoinView: JoinView = { phase: 'idle', unitsDone: 0, unitsRunning: 0, unitsFailed: 0 };

/** Phases in which the peer holds a seat and may still work for the group. */
export const ACTIVE_PHASES: ReadonlySet<JoinPhase> = new Set(['claiming', 'connecting', 'kernel', 'ready', 'computing']);

function onEvent(v: JoinView, e: PeerEvent): JoinView {
  if (!ACTIVE_PHASES.has(v.phase)) return v;
  switch (e.type) {
    case 'seat':
      return { ...v, phase: 'connecting', seat: { groupId: e.seat.groupId, seatId: e.seat.seatId } };
    case 'connected':
      return { ...v, phase: 'kernel' };
    case 'kernel':
      return { ...v, phase: 'ready', kernel: { origin: e.origin, bytes: e.bytes } };
    case 'unit_started':
      return { ...v, phase: 'computing', unitsRunning: v.unitsRunning + 1 };
    case 'unit_done':
      return { ...v, unitsDone: v.unitsDone + 1, unitsRunning: Math.max(0, v.unitsRunning - 1) };
    case 'unit_failed':
      return { ...v, unitsFailed: v.unitsFailed + 1, unitsRunning: Math.max(0, v.unitsRunning - 1) };
  }
}

function onOutcome(v: JoinView, o: PeerOutcome): JoinView {
  const ended = { ...v, unitsRunning: 0 };
  switch (o.kind) {
    case 'fallback':
      return { ...ended, phase: 'fallback', fallback: o.reason };
    case 'refused':
      return { ...ended, phase: 'refused', reason: o.reason };
    case 'declined':
      return { ...ended, phase: 'declined', received: v.kernel !== undefined };
    case 'stopped':
      return { ...ended, phase: 'stopped' };
  }
}

export function reduceJoin(v: JoinView, a: JoinAction): JoinView {
  switch (a.type) {
    case 'join':
      return { ...initialJoinView, phase: 'claiming' };
    case 'decline-unjoined':
      return v.phase === 'idle' ? { ...initialJoinView, phase: 'declined', received: false } : v;
    case 'event':
      return onEvent(v, a.event);
    case 'outcome':
      return onOutcome(v, a.outcome);
    case 'error':
      return { ...v, phase: 'error', unitsRunning: 0, error: a.error };
    case 'reset':
      return initialJoinView;
  }
}

/** A base64url 256-bit code, as the server makes invites. */
const INVITE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The invite in a URL fragment (`#<code>`) or as pasted (a whole link or the code alone);
 * undefined when there is none. The code travels in the fragment so it never reaches a
 * server's logs or a Referer.
 */
export function inviteOf(text: string): string | undefined {
  const trimmed = text.trim();
  const code = trimmed.includes('#') ? trimmed.slice(trimmed.lastIndexOf('#') + 1) : trimmed;
  return INVITE.test(code) ? code : undefined;
}

/** What a refused seat claim means for the visitor. */
export function claimError(err: unknown): ClaimError {
  const type = problemOf(err)?.type ?? '';
  if (type.endsWith('/group-full')) return { kind: 'full' };
  if (type.endsWith('/group-closed')) return { kind: 'closed' };
  if (type.endsWith('/group-not-found')) return { kind: 'notFound' };
  if (type.endsWith('/group-own-seat')) return { kind: 'own' };
  return { kind: 'other', text: describeError(err) };
}
