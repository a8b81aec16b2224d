/**
 * @module Migration 0012: new identities counted per network origin and time window
 * (edge/accounts/identity-limiter.ts), in the database so that several edge nodes on one
 * PostgreSQL share the count and a restart does not reset it. One row per kind of identity,
 * origin, window length and window start; the unique key is what the counting upsert
 * conflicts on, and the index on the window's start is what pruning old windows reads.
 */
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function identityLimits(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('identity_limits')
        // A surrogate key, so pruning can delete a bounded number of rows (`id in (… limit n)`).
        .addColumn('id', t.id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        // 'volunteer' | 'customer'
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('window_ms', t.ms, (c) => c.notNull())
        .addColumn('window_start', t.ms, (c) => c.notNull())
        .addColumn('created', 'integer', (c) => c.notNull())
        .addUniqueConstraint('identity_limits_window', ['kind', 'origin', 'window_ms', 'window_start'])
        .execute();
      await db.schema.createIndex('identity_limits_by_start').on('identity_limits').column('window_start').execute();
    },
  };
}
