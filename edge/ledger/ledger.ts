/**
 * @module The ledger behind {@link LedgerApi}: writes go through the prepared-query op in
 * transfers.ts (synchronous on SQLite, transactional on PostgreSQL); reads through Kysely.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../db/index.ts';
import { runInOpenTransaction, runInTransaction, type RunHooks } from '../db/prepared.ts';
import type { Database } from '../db/schema.ts';
import { ISSUER_ACCOUNT_IDS } from './accounts.ts';
import type { LedgerApi } from './api.ts';
import { TRANSFER_BATCH_MAX, createTransfersOp, expirePendingOp } from './transfers.ts';
import type { AccountBalance, AccountSpec, LedgerName, TransferRecord, TransferStatus } from './types.ts';

/** Holds expired per sweep call unless the caller says otherwise. */
const EXPIRE_SWEEP_MAX = 1000;

type Reader = Kysely<Database> | Transaction<Database>;

function toBalance(r: { id: string; ledger: LedgerName; floor: number | null; debits_posted: number; credits_posted: number; debits_pending: number; credits_pending: number }): AccountBalance {
  const debitsPosted = Number(r.debits_posted);
  const creditsPosted = Number(r.credits_posted);
  const debitsPending = Number(r.debits_pending);
  return {
    id: r.id,
    ledger: r.ledger,
    floor: r.floor === null ? null : Number(r.floor),
    debitsPosted,
    creditsPosted,
    debitsPending,
    creditsPending: Number(r.credits_pending),
    posted: creditsPosted - debitsPosted,
    available: creditsPosted - debitsPosted - debitsPending,
  };
}

function reads(db: Reader) {
  return {
    async ensureAccounts(specs: AccountSpec[], now = 0): Promise<void> {
      if (specs.length === 0) return;
      await db
        .insertInto('ledger_accounts')
        .values(specs.map((s) => ({ id: s.id, ledger: s.ledger, floor: s.floor, created_at: now })))
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },
    async balance(accountId: string): Promise<AccountBalance | undefined> {
      const r = await db.selectFrom('ledger_accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
      return r && toBalance(r);
    },
    async transfer(id: string): Promise<TransferRecord | undefined> {
      const r = await db
        .selectFrom('ledger_transfers as t')
        .leftJoin('ledger_holds as h', 'h.id', 't.id')
        .selectAll('t')
        .select('h.state')
        .where('t.id', '=', id)
        .executeTakeFirst();
      return r && toRecord(r);
    },
    async creditsBetween(accountId: string, code: string, fromMs: number, toMs: number): Promise<number> {
      const r = await db
        .selectFrom('ledger_transfers')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('total'))
        .where('credit_account', '=', accountId)
        .where('code', '=', code)
        .where('kind', 'in', ['single', 'post'])
        .where('created_at', '>=', fromMs)
        .where('created_at', '<', toMs)
        .executeTakeFirstOrThrow();
      return Number(r.total);
    },
    async history(accountId: string, limit: number): Promise<TransferRecord[]> {
      const rs = await db
        .selectFrom('ledger_transfers as t')
        .leftJoin('ledger_holds as h', 'h.id', 't.id')
        .selectAll('t')
        .select('h.state')
        .where((eb) => eb.or([eb('t.debit_account', '=', accountId), eb('t.credit_account', '=', accountId)]))
        .orderBy('t.created_at', 'desc')
        .orderBy('t.id', 'desc')
        .limit(limit)
        .execute();
      return rs.map(toRecord);
    },
  };
}

function toRecord(r: Database['ledger_transfers'] & { state: TransferRecord['state'] | null }): TransferRecord {
  return {
    id: r.id,
    debit: r.debit_account,
    credit: r.credit_account,
    amount: Number(r.amount),
    ledger: r.ledger,
    code: r.code,
    ref: r.ref,
    kind: r.kind,
    pendingId: r.pending_id,
    timeoutMs: r.timeout_ms === null ? null : Number(r.timeout_ms),
    createdAt: Number(r.created_at),
    state: r.kind === 'pending' ? (r.state ?? 'pending') : r.kind === 'single' ? 'posted' : null,
  };
}

function checkBatch(n: number): void {
  if (n > TRANSFER_BATCH_MAX) throw new RangeError(`a batch may hold at most ${TRANSFER_BATCH_MAX} transfers, got ${n}`);
}

/**
 * The ledger with a transaction per call.
 * @example
 * const [status] = await ledgerOf(store).createTransfers([{ id: 't1', debit: 'a', credit: 'b', amount: 5, code: 'demo' }], Date.now());
 */
export function ledgerOf(store: Store, hooks?: RunHooks): LedgerApi {
  return {
    ...reads(store.db),
    async createTransfers(transfers, now): Promise<TransferStatus[]> {
      checkBatch(transfers.length);
      return runInTransaction(store, () => createTransfersOp(transfers, now), hooks);
    },
    expirePending(now, max = EXPIRE_SWEEP_MAX) {
      return runInTransaction(store, () => expirePendingOp(now, max), hooks);
    },
  };
}

/** The ledger inside a transaction the caller holds (its writes commit or roll back with it). */
export function ledgerIn(store: Store, trx: Transaction<Database>): LedgerApi {
  return {
    ...reads(trx),
    async createTransfers(transfers, now): Promise<TransferStatus[]> {
      checkBatch(transfers.length);
      return runInOpenTransaction(store, trx, createTransfersOp(transfers, now));
    },
    expirePending(now, max = EXPIRE_SWEEP_MAX) {
      return runInOpenTransaction(store, trx, expirePendingOp(now, max));
    },
  };
}

/**
 * The operator's points liability as posted: the sum over `points:issued` and its issuer
 * shards (accounts.ts). Negative: points issued and not yet redeemed.
 */
export async function pointsIssuedPosted(ledger: Pick<LedgerApi, 'balance'>): Promise<number> {
  let posted = 0;
  for (const id of ISSUER_ACCOUNT_IDS) posted += (await ledger.balance(id))?.posted ?? 0;
  return posted;
}
