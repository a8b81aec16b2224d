import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './index.ts';
import { exec, prepare, rows, runInTransaction, type Op } from './prepared.ts';

const setName = prepare('test: rename customer', ['id', 'name'], (db, p) => db.updateTable('customers').set({ name: p('name') }).where('id', '=', p('id')));
const byId = prepare('test: customer by id', ['id'], (db, p) => db.selectFrom('customers').select(['id', 'name']).where('id', '=', p('id')));

let store: Store;
afterEach(async () => store?.close());

async function withCustomers(ids: string[]): Promise<Store> {
  store = await openStore(':memory:');
  for (const id of ids) await store.db.insertInto('customers').values({ id, name: 'before', key_hash: 'h', created_at: 0 }).execute();
  return store;
}

function* rename(id: string, name: string, failAfter = false): Op<string> {
  yield* exec(setName, { id, name });
  if (failAfter) throw new Error(`op on ${id} failed after writing`);
  const [row] = yield* rows(byId, { id });
  return row!.name as string;
}

describe('runInTransaction on SQLite (group commit)', () => {
  it('commits ops of one event-loop turn together, each still all-or-nothing on its own', async () => {
    const s = await withCustomers(['a', 'b', 'c']);
    const outcomes = await Promise.allSettled([
      runInTransaction(s, () => rename('a', 'A')),
      runInTransaction(s, () => rename('b', 'B', true)),
      runInTransaction(s, () => rename('c', 'C')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[0] as PromiseFulfilledResult<string>).value).toBe('A');
    expect(((outcomes[1] as PromiseRejectedResult).reason as Error).message).toMatch(/failed after writing/);
    const names = await s.db.selectFrom('customers').select(['id', 'name']).orderBy('id').execute();
    // b's write was rolled back with its savepoint; a's and c's committed.
    expect(names).toEqual([
      { id: 'a', name: 'A' },
      { id: 'b', name: 'before' },
      { id: 'c', name: 'C' },
    ]);
  });

  it('waits for an open Kysely transaction instead of writing into it', async () => {
    const s = await withCustomers(['a']);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const kyselyTx = s.db.transaction().execute(async (trx) => {
      await trx.updateTable('customers').set({ name: 'kysely' }).where('id', '=', 'a').execute();
      await held;
      throw new Error('roll the Kysely transaction back');
    });
    const op = runInTransaction(s, () => rename('a', 'op'));
    await new Promise((r) => setImmediate(r));
    release();
    await expect(kyselyTx).rejects.toThrow(/roll the Kysely transaction back/);
    // The op ran after the rollback, so its write stands and the Kysely one does not.
    expect(await op).toBe('op');
    expect((await sql<{ name: string }>`select name from customers where id = 'a'`.execute(s.db)).rows[0]!.name).toBe('op');
  });
});
