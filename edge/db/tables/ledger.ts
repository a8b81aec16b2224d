/**
 * @module Table types of the ledger, merged into the database shape in edge/db/schema.ts.
 */
import type { Generated } from 'kysely';
/** Amounts of different ledgers never mix: points, and money in minor units of CURRENCY. */
export type LedgerName = 'points' | 'money';

export interface LedgerAccountsTable {
  id: string;
  ledger: LedgerName;
  floor: number | null;
  debits_posted: Generated<number>;
  credits_posted: Generated<number>;
  debits_pending: Generated<number>;
  credits_pending: Generated<number>;
  created_at: number;
}

export interface LedgerTransfersTable {
  id: string;
  debit_account: string;
  credit_account: string;
  amount: number;
  ledger: LedgerName;
  code: string;
  ref: string | null;
  kind: 'single' | 'pending' | 'post' | 'void';
  pending_id: string | null;
  timeout_ms: number | null;
  created_at: number;
}

export interface LedgerHoldsTable {
  id: string;
  state: 'pending' | 'posted' | 'voided' | 'expired';
  expires_at: number;
  resolved_by: string | null;
}

export interface LedgerTables {
  ledger_accounts: LedgerAccountsTable;
  ledger_transfers: LedgerTransfersTable;
  ledger_holds: LedgerHoldsTable;
}
