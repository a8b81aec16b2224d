/**
 * @module The messages between the job-body pool (pool.ts) and its threads (thread.ts): plain
 * structured-clone values; the body goes over transferred, and so do the units' bytes and the
 * prepared state that come back.
 */
import type { PrepAnswer, PrepIntent } from './prepare.ts';

/** Pool → thread: read one job body. */
export interface PrepRequest {
  type: 'prep';
  id: number;
  body: Uint8Array;
  contentType: string;
  intent: PrepIntent;
}

/** Thread → pool: what it concluded, or why it could not (an exception in the edge's own code, a bug). */
export type PrepReply = { type: 'answer'; id: number; answer: PrepAnswer } | { type: 'failed'; id: number; message: string };
