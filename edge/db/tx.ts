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

/** Carries a refused answer out of a transaction that must roll back. */
class Rollback {
  constructor(readonly answer: unknown) {}
}

/**
 * Runs `fn` in a transaction, again when PostgreSQL rolled it back for a deadlock or a
 * serialization conflict. With `keep`, an answer it refuses (a domain status that refuses
 * the request) rolls the transaction back and is returned as it is.
 * @example
 * const id = await inTransaction(store, (trx) => createOrder(trx));
 * const answer = await inTransaction(store, (trx) => cancel(trx), (a) => a.status === 'ok');
 */
export async function inTransaction<T>(store: Store, fn: (trx: Transaction<Database>) => Promise<T>, keep?: (answer: T) => boolean): Promise<T> {
  const body = keep
    ? async (trx: Transaction<Database>) => {
        const answer = await fn(trx);
        if (!keep(answer)) throw new Rollback(answer);
        return answer;
      }
    : fn;
  try {
    return await withTxRetries(() => store.db.transaction().execute(body));
  } catch (err) {
    if (err instanceof Rollback) return err.answer as T;
    throw err;
  }
}
