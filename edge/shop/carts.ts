/**
 * @module Carts: each belongs to one buyer and one shop, holds whole positive quantities of
 * that shop's products, and is edited only while `open` (an order awaiting payment locks it).
 * Edits first touch the cart row with a conditional update, so on PostgreSQL they queue
 * behind a checkout that is locking the same cart instead of slipping past it. Refusals are
 * statuses, each with a sentence for the buyer; the routes map them to problems.
 */
import type { Selectable } from 'kysely';
import type { Problem } from '../../shared/api/schemas.ts';
import { CART_LINES_MAX, CARTS_OPEN_PER_USER_MAX } from '../../shared/shop/limits.ts';
import type { Cart } from '../../shared/shop/schemas.ts';
import { newId } from '../auth/tokens.ts';
import type { Store } from '../db/index.ts';
import { inTransaction } from '../db/tx.ts';
import { findShop, type Db } from './catalog.ts';
import type { CartsTable } from '../db/tables/shop.ts';

/** Why the buyer's cart can't be used: there is none, or it is someone else's. */
export type OwnCartRefusal = { status: 'cart_not_found' | 'cart_not_yours'; detail: string };

/** The buyer's cart, or why not. */
export type OwnCartResult = { status: 'ok'; cart: Selectable<CartsTable> } | OwnCartRefusal;

/** A new cart, or why none was opened. */
export type CreateCartResult = { status: 'created'; cart: Cart } | { status: 'shop_not_found' | 'too_many_carts'; detail: string };

/** The changed cart, or why the change was refused (nothing changed then). */
export type SetCartLineResult =
  | { status: 'ok'; cart: Cart }
  | OwnCartRefusal
  | { status: 'cart_not_open' | 'unknown_product' | 'too_many_lines'; detail: string }
  | { status: 'license_quantity'; detail: string; errors: NonNullable<Problem['errors']> };

const iso = (ms: number) => new Date(ms).toISOString();

/** A cart with its lines at current prices. */
export async function readCart(db: Db, cart: Pick<CartsTable, 'id' | 'shop_id' | 'state' | 'updated_at'>): Promise<Cart> {
  const shop = await findShop(db, cart.shop_id);
  const lines = await db
    .selectFrom('cart_lines as l')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .select(['l.product_id', 'l.quantity', 'p.kind', 'p.name', 'p.price_minor'])
    .where('l.cart_id', '=', cart.id)
    .orderBy('l.added_at')
    .orderBy('l.product_id')
    .execute();
  const out = lines.map((l) => ({
    productId: l.product_id,
    kind: l.kind,
    name: l.name,
    unitPriceMinor: Number(l.price_minor),
    quantity: Number(l.quantity),
    listMinor: Number(l.price_minor) * Number(l.quantity),
  }));
  return {
    id: cart.id,
    shopId: cart.shop_id,
    state: cart.state,
    currency: shop?.currency ?? '',
    lines: out,
    listMinor: out.reduce((s, l) => s + l.listMinor, 0),
    updatedAt: iso(Number(cart.updated_at)),
  };
}

/** The buyer's cart, or why not. */
export async function ownCart(db: Db, userId: string, cartId: string): Promise<OwnCartResult> {
  const cart = await db.selectFrom('carts').selectAll().where('id', '=', cartId).executeTakeFirst();
  if (!cart) return { status: 'cart_not_found', detail: `no cart ${cartId}` };
  if (cart.user_id !== userId) return { status: 'cart_not_yours', detail: `cart ${cartId} belongs to another buyer` };
  return { status: 'ok', cart };
}

/** Opens a new, empty cart for `shopId`. */
export async function createCart(store: Store, userId: string, shopId: string, now: number): Promise<CreateCartResult> {
  return inTransaction(store, async (trx): Promise<CreateCartResult> => {
    if (!(await findShop(trx, shopId))) return { status: 'shop_not_found', detail: `no shop ${shopId}` };
    const open = await trx
      .selectFrom('carts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('state', '=', 'open')
      .executeTakeFirstOrThrow();
    if (Number(open.n) >= CARTS_OPEN_PER_USER_MAX) {
      return { status: 'too_many_carts', detail: `a buyer may keep at most ${CARTS_OPEN_PER_USER_MAX} open carts; check one out or empty it` };
    }
    const row = { id: newId('cart'), user_id: userId, shop_id: shopId, state: 'open' as const, order_id: null, created_at: now, updated_at: now };
    await trx.insertInto('carts').values(row).execute();
    return { status: 'created', cart: await readCart(trx, row) };
  });
}

/** The buyer's open and locked carts, most recently changed first. */
export async function listCarts(db: Db, userId: string): Promise<Cart[]> {
  const rows = await db
    .selectFrom('carts')
    .selectAll()
    .where('user_id', '=', userId)
    .where('state', 'in', ['open', 'locked'])
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(CARTS_OPEN_PER_USER_MAX)
    .execute();
  return Promise.all(rows.map((r) => readCart(db, r)));
}

/**
 * Sets the quantity of a product in the buyer's open cart; 0 removes it. A refusal found
 * after the cart was touched rolls the touch back: a refused edit changes nothing.
 */
export async function setCartLine(store: Store, userId: string, cartId: string, productId: string, quantity: number, now: number): Promise<SetCartLineResult> {
  return inTransaction(store, async (trx, rollback): Promise<SetCartLineResult> => {
    const touched = await trx
      .updateTable('carts')
      .set({ updated_at: now })
      .where('id', '=', cartId)
      .where('user_id', '=', userId)
      .where('state', '=', 'open')
      .executeTakeFirst();
    const own = await ownCart(trx, userId, cartId);
    if (own.status !== 'ok') return own;
    const { cart } = own;
    if (Number(touched.numUpdatedRows) === 0) return { status: 'cart_not_open', detail: `cart ${cart.id} is ${cart.state}; change an open cart` };
    if (quantity === 0) {
      await trx.deleteFrom('cart_lines').where('cart_id', '=', cartId).where('product_id', '=', productId).execute();
      return { status: 'ok', cart: await readCart(trx, cart) };
    }
    const product = await trx.selectFrom('products').selectAll().where('id', '=', productId).executeTakeFirst();
    if (!product || product.shop_id !== cart.shop_id || product.active !== 1) {
      return rollback({ status: 'unknown_product', detail: `shop ${cart.shop_id} sells no product ${productId}` });
    }
    if (product.kind === 'license' && quantity > 1) {
      return rollback({
        status: 'license_quantity',
        detail: 'a license is issued to the buyer: order it with quantity 1',
        errors: [{ path: 'quantity', message: 'must be 1 for a license' }],
      });
    }
    await trx
      .insertInto('cart_lines')
      .values({ cart_id: cartId, product_id: productId, quantity, added_at: now })
      .onConflict((oc) => oc.columns(['cart_id', 'product_id']).doUpdateSet({ quantity }))
      .execute();
    const n = await trx
      .selectFrom('cart_lines')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('cart_id', '=', cartId)
      .executeTakeFirstOrThrow();
    if (Number(n.n) > CART_LINES_MAX) return rollback({ status: 'too_many_lines', detail: `a cart holds at most ${CART_LINES_MAX} different products` });
    return { status: 'ok', cart: await readCart(trx, cart) };
  });
}
