/**
 * @module The catalog: shops with their points rules, and their products, read from the
 * database and shaped for the API.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ShopRules } from '../../shared/shop/pricing.ts';
import type { Catalog, Product, Shop } from '../../shared/shop/schemas.ts';
import type { Database } from '../db/schema.ts';
import type { ProductsTable, ShopsTable } from '../db/tables/shop.ts';

export type Db = Kysely<Database> | Transaction<Database>;
export type ShopRow = Selectable<ShopsTable>;
export type ProductRow = Selectable<ProductsTable>;

/** A shop row's points rules, as the pricing takes them. */
export function rulesOf(s: ShopRow): ShopRules {
  return {
    minorPerPoint: { num: Number(s.rate_num), den: Number(s.rate_den) },
    pointsMin: Number(s.points_min),
    discountShareMax: { num: Number(s.share_num), den: Number(s.share_den) },
  };
}

/** A shop row as the API shows it. */
export function toShop(s: ShopRow): Shop {
  return { id: s.id, name: s.name, currency: s.currency, rules: rulesOf(s) };
}

/** A product row as the API shows it. */
export function toProduct(p: ProductRow, currency: string): Product {
  return {
    id: p.id,
    shopId: p.shop_id,
    kind: p.kind,
    name: p.name,
    description: p.description,
    priceMinor: Number(p.price_minor),
    currency,
    license: p.kind === 'license' ? { validDays: p.valid_days, activationLimit: p.activation_limit ?? 1 } : null,
  };
}

/** Every shop and its products on sale, in the shop's order. */
export async function readCatalog(db: Db): Promise<Catalog> {
  const shops = await db.selectFrom('shops').selectAll().orderBy('created_at').orderBy('id').execute();
  const products = await db.selectFrom('products').selectAll().where('active', '=', 1).orderBy('shop_id').orderBy('position').orderBy('id').execute();
  const currency = new Map(shops.map((s) => [s.id, s.currency]));
  return { shops: shops.map(toShop), products: products.map((p) => toProduct(p, currency.get(p.shop_id)!)) };
}

/** One shop, or `undefined`. */
export function findShop(db: Db, shopId: string): Promise<ShopRow | undefined> {
  return db.selectFrom('shops').selectAll().where('id', '=', shopId).executeTakeFirst();
}
