/**
 * @module What the volunteer page shows, as a pure reducer over the work loop's and the
 * outbox's events (each stamped with the time it arrived), so the page component only wires
 * things together and every rule here is testable without a browser.
 */
import { ACTIVITY_MINUTES, VOLUNTEER_NOTES_MAX } from '../../../shared/limits.ts';
import type { DropReason, OutboxEvent } from '../../../shared/volunteer/outbox.ts';
import type { WorkEvent } from '../../../shared/volunteer/work-loop.ts';

/** Errors kept on screen; older ones scroll away. */
export const RECENT_ERRORS_MAX = 5;
/** Completion times kept for the chart and the throughput (a bound on top of the time window). */
export const COMPLETIONS_MAX = 20_000;

export type SlotPhase = 'starting' | 'fetching' | 'loading' | 'computing' | 'paused' | 'waiting' | 'retrying' | 'blocked' | 'stopped';

/** One worker's row. */
export interface SlotView {
  phase: SlotPhase;
  leaseId?: number;
  unitId?: number;
  jobId?: string;
  kernel?: string;
  done: number;
  total: number;
  /** The prefetched unit waiting behind the current one. */
  nextUnitId?: number;
  unitsDone: number;
  /** Steps the worker began after the latest pause was asked for (0 or 1 expected). */
  stepsAfterPause?: number;
  /** Time accounting of the units this slot finished (ms). */
  firstStartAt?: number;
  lastEndAt?: number;
  kernelMs: number;
  idleMs: number;
  /** Inside the worker, from the unit's arrival to its output, pauses and rests excluded. */
  workerMs: number;
  steps: number;
}

/** Something the visitor should know that is not a failure. */
export type NoteBody =
  | { kind: 'dropped'; unitId: number; reason: string }
  | { kind: 'droppedResult'; unitId: number; reason: DropReason; detail: string }
  | { kind: 'resumedUnit'; unitId: number; fromCheckpoint: boolean };
export type Note = NoteBody & { id: number };

export interface RecentError {
  /** Unique on the page, for list keys. */
  id: number;
  text: string;
  /** Which worker, when it came from one. */
  slot?: number;
}

export interface VolunteerView {
  slots: SlotView[];
  /** Units computed since the page was opened. */
  unitsDone: number;
  /** Points credited at submit time since the page was opened (the server total is `me`). */
  creditedThisVisit: number;
  outboxSize: number;
  /** The latest send failed for want of a network answer. */
  offline: boolean;
  /** `at` of recent completions, oldest first (for the chart and throughput). */
  completions: number[];
  /** `at` of the first unit that began computing on this page (for the bench). */
  firstComputingAt?: number;
  kernelRefused?: string;
  errors: RecentError[];
  notes: Note[];
  nextId: number;
}

export const initialView: VolunteerView = { slots: [], unitsDone: 0, creditedThisVisit: 0, outboxSize: 0, offline: false, completions: [], errors: [], notes: [], nextId: 1 };

export type ViewAction =
  | { type: 'start'; workers: number }
  | { type: 'event'; event: WorkEvent; at: number }
  | { type: 'outbox'; event: OutboxEvent; at: number }
  | { type: 'error'; text: string }
  | { type: 'clear-errors' };

const emptySlot = (phase: SlotPhase, prev?: SlotView): SlotView => ({
  phase,
  done: 0,
  total: 0,
  unitsDone: prev?.unitsDone ?? 0,
  kernelMs: prev?.kernelMs ?? 0,
  idleMs: prev?.idleMs ?? 0,
  workerMs: prev?.workerMs ?? 0,
  steps: prev?.steps ?? 0,
  ...(prev?.firstStartAt !== undefined ? { firstStartAt: prev.firstStartAt } : {}),
  ...(prev?.lastEndAt !== undefined ? { lastEndAt: prev.lastEndAt } : {}),
  ...(prev?.nextUnitId !== undefined ? { nextUnitId: prev.nextUnitId } : {}),
});

export function reduceView(view: VolunteerView, action: ViewAction): VolunteerView {
  switch (action.type) {
    case 'start':
      return { ...view, kernelRefused: undefined, slots: Array.from({ length: action.workers }, () => emptySlot('starting')) };
    case 'error':
      return addError(view, action.text);
    case 'clear-errors':
      return { ...view, errors: [] };
    case 'event':
      return reduceEvent(view, action.event, action.at);
    case 'outbox':
      return reduceOutbox(view, action.event);
  }
}

function addError(view: VolunteerView, text: string, slot?: number): VolunteerView {
  const errors = [{ id: view.nextId, text, ...(slot !== undefined ? { slot } : {}) }, ...view.errors].slice(0, RECENT_ERRORS_MAX);
  return { ...view, errors, nextId: view.nextId + 1 };
}

function addNote(view: VolunteerView, note: NoteBody): VolunteerView {
  const notes = [{ ...note, id: view.nextId }, ...view.notes].slice(0, VOLUNTEER_NOTES_MAX);
  return { ...view, notes, nextId: view.nextId + 1 };
}

function withSlot(view: VolunteerView, slot: number, update: (s: SlotView) => SlotView): VolunteerView {
  const current = view.slots[slot];
  if (!current) return view;
  const slots = view.slots.slice();
  slots[slot] = update(current);
  return { ...view, slots };
}

