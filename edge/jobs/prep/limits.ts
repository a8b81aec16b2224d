/**
 * @module The bounds of reading large job descriptions off the event loop (issue 15, finding
 * 3: one 11 MB training corpus quoted on the event loop stalled every request for 5 s), each
 * with its reason and its unit last in the name. Nothing outside edge/jobs/ reads them.
 */
import { JSON_BODY_BYTES_MAX } from '../../../shared/limits.ts';

/**
 * A job body up to this many bytes is parsed and split on the event loop: every kind but a
 * training job is held to JSON_BODY_BYTES_MAX, and parsing and splitting that much takes a few
 * milliseconds, less than a round trip to a thread. Anything larger goes to a worker thread.
 */
export const JOB_PREP_INLINE_BYTES_MAX = JSON_BODY_BYTES_MAX;
/**
 * Worker threads reading large job bodies at once, over all customers. Two: the edge runs on
 * small machines (two cores), whose event loop must keep a core's worth of time for requests.
 */
export const JOB_PREP_THREADS_MAX = 2;
/**
 * Large job bodies admitted at once, over all customers: being read from their sockets,
 * waiting for a thread or being parsed. Each holds its body (up to TRAINING_JOB_BODY_BYTES_MAX,
 * 32 MiB) in memory, so this bounds that memory at 8 × 32 MiB = 256 MiB; past it a request is
 * refused at once with 503 and Retry-After, before its body is read.
 */
export const JOB_PREP_ADMITTED_MAX = 8;
/**
 * Large job bodies one customer may have admitted at once; past it 429 with Retry-After, before
 * the body is read. Two: a customer may quote and submit the same corpus together, and one
 * customer can never hold every thread.
 */
export const JOB_PREP_PER_CUSTOMER_MAX = 2;
/**
 * Old-generation heap of one worker thread, MiB. Reading a 12 MiB corpus at the bounds of
 * shared/limits.ts (IBM1_PAIRS_MAX pairs, IBM1_VOCAB_MAX words) peaks well under it; a body
 * that would need more ends its thread (the request gets 503), not the edge.
 */
export const JOB_PREP_THREAD_HEAP_MB = 768;
/** Young-generation heap of one worker thread, MiB (V8's default for a 64-bit process is 16–32). */
export const JOB_PREP_THREAD_YOUNG_HEAP_MB = 32;
/** A thread idle this long is terminated (its heap freed); the next large body starts a fresh one. */
export const JOB_PREP_THREAD_IDLE_MS = 30_000;
/**
 * Seconds a refused client is told to wait (Retry-After): about one large body's parse and
 * split on a thread (an 11 MB corpus takes 2–5 s).
 */
export const JOB_PREP_RETRY_AFTER_S = 5;
