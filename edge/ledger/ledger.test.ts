import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../db/index.ts';
import { dropFreshPg, freshPgUrl } from '../testing.ts';
import type { LedgerApi } from './api.ts';
import { ledgerOf } from './ledger.ts';
import type { TransferSpec } from './types.ts';

const pgUrl = await freshPgUrl();
if (!pgUrl && process.env.CI) throw new Error('PostgreSQL is not reachable: CI must run the PostgreSQL ledger tests');
const stores: [string, string][] = [['sqlite', ':memory:'], ...(pgUrl ? [['postgres', pgUrl] as [string, string]] : [])];

describe.each(stores)('ledger on %s', (_name, url) => {
  let store: Store;
  let ledger: LedgerApi;
  let n = 0;
  const T = (t: Partial<TransferSpec>): TransferSpec => ({ id: `t${++n}`, debit: 'issuer', credit: 'alice', amount: 10, code: 'test', ...t });

  beforeEach(async () => {
    store ??= await openStore(url);
    ledger = ledgerOf(store);
    for (const t of ['ledger_holds', 'ledger_transfers'] as const) await store.db.deleteFrom(t).execute();
    await store.db.deleteFrom('ledger_accounts').execute();
    await ledger.ensureAccounts([
      { id: 'issuer', ledger: 'points', floor: null },
      { id: 'alice', ledger: 'points', floor: 0 },
      { id: 'bob', ledger: 'points', floor: 0 },
      { id: 'cash', ledger: 'money', floor: null },
    ]);
  });
  afterAll(async () => {
    await store?.close();
    if (url !== ':memory:') await dropFreshPg(url);
  });

  const avail = async (id: string) => (await ledger.balance(id))!.available;

  it('moves integer amounts and keeps both sides in the same transaction', async () => {
    expect(await ledger.createTransfers([T({ amount: 30 })], 1)).toEqual(['ok']);
    expect(await ledger.balance('alice')).toMatchObject({ creditsPosted: 30, posted: 30, available: 30 });
    expect(await ledger.balance('issuer')).toMatchObject({ debitsPosted: 30, posted: -30 });
  });

  it('is idempotent by id and names the field that differs', async () => {
    const t = T({ amount: 5, ref: 'unit:1' });
    expect(await ledger.createTransfers([t], 1)).toEqual(['ok']);
    expect(await ledger.createTransfers([t], 2)).toEqual(['exists']);
    const statuses = await ledger.createTransfers(
      [{ ...t, amount: 6 }, { ...t, debit: 'bob' }, { ...t, credit: 'bob', debit: 'issuer' }, { ...t, code: 'x' }, { ...t, ref: 'unit:2' }, { ...t, pending: { timeoutMs: 1000 } }],
      3,
    );
    expect(statuses).toEqual([
      'exists_with_different_amount',
      'exists_with_different_debit',
      'exists_with_different_credit',
      'exists_with_different_code',
      'exists_with_different_ref',
      'exists_with_different_flags',
    ]);
    expect(await avail('alice')).toBe(5);
  });

  it('refuses invalid transfers with exhaustive statuses and changes nothing', async () => {
    const statuses = await ledger.createTransfers(
      [
        T({ amount: 0 }),
        T({ amount: 1.5 }),
        T({ amount: -1 }),
        T({ id: '' }),
        T({ code: '' }),
        T({ debit: 'alice', credit: 'alice' }),
        T({ debit: 'nobody' }),
        T({ credit: 'nobody' }),
        T({ credit: 'cash' }),
        T({ pending: { timeoutMs: 0 } }),
        T({ pending: { timeoutMs: 10 }, post: 'x' }),
        T({ debit: 'alice', credit: 'bob', amount: 1 }),
      ],
      1,
    );
    expect(statuses).toEqual([
      'amount_invalid',
      'amount_invalid',
      'amount_invalid',
      'id_invalid',
      'code_invalid',
      'accounts_must_differ',
      'debit_account_not_found',
      'credit_account_not_found',
      'ledgers_must_match',
      'timeout_invalid',
      'flags_are_mutually_exclusive',
      'exceeds_floor',
    ]);
    expect(await store.db.selectFrom('ledger_transfers').selectAll().execute()).toEqual([]);
  });

  it('never lets a balance go below its floor, counting holds', async () => {
    await ledger.createTransfers([T({ amount: 10 })], 1);
    expect(await ledger.createTransfers([T({ debit: 'alice', credit: 'issuer', amount: 6, pending: { timeoutMs: 1000 } })], 2)).toEqual(['ok']);
    expect(await avail('alice')).toBe(4);
    expect(await ledger.createTransfers([T({ debit: 'alice', credit: 'bob', amount: 5 })], 3)).toEqual(['exceeds_floor']);
    expect(await ledger.createTransfers([T({ debit: 'alice', credit: 'bob', amount: 4 })], 3)).toEqual(['ok']);
    expect(await avail('alice')).toBe(0);
  });

  it('posts a hold partly, exactly once, releasing the rest', async () => {
    await ledger.createTransfers([T({ id: 'fund', amount: 100 })], 1);
    await ledger.createTransfers([T({ id: 'hold', debit: 'alice', credit: 'issuer', amount: 40, pending: { timeoutMs: 1000 } })], 2);
    const post = { id: 'post', debit: '', credit: '', amount: 25, code: 'checkout', post: 'hold' } satisfies TransferSpec;
    expect(await ledger.createTransfers([post], 3)).toEqual(['ok']);
    expect(await ledger.createTransfers([post], 4)).toEqual(['exists']);
    expect(await ledger.createTransfers([{ ...post, id: 'post2' }], 4)).toEqual(['pending_already_posted']);
    expect(await ledger.createTransfers([{ ...post, id: 'void', post: undefined, void: 'hold', amount: 0 }], 4)).toEqual(['pending_already_posted']);
    expect(await ledger.balance('alice')).toMatchObject({ debitsPosted: 25, debitsPending: 0, available: 75 });
    expect((await ledger.transfer('hold'))?.state).toBe('posted');
    expect(await ledger.createTransfers([{ ...post, id: 'post3', post: 'nope' }], 5)).toEqual(['pending_not_found']);
  });

  it('voids holds, refuses posting more than held, and expires holds past their timeout', async () => {
    await ledger.createTransfers([T({ id: 'fund', amount: 100 })], 1);
    await ledger.createTransfers(
      [T({ id: 'h1', debit: 'alice', credit: 'issuer', amount: 30, pending: { timeoutMs: 1000 } }), T({ id: 'h2', debit: 'alice', credit: 'issuer', amount: 30, pending: { timeoutMs: 1000 } })],
      10,
    );
    expect(await ledger.createTransfers([T({ id: 'p1', amount: 31, post: 'h1' })], 11)).toEqual(['exceeds_pending_amount']);
    expect(await ledger.createTransfers([T({ id: 'v1', amount: 0, void: 'h1' })], 11)).toEqual(['ok']);
    expect(await avail('alice')).toBe(70);
    expect(await ledger.expirePending(1009)).toBe(0);
    expect(await ledger.expirePending(1010)).toBe(1);
    expect(await avail('alice')).toBe(100);
    expect((await ledger.transfer('h2'))?.state).toBe('expired');
    expect(await ledger.createTransfers([T({ id: 'late', amount: 30, post: 'h2' })], 1011)).toEqual(['pending_expired']);
  });

  it('applies linked chains all or nothing', async () => {
    await ledger.createTransfers([T({ id: 'fund', amount: 10 })], 1);
    const chain = [
      T({ id: 'c1', debit: 'alice', credit: 'bob', amount: 5, linked: true }),
      T({ id: 'c2', debit: 'issuer', credit: 'bob', amount: 1, linked: true }),
      T({ id: 'c3', debit: 'alice', credit: 'bob', amount: 6 }),
    ];
    expect(await ledger.createTransfers(chain, 2)).toEqual(['linked_event_failed', 'linked_event_failed', 'exceeds_floor']);
    expect([await avail('alice'), await avail('bob')]).toEqual([10, 0]);
    chain[2] = { ...chain[2]!, amount: 5 };
    expect(await ledger.createTransfers(chain, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(await ledger.createTransfers(chain, 4)).toEqual(['exists', 'exists', 'exists']);
    expect(await ledger.createTransfers([T({ id: 'open', linked: true })], 5)).toEqual(['linked_event_chain_open']);
    expect(await ledger.createTransfers([T({ id: 'solo' }), T({ id: 'o1', linked: true }), T({ id: 'o2', linked: true })], 5)).toEqual([
      'ok',
      'linked_event_failed',
      'linked_event_chain_open',
    ]);
    expect([await avail('alice'), await avail('bob')]).toEqual([10, 11]);
  });

  it('sums credits of a code over a period, for monthly contribution checks', async () => {
    await ledger.createTransfers([T({ amount: 3, code: 'unit_credit' })], 100);
    await ledger.createTransfers([T({ amount: 4, code: 'unit_credit' })], 200);
    await ledger.createTransfers([T({ amount: 50, code: 'gift' })], 150);
    expect(await ledger.creditsBetween('alice', 'unit_credit', 100, 200)).toBe(3);
    expect(await ledger.creditsBetween('alice', 'unit_credit', 0, 1000)).toBe(7);
    expect((await ledger.history('alice', 10)).map((t) => t.amount)).toEqual([4, 50, 3]);
  });
});
