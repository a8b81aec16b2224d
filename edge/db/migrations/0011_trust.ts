/**
 * @module Migration 0011: trust against identities that collude. Volunteers count the
 * results that matched the server's own run (probation ends there) and the results of theirs
 * it disproved; replicas keep the network origin they came from (independence); units keep
 * whether and how the server verified them; and a queue holds the units waiting for the
 * server's run. Replicas remember whether their credit vested (became spendable).
 */
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function trust(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('volunteers').addColumn('verified_matches', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('volunteers').addColumn('disproved', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('replicas').addColumn('origin', 'text').execute();
      // 1 once the replica's credit moved from the volunteer's vesting points to its spendable ones.
      await db.schema.alterTable('replicas').addColumn('vested', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      // Work units done, as the last heartbeat reported them: a lease is extended only while it advances.
      await db.schema.alterTable('replicas').addColumn('progress', t.ms, (c) => c.notNull().defaultTo(0)).execute();
      // null: not verified; 'queued': waiting for the server's run; 'matched': the server's
      // run gave the canonical bytes; 'corrected': it disproved the canonical bytes, which it replaced.
      await db.schema.alterTable('units').addColumn('verification', 'text').execute();
      // Units of a job whose canonical bytes the server's run corrected after they were decided.
      await db.schema.alterTable('jobs').addColumn('amended_units', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema
        .createTable('verifications')
        .addColumn('unit_id', 'integer', (c) => c.primaryKey().references('units.id'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('queued_at', t.ms, (c) => c.notNull())
        .addColumn('claimed_until', t.ms, (c) => c.notNull().defaultTo(0))
        // The node running it: a node that restarts frees its own claims at once.
        .addColumn('claimed_by', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('verifications_next').on('verifications').columns(['priority', 'queued_at']).execute();
    },
  };
}
