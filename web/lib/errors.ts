/**
 * @module Turns errors from the API client, `fetch` and workers into sentences a visitor
 * can read. Errors that crossed a worker boundary lost their class, so this branches on
 * `name` (STYLE.md).
 */
import type { Problem } from '../../shared/api/schemas.ts';

/** The problem details of an `ApiError`, if `err` is one. */
export function problemOf(err: unknown): Problem | undefined {
  if ((err as { name?: unknown } | null)?.name !== 'ApiError') return undefined;
  return (err as { problem?: Problem }).problem;
}

/** One readable sentence about what went wrong. */
export function describeError(err: unknown): string {
  const problem = problemOf(err);
  if (problem) {
    const text = problem.detail ? `${problem.title}: ${problem.detail}` : problem.title;
    return `The server answered ${problem.status}. ${text}`;
  }
  const e = err as { name?: unknown; message?: unknown } | null;
  if (e?.name === 'ZodError') return 'The server sent an answer this page does not understand. Try reloading.';
  if (typeof e?.message === 'string' && e.message) return readableMessage(e.message);
  return String(err);
}

/**
 * A bare message (from the work loop, say), reworded when it is a browser's terse network
 * error: `fetch` rejects with these when the server cannot be reached at all.
 */
export function readableMessage(message: string): string {
  if (/^(Failed to fetch|NetworkError when attempting to fetch resource\.|Load failed)$/.test(message)) {
    return `Could not reach the server (${message}). Check your connection.`;
  }
  return message;
}
