/**
 * @module The CPU clock of the calling thread, for the verification threads' duty cycle.
 *
 * Node 20 has no per-thread CPU clock (`process.cpuUsage()` sums every thread of the process;
 * `process.threadCpuUsage()` came in Node 23.9). On Linux the calling thread's own CPU time
 * is the first field of `/proc/thread-self/schedstat`, in nanoseconds (kernel
 * Documentation/scheduler/sched-stats.rst); a synchronous read runs on the calling thread
 * itself and costs a few microseconds. Elsewhere the clock falls back to the thread's event
 * loop active time (`performance.eventLoopUtilization()`): wall time the loop was not
 * waiting, which is never less than its CPU time, so a budget kept on it is kept on CPU too.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A thread's clock: its CPU time so far in ms, and which source it reads. */
export interface ThreadClock {
  kind: 'thread-cpu' | 'loop-active';
  nowMs(): number;
}

const SCHEDSTAT = '/proc/thread-self/schedstat';

/** The calling thread's CPU time from schedstat, ms; undefined when the file cannot be read. */
function schedstatMs(): number | undefined {
  try {
    const ns = Number(readFileSync(SCHEDSTAT, 'latin1').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The best clock of the calling thread's own CPU time this platform has.
 * @example
 * const clock = threadClock();
 * const t0 = clock.nowMs();
 * burst();
 * const cpuMs = clock.nowMs() - t0;
 */
export function threadClock(): ThreadClock {
  const first = schedstatMs();
  if (first === undefined) return { kind: 'loop-active', nowMs: loopActiveMs };
  // Should a later read fail, the clock goes on by loop-active time, so it never jumps or runs back.
  let cpu = first;
  let loop = loopActiveMs();
  return {
    kind: 'thread-cpu',
    nowMs() {
      const nextLoop = loopActiveMs();
      cpu = schedstatMs() ?? cpu + (nextLoop - loop);
      loop = nextLoop;
      return cpu;
    },
  };
}

/** Event-loop active time of the calling thread, ms (includes a callback still running). */
function loopActiveMs(): number {
  return performance.eventLoopUtilization().active;
}
