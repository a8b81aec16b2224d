import { describe, expect, it } from 'vitest';
import { initialWaitingState, progressOf, secondsToRetry, shouldChime, waitingReducer, type WaitingEvent, type WaitingState } from './waiting-state.ts';

const known = { lowMs: 4_000, highMs: 9_000, known: true };
const wait = (position: number, now = 0, extra: Partial<Extract<WaitingEvent, { type: 'waiting' }>> = {}): WaitingEvent => ({
  type: 'waiting',
  position,
  estimate: known,
  retryAfterMs: 2_500,
  now,
  ...extra,
});
const run = (events: WaitingEvent[], from: WaitingState = initialWaitingState) => events.reduce(waitingReducer, from);

describe('waiting room state', () => {
  it('measures progress from the first position, and counts down to the next retry', () => {
    const s = run([{ type: 'asking' }, wait(4, 1_000), wait(3, 3_500), wait(1, 6_000)]);
    expect(s.phase).toBe('waiting');
    expect(s.firstPosition).toBe(4);
    expect(s.waits).toBe(3);
    expect(progressOf(s)).toBe(0.75);
    expect(secondsToRetry(s, 6_000)).toBe(3);
    expect(secondsToRetry(s, 7_600)).toBe(1);
    expect(secondsToRetry(s, 9_000)).toBe(0);
    expect(progressOf(run([wait(0)]))).toBe(0);
  });

  it('keeps the first position from before a reload, and restarts the bar when pushed back', () => {
    expect(progressOf(run([wait(2, 0, { firstPosition: 8 })]))).toBe(0.75);
    const pushed = run([wait(2), wait(5)]);
    expect(pushed.firstPosition).toBe(5);
    expect(progressOf(pushed)).toBe(0);
  });

  it('chimes once when admitted after a wait, never when admitted at once or muted', () => {
    const admitted = run([wait(1), { type: 'admitted' }]);
    expect(admitted.phase).toBe('admitted');
    expect(progressOf(admitted)).toBe(1);
    expect(shouldChime(admitted, false)).toBe(true);
    expect(shouldChime(admitted, true)).toBe(false);
    expect(shouldChime(waitingReducer(admitted, { type: 'chimed' }), false)).toBe(false);
    expect(shouldChime(run([{ type: 'asking' }, { type: 'admitted' }]), false)).toBe(false);
  });

  it('shows a failure with its reason and a planned retry, and clears it when told to wait again', () => {
    const failed = run([wait(3, 0), { type: 'failed', failure: 'reception-unreachable', detail: 'HTTP 503', retryAt: 4_000 }]);
    expect(failed).toMatchObject({ phase: 'failed', failure: 'reception-unreachable', detail: 'HTTP 503', position: 3 });
    expect(secondsToRetry(failed, 1_000)).toBe(3);
    const back = run([{ type: 'asking' }, wait(2, 5_000)], failed);
    expect(back).toMatchObject({ phase: 'waiting', failure: undefined, position: 2, firstPosition: 3 });
    expect(run([{ type: 'ended' }], back)).toEqual(initialWaitingState);
    expect(secondsToRetry(run([{ type: 'failed', failure: 'ticket-refused', detail: 'x' }]), 0)).toBe(0);
  });
});
