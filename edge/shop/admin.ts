/**
 * @module Running a shop: who may (its shop operator, or the operator), and setting up the
 * shop's name, points rules and products. A rules change applies to later checkouts; orders
 * keep the amounts they were priced with. A shop's rules must stay within the operator's caps
 * (edge/shop/governance.ts), a new shop starts `pending` until the operator approves it, and
 * no two shops have the same name compared by `nameKey` (shared/text.ts).
 */
import type { z } from 'zod';
import type { Problem } from '../../shared/api/schemas.ts';
import { CURRENCY } from '../../shared/limits.ts';
import type { Product, ProductRequestSchema, Shop, ShopUpsertRequestSchema } from '../../shared/shop/schemas.ts';
import { nameKey } from '../../shared/text.ts';
import { newId } from '../auth/tokens.ts';
import type { SessionUser } from '../auth/users.ts';
import type { Store } from '../db/index.ts';
import { inTransaction } from '../db/tx.ts';
import { capsOf, findShop, readPointValue, toProduct, toShop, type Db } from './catalog.ts';
import { capColumns, defaultCaps, rulesBeyondCaps } from './governance.ts';
import { ensureShop } from './seed.ts';

/** Whether `user` runs `shopId`: its shop operator, or the operator of the whole system. */
export function runsShop(user: SessionUser, shopId: string): boolean {
  return user.roles.includes('operator') || (user.roles.includes('shop_operator') && user.shopId === shopId);
}


function ruleColumns(req: z.output<typeof ShopUpsertRequestSchema>) {
  const { minorPerPoint: r, pointsMin, discountShareMax: s } = req.rules;
  return { name: req.name, name_key: nameKey(req.name), rate_num: r.num, rate_den: r.den, points_min: pointsMin, share_num: s.num, share_den: s.den };
}

/** The shop, created or updated; or why not (nothing changed then). */
export type UpsertShopResult =
  | { status: 'created' | 'updated'; shop: Shop }
  | { status: 'shop_name_taken'; detail: string }
  | { status: 'rules_above_caps'; detail: string; errors: NonNullable<Problem['errors']> };

/** Another shop that has `name` (compared by `nameKey`), or undefined. */
async function nameHolder(db: Db, shopId: string, name: string): Promise<{ status: 'shop_name_taken'; detail: string } | undefined> {
  const other = await db.selectFrom('shops').select(['id', 'name']).where('name_key', '=', nameKey(name)).where('id', '!=', shopId).executeTakeFirst();
  if (!other) return undefined;
  return { status: 'shop_name_taken', detail: `another shop is already named “${other.name}” (names are compared ignoring case, width and repeated spaces); choose another name` };
}

/**
 * Creates the shop (with its ledger accounts; `pending`, with the default caps) or updates
 * its name and rules; refuses rules above the shop's caps and a name another shop has.
 */
export async function upsertShop(store: Store, shopId: string, req: z.output<typeof ShopUpsertRequestSchema>, now: number): Promise<UpsertShopResult> {
  try {
    return await inTransaction(store, async (trx): Promise<UpsertShopResult> => {
      const existing = await findShop(trx, shopId);
      const pointValue = await readPointValue(trx);
      const caps = existing ? capsOf(existing) : defaultCaps(pointValue);
      const errors = rulesBeyondCaps(req.rules, caps, pointValue);
      if (errors.length > 0) {
        return { status: 'rules_above_caps', detail: `a shop may offer at most what the operator allows it: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors };
      }
      const taken = await nameHolder(trx, shopId, req.name);
      if (taken) return taken;
      if (existing) await trx.updateTable('shops').set(ruleColumns(req)).where('id', '=', shopId).execute();
      else await ensureShop(store, trx, { id: shopId, currency: CURRENCY, status: 'pending', ...ruleColumns(req), ...capColumns(caps) }, [], now);
      return { status: existing ? 'updated' : 'created', shop: toShop((await findShop(trx, shopId))!, pointValue) };
    });
  } catch (err) {
    // Another shop took the name between the check and the write (the unique name key refused it).
    const taken = await nameHolder(store.db, shopId, req.name);
    if (taken) return taken;
    throw err;
  }
}

function productColumns(req: z.output<typeof ProductRequestSchema>) {
  return {
    kind: req.kind,
    name: req.name,
    description: req.description,
    price_minor: req.priceMinor,
    active: req.active ? 1 : 0,
    valid_days: req.license?.validDays ?? null,
    activation_limit: req.license?.activationLimit ?? null,
  };
}

/** Adds a product to a shop (its id is chosen here), or says the shop does not exist. */
export async function createProduct(
  store: Store,
  shopId: string,
  req: z.output<typeof ProductRequestSchema>,
  now: number,
): Promise<{ status: 'created'; product: Product } | { status: 'shop_not_found'; detail: string }> {
  return inTransaction(store, async (trx) => {
    const shop = await findShop(trx, shopId);
    if (!shop) return { status: 'shop_not_found', detail: `no shop ${shopId}; create it first` };
    const last = await trx
      .selectFrom('products')
      .select((eb) => eb.fn.max('position').as('p'))
      .where('shop_id', '=', shopId)
      .executeTakeFirst();
    const row = { id: newId('p'), shop_id: shopId, ...productColumns(req), position: Number(last?.p ?? -1) + 1, created_at: now };
    await trx.insertInto('products').values(row).execute();
    return { status: 'created', product: toProduct(row, shop.currency) };
  });
}

/**
 * Replaces a product of the shop (withdraw it with `active: false`; rows are never deleted),
 * or says the shop has no such product (then nothing changed).
 */
export async function updateProduct(
  store: Store,
  shopId: string,
  productId: string,
  req: z.output<typeof ProductRequestSchema>,
): Promise<{ status: 'updated'; product: Product } | { status: 'unknown_product'; detail: string }> {
  return inTransaction(store, async (trx) => {
    const shop = await findShop(trx, shopId);
    const done = await trx.updateTable('products').set(productColumns(req)).where('id', '=', productId).where('shop_id', '=', shopId).executeTakeFirst();
    // No row matched: the update changed nothing.
    if (!shop || Number(done.numUpdatedRows) === 0) return { status: 'unknown_product', detail: `shop ${shopId} has no product ${productId}` };
    const row = await trx.selectFrom('products').selectAll().where('id', '=', productId).executeTakeFirstOrThrow();
    return { status: 'updated', product: toProduct(row, shop.currency) };
  });
}
