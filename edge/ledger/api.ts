/**
 * @module The ledger's interface for other features. `ledgerOf(store)` runs each call in its
 * own transaction; `ledgerIn(trx)` joins a transaction already open (e.g. crediting points
 * in the transaction that validates a unit).
 */
import type { AccountBalance, AccountSpec, TransferRecord, TransferSpec, TransferStatus } from './types.ts';

export interface LedgerApi {
  /** Creates the accounts that don't exist yet (existing ones are left as they are). */
  ensureAccounts(specs: AccountSpec[], now?: number): Promise<void>;
  /** Applies a batch in order; one status per transfer. Linked chains are all-or-nothing. */
  createTransfers(transfers: TransferSpec[], now: number): Promise<TransferStatus[]>;
  balance(accountId: string): Promise<AccountBalance | undefined>;
  transfer(id: string): Promise<TransferRecord | undefined>;
  /** Voids holds whose timeout has passed (at most `max`); returns how many. */
  expirePending(now: number, max?: number): Promise<number>;
  /** Sum of posted credits to `accountId` with `code` created in [fromMs, toMs). */
  creditsBetween(accountId: string, code: string, fromMs: number, toMs: number): Promise<number>;
  /** Transfers touching an account, newest first. */
  history(accountId: string, limit: number): Promise<TransferRecord[]>;
}
