/**
 * @module Creating transfers: the ledger's one write path, written as an op of prepared
 * queries (edge/db/prepared.ts) so it runs synchronously on SQLite and through a transaction
 * on PostgreSQL. Semantics follow TigerBeetle's `create_transfers`: validation, then the
 * idempotency check on the client-chosen id, then the balance change with the floor check
 * in the same UPDATE; linked chains are all-or-nothing through a savepoint.
 */
import { exec, immutableRows, rows, type Op } from '../db/prepared.ts';
import * as Q from './queries.ts';
import type { Selectable } from 'kysely';
import type { LedgerTransfersTable } from '../db/tables/ledger.ts';
import type { LedgerName, TransferSpec, TransferStatus } from './types.ts';

type TransferRow = Selectable<LedgerTransfersTable>;

/** Longest transfer id (client-chosen idempotency key). */
export const TRANSFER_ID_CHARS_MAX = 128;
/** Longest transfer code. */
export const TRANSFER_CODE_CHARS_MAX = 64;
/** Longest hold: a checkout or a job quote never needs more than a week. */
export const HOLD_TIMEOUT_MAX_MS = 7 * 24 * 3600_000;
/** Transfers in one batch, so one request's transaction stays short. */
export const TRANSFER_BATCH_MAX = 8190;

const SUCCESS: ReadonlySet<TransferStatus> = new Set(['ok', 'exists']);
const CHAIN_SAVEPOINT = 'ledger_chain';

function validate(t: TransferSpec): TransferStatus | undefined {
  if (typeof t.id !== 'string' || t.id.length === 0 || t.id.length > TRANSFER_ID_CHARS_MAX) return 'id_invalid';
  if (typeof t.code !== 'string' || t.code.length === 0 || t.code.length > TRANSFER_CODE_CHARS_MAX) return 'code_invalid';
  if ([t.pending, t.post, t.void].filter((f) => f !== undefined).length > 1) return 'flags_are_mutually_exclusive';
  if (!Number.isSafeInteger(t.amount) || t.amount < 0 || (t.amount === 0 && t.void === undefined)) return 'amount_invalid';
  if (t.pending && (!Number.isSafeInteger(t.pending.timeoutMs) || t.pending.timeoutMs <= 0 || t.pending.timeoutMs > HOLD_TIMEOUT_MAX_MS)) {
    return 'timeout_invalid';
  }
  return undefined;
}

function kindOf(t: TransferSpec): 'single' | 'pending' | 'post' | 'void' {
  return t.pending ? 'pending' : t.post !== undefined ? 'post' : t.void !== undefined ? 'void' : 'single';
}

/** Which field of a repeated id differs from the stored transfer, or `exists`. */
function compareExisting(t: TransferSpec, row: TransferRow, debit: string, credit: string, amount: number): TransferStatus {
  if (row.kind !== kindOf(t)) return 'exists_with_different_flags';
  if ((row.pending_id ?? null) !== (t.post ?? t.void ?? null)) return 'exists_with_different_pending_id';
  if (row.debit_account !== debit) return 'exists_with_different_debit';
  if (row.credit_account !== credit) return 'exists_with_different_credit';
  if (Number(row.amount) !== amount) return 'exists_with_different_amount';
  if (row.code !== t.code) return 'exists_with_different_code';
  if ((row.ref ?? null) !== (t.ref ?? null)) return 'exists_with_different_ref';
  if ((row.timeout_ms === null ? null : Number(row.timeout_ms)) !== (t.pending?.timeoutMs ?? null)) return 'exists_with_different_timeout';
  return 'exists';
}

function* insert(t: TransferSpec, debit: string, credit: string, amount: number, ledger: LedgerName, now: number): Op<TransferRow | undefined> {
  const inserted = yield* exec(Q.insertTransfer, {
    id: t.id,
    debit,
    credit,
    amount,
    ledger,
    code: t.code,
    ref: t.ref ?? null,
    kind: kindOf(t),
    pendingId: t.post ?? t.void ?? null,
    timeoutMs: t.pending?.timeoutMs ?? null,
    now,
  });
  if (inserted === 1) return undefined;
  return (yield* rows(Q.transferById, { id: t.id }))[0];
}

function* applySingleOrPending(t: TransferSpec, now: number): Op<TransferStatus> {
  if (t.debit === t.credit) return 'accounts_must_differ';
  const [a, b] = t.debit < t.credit ? [t.debit, t.credit] : [t.credit, t.debit];
  const accounts = yield* immutableRows(Q.accountsByIds, { a, b }, [a, b]);
  const debit = accounts.find((r) => r.id === t.debit);
  const credit = accounts.find((r) => r.id === t.credit);
  if (!debit) return 'debit_account_not_found';
  if (!credit) return 'credit_account_not_found';
  if (debit.ledger !== credit.ledger) return 'ledgers_must_match';
  const existing = yield* insert(t, t.debit, t.credit, t.amount, debit.ledger as LedgerName, now);
  if (existing) return compareExisting(t, existing, t.debit, t.credit, t.amount);
  const posted = t.pending ? 0 : t.amount;
  const pending = t.pending ? t.amount : 0;
  const debited = yield* exec(Q.debitWithinFloor, { id: t.debit, posted, pending, amount: t.amount });
  if (debited === 0) {
    yield* exec(Q.deleteTransfer, { id: t.id });
    return 'exceeds_floor';
  }
  yield* exec(Q.credit, { id: t.credit, posted, pending });
  if (t.pending) yield* exec(Q.insertHold, { id: t.id, expiresAt: now + t.pending.timeoutMs });
  return 'ok';
}

