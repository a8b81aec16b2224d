/**
 * @module The duty cycle of one verification thread: it computes in bursts, and after each
 * burst rests long enough that its CPU time stays within `share` of the wall time over a
 * sliding window. Pure arithmetic over the times it is given, so it is tested without a
 * thread or a timer.
 *
 * The rule, and why it holds. The window keeps "rest-end" points (time, CPU so far); each
 * one is taken only where CPU since the thread's first point is at most `share` × the wall
 * time since it. After a burst the thread rests until that is true again measured from an
 * anchor: the newest point at least VERIFY_DUTY_WINDOW_MS old (or the oldest kept). Since the
 * anchor itself obeyed the rule, so does the new point (busy(0,t) = busy(0,a) + busy(a,t) ≤
 * share·a + share·(t − a)). Anchoring one window back rather than at the start keeps a long
 * unit's bursts spread out: credit from timers that slept late lasts one window, not forever.
 * Consecutive points are at most a window apart (a longer gap starts the window afresh), so
 * the anchor is under two windows old, and a run of bursts without rest stays under
 * 2 · share · window of CPU (plus the burst that ends it).
 * Idle time between units earns no credit: {@link DutyWindow.idleUntil} pays what is owed and
 * starts afresh, so a unit arriving after a quiet hour still runs at `share`, not flat out.
 */
import { VERIFY_DUTY_POINTS_MAX, VERIFY_DUTY_WINDOW_MS } from './limits.ts';

/** A debt this small counts as paid: far below any timer, and it keeps float rounding from looping. */
export const DEBT_NEGLIGIBLE_MS = 1e-6;

interface Point {
  /** Wall time, ms. */
  t: number;
  /** CPU charged up to `t`, ms. */
  busy: number;
}

/**
 * The duty-cycle ledger of one thread.
 * @example
 * const duty = new DutyWindow(0.25, performance.now());
 * const rest = duty.charge(burstCpuMs, performance.now());
 * await sleep(rest);
 * duty.rested(performance.now());
 */
export class DutyWindow {
  private readonly points: Point[];
  private busyTotal = 0;

  /**
   * @param share CPU time over wall time, in (0, 1].
   * @param now Wall time the ledger starts at, ms.
   * @param windowMs The sliding window. @default VERIFY_DUTY_WINDOW_MS
   */
  constructor(
    readonly share: number,
    now: number,
    readonly windowMs: number = VERIFY_DUTY_WINDOW_MS,
  ) {
    if (!(share > 0 && share <= 1)) throw new RangeError(`share must be in (0, 1], got ${share}`);
    this.points = [{ t: now, busy: 0 }];
  }

  /** CPU charged so far, ms. */
  get busyMs(): number {
    return this.busyTotal;
  }

  /** Records a burst of `cpuMs` that ended at `now`; answers how long to rest before the next one, ms. */
  charge(cpuMs: number, now: number): number {
    this.busyTotal += Math.max(0, cpuMs);
    return this.owed(now);
  }

  /** The rest still owed at `now`, ms (0 when the thread may compute). */
  owed(now: number): number {
    const anchor = this.anchor(now);
    const owed = (this.busyTotal - anchor.busy) / this.share - (now - anchor.t);
    // Rounding leaves debts of a few ulps that adding to `now` could never pay off.
    return owed > DEBT_NEGLIGIBLE_MS ? owed : 0;
  }

  /** Records a rest's end at `now`; call it once `owed(now)` is 0 (after sleeping what `charge` asked). */
  rested(now: number): void {
    if (this.owed(now) > 0) return; // slept short (coarse timers): not a point the rule holds at
    const last = this.points[this.points.length - 1]!;
    if (now <= last.t) return;
    // After a gap longer than the window (a timer that woke very late, a very long burst) the
    // old points would anchor far back and lend all that time as credit: start afresh instead.
    if (now - last.t > this.windowMs) this.points.length = 0;
    this.points.push({ t: now, busy: this.busyTotal });
    // Keep the anchor (newest point one window old) and everything after it.
    let keepFrom = 0;
    for (let i = 1; i < this.points.length && this.points[i]!.t <= now - this.windowMs; i++) keepFrom = i;
    keepFrom = Math.max(keepFrom, this.points.length - VERIFY_DUTY_POINTS_MAX);
    if (keepFrom > 0) this.points.splice(0, keepFrom);
  }

  /**
   * A unit is about to start after the thread sat idle: answers the rest still owed for the
   * last unit's final burst, ms. Once that is 0, call it again (or `rested`) and the window
   * starts afresh at `now`, so idle time is never banked as credit.
   */
  idleUntil(now: number): number {
    const owed = this.owed(now);
    if (owed > 0) return owed;
    this.points.splice(0, this.points.length, { t: now, busy: this.busyTotal });
    return 0;
  }

  private anchor(now: number): Point {
    let anchor = this.points[0]!;
    for (const p of this.points) {
      if (p.t > now - this.windowMs) break;
      anchor = p;
    }
    return anchor;
  }
}
