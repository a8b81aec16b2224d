/**
 * @module Migration 0015, two changes of issue 15. (1) Sign-in attempts counted in the
 * database (edge/auth/login-limiter.ts), so that several edge nodes on one PostgreSQL share
 * the counts and a restart does not reset them. One row per counter: its scope (an account from one network, an account from one
 * known device, an account, a network), its subject, the attempts counted and when the last
 * one was. The unique key is what counting conflicts on; the index on the last attempt is
 * what pruning idle counters reads. (2) A license's `activations_used` now counts the devices
 * its key is active on (a deactivation frees a slot, edge/licenses/activation.ts) instead of
 * every activation ever made: existing rows are recounted from their open activations.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function loginAttemptsLicenseSlots(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('login_attempts')
        // A surrogate key, so pruning can delete a bounded number of rows (`id in (… limit n)`).
        .addColumn('id', t.id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        // 'pair' | 'device' | 'account' | 'origin'
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_attempt_at', t.ms, (c) => c.notNull())
        .addUniqueConstraint('login_attempts_counter', ['scope', 'subject'])
        .execute();
      await db.schema.createIndex('login_attempts_by_last').on('login_attempts').column('last_attempt_at').execute();
      await sql`update licenses set activations_used = (select count(*) from license_activations a where a.license_id = licenses.id and a.deactivated_at is null)`.execute(db);
    },
  };
}
