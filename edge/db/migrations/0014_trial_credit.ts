/**
 * @module Migration 0014: trial credit as a named, bounded gift (issue 15). A customer keeps
 * the network origin it was created from and the trial credit it was granted (0 once its
 * origin had its day's trial grants); `first_topup_at` marks when real money first came in,
 * so a job created before it is paid by trial credit only. A replica leased to a volunteer
 * linked to such a job's customer (same account or same origin) is `unfunded`: it can
 * validate the unit but earns no points.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

/** What a customer created before this migration was promised on its first job (the old demo trial). */
const LEGACY_TRIAL_MINOR = 100_000;

export function trialCredit(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('customers').addColumn('origin', 'text').execute();
      await db.schema.alterTable('customers').addColumn('trial_minor', t.amount, (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('customers').addColumn('first_topup_at', t.ms).execute();
      await sql`update customers set trial_minor = ${sql.lit(LEGACY_TRIAL_MINOR)}`.execute(db);
      await db.schema.alterTable('replicas').addColumn('unfunded', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  };
}
