/**
 * @module Migration 0005: license keys, their lifetime activations, single-use grants and
 * the edge's signing keys.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function licenses(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('license_signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('public_key_raw', t.blob, (c) => c.notNull())
        .addColumn('private_key_pkcs8', t.blob, (c) => c.notNull())
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('licenses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('licensee_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('issued_at', t.ms, (c) => c.notNull())
        .addColumn('expires_at', t.ms)
        .addColumn('activation_limit', 'integer', (c) => c.notNull())
        .addColumn('activations_used', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('revoked_at', t.ms)
        .addColumn('revoke_reason', 'text')
        // One license per paying transfer (or grant): issuing is idempotent by it.
        .addColumn('transfer_id', 'text', (c) => c.notNull().unique())
        .addCheckConstraint('licenses_activations_within_limit', sql`activations_used >= 0 and activations_used <= activation_limit`)
        .execute();
      await db.schema.createIndex('licenses_by_licensee').on('licenses').columns(['licensee_id', 'issued_at']).execute();
      await db.schema
        .createTable('license_activations')
        .addColumn('id', t.id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('license_id', 'text', (c) => c.notNull().references('licenses.id'))
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('activated_at', t.ms, (c) => c.notNull())
        .addColumn('deactivated_at', t.ms)
        .execute();
      // A device holds at most one open activation of a license, even under racing requests.
      await db.schema
        .createIndex('license_activations_open')
        .on('license_activations')
        .columns(['license_id', 'device_id'])
        .unique()
        .where(sql.ref('deactivated_at'), 'is', null)
        .execute();
      await db.schema
        .createTable('license_grants')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('product_name', 'text', (c) => c.notNull())
        .addColumn('valid_days', 'integer')
        .addColumn('activation_limit', 'integer', (c) => c.notNull())
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .addColumn('redeemed_by', 'text')
        .addColumn('redeemed_at', t.ms)
        .addColumn('license_id', 'text', (c) => c.references('licenses.id'))
        .execute();
    },
  };
}
