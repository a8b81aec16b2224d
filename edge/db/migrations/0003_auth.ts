/**
 * @module Migration 0003: users (e-mail, password hash, roles, the volunteer and customer
 * identities they own), sessions, and server secrets.
 */
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function auth(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        // One account per identity: a volunteer is claimed at most once.
        .addColumn('volunteer_id', 'text', (c) => c.unique().references('volunteers.id'))
        .addColumn('customer_id', 'text', (c) => c.unique().references('customers.id'))
        .addColumn('shop_id', 'text')
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .addColumn('expires_at', t.ms, (c) => c.notNull())
        .addColumn('last_seen_at', t.ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_by_user').on('sessions').columns(['user_id', 'created_at']).execute();
      await db.schema.createIndex('sessions_by_expiry').on('sessions').column('expires_at').execute();
      await db.schema
        .createTable('secrets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
