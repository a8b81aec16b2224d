/**
 * @module Migration 0002: the double-entry ledger — accounts with balances kept per
 * transfer, immutable transfers, and the resolution state of holds — and the system accounts.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

// Literals, not edge/ledger/accounts.ts: a migration is what databases already ran, so a
// later change to the live accounts must not change it (a new system account is a new
// migration). The values are SYSTEM_ACCOUNTS and ACCOUNTS.pointsIssued when this migration
// was written.
/** ACCOUNTS.pointsIssued.id: the issuer account, whose debit side is not indexed. */
const POINTS_ISSUED_0002 = 'points:issued';
/** SYSTEM_ACCOUNTS: the accounts that exist from the first start. */
const SYSTEM_ACCOUNTS_0002: { id: string; ledger: string; floor: number | null }[] = [
  { id: POINTS_ISSUED_0002, ledger: 'points', floor: null },
  { id: 'money:operator:revenue', ledger: 'money', floor: null },
  { id: 'money:operator:discounts', ledger: 'money', floor: null },
  { id: 'money:external', ledger: 'money', floor: null },
];

export function ledger(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('ledger_accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('ledger', 'text', (c) => c.notNull())
        .addColumn('floor', t.amount)
        .addColumn('debits_posted', t.amount, (c) => c.notNull().defaultTo(0))
        .addColumn('credits_posted', t.amount, (c) => c.notNull().defaultTo(0))
        .addColumn('debits_pending', t.amount, (c) => c.notNull().defaultTo(0))
        .addColumn('credits_pending', t.amount, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', t.ms, (c) => c.notNull())
        // On SQLite, one B-tree keyed by the text id instead of a rowid table plus an index:
        // every transfer updates two accounts by id.
        .modifyEnd(dialect === 'sqlite' ? sql`without rowid` : sql``)
        .execute();
      await db.schema
        .createTable('ledger_transfers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('debit_account', 'text', (c) => c.notNull().references('ledger_accounts.id'))
        .addColumn('credit_account', 'text', (c) => c.notNull().references('ledger_accounts.id'))
        .addColumn('amount', t.amount, (c) => c.notNull())
        .addColumn('ledger', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('ref', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('pending_id', 'text')
        .addColumn('timeout_ms', t.ms)
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .execute();
      // Credit-side history and monthly sums (filtered by code): a narrow index, written on
      // every transfer, costs less than one that also holds the code.
      await db.schema.createIndex('ledger_transfers_credit').on('ledger_transfers').columns(['credit_account', 'created_at']).execute();
      // Debit-side history, except for issuer accounts: every unit credit debits
      // `points:issued`, and indexing that side would double the hot path's index writes.
      await db.schema
        .createIndex('ledger_transfers_debit')
        .on('ledger_transfers')
        .columns(['debit_account', 'created_at'])
        .where(sql.ref('debit_account'), '<>', sql.lit(POINTS_ISSUED_0002))
        .execute();
      // Transfers are immutable; what becomes of a hold is recorded here, exactly once.
      await db.schema
        .createTable('ledger_holds')
        .addColumn('id', 'text', (c) => c.primaryKey().references('ledger_transfers.id'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('expires_at', t.ms, (c) => c.notNull())
        .addColumn('resolved_by', 'text')
        .execute();
      await db.schema.createIndex('ledger_holds_open').on('ledger_holds').column('expires_at').where(sql.ref('state'), '=', 'pending').execute();
      await (db as Kysely<{ ledger_accounts: { id: string; ledger: string; floor: number | null; created_at: number } }>)
        .insertInto('ledger_accounts')
        .values(SYSTEM_ACCOUNTS_0002.map((a) => ({ id: a.id, ledger: a.ledger, floor: a.floor, created_at: 0 })))
        .execute();
    },
  };
}
