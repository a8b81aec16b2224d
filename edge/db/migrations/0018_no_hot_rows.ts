/**
 * @module Migration 0018, no hot rows (issue 18 item 2). On PostgreSQL every validating
 * transaction used to update two rows that every other one updates too, and hold them until
 * commit: the operator's `points:issued` account (debited by every credit) and the job's
 * counter row (`jobs.units_valid`/`units_failed`). Now
 *
 * - points are issued from POINTS_ISSUER_SHARDS_0018 issuer accounts `points:issued:<k>`, a
 *   volunteer always from the same one (edge/ledger/accounts.ts); `points:issued` itself
 *   stays the account redemptions return points to. The operator's liability is the sum of
 *   all of them. Their debit side is not indexed, as `points:issued`'s never was;
 * - a job's decided units are counted in `job_progress`, one row per (job, shard), added to
 *   by upsert and summed when read (edge/jobs/counts.ts). The counts so far move to shard 0
 *   and the job's own columns go.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './types.ts';

// Literals, not edge/ledger/accounts.ts: a migration is what databases already ran.
/** POINTS_ISSUER_SHARDS when this migration was written. */
const POINTS_ISSUER_SHARDS_0018 = 16;
/** The prefix every issuer account's id starts with (`points:issued` and its shards). */
const ISSUER_PREFIX_0018 = 'points:issued';

export function noHotRows(dialect: Dialect): Migration {
  void dialect;
  return {
    async up(db: Kysely<unknown>) {
      const accounts = Array.from({ length: POINTS_ISSUER_SHARDS_0018 }, (_, k) => ({ id: `${ISSUER_PREFIX_0018}:${k}`, ledger: 'points', floor: null, created_at: 0 }));
      await (db as Kysely<{ ledger_accounts: { id: string; ledger: string; floor: number | null; created_at: number } }>)
        .insertInto('ledger_accounts')
        .values(accounts)
        .execute();
      await db.schema.dropIndex('ledger_transfers_debit').execute();
      await db.schema
        .createIndex('ledger_transfers_debit')
        .on('ledger_transfers')
        .columns(['debit_account', 'created_at'])
        .where(sql.ref('debit_account'), 'not like', sql.lit(`${ISSUER_PREFIX_0018}%`))
        .execute();
      await db.schema
        .createTable('job_progress')
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
        .addColumn('shard', 'integer', (c) => c.notNull())
        .addColumn('valid', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('job_progress_pk', ['job_id', 'shard'])
        .execute();
      await sql`insert into job_progress (job_id, shard, valid, failed) select id, 0, units_valid, units_failed from jobs where units_valid <> 0 or units_failed <> 0`.execute(db);
      await db.schema.alterTable('jobs').dropColumn('units_valid').execute();
      await db.schema.alterTable('jobs').dropColumn('units_failed').execute();
    },
  };
}
