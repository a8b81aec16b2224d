/**
 * @module Migration 0006: adaptive replication and per-volunteer daily quotas — each
 * volunteer's streak of valid results and quota, each unit's base quorum, solo replicas;
 * and the iteration of iterative jobs and their units.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './types.ts';

// Literals, not the live constants: a migration is what databases already ran, so changing a
// limit later must not change it (a new default is a new migration).
/** QUOTA_DAILY_START (now edge/coordinator/trust-rules.ts) when this migration was written. */
const QUOTA_DAILY_START_0006 = 2_000;
/** QUORUM_DEFAULT (shared/limits.ts) when this migration was written. */
const QUORUM_DEFAULT_0006 = 2;

export function coordinator(dialect: Dialect): Migration {
  void dialect;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('volunteers').addColumn('valid_streak', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('volunteers').addColumn('quota_daily', 'integer', (c) => c.notNull().defaultTo(QUOTA_DAILY_START_0006)).execute();
      await db.schema.alterTable('volunteers').addColumn('quota_day', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('volunteers').addColumn('quota_used', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('units').addColumn('quorum_base', 'integer', (c) => c.notNull().defaultTo(QUORUM_DEFAULT_0006)).execute();
      await db.schema.alterTable('replicas').addColumn('solo', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      // Iterative jobs: which iteration a job is in, and which one each unit belongs to.
      await db.schema.alterTable('jobs').addColumn('iteration', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('units').addColumn('iteration', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex('replicas_solo_by_volunteer').on('replicas').columns(['volunteer_id', 'solo', 'id']).execute();
    },
  };
}
