/**
 * @module Migration 0004: the shop — shops with their points rules, products, carts, orders
 * with their priced lines, payment attempts and refunds.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function shop(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('shops')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('rate_num', t.amount, (c) => c.notNull())
        .addColumn('rate_den', t.amount, (c) => c.notNull())
        .addColumn('points_min', t.amount, (c) => c.notNull())
        .addColumn('share_num', t.amount, (c) => c.notNull())
        .addColumn('share_den', t.amount, (c) => c.notNull())
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .addCheckConstraint('shops_rate_positive', sql`rate_num >= 1 and rate_den >= 1`)
        .addCheckConstraint('shops_share_at_most_one', sql`share_num >= 0 and share_den >= 1 and share_num <= share_den`)
        .execute();
      await db.schema
        .createTable('products')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('price_minor', t.amount, (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('valid_days', 'integer')
        .addColumn('activation_limit', 'integer')
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .addCheckConstraint('products_price_nonnegative', sql`price_minor >= 0`)
        .execute();
      await db.schema.createIndex('products_by_shop').on('products').columns(['shop_id', 'position']).execute();
      await db.schema
        .createTable('carts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text')
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .addColumn('updated_at', t.ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('carts_by_user').on('carts').columns(['user_id', 'state', 'updated_at']).execute();
      await db.schema
        .createTable('cart_lines')
        .addColumn('cart_id', 'text', (c) => c.notNull().references('carts.id'))
        .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('added_at', t.ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('cart_lines_pk', ['cart_id', 'product_id'])
        .addCheckConstraint('cart_lines_quantity_positive', sql`quantity >= 1`)
        .execute();
      await db.schema
        .createTable('orders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('buyer_name', 'text', (c) => c.notNull())
        .addColumn('volunteer_id', 'text')
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('cart_id', 'text', (c) => c.notNull().references('carts.id'))
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('points_offered', t.amount, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('list_minor', t.amount, (c) => c.notNull())
        .addColumn('discount_minor', t.amount, (c) => c.notNull())
        .addColumn('total_minor', t.amount, (c) => c.notNull())
        .addColumn('points_used', t.amount, (c) => c.notNull())
        .addColumn('hold_id', 'text')
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .addColumn('expires_at', t.ms, (c) => c.notNull())
        .addColumn('paid_at', t.ms)
        .addColumn('closed_at', t.ms)
        .addColumn('refunds_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('refunded_minor', t.amount, (c) => c.notNull().defaultTo(0))
        .addColumn('refunded_points', t.amount, (c) => c.notNull().defaultTo(0))
        // The whole checkout's arithmetic, checked once more by the database.
        .addCheckConstraint('orders_total_adds_up', sql`total_minor + discount_minor = list_minor and total_minor >= 0 and discount_minor >= 0`)
        .addUniqueConstraint('orders_idempotency', ['user_id', 'idempotency_key'])
        .execute();
      await db.schema.createIndex('orders_by_user').on('orders').columns(['user_id', 'created_at']).execute();
      await db.schema.createIndex('orders_by_shop_paid').on('orders').columns(['shop_id', 'paid_at']).execute();
      await db.schema.createIndex('orders_by_status').on('orders').columns(['status', 'expires_at']).execute();
      await db.schema
        .createTable('order_lines')
        .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
        .addColumn('line_no', 'integer', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('unit_price_minor', t.amount, (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('list_minor', t.amount, (c) => c.notNull())
        .addColumn('discount_minor', t.amount, (c) => c.notNull())
        .addColumn('total_minor', t.amount, (c) => c.notNull())
        .addColumn('points', t.amount, (c) => c.notNull())
        .addColumn('valid_days', 'integer')
        .addColumn('activation_limit', 'integer')
        .addColumn('license_id', 'text')
        .addColumn('license_key', 'text')
        .addColumn('refund_no', 'integer')
        .addPrimaryKeyConstraint('order_lines_pk', ['order_id', 'line_no'])
        .addCheckConstraint('order_lines_total_adds_up', sql`total_minor + discount_minor = list_minor and total_minor >= 0 and discount_minor >= 0`)
        .execute();
      await db.schema
        .createTable('payments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'text', (c) => c.notNull().unique().references('orders.id'))
        .addColumn('amount_minor', t.amount, (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('provider_ref', 'text')
        .addColumn('reason', 'text')
        .addColumn('started_at', t.ms, (c) => c.notNull())
        .addColumn('updated_at', t.ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('payments_by_status').on('payments').columns(['status', 'started_at']).execute();
      await db.schema
        .createTable('refunds')
        .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
        .addColumn('refund_no', 'integer', (c) => c.notNull())
        .addColumn('shop_id', 'text', (c) => c.notNull().references('shops.id'))
        .addColumn('amount_minor', t.amount, (c) => c.notNull())
        .addColumn('discount_minor', t.amount, (c) => c.notNull())
        .addColumn('points', t.amount, (c) => c.notNull())
        .addColumn('list_minor', t.amount, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('provider_ref', 'text')
        .addColumn('created_at', t.ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('refunds_pk', ['order_id', 'refund_no'])
        .execute();
      await db.schema.createIndex('refunds_by_shop').on('refunds').columns(['shop_id', 'created_at']).execute();
      await db.schema.createIndex('refunds_by_status').on('refunds').column('status').execute();
    },
  };
}
