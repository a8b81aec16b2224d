/**
 * @module Tests of the volunteer page's reducer over work-loop and outbox events.
 */
import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../shared/api/schemas.ts';
import { ACTIVITY_MINUTES } from '../../../shared/limits.ts';
import { RECENT_ERRORS_MAX, activityBins, initialView, kernelShare, reduceView, throughputPerMinute, type VolunteerView } from './volunteer-state.ts';

const lease = (leaseId: number, unitId: number): Lease => ({
  leaseId,
  unitId,
  jobId: 'j1',
  kernel: { id: 'lorenz96', version: 1, sha256: 'ab' },
  input: '',
  outputBytes: 8,
  costPoints: 3,
  deadline: 0,
});
const stats = (kernelMs: number) => ({ kernelMs, wallMs: kernelMs, pausedMs: 0, restMs: 0, steps: 3 });

const started = (workers: number): VolunteerView => reduceView(initialView, { type: 'start', workers });
const ev = (v: VolunteerView, event: Parameters<typeof reduceView>[1] extends infer A ? (A extends { type: 'event'; event: infer E } ? E : never) : never, at = 0) =>
  reduceView(v, { type: 'event', event, at });

describe('reduceView', () => {
  it('makes one row per worker on start', () => {
    expect(started(3).slots).toHaveLength(3);
    expect(started(3).slots.every((s) => s.phase === 'starting')).toBe(true);
  });

  it('follows a unit from lease to computed on its own slot, with the prefetched one shown as next', () => {
    let v = started(2);
    v = ev(v, { type: 'leased', slot: 1, lease: lease(7, 42), prefetched: false });
    v = ev(v, { type: 'started', slot: 1, lease: lease(7, 42) }, 1000);
    expect(v.slots[1]).toMatchObject({ phase: 'loading', unitId: 42, jobId: 'j1', kernel: 'lorenz96@1' });
    expect(v.slots[0]?.phase).toBe('starting');
    v = ev(v, { type: 'leased', slot: 1, lease: lease(8, 43), prefetched: true });
    expect(v.slots[1]).toMatchObject({ unitId: 42, nextUnitId: 43 });
    v = ev(v, { type: 'progress', slot: 1, leaseId: 7, done: 5, total: 10 }, 1010);
    expect(v.slots[1]).toMatchObject({ phase: 'computing', done: 5, total: 10 });
    expect(v.firstComputingAt).toBe(1010);
    // Progress of another lease (a stale report) changes nothing.
    v = ev(v, { type: 'progress', slot: 1, leaseId: 8, done: 9, total: 10 });
    expect(v.slots[1]?.done).toBe(5);
    v = ev(v, { type: 'computed', slot: 1, leaseId: 7, unitId: 42, jobId: 'j1', ms: 1000, stats: stats(990) }, 2000);
    expect(v.unitsDone).toBe(1);
    expect(v.slots[1]).toMatchObject({ unitsDone: 1, nextUnitId: 43, kernelMs: 990, idleMs: 10 });
    v = ev(v, { type: 'started', slot: 1, lease: lease(8, 43) }, 2005);
    expect(v.slots[1]).toMatchObject({ unitId: 43, idleMs: 15 });
    expect(v.slots[1]?.nextUnitId).toBeUndefined();
    expect(kernelShare(v)).toBeCloseTo(990 / 1005);
  });

  it('shows a pause with the steps begun after it was asked for', () => {
    let v = ev(started(1), { type: 'started', slot: 0, lease: lease(7, 42) });
    v = ev(v, { type: 'paused', slot: 0, leaseId: 7, info: { done: 4, total: 10, stepsAfterRequest: 1 } });
    expect(v.slots[0]).toMatchObject({ phase: 'paused', done: 4, stepsAfterPause: 1 });
  });

  it('counts outbox sends and notes dropped units and results', () => {
    let v = started(1);
    v = reduceView(v, { type: 'outbox', event: { type: 'queued', leaseId: 7, size: 2 }, at: 0 });
    expect(v.outboxSize).toBe(2);
    v = reduceView(v, { type: 'outbox', event: { type: 'retrying', leaseId: 7, inMs: 100, message: 'Failed to fetch', offline: true }, at: 0 });
    expect(v.offline).toBe(true);
    v = reduceView(v, { type: 'outbox', event: { type: 'sent', leaseId: 7, unitId: 42, jobId: 'j', outcome: 'valid', creditedPoints: 3, size: 1 }, at: 0 });
    expect(v).toMatchObject({ outboxSize: 1, offline: false, creditedThisVisit: 3 });
    v = reduceView(v, { type: 'outbox', event: { type: 'dropped', leaseId: 8, unitId: 43, jobId: 'j', reason: 'unit_closed', detail: 'x', size: 0 }, at: 0 });
    v = ev(v, { type: 'dropped', slot: 0, leaseId: 9, unitId: 44, reason: 'unit_valid' });
    expect(v.notes.map((n) => [n.kind, n.unitId])).toEqual([
      ['dropped', 44],
      ['droppedResult', 43],
    ]);
  });

  it('keeps a refused kernel’s message until the next start', () => {
    let v = ev(started(1), { type: 'kernel_refused', slot: 0, kernel: 'lorenz96@1', message: 'kernel lorenz96@1 refused: …' });
    expect(v.kernelRefused).toContain('refused');
    v = reduceView(v, { type: 'start', workers: 1 });
    expect(v.kernelRefused).toBeUndefined();
  });

  it('keeps only the most recent errors, newest first', () => {
    let v = started(1);
    for (let i = 0; i < RECENT_ERRORS_MAX + 3; i++) v = ev(v, { type: 'error', slot: 0, message: `e${i}` });
    expect(v.errors).toHaveLength(RECENT_ERRORS_MAX);
    expect(v.errors[0]).toMatchObject({ text: `e${RECENT_ERRORS_MAX + 2}`, slot: 0 });
    expect(new Set(v.errors.map((e) => e.id)).size).toBe(RECENT_ERRORS_MAX);
  });

  it('ignores events for slots it does not have', () => {
    const v = started(1);
    expect(ev(v, { type: 'idle', slot: 5, retryAfterMs: 10, reason: 'no_work' })).toBe(v);
  });
});

describe('activity', () => {
  it('bins completions per minute, oldest first, within the window', () => {
    const at = 100 * 60_000;
    const bins = activityBins([at - 10, at - 20, at - 61_000, at - ACTIVITY_MINUTES * 60_000 - 1], at);
    expect(bins).toHaveLength(ACTIVITY_MINUTES);
    expect(bins[ACTIVITY_MINUTES - 1]).toBe(2);
    expect(bins[ACTIVITY_MINUTES - 2]).toBe(1);
    expect(bins.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('measures throughput over the time computed so far', () => {
    let v = ev(started(1), { type: 'started', slot: 0, lease: lease(1, 1) }, 0);
    for (let i = 1; i <= 10; i++) v = ev(v, { type: 'computed', slot: 0, leaseId: i, unitId: i, jobId: 'j', ms: 6000, stats: stats(6000) }, i * 6000);
    expect(throughputPerMinute(v, 60_000)).toBeCloseTo(10);
  });
});
