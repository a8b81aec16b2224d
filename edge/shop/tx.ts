/**
 * @module The shop's transactions. On PostgreSQL a transaction can lose a deadlock or a
 * serialization conflict to a concurrent one (SQLSTATE 40P01, 40001) through no fault of its
 * own (see edge/db/retry.ts). Every shop transaction is written to be re-runnable (its writes
 * are conditional or idempotent), and is retried a bounded number of times.
 */
import type { Transaction } from 'kysely';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import { withTxRetries } from '../db/retry.ts';

/**
 * Runs `fn` in a transaction, again when PostgreSQL rolled it back for a deadlock or a
 * serialization conflict.
 * @example
 * const id = await inTransaction(store, (trx) => createOrder(trx));
 */
export async function inTransaction<T>(store: Store, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return withTxRetries(() => store.db.transaction().execute(fn));
}
