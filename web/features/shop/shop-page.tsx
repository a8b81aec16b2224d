/**
 * @module The shop page (`/shop`): the catalog for everyone; for a signed-in shopper their
 * points, cart and checkout with points, the outcome of the last order, and their orders
 * with license keys. Checking out needs an account (a link to `/account`).
 */
import { useState } from 'preact/hooks';
import type { Order } from '../../../shared/shop/schemas.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../account/session-store.ts';
import { CartPanel } from './cart-panel.tsx';
import { CatalogList } from './catalog-list.tsx';
import { ORDER_STATUS_LABEL, isGoodOutcome, outcomeMessage } from './messages.ts';
import { OrderHistory } from './order-history.tsx';
import { useShop } from './use-shop.ts';
import { WaitingRoom } from '../reception/waiting-room.tsx';
import './shop.css';

export function ShopPage() {
  const session = useSession();
  const signedIn = session.status === 'signed-in';
  const shop = useShop(signedIn);
  const [placed, setPlaced] = useState<Order>();
  const available = shop.me?.points?.available ?? 0;

  return (
    <div class="container shop">
      <h1>Shop</h1>
      <p class="lead">Spend the points your computer earned: discounts on goods, downloads and software licenses.</p>
      {signedIn ? (
        <p class="points-line">
          {shop.me?.points ? (
            <>
              Points available: <strong data-testid="points-balance">{available}</strong>
              {shop.me.points.held > 0 && <span class="muted small"> ({shop.me.points.held} held by an unpaid order)</span>}
            </>
          ) : shop.me ? (
            <span class="muted">This account has no volunteer points; you can still buy without them.</span>
          ) : null}
        </p>
      ) : (
        session.status !== 'loading' && (
          <p class="alert" role="note">
            <Link href="/account">Sign in or create an account</Link> to buy. Volunteers: claim your identity on the volunteer page to keep and spend
            your points.
          </p>
        )
      )}
      {shop.loadError && (
        <p class="alert alert-error" data-testid="shop-error" role="alert">
          {shop.loadError}
        </p>
      )}
      {placed && (
        <div class={isGoodOutcome(placed.status) ? 'alert alert-ok' : 'alert alert-error'} role="status">
          <p>
            <span class="visually-hidden">Order status: </span>
            <strong data-testid="order-status" data-status={placed.status}>
              {ORDER_STATUS_LABEL[placed.status]}
            </strong>{' '}
            — {outcomeMessage(placed, placed.status === 'paid' ? shop.me?.points?.available : undefined)}
          </p>
        </div>
      )}
      <div class="shop-layout">
        <div class="shop-catalog">
          {shop.catalog ? (
            <CatalogList catalog={shop.catalog} canBuy={signedIn} inCart={(shopId, productId) => shop.carts.get(shopId)?.lines.find((l) => l.productId === productId)?.quantity ?? 0} onAdd={shop.add} />
          ) : (
            !shop.loadError && <p class="muted">Loading the catalog…</p>
          )}
        </div>
        {signedIn && shop.catalog && (
          <aside class="shop-carts" aria-label="Carts">
            <WaitingRoom view={shop.reception} />
            {[...shop.carts.values()]
              .filter((c) => c.lines.length > 0)
              .map((cart) => {
                const s = shop.catalog!.shops.find((x) => x.id === cart.shopId);
                return s ? (
                  <CartPanel key={cart.id} cart={cart} shop={s} pointsAvailable={available} onQuantity={shop.setQuantity} onPlace={shop.placeOrder} onPlaced={setPlaced} />
                ) : null;
              })}
            {[...shop.carts.values()].every((c) => c.lines.length === 0) && <p class="muted small">Your cart is empty.</p>}
          </aside>
        )}
      </div>
      {signedIn && (
        <section class="orders" aria-labelledby="orders-title">
          <h2 id="orders-title">Your orders</h2>
          {shop.orders ? <OrderHistory orders={shop.orders} /> : <p class="muted">Loading your orders…</p>}
        </section>
      )}
    </div>
  );
}
