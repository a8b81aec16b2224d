/**
 * @module The server-verification pool's bounds, each with the reason it exists and its unit
 * last in the name (TigerBeetle style, as in shared/limits.ts). They stay beside the pool:
 * nothing outside edge/coordinator/verify/ reads them.
 */

/**
 * Worker threads the pool runs by default. One thread: verification is a background duty
 * of the edge, whose own work (requests, validation, the database) comes first.
 */
export const VERIFY_THREADS_MAX = 1;
/** Threads any pool may be given, whatever its options ask (each thread holds its own compiled modules and kernel memory). */
export const VERIFY_THREADS_LIMIT = 8;
/**
 * Share of one core the whole pool may compute by default (CPU time over wall time, summed
 * over its threads): a quarter, so re-executing units never starves the edge's requests.
 */
export const VERIFY_CPU_SHARE = 0.25;
/** Smallest share a pool may be given; below it the rest after one burst would last minutes. */
export const VERIFY_CPU_SHARE_MIN = 0.01;
/** Units waiting for a thread (running ones not counted); past it `verify` answers `queue_full` at once. */
export const VERIFY_QUEUE_MAX = 64;
/** Largest `queueMax` a pool may be given (each waiting unit holds its input, up to UNIT_INPUT_BYTES_MAX). */
export const VERIFY_QUEUE_LIMIT = 4096;
/**
 * CPU one unit may take on the server before it is abandoned as `too_expensive`. Units are
 * sized to about a minute on a volunteer's device (L96_UNIT_VAR_STEPS_MAX); twice that
 * leaves room for a slow edge without letting a broken unit hold the thread for long.
 */
export const VERIFY_UNIT_CPU_MS_MAX = 120_000;
/**
 * The sliding window of the duty cycle: over any window this long (ending at a rest's end)
 * a thread's CPU time stays within its share. Shorter windows keep bursts spread out; the
 * window also bounds the credit that oversleeping timers can build up.
 */
export const VERIFY_DUTY_WINDOW_MS = 1_000;
/** Rest-end points the duty window keeps at most (one per burst); bounds its memory with tiny bursts. */
export const VERIFY_DUTY_POINTS_MAX = 4_096;
/** Compiled kernel modules one thread keeps, least recently used dropped first. */
export const VERIFY_THREAD_MODULES_MAX = 16;
/** A thread idle this long is terminated (its modules and memory freed); the next unit starts a fresh one. */
export const VERIFY_THREAD_IDLE_MS = 60_000;
/** How often a thread running a long unit reports the CPU it has used, so `stats()` stays current. */
export const VERIFY_USAGE_REPORT_MS = 1_000;
