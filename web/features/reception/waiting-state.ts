/**
 * @module The waiting room's state, outside Preact: a reducer over what reception and the
 * admission client report (asked, told to wait, admitted, failed), and the figures the page
 * shows from it (progress since first queued, seconds to the next retry). Pure, so it is
 * tested without a DOM.
 */
import type { AdmissionFailure } from '../../../shared/reception/admitted-fetch.ts';

/** A wait range as reception estimates it. */
export interface WaitEstimate {
  lowMs: number;
  highMs: number;
  /** False while reception has measured too few service times to estimate from. */
  known: boolean;
}

export type WaitingPhase = 'idle' | 'asking' | 'waiting' | 'admitted' | 'failed';

export interface WaitingState {
  phase: WaitingPhase;
  /** Clients ahead in line (0: next), while waiting. */
  position?: number;
  /** The position when this client was first put in line (kept across reloads), for the progress bar. */
  firstPosition?: number;
  estimate?: WaitEstimate;
  /** Epoch ms of the next automatic retry. */
  retryAt?: number;
  /** Answers "wait" received since the page asked. */
  waits: number;
  /** Set once when admission follows a wait: the moment to chime (cleared by `chimed`). */
  chimeDue: boolean;
  failure?: AdmissionFailure;
  detail?: string;
}

export type WaitingEvent =
  | { type: 'asking' }
  | { type: 'waiting'; position: number; estimate: WaitEstimate; retryAfterMs: number; now: number; firstPosition?: number }
  | { type: 'admitted' }
  /** With `retryAt` when the page will ask again by itself. */
  | { type: 'failed'; failure: AdmissionFailure; detail: string; retryAt?: number }
  | { type: 'chimed' }
  /** The admission was given back (the session or order ended). */
  | { type: 'ended' };

export const initialWaitingState: WaitingState = { phase: 'idle', waits: 0, chimeDue: false };

export function waitingReducer(state: WaitingState, event: WaitingEvent): WaitingState {
  switch (event.type) {
    case 'asking':
      return state.phase === 'waiting' ? state : { ...state, phase: 'asking', failure: undefined, detail: undefined };
    case 'waiting': {
      // The first position seen (or the one kept from before a reload) is the bar's full length;
      // a client pushed back (it was away and lost its place) restarts the bar from there.
      const first = Math.max(event.firstPosition ?? state.firstPosition ?? event.position, event.position);
      return {
        ...state,
        phase: 'waiting',
        position: event.position,
        firstPosition: first,
        estimate: event.estimate,
        retryAt: event.now + event.retryAfterMs,
        waits: state.waits + 1,
        failure: undefined,
        detail: undefined,
      };
    }
    case 'admitted':
      return { phase: 'admitted', waits: state.waits, chimeDue: state.phase === 'waiting' || state.chimeDue };
    case 'failed':
      return { ...state, phase: 'failed', failure: event.failure, detail: event.detail, retryAt: event.retryAt, chimeDue: false };
    case 'chimed':
      return { ...state, chimeDue: false };
    case 'ended':
      return initialWaitingState;
  }
}

/** Share of the way from the first position to the front, 0…1 (0 when first queued at the front). */
export function progressOf(state: WaitingState): number {
  if (state.phase === 'admitted') return 1;
  const first = state.firstPosition ?? 0;
  const now = state.position ?? first;
  if (first <= 0) return 0;
  return Math.min(1, Math.max(0, (first - now) / first));
}

/** Whole seconds until the next automatic retry (0 when it is due or none is planned). */
export function secondsToRetry(state: WaitingState, now: number): number {
  if ((state.phase !== 'waiting' && state.phase !== 'failed') || state.retryAt === undefined) return 0;
  return Math.max(0, Math.ceil((state.retryAt - now) / 1000));
}

/** Whether to play the admission sound now: once, after a wait, never when muted. */
export function shouldChime(state: WaitingState, muted: boolean): boolean {
  return state.chimeDue && !muted;
}
