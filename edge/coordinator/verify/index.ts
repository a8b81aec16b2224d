/**
 * @module Server verification (DESIGN.md, "Trust"): the edge re-executes units itself, in a
 * bounded pool of worker threads within a named share of one core, for a definitive verdict.
 * What to verify and what a mismatch does are the unit lifecycle's; this folder only runs.
 */
export { createVerifyPool, type VerifyJob, type VerifyOutcome, type VerifyPool, type VerifyPoolOptions, type VerifyStats } from './pool.ts';
export { VERIFY_CPU_SHARE, VERIFY_QUEUE_MAX, VERIFY_THREADS_MAX, VERIFY_UNIT_CPU_MS_MAX } from './limits.ts';
