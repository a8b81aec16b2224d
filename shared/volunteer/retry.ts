/**
 * @module Waiting and retrying for the volunteer client: abortable delays, exponential
 * backoff with full jitter, and which failures are worth another try.
 */
import { abortError, isAbort } from '../abort.ts';
import { ApiError } from '../api/client.ts';
import { RETRY_BACKOFF_BASE_MS, RETRY_BACKOFF_MAX_MS } from '../limits.ts';

/** Delays `ms`, or rejects with an AbortError as soon as `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"). */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** True for errors worth retrying: network failures and 5xx/429 answers. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ApiError) return err.status >= 500 || err.status === 429;
  return !isAbort(err);
}

/** True when the server answered at all (an `ApiError`), as opposed to a network failure. */
export function isAnswered(err: unknown): boolean {
  return err instanceof ApiError;
}
