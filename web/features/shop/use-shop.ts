/**
 * @module The shop page's state: the catalog (for everyone), and for a signed-in shopper
 * their points, open carts (one per shop) and orders, with the actions that change them.
 * Every answer of the server replaces the local copy, so the page never guesses a total.
 */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { createShopClient } from '../../../shared/shop/client.ts';
import type { Cart, Catalog, Order, ShopMe } from '../../../shared/shop/schemas.ts';
import { describeError } from '../../lib/errors.ts';
import { withAdmittedCheckout } from '../reception/admitted-clients.ts';
import { useAdmission, type AdmissionView } from '../reception/use-admission.ts';

export interface ShopState {
  catalog: Catalog | undefined;
  me: ShopMe | undefined;
  /** Open carts by shop id. */
  carts: Map<string, Cart>;
  orders: Order[] | undefined;
  /** A load that failed, as a sentence. */
  loadError: string | undefined;
  /** Puts one more of a product in its shop's cart (a license: one at most). */
  add(shopId: string, productId: string): Promise<void>;
  setQuantity(cart: Cart, productId: string, quantity: number): Promise<void>;
  /** Places and pays the order for a cart; the answer is the order in its new status. */
  placeOrder(cart: Cart, points: number, cardToken: string, idempotencyKey: string): Promise<Order>;
  /** Loads points, carts and orders again. */
  refresh(): Promise<void>;
  /** Checkout's way through reception (its waiting room), when the site requires admission. */
  reception: AdmissionView;
}

/** A fresh idempotency key for one checkout attempt (hex; `crypto.randomUUID` needs a secure context). */
export function newCheckoutKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function useShop(signedIn: boolean): ShopState {
  // Checkout goes through reception when the site requires it; the node must see the session cookie.
  const reception = useAdmission('checkout', 'include');
  const api = useMemo(() => withAdmittedCheckout(createShopClient(), reception.admission), [reception.admission]);
  const [catalog, setCatalog] = useState<Catalog>();
  const [me, setMe] = useState<ShopMe>();
  const [carts, setCarts] = useState<Map<string, Cart>>(new Map());
  const [orders, setOrders] = useState<Order[]>();
  const [loadError, setLoadError] = useState<string>();

  useEffect(() => {
    let alive = true;
    api.catalog().then(
      (c) => alive && setCatalog(c),
      (err: unknown) => alive && setLoadError(`The catalog could not be loaded. ${describeError(err)}`),
    );
    return () => {
      alive = false;
    };
  }, [api]);

  const refresh = useCallback(async () => {
    try {
      setMe(await api.me());
      if (!signedIn) {
        setCarts(new Map());
        setOrders(undefined);
        return;
      }
      const [{ carts: list }, { orders: mine }] = await Promise.all([api.carts(), api.orders()]);
      const open = new Map<string, Cart>();
      // Newest first: the first open cart of a shop is the one in use.
      for (const c of list) if (c.state === 'open' && !open.has(c.shopId)) open.set(c.shopId, c);
      setCarts(open);
      setOrders(mine);
      setLoadError(undefined);
    } catch (err) {
      setLoadError(`Your cart and orders could not be loaded. ${describeError(err)}`);
    }
  }, [api, signedIn]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const keep = useCallback((cart: Cart) => setCarts((m) => new Map(m).set(cart.shopId, cart)), []);

  const add = useCallback(
    async (shopId: string, productId: string) => {
      const cart = carts.get(shopId) ?? (await api.createCart(shopId));
      const line = cart.lines.find((l) => l.productId === productId);
      if (line?.kind === 'license') return keep(cart);
      keep(await api.setLine(cart.id, productId, (line?.quantity ?? 0) + 1));
    },
    [api, carts, keep],
  );

  const setQuantity = useCallback(async (cart: Cart, productId: string, quantity: number) => keep(await api.setLine(cart.id, productId, quantity)), [api, keep]);

  const placeOrder = useCallback(
    async (cart: Cart, points: number, cardToken: string, idempotencyKey: string) => {
      const order = await api.checkout({ cartId: cart.id, points, idempotencyKey, cardToken });
      await refresh();
      return order;
    },
    [api, refresh],
  );

  return { catalog, me, carts, orders, loadError, add, setQuantity, placeOrder, refresh, reception };
}
