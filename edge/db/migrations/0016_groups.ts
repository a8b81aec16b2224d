/**
 * @module Migration 0016, groups (issue 16): a group (a volunteer group or a customer's
 * private pool) with its hashed invite and seat counter; its seats, one per peer volunteer,
 * each with the peer's Ed25519 public key; and the offer/answer messages relayed for a seat.
 * The unique invite hash is what a claim looks a group up by; the unique (group, volunteer)
 * pair is what makes the same volunteer count once; the index on open groups' expiry is what
 * the sweep reads.
 */
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function groups(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // 'volunteer' | 'pool'
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('host_volunteer_id', 'text')
        .addColumn('host_customer_id', 'text')
        .addColumn('job_id', 'text')
        .addColumn('invite_hash', 'text', (c) => c.notNull().unique())
        .addColumn('seats', 'integer', (c) => c.notNull())
        .addColumn('seats_left', 'integer', (c) => c.notNull())
        // 'seat' | 'notice' for pools, null for volunteer groups
        .addColumn('billing', 'text')
        .addColumn('quorum', 'integer')
        .addColumn('kernel_id', 'text', (c) => c.notNull())
        .addColumn('kernel_version', 'integer', (c) => c.notNull())
        .addColumn('charged', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .addColumn('expires_at', t.ms, (c) => c.notNull())
        .addColumn('closed_at', t.ms)
        .execute();
      await db.schema.createIndex('groups_open_by_expiry').on('groups').columns(['closed_at', 'expires_at']).execute();
      await db.schema.createIndex('groups_by_host_volunteer').on('groups').columns(['host_volunteer_id', 'closed_at']).execute();
      await db.schema.createIndex('groups_by_host_customer').on('groups').columns(['host_customer_id', 'closed_at']).execute();
      await db.schema
        .createTable('group_seats')
        .addColumn('id', t.id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('volunteer_id', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        // 'claimed' | 'declined'
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('claimed_at', t.ms, (c) => c.notNull())
        .addColumn('notice_at', t.ms)
        .addColumn('charged_at', t.ms)
        .addUniqueConstraint('group_seats_one_per_volunteer', ['group_id', 'volunteer_id'])
        .execute();
      await db.schema
        .createTable('group_signals')
        .addColumn('seat_id', t.ms, (c) => c.notNull())
        // 'offer' | 'answer'
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('sdp', 'text', (c) => c.notNull())
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('group_signals_pk', ['seat_id', 'kind'])
        .execute();
      await db.schema.createIndex('group_signals_by_group').on('group_signals').column('group_id').execute();
    },
  };
}
