/**
 * @module Migration 0013: the operator governs shops (issue 15, finding 1). The value of a
 * point is one system-wide rate the operator sets (`point_value`, one row); each shop gets
 * an approval status and the operator's caps on it (its highest rate, its highest discount
 * share, its settlement limit: the most the operator will owe it in point discounts at
 * once), and a unique key of its name (edge/shop/governance.ts writes it with `nameKey`).
 *
 * Shops that exist when this runs start `pending` (any of them may have set its own point
 * value before the operator could), except the demo shop, which the operator seeds; their
 * name keys are filled in by the demo seeding at start, which has the `nameKey` code (a
 * migration imports only kysely). Literals here are the defaults of edge/shop/governance.ts
 * at the time of writing: 1 minor unit per point (the demo shop's rate), a share cap of 1/2,
 * a settlement limit of 50 000 minor units.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function shopGovernance(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('point_value')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rate_num', t.amount, (c) => c.notNull())
        .addColumn('rate_den', t.amount, (c) => c.notNull())
        .addColumn('updated_at', t.ms, (c) => c.notNull())
        .addCheckConstraint('point_value_rate_positive', sql`rate_num >= 1 and rate_den >= 1`)
        .execute();
      await sql`insert into point_value (id, rate_num, rate_den, updated_at) values ('system', 1, 1, 0)`.execute(db);

      // 'pending' | 'approved' | 'suspended'
      await db.schema.alterTable('shops').addColumn('status', 'text', (c) => c.notNull().defaultTo('pending')).execute();
      await db.schema.alterTable('shops').addColumn('name_key', 'text').execute();
      await db.schema.alterTable('shops').addColumn('cap_rate_num', t.amount, (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('shops').addColumn('cap_rate_den', t.amount, (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('shops').addColumn('cap_share_num', t.amount, (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('shops').addColumn('cap_share_den', t.amount, (c) => c.notNull().defaultTo(2)).execute();
      await db.schema.alterTable('shops').addColumn('settlement_limit_minor', t.amount, (c) => c.notNull().defaultTo(50_000)).execute();
      await sql`update shops set status = 'approved' where id = 's_demo'`.execute(db);
      // Unique where set; several NULLs (names not yet keyed) are allowed by both dialects.
      await db.schema.createIndex('shops_name_key').on('shops').column('name_key').unique().execute();
      // The discounts a shop's open orders reserve are summed per shop at every points checkout.
      await db.schema.createIndex('orders_by_shop_status').on('orders').columns(['shop_id', 'status']).execute();
    },
  };
}
