/**
 * The duty cycle's arithmetic, with simulated time: the CPU bound holds at every rest's end
 * whatever the bursts and timers do, the share is used in full, and credit stays bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEBT_NEGLIGIBLE_MS, DutyWindow } from './duty.ts';

interface Burst {
  cpuMs: number;
  /** Wall time the burst took over its CPU time (the thread was preempted). */
  preemptedMs: number;
  /** How late the timer woke after each rest. */
  lateMs: number;
  /** Idle time before this burst, as between two units (0: same unit). */
  idleMs: number;
}

const burstArb = fc.record({
  cpuMs: fc.double({ min: 0, max: 200, noNaN: true }),
  preemptedMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 50, noNaN: true })),
  lateMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 30, noNaN: true })),
  idleMs: fc.oneof(fc.constant(0), fc.constant(0), fc.double({ min: 0, max: 5_000, noNaN: true })),
});

/** Runs bursts through a window the way thread.ts does; calls `check` at every rest's end. */
function simulate(share: number, bursts: Burst[], check: (t: number, busy: number) => void): { t: number; busy: number } {
  const duty = new DutyWindow(share, 0);
  let t = 0;
  let busy = 0;
  for (const b of bursts) {
    if (b.idleMs > 0) {
      t += b.idleMs;
      for (let owed = duty.idleUntil(t); owed > 0; owed = duty.idleUntil(t)) t += owed + b.lateMs;
    }
    t += b.cpuMs + b.preemptedMs;
    busy += b.cpuMs;
    for (let owed = duty.charge(b.cpuMs, t); owed > 0; owed = duty.owed(t)) t += owed + b.lateMs;
    duty.rested(t);
    check(t, busy);
  }
  return { t, busy };
}

describe('DutyWindow', () => {
  it('keeps CPU within share × wall time at every rest end, whatever the bursts, preemption, late timers and idle gaps', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.array(burstArb, { maxLength: 300 }), (share, bursts) => {
        // Each rest end may leave a negligible debt unpaid; they add up along the run at most.
        const slackMs = (bursts.length + 1) * DEBT_NEGLIGIBLE_MS;
        simulate(share, bursts, (t, busy) => expect(busy).toBeLessThanOrEqual(share * t + slackMs));
      }),
    );
  });

  it('uses its whole share when timers are punctual (rests are not longer than needed)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.array(fc.double({ min: 1, max: 100, noNaN: true }), { minLength: 1, maxLength: 200 }), (share, cpu) => {
        const { t, busy } = simulate(share, cpu.map((cpuMs) => ({ cpuMs, preemptedMs: 0, lateMs: 0, idleMs: 0 })), () => {});
        expect(busy / t).toBeCloseTo(share, 9);
      }),
    );
  });

  it('lets late timers buy back at most two windows of credit, so bursts never bunch up', () => {
    const windowMs = 1_000;
    const lateArb = fc.array(fc.record({ cpuMs: fc.double({ min: 0, max: 100, noNaN: true }), lateMs: fc.double({ min: 0, max: 3_000, noNaN: true }) }), { maxLength: 50 });
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), lateArb, (share, history) => {
        const duty = new DutyWindow(share, 0, windowMs);
        let t = 0;
        for (const h of history) {
          t += h.cpuMs;
          for (let owed = duty.charge(h.cpuMs, t); owed > 0; owed = duty.owed(t)) t += owed + h.lateMs;
          duty.rested(t);
        }
        // Now flat out: 10 ms bursts run back to back only while the credit lasts.
        let runMs = 0;
        for (let i = 0; i < 1_000; i++) {
          t += 10;
          runMs += 10;
          if (duty.charge(10, t) > 0) break;
          duty.rested(t);
        }
        expect(runMs).toBeLessThanOrEqual(2 * share * windowMs + 10);
      }),
    );
  });

  it('banks no credit while idle between units, but pays a debt the idle time did not cover', () => {
    const duty = new DutyWindow(0.25, 0);
    expect(duty.charge(50, 50)).toBeCloseTo(150, 9);
    // The unit ended on that burst; the next comes 100 ms later and still owes 50 ms.
    expect(duty.idleUntil(150)).toBeCloseTo(50, 9);
    expect(duty.idleUntil(200)).toBe(0);
    // An hour idle: the next burst owes its full rest, as if the thread had never rested.
    expect(duty.idleUntil(3_600_000)).toBe(0);
    expect(duty.charge(40, 3_600_040)).toBeCloseTo(120, 9);
  });

  it('refuses a share outside (0, 1]', () => {
    expect(() => new DutyWindow(0, 0)).toThrow(RangeError);
    expect(() => new DutyWindow(1.5, 0)).toThrow(RangeError);
    expect(() => new DutyWindow(Number.NaN, 0)).toThrow(RangeError);
  });
});
