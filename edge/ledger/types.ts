/**
 * @module The ledger's vocabulary (TigerBeetle's model, in integers): accounts with a floor,
 * immutable transfers with a client-chosen id, pending transfers (holds) that are posted or
 * voided exactly once, linked chains that succeed or fail together. Results are exhaustive
 * status values, never thrown errors.
 */

import type { LedgerName } from '../db/tables/ledger.ts';

/** Amounts of different ledgers never mix: points, and money in minor units of CURRENCY (the type lives with the ledger's tables). */
export type { LedgerName };

export interface AccountSpec {
  id: string;
  ledger: LedgerName;
  /** Lowest available balance allowed; `null` for issuer accounts that may go negative. */
  floor: number | null;
}

/** Balances kept with every transfer, in the same transaction. */
export interface AccountBalance {
  id: string;
  ledger: LedgerName;
  floor: number | null;
  debitsPosted: number;
  creditsPosted: number;
  debitsPending: number;
  creditsPending: number;
  /** credits_posted − debits_posted: what the account holds. */
  posted: number;
  /** posted − debits_pending: what it may still spend; never below its floor. */
  available: number;
}

export interface TransferSpec {
  /** Client-chosen idempotency key, at most 128 characters. */
  id: string;
  /** Account debited (its balance goes down). Ignored for `post`/`void`: the hold's is used. */
  debit: string;
  /** Account credited. Ignored for `post`/`void`. */
  credit: string;
  /** Positive integer. For `post`: at most the hold's amount (partial post releases the rest); for `void`: 0 or the hold's amount. */
  amount: number;
  /** Why the transfer exists, e.g. `unit_credit`, `checkout_hold`, `settlement`. */
  code: string;
  /** What it is about (unit id, order id …), for reports and audits. */
  ref?: string | null;
  /** Makes this a hold, voided by `expirePending` after `timeoutMs` unless posted or voided. */
  pending?: { timeoutMs: number };
  /** Posts the hold with this transfer id. */
  post?: string;
  /** Voids the hold with this transfer id. */
  void?: string;
  /** This transfer and the next one in the batch succeed or fail together (chains of any length). */
  linked?: boolean;
}

/** The result of one transfer of a batch, in the batch's order. */
export type TransferStatus =
  | 'ok'
  | 'exists'
  | 'exists_with_different_debit'
  | 'exists_with_different_credit'
  | 'exists_with_different_amount'
  | 'exists_with_different_code'
  | 'exists_with_different_ref'
  | 'exists_with_different_flags'
  | 'exists_with_different_pending_id'
  | 'exists_with_different_timeout'
  | 'id_invalid'
  | 'code_invalid'
  | 'amount_invalid'
  | 'accounts_must_differ'
  | 'debit_account_not_found'
  | 'credit_account_not_found'
  | 'ledgers_must_match'
  | 'flags_are_mutually_exclusive'
  | 'timeout_invalid'
  | 'exceeds_floor'
  | 'pending_not_found'
  | 'pending_already_posted'
  | 'pending_already_voided'
  | 'pending_expired'
  | 'exceeds_pending_amount'
  | 'linked_event_failed'
  | 'linked_event_chain_open';

/** A stored transfer. */
export interface TransferRecord {
  id: string;
  debit: string;
  credit: string;
  amount: number;
  ledger: LedgerName;
  code: string;
  ref: string | null;
  kind: 'single' | 'pending' | 'post' | 'void';
  pendingId: string | null;
  timeoutMs: number | null;
  createdAt: number;
  /** For holds: `pending` until posted, voided or expired. */
  state: 'posted' | 'pending' | 'voided' | 'expired' | null;
}
