/**
 * @module The shop's transactions. On PostgreSQL a transaction can lose a deadlock or a
 * serialization conflict to a concurrent one (SQLSTATE 40P01, 40001) through no fault of its
 * own; PostgreSQL rolled it back whole, so running it again is safe. Every shop transaction
 * is written to be re-runnable (its writes are conditional or idempotent), and is retried a
 * bounded number of times. SQLite runs one transaction at a time and never needs this.
 */
import type { Transaction } from 'kysely';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';

/** Attempts of one transaction that lost to a concurrent one before the error is passed on. */
const TX_ATTEMPTS_MAX = 4;
/** PostgreSQL's codes for "rolled back because of a concurrent transaction; try again". */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

function retryable(err: unknown): boolean {
  return RETRYABLE_SQLSTATES.has((err as { code?: unknown } | null)?.code as string);
}

/**
 * Runs `fn` in a transaction, again when PostgreSQL rolled it back for a deadlock or a
 * serialization conflict.
 * @example
 * const id = await inTransaction(store, (trx) => createOrder(trx));
 */
export async function inTransaction<T>(store: Store, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.db.transaction().execute(fn);
    } catch (err) {
      if (attempt >= TX_ATTEMPTS_MAX || !retryable(err)) throw err;
    }
  }
}
