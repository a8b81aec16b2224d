/**
 * @module The catalog: shops with their points rules, and their products, read from the
 * database and shaped for the API. A shop's rules as buyers see them and checkouts price
 * with are its own within the operator's caps and the value of a point (edge/shop/governance.ts).
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import { minFraction, type Fraction, type ShopRules } from '../../shared/shop/pricing.ts';
import type { Catalog, Product, Shop, ShopCaps } from '../../shared/shop/schemas.ts';
import type { Database } from '../db/schema.ts';
import type { ProductsTable, ShopsTable } from '../db/tables/shop.ts';

export type Db = Kysely<Database> | Transaction<Database>;
export type ShopRow = Selectable<ShopsTable>;
export type ProductRow = Selectable<ProductsTable>;

/** A shop row's own points rules (as the shop set them; see {@link effectiveRules}). */
export function rulesOf(s: ShopRow): ShopRules {
  return {
    minorPerPoint: { num: Number(s.rate_num), den: Number(s.rate_den) },
    pointsMin: Number(s.points_min),
    discountShareMax: { num: Number(s.share_num), den: Number(s.share_den) },
  };
}

/**
 * The value of a point a new system starts with, in minor units per point: 1 point buys
 * 1 cent, the rate the demo shop always had (migration 0013 writes the same literal).
 */
export const POINT_VALUE_DEFAULT: Fraction = { num: 1, den: 1 };
/** The id of the one `point_value` row. */
export const POINT_VALUE_ID = 'system';

/** The value of a point now (the default when the row is missing, as in a store never migrated to 0013). */
export async function readPointValue(db: Db): Promise<Fraction> {
  const r = await db.selectFrom('point_value').select(['rate_num', 'rate_den']).where('id', '=', POINT_VALUE_ID).executeTakeFirst();
  return r ? { num: Number(r.rate_num), den: Number(r.rate_den) } : POINT_VALUE_DEFAULT;
}

/** A shop row's caps. */
export function capsOf(s: ShopRow): ShopCaps {
  return {
    minorPerPointMax: { num: Number(s.cap_rate_num), den: Number(s.cap_rate_den) },
    discountShareMax: { num: Number(s.cap_share_num), den: Number(s.cap_share_den) },
    settlementLimitMinor: Number(s.settlement_limit_minor),
  };
}

/** The rules checkouts price with: the shop's own, within its caps and the value of a point. */
export function effectiveRules(s: ShopRow, pointValue: Fraction): ShopRules {
  const own = rulesOf(s);
  const caps = capsOf(s);
  return {
    minorPerPoint: minFraction(own.minorPerPoint, minFraction(caps.minorPerPointMax, pointValue)),
    pointsMin: own.pointsMin,
    discountShareMax: minFraction(own.discountShareMax, caps.discountShareMax),
  };
}

/** A shop row as the API shows it: its rules are the ones checkouts price with. */
export function toShop(s: ShopRow, pointValue: Fraction): Shop {
  return { id: s.id, name: s.name, currency: s.currency, status: s.status, rules: effectiveRules(s, pointValue) };
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
  const pointValue = await readPointValue(db);
  return { shops: shops.map((s) => toShop(s, pointValue)), products: products.map((p) => toProduct(p, currency.get(p.shop_id)!)) };
}

/** One shop, or `undefined`. */
export function findShop(db: Db, shopId: string): Promise<ShopRow | undefined> {
  return db.selectFrom('shops').selectAll().where('id', '=', shopId).executeTakeFirst();
}