function reduceEvent(view: VolunteerView, e: WorkEvent, at: number): VolunteerView {
  switch (e.type) {
    case 'leased': {
      if (e.prefetched) return withSlot(view, e.slot, (s) => ({ ...s, nextUnitId: e.lease.unitId }));
      // A unit taken over from another slot's prefetch is no longer that slot's next.
      const slots = view.slots.map((s, i) => (i !== e.slot && s.nextUnitId === e.lease.unitId ? { ...s, nextUnitId: undefined } : s));
      return withSlot({ ...view, slots }, e.slot, (s) => ({ ...emptySlot('loading', s), leaseId: e.lease.leaseId, unitId: e.lease.unitId, jobId: e.lease.jobId, kernel: `${e.lease.kernel.id}@${e.lease.kernel.version}` }));
    }
    case 'resumed':
      return addNote(view, { kind: 'resumedUnit', unitId: e.lease.unitId, fromCheckpoint: e.fromCheckpoint });
    case 'started':
      return withSlot(view, e.slot, (s) => {
        const { nextUnitId: _, ...rest } = s;
        return {
          ...rest,
          ...(s.nextUnitId !== undefined && s.nextUnitId !== e.lease.unitId ? { nextUnitId: s.nextUnitId } : {}),
          phase: 'loading',
          leaseId: e.lease.leaseId,
          unitId: e.lease.unitId,
          jobId: e.lease.jobId,
          kernel: `${e.lease.kernel.id}@${e.lease.kernel.version}`,
          done: 0,
          total: 0,
          firstStartAt: s.firstStartAt ?? at,
          // Time between the previous unit's end and this start is overhead of the loop.
          idleMs: s.idleMs + (s.lastEndAt !== undefined ? at - s.lastEndAt : 0),
        };
      });
    case 'progress': {
      const v = withSlot(view, e.slot, (s) => (s.leaseId === e.leaseId ? { ...s, phase: 'computing', done: e.done, total: e.total } : s));
      return v.firstComputingAt === undefined && v !== view ? { ...v, firstComputingAt: at } : v;
    }
    case 'paused':
      return withSlot(view, e.slot, (s) =>
        s.leaseId === e.leaseId ? { ...s, phase: 'paused', done: e.info.done, total: e.info.total, stepsAfterPause: e.info.stepsAfterRequest } : s,
      );
    case 'computed': {
      const completions = [...view.completions, at].filter((t) => t >= at - ACTIVITY_MINUTES * 60_000).slice(-COMPLETIONS_MAX);
      const v = withSlot(view, e.slot, (s) => ({
        ...emptySlot('fetching', s),
        unitsDone: s.unitsDone + 1,
        kernelMs: s.kernelMs + e.stats.kernelMs,
        workerMs: s.workerMs + e.stats.wallMs - e.stats.pausedMs - e.stats.restMs,
        steps: s.steps + e.stats.steps,
        // Pauses and duty-cycle rests are asked for, not overhead.
        idleMs: s.idleMs + Math.max(0, e.ms - e.stats.kernelMs - e.stats.pausedMs - e.stats.restMs),
        lastEndAt: at,
      }));
      return { ...v, unitsDone: view.unitsDone + 1, completions };
    }
    case 'idle':
      return withSlot(view, e.slot, (s) => (s.unitId === undefined ? { ...emptySlot(e.reason === 'outbox_full' ? 'blocked' : 'waiting', s) } : s));
    case 'dropped': {
      const v = addNote(view, { kind: 'dropped', unitId: e.unitId, reason: e.reason });
      return withSlot(v, e.slot, (s) => (s.leaseId === e.leaseId ? emptySlot('fetching', s) : s.nextUnitId === e.unitId ? { ...s, nextUnitId: undefined } : s));
    }
    case 'kernel_refused':
      return { ...withSlot(view, e.slot, (s) => emptySlot('retrying', s)), kernelRefused: e.message };
    case 'error':
      return addError(
        withSlot(view, e.slot, (s) => (s.unitId === undefined ? emptySlot('retrying', s) : s)),
        e.message,
        e.slot,
      );
    case 'stopped':
      return withSlot(view, e.slot, (s) => ({ ...emptySlot('stopped', s), nextUnitId: undefined }));
  }
}

function reduceOutbox(view: VolunteerView, e: OutboxEvent): VolunteerView {
  switch (e.type) {
    case 'queued':
      return { ...view, outboxSize: e.size };
    case 'sent':
      return { ...view, outboxSize: e.size, offline: false, creditedThisVisit: view.creditedThisVisit + e.creditedPoints };
    case 'dropped':
      return addNote({ ...view, outboxSize: e.size }, { kind: 'droppedResult', unitId: e.unitId, reason: e.reason, detail: e.detail });
    case 'retrying':
      return { ...view, offline: e.offline };
  }
}

/** Share of the workers' time spent inside the kernel, over the units finished; undefined before any. */
export function kernelShare(view: VolunteerView): number | undefined {
  let kernel = 0;
  let total = 0;
  for (const s of view.slots) {
    kernel += s.kernelMs;
    total += s.kernelMs + s.idleMs;
  }
  return total > 0 ? kernel / total : undefined;
}

/** Units per minute over the last `minutes` (or since the first completion, when shorter). */
export function throughputPerMinute(view: VolunteerView, at: number, minutes = 5): number {
  const from = at - minutes * 60_000;
  const recent = view.completions.filter((t) => t >= from);
  if (recent.length === 0) return 0;
  const spanMs = Math.max(60_000 / 4, Math.min(minutes * 60_000, at - (view.slots.map((s) => s.firstStartAt ?? at).reduce((a, b) => Math.min(a, b), at))));
  return (recent.length * 60_000) / spanMs;
}

/** Completions per minute for the last `minutes` minutes, oldest first. */
export function activityBins(completions: number[], at: number, minutes = ACTIVITY_MINUTES): number[] {
  const bins = new Array<number>(minutes).fill(0);
  for (const t of completions) {
    const age = Math.floor((at - t) / 60_000);
    if (age >= 0 && age < minutes) bins[minutes - 1 - age]!++;
  }
  return bins;
}
