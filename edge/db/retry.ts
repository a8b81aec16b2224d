/**
 * @module Retrying transactions that PostgreSQL rolled back because of a concurrent one. A
 * transaction can lose a deadlock or a serialization conflict (SQLSTATE 40P01, 40001)
 * through no fault of its own; PostgreSQL rolled it back whole, so running it again is safe
 * when its body only reads and writes through the transaction. SQLite runs one transaction
 * at a time and never needs this. Kysely transactions get it through tx.ts (`inTransaction`);
 * the prepared ops' runner (prepared.ts) uses {@link withTxRetries} directly.
 */

/** Attempts of one transaction that lost to a concurrent one before the error is passed on. */
export const TX_ATTEMPTS_MAX = 4;
/** PostgreSQL's codes for "rolled back because of a concurrent transaction; try again". */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

function retryable(err: unknown): boolean {
  return RETRYABLE_SQLSTATES.has((err as { code?: unknown } | null)?.code as string);
}

/**
 * Runs `attempt` (which opens and runs one whole transaction) again, up to
 * {@link TX_ATTEMPTS_MAX} times, while it fails with a retryable conflict.
 * @example
 * const id = await withTxRetries(() => runOrderTransaction(store));
 */
export async function withTxRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= TX_ATTEMPTS_MAX || !retryable(err)) throw err;
    }
  }
}
