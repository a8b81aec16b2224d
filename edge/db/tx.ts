/**
 * @module The edge's one way to run a Kysely transaction: {@link inTransaction}. On
 * PostgreSQL a transaction can lose a deadlock or a serialization conflict to a concurrent
 * one (SQLSTATE 40P01, 40001) through no fault of its own; PostgreSQL rolls it back whole,
 * and it is run again, a bounded number of times (retry.ts). SQLite runs one transaction at
 * a time and never needs this. (The hot paths' prepared ops run their own transactions
 * through prepared.ts, with the same retries.)
 *
 * So a body must be re-runnable: it reads and writes only through its `trx`, and does
 * nothing outside the database before the transaction commits: no network call, no write to
 * a variable or a cache that outlives the attempt, no message saying it worked. Random ids
 * drawn inside are fine (a new attempt draws new ones, and only the committed attempt's are
 * returned). Work outside the database goes after `inTransaction` returns, driven by what
 * the body returned. A body that must give up after it wrote something answers through
 * `rollback(result)`: the attempt's writes are undone and `inTransaction` returns `result`.
 */
import type { Transaction } from 'kysely';
import type { Store } from './index.ts';
import type { Database } from './schema.ts';
import { withTxRetries } from './retry.ts';

/** Ends a transaction body early: its writes roll back and the transaction answers `result`. */
export type Rollback<T> = (result: T) => never;

/** What a body throws to roll back with a result; never seen outside {@link inTransaction}. */
class RollbackSignal extends Error {
  override name = 'RollbackSignal';
}

/**
 * Runs `fn` in a transaction, again when PostgreSQL rolled it back for a deadlock or a
 * serialization conflict; other errors roll it back and are passed on. `fn` must be
 * re-runnable (see the module comment). `rollback(result)` inside `fn` undoes the attempt's
 * writes and makes `result` the answer (a refusal found after a write, say).
 * @example
 * const r = await inTransaction(store, async (trx, rollback): Promise<LockResult> => {
 *   await trx.updateTable('carts').set({ state: 'locked' }).where('id', '=', cartId).execute();
 *   const lines = await trx.selectFrom('cart_lines').select('product_id').where('cart_id', '=', cartId).execute();
 *   if (lines.length === 0) return rollback({ status: 'cart_empty' });
 *   return { status: 'locked', lines: lines.length };
 * });
 */
export async function inTransaction<T>(store: Store, fn: (trx: Transaction<Database>, rollback: Rollback<T>) => Promise<T>): Promise<T> {
  let rolledBack: { result: T; signal: RollbackSignal } | undefined;
  const rollback: Rollback<T> = (result) => {
    const signal = new RollbackSignal('the transaction body rolled back with a result');
    rolledBack = { result, signal };
    throw signal;
  };
  try {
    return await withTxRetries(() => store.db.transaction().execute((trx) => fn(trx, rollback)));
  } catch (err) {
    if (rolledBack && err === rolledBack.signal) return rolledBack.result;
    throw err;
  }
}