const RESOLVED: Record<string, TransferStatus> = { posted: 'pending_already_posted', voided: 'pending_already_voided', expired: 'pending_expired' };

/** Posts or voids a hold (or expires it, for the sweeper), exactly once. */
function* applyResolution(t: TransferSpec, now: number, as: 'posted' | 'voided' | 'expired'): Op<TransferStatus> {
  const holdId = (t.post ?? t.void)!;
  const hold = (yield* rows(Q.holdById, { id: holdId }))[0];
  if (!hold) return 'pending_not_found';
  const holdAmount = Number(hold.amount);
  if (as === 'posted' && t.amount > holdAmount) return 'exceeds_pending_amount';
  if (as !== 'posted' && t.amount !== 0 && t.amount !== holdAmount) return 'amount_invalid';
  const amount = as === 'posted' ? t.amount : holdAmount;
  const debit = hold.debit_account as string;
  const credit = hold.credit_account as string;
  const existing = yield* insert(t, debit, credit, amount, hold.ledger as LedgerName, now);
  if (existing) return compareExisting(t, existing, debit, credit, amount);
  const already = RESOLVED[hold.state as string];
  const expired = as !== 'expired' && Number(hold.expires_at) <= now;
  if (already || expired) {
    yield* exec(Q.deleteTransfer, { id: t.id });
    return already ?? 'pending_expired';
  }
  if ((yield* exec(Q.resolveHold, { id: holdId, state: as, by: t.id })) === 0) {
    // Resolved by a concurrent transaction between our read and this update.
    yield* exec(Q.deleteTransfer, { id: t.id });
    const now2 = (yield* rows(Q.holdById, { id: holdId }))[0];
    return RESOLVED[now2?.state as string] ?? 'pending_not_found';
  }
  const posted = as === 'posted' ? amount : 0;
  // Rows are written in account-id order, as new transfers lock them (accountsByIds), so a
  // post and a new hold between the same accounts can't deadlock on PostgreSQL.
  const settleDebit = exec(Q.settleDebit, { id: debit, posted, released: holdAmount });
  const settleCredit = exec(Q.settleCredit, { id: credit, posted, released: holdAmount });
  if (debit < credit) {
    yield* settleDebit;
    yield* settleCredit;
  } else {
    yield* settleCredit;
    yield* settleDebit;
  }
  return 'ok';
}

function* applyOne(t: TransferSpec, now: number): Op<TransferStatus> {
  const invalid = validate(t);
  if (invalid) return invalid;
  if (t.post !== undefined) return yield* applyResolution(t, now, 'posted');
  if (t.void !== undefined) return yield* applyResolution(t, now, 'voided');
  return yield* applySingleOrPending(t, now);
}

/**
 * Applies a batch in order and returns one status per transfer. A chain (transfers flagged
 * `linked`, ended by one that is not) is applied all or nothing; a repeated, identical
 * transfer (`exists`) counts as success, so a retried chain is a no-op.
 */
export function* createTransfersOp(batch: TransferSpec[], now: number): Op<TransferStatus[]> {
  const statuses: TransferStatus[] = new Array<TransferStatus>(batch.length);
  let i = 0;
  while (i < batch.length) {
    let end = i;
    while (end < batch.length && batch[end]!.linked) end++;
    if (end === batch.length) {
      // The batch ends inside a chain: the chain is refused whole.
      for (let k = i; k < batch.length; k++) statuses[k] = k === batch.length - 1 ? 'linked_event_chain_open' : 'linked_event_failed';
      break;
    }
    if (end === i) {
      statuses[i] = yield* applyOne(batch[i]!, now);
      i++;
      continue;
    }
    yield { op: 'raw', sql: 'savepoint', name: CHAIN_SAVEPOINT };
    let failed = -1;
    for (let k = i; k <= end; k++) {
      statuses[k] = yield* applyOne(batch[k]!, now);
      if (!SUCCESS.has(statuses[k]!)) {
        failed = k;
        break;
      }
    }
    if (failed >= 0) {
      yield { op: 'raw', sql: 'rollback_to', name: CHAIN_SAVEPOINT };
      for (let k = i; k <= end; k++) if (k !== failed) statuses[k] = 'linked_event_failed';
    }
    yield { op: 'raw', sql: 'release', name: CHAIN_SAVEPOINT };
    i = end + 1;
  }
  return statuses;
}

/** Expires holds past their timeout, releasing what they reserved; returns how many. */
export function* expirePendingOp(now: number, max: number): Op<number> {
  const due = yield* rows(Q.expiredHolds, { now, max });
  let n = 0;
  for (const h of due) {
    const id = h.id as string;
    const s = yield* applyResolution({ id: `expire:${id}`, debit: '', credit: '', amount: 0, code: 'hold_expired', void: id }, now, 'expired');
    if (s === 'ok') n++;
  }
  return n;
}
