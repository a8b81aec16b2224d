import { describe, expect, it } from 'vitest';
import { openStore } from './index.ts';
import { inTransaction } from './tx.ts';

const conflict = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

describe('inTransaction', () => {
  it('runs again after a deadlock or serialization failure, rolling back each lost attempt', async () => {
    const store = await openStore(':memory:');
    let attempts = 0;
    const id = await inTransaction(store, async (trx) => {
      attempts++;
      await trx.insertInto('customers').values({ id: `c${attempts}`, name: 'x', key_hash: 'h', created_at: 0 }).execute();
      if (attempts === 1) throw conflict('40P01');
      if (attempts === 2) throw conflict('40001');
      return `c${attempts}`;
    });
    expect(id).toBe('c3');
    expect((await store.db.selectFrom('customers').select('id').execute()).map((r) => r.id)).toEqual(['c3']);
  });

  it('passes other errors on at once, and gives up after a bounded number of attempts', async () => {
    const store = await openStore(':memory:');
    let attempts = 0;
    await expect(inTransaction(store, async () => (attempts++, Promise.reject(new Error('plain'))))).rejects.toThrow('plain');
    expect(attempts).toBe(1);
    attempts = 0;
    await expect(inTransaction(store, async () => (attempts++, Promise.reject(conflict('40P01'))))).rejects.toThrow('sqlstate 40P01');
    expect(attempts).toBe(4);
  });

  it('rolls back with a result: the attempt’s writes are undone and the result is the answer', async () => {
    const store = await openStore(':memory:');
    let attempts = 0;
    const r = await inTransaction(store, async (trx, rollback): Promise<{ status: 'kept' } | { status: 'refused'; attempt: number }> => {
      attempts++;
      await trx.insertInto('customers').values({ id: `c${attempts}`, name: 'x', key_hash: 'h', created_at: 0 }).execute();
      if (attempts === 1) throw conflict('40001');
      return rollback({ status: 'refused', attempt: attempts });
    });
    expect(r).toEqual({ status: 'refused', attempt: 2 });
    expect(attempts).toBe(2);
    expect(await store.db.selectFrom('customers').select('id').execute()).toEqual([]);
  });
});
