/**
 * @module Cancellation as the platform spells it: a `DOMException` named `AbortError`, which
 * means "cancelled" and is never shown as a failure (STYLE.md). Imports nothing, so the
 * kernel worker can use it without pulling in the API client.
 */

/**
 * An `AbortError` saying what was cancelled (`'stopped'` unless told).
 * @example
 * if (signal.aborted) throw abortError('the unit was cancelled');
 */
export function abortError(message = 'stopped'): DOMException {
  return new DOMException(message, 'AbortError');
}

/** What a cancelled unit's `AbortError` says, wherever the unit ran (a Web Worker, a Node thread, the page). */
export const UNIT_CANCELLED = 'the unit was cancelled';

/** True for a cancel; errors that crossed a worker boundary lost their class, so by name. */
export function isAbort(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'AbortError';
}
