/**
 * @module What a job-body thread does with each message: reads one job description
 * (prepare.ts `prepareJobBody`) and posts the answer back, the units' bytes and the prepared
 * state transferred, not copied. It keeps nothing between bodies: its heap is bounded
 * (JOB_PREP_THREAD_HEAP_MB) and a cache would only hold it.
 */
import type { MessagePort } from 'node:worker_threads';
import { JOB_KIND_HANDLERS } from '../kinds.ts';
import { ownedBuffers, prepareJobBody } from './prepare.ts';
import type { PrepReply, PrepRequest } from './protocol.ts';

function forgetAll(): void {
  for (const handler of Object.values(JOB_KIND_HANDLERS)) handler.handOver?.forget();
}

/** Answers the pool's messages on `port`; `before` runs as each body arrives (a test thread waits there). */
export function serveBodies(port: MessagePort, before: () => void = () => undefined): void {
  port.on('message', (req: PrepRequest) => {
    let reply: PrepReply;
    try {
      before();
      reply = { type: 'answer', id: req.id, answer: prepareJobBody(req.body, req.contentType, req.intent) };
    } catch (err) {
      reply = { type: 'failed', id: req.id, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    } finally {
      forgetAll();
    }
    port.postMessage(reply, [...ownedBuffers(reply)]);
  });
}
