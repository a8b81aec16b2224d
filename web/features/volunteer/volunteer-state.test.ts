/**
 * @module Tests of the volunteer page's reducer over work-loop events.
 */
import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../shared/api/schemas.ts';
import { RECENT_ERRORS_MAX, initialView, reduceView, type VolunteerView } from './volunteer-state.ts';

const lease: Lease = {
  leaseId: 7,
  unitId: 42,
  jobId: 'j1',
  kernel: { id: 'lorenz96', version: 1, sha256: 'ab' },
  input: '',
  outputBytes: 8,
  costPoints: 3,
  deadline: 0,
};

const started = (workers: number): VolunteerView => reduceView(initialView, { type: 'start', workers });

describe('reduceView', () => {
  it('makes one row per worker on start', () => {
    expect(started(3).slots).toHaveLength(3);
    expect(started(3).slots.every((s) => s.phase === 'starting')).toBe(true);
  });

  it('follows a unit from lease to submit on its own slot only', () => {
    let v = started(2);
    v = reduceView(v, { type: 'event', event: { type: 'leased', slot: 1, lease } });
    expect(v.slots[1]).toMatchObject({ phase: 'loading', unitId: 42, jobId: 'j1', kernel: 'lorenz96@1' });
    expect(v.slots[0]?.phase).toBe('starting');
    v = reduceView(v, { type: 'event', event: { type: 'progress', slot: 1, leaseId: 7, done: 5, total: 10 } });
    expect(v.slots[1]).toMatchObject({ phase: 'computing', done: 5, total: 10 });
    // Progress of another lease (a stale report) changes nothing.
    v = reduceView(v, { type: 'event', event: { type: 'progress', slot: 1, leaseId: 8, done: 9, total: 10 } });
    expect(v.slots[1]?.done).toBe(5);
    v = reduceView(v, { type: 'event', event: { type: 'submitted', slot: 1, leaseId: 7, outcome: 'valid', creditedPoints: 3 } });
    expect(v.unitsDone).toBe(1);
    expect(v.creditedThisVisit).toBe(3);
    expect(v.slots[1]?.unitId).toBeUndefined();
  });

  it('keeps only the most recent errors, newest first, in readable words', () => {
    let v = started(1);
    for (let i = 0; i < RECENT_ERRORS_MAX + 3; i++) {
      v = reduceView(v, { type: 'event', event: { type: 'error', slot: 0, message: i === 0 ? 'Failed to fetch' : `e${i}` } });
    }
    expect(v.errors).toHaveLength(RECENT_ERRORS_MAX);
    expect(v.errors[0]?.text).toBe(`Worker 1: e${RECENT_ERRORS_MAX + 2}`);
    expect(new Set(v.errors.map((e) => e.id)).size).toBe(RECENT_ERRORS_MAX);
    const first = reduceView(started(1), { type: 'event', event: { type: 'error', slot: 0, message: 'Failed to fetch' } });
    expect(first.errors[0]?.text).toMatch(/Could not reach the server/);
  });

  it('ignores events for slots it does not have', () => {
    const v = started(1);
    expect(reduceView(v, { type: 'event', event: { type: 'idle', slot: 5, retryAfterMs: 10 } })).toBe(v);
  });
});
