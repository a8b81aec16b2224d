/**
 * @module Carts: each belongs to one buyer and one shop, holds whole positive quantities of
 * that shop's products, and is edited only while `open` (an order awaiting payment locks it).
 * Edits first touch the cart row with a conditional update, so on PostgreSQL they queue
 * behind a checkout that is locking the same cart instead of slipping past it.
 */
import { CART_LINES_MAX, CARTS_OPEN_PER_USER_MAX } from '../../shared/shop/limits.ts';
import type { Cart } from '../../shared/shop/schemas.ts';
import { newId } from '../accounts/tokens.ts';
import type { Store } from '../db/index.ts';
import { ProblemError } from '../http/problem.ts';
import { findShop, type Db } from './catalog.ts';
import type { CartsTable } from './tables.ts';
import { inTransaction } from './tx.ts';

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

/** The buyer's cart, or the problem that says why not. */
export async function ownCart(db: Db, userId: string, cartId: string) {
  const cart = await db.selectFrom('carts').selectAll().where('id', '=', cartId).executeTakeFirst();
  if (!cart) throw new ProblemError('cart-not-found', `no cart ${cartId}`);
  if (cart.user_id !== userId) throw new ProblemError('cart-not-yours', `cart ${cartId} belongs to another buyer`);
  return cart;
}

/** Opens a new, empty cart for `shopId`. */
export async function createCart(store: Store, userId: string, shopId: string, now: number): Promise<Cart> {
  return inTransaction(store, async (trx) => {
    if (!(await findShop(trx, shopId))) throw new ProblemError('shop-not-found', `no shop ${shopId}`);
    const open = await trx
      .selectFrom('carts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('state', '=', 'open')
      .executeTakeFirstOrThrow();
    if (Number(open.n) >= CARTS_OPEN_PER_USER_MAX) {
      throw new ProblemError('too-many-carts', `a buyer may keep at most ${CARTS_OPEN_PER_USER_MAX} open carts; check one out or empty it`);
    }
    const row = { id: newId('cart'), user_id: userId, shop_id: shopId, state: 'open' as const, order_id: null, created_at: now, updated_at: now };
    await trx.insertInto('carts').values(row).execute();
    return readCart(trx, row);
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

/** Sets the quantity of a product in the buyer's open cart; 0 removes it. */
export async function setCartLine(store: Store, userId: string, cartId: string, productId: string, quantity: number, now: number): Promise<Cart> {
  return inTransaction(store, async (trx) => {
    const touched = await trx
      .updateTable('carts')
      .set({ updated_at: now })
      .where('id', '=', cartId)
      .where('user_id', '=', userId)
      .where('state', '=', 'open')
      .executeTakeFirst();
    if (Number(touched.numUpdatedRows) === 0) {
      const cart = await ownCart(trx, userId, cartId);
      throw new ProblemError('cart-not-open', `cart ${cart.id} is ${cart.state}; change an open cart`);
    }
    const cart = await ownCart(trx, userId, cartId);
    if (quantity === 0) {
      await trx.deleteFrom('cart_lines').where('cart_id', '=', cartId).where('product_id', '=', productId).execute();
      return readCart(trx, cart);
    }
    const product = await trx.selectFrom('products').selectAll().where('id', '=', productId).executeTakeFirst();
    if (!product || product.shop_id !== cart.shop_id || product.active !== 1) {
      throw new ProblemError('unknown-product', `shop ${cart.shop_id} sells no product ${productId}`);
    }
    if (product.kind === 'license' && quantity > 1) {
      throw new ProblemError('validation', 'a license is issued to the buyer: order it with quantity 1', [{ path: 'quantity', message: 'must be 1 for a license' }]);
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
    if (Number(n.n) > CART_LINES_MAX) throw new ProblemError('validation', `a cart holds at most ${CART_LINES_MAX} different products`);
    return readCart(trx, cart);
  });
}
