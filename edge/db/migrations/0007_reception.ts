/**
 * @module Migration 0007: tickets a node has accepted, kept until they expire so a restarted
 * node still refuses a replay.
 */
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function reception(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('used_tickets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('node', 'text', (c) => c.notNull())
        .addColumn('expires_at', t.ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('used_tickets_by_expiry').on('used_tickets').column('expires_at').execute();
    },
  };
}
