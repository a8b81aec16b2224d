/**
 * @module The one transaction helper outside the hot paths' prepared ops: a Kysely
 * transaction, run again when PostgreSQL rolled it back for a deadlock or a serialization
 * conflict (SQLSTATE 40P01, 40001; see retry.ts). Its body must be re-runnable: it reads and
 * writes only through the transaction, with no side effect outside it before commit.
 */
import type { Transaction } from 'kysely';
import type { Store } from './index.ts';
import type { Database } from './schema.ts';
import { withTxRetries } from './retry.ts';

/**
 * Runs `fn` in a transaction, again when PostgreSQL rolled it back for a deadlock or a
 * serialization conflict.
 * @example
 * const id = await inTransaction(store, (trx) => createOrder(trx));
 */
export async function inTransaction<T>(store: Store, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return withTxRetries(() => store.db.transaction().execute(fn));
}
