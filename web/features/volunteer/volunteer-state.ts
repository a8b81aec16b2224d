/**
 * @module What the volunteer page shows, as a pure reducer over the work loop's events, so
 * the page component only wires things together.
 */
import type { WorkEvent } from '../../../shared/volunteer/work-loop.ts';
import { readableMessage } from '../../lib/errors.ts';

/** Errors kept on screen; older ones scroll away. */
export const RECENT_ERRORS_MAX = 5;

export type SlotPhase = 'starting' | 'fetching' | 'loading' | 'computing' | 'submitting' | 'waiting' | 'retrying' | 'stopped';

/** One worker's row. */
export interface SlotView {
  phase: SlotPhase;
  leaseId?: number;
  unitId?: number;
  jobId?: string;
  kernel?: string;
  done: number;
  total: number;
}

export interface RecentError {
  /** Unique on the page, for list keys. */
  id: number;
  at: number;
  text: string;
}

export interface VolunteerView {
  slots: SlotView[];
  /** Units computed and submitted since the page was opened. */
  unitsDone: number;
  /** Points credited at submit time since the page was opened (the server total is `me`). */
  creditedThisVisit: number;
  errors: RecentError[];
  nextErrorId: number;
}

export const initialView: VolunteerView = { slots: [], unitsDone: 0, creditedThisVisit: 0, errors: [], nextErrorId: 1 };

export type ViewAction =
  | { type: 'start'; workers: number }
  | { type: 'event'; event: WorkEvent }
  | { type: 'error'; text: string }
  | { type: 'clear-errors' };

const emptySlot = (phase: SlotPhase): SlotView => ({ phase, done: 0, total: 0 });

export function reduceView(view: VolunteerView, action: ViewAction): VolunteerView {
  switch (action.type) {
    case 'start':
      return { ...view, slots: Array.from({ length: action.workers }, () => emptySlot('starting')) };
    case 'error':
      return addError(view, action.text);
    case 'clear-errors':
      return { ...view, errors: [] };
    case 'event':
      return reduceEvent(view, action.event);
  }
}

function addError(view: VolunteerView, text: string): VolunteerView {
  const errors = [{ id: view.nextErrorId, at: Date.now(), text }, ...view.errors].slice(0, RECENT_ERRORS_MAX);
  return { ...view, errors, nextErrorId: view.nextErrorId + 1 };
}

function withSlot(view: VolunteerView, slot: number, update: (s: SlotView) => SlotView): VolunteerView {
  const current = view.slots[slot];
  if (!current) return view;
  const slots = view.slots.slice();
  slots[slot] = update(current);
  return { ...view, slots };
}

function reduceEvent(view: VolunteerView, e: WorkEvent): VolunteerView {
  switch (e.type) {
    case 'leased':
      return withSlot(view, e.slot, () => ({
        phase: 'loading',
        leaseId: e.lease.leaseId,
        unitId: e.lease.unitId,
        jobId: e.lease.jobId,
        kernel: `${e.lease.kernel.id}@${e.lease.kernel.version}`,
        done: 0,
        total: 0,
      }));
    case 'progress':
      return withSlot(view, e.slot, (s) => (s.leaseId === e.leaseId ? { ...s, phase: 'computing', done: e.done, total: e.total } : s));
    case 'computed':
      return withSlot(view, e.slot, (s) => (s.leaseId === e.leaseId ? { ...s, phase: 'submitting', done: s.total } : s));
    case 'submitted':
      return {
        ...withSlot(view, e.slot, () => emptySlot('fetching')),
        unitsDone: view.unitsDone + 1,
        creditedThisVisit: view.creditedThisVisit + e.creditedPoints,
      };
    case 'idle':
      return withSlot(view, e.slot, () => emptySlot('waiting'));
    case 'dropped':
      // The unit was decided elsewhere or its job cancelled: not an error, move on.
      return withSlot(view, e.slot, () => emptySlot('fetching'));
    case 'error':
      return addError(
        withSlot(view, e.slot, () => emptySlot('retrying')),
        `Worker ${e.slot + 1}: ${readableMessage(e.message)}`,
      );
    case 'stopped':
      return withSlot(view, e.slot, () => emptySlot('stopped'));
  }
}

/** The words shown for a phase. */
export const PHASE_TEXT: Record<SlotPhase, string> = {
  starting: 'Starting',
  fetching: 'Getting work',
  loading: 'Loading kernel',
  computing: 'Computing',
  submitting: 'Sending result',
  waiting: 'Waiting for work',
  retrying: 'Retrying after an error',
  stopped: 'Stopped',
};
