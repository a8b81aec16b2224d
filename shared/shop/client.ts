/**
 * @module A typed client of the shop API for the web app and tests. The session travels in
 * the browser's cookie (same-origin `fetch` sends it); the client does no I/O of its own.
 */
import type { z } from 'zod';
import { ApiError, readProblem } from '../api/client.ts';
import {
  CartListSchema,
  CartSchema,
  CatalogSchema,
  OrderListSchema,
  OrderSchema,
  PAYMENT_SIGNATURE_HEADER,
  PaymentCallbackResponseSchema,
  PointValueSchema,
  ProductSchema,
  RefundSchema,
  SettlementReportSchema,
  SHOP_PATHS,
  ShopMeSchema,
  ShopGovernanceListSchema,
  ShopGovernanceSchema,
  ShopSchema,
  type CheckoutRequest,
  type PointValueRequest,
  type ProductRequest,
  type ShopCapsRequest,
  type ShopStatusRequest,
  type ShopUpsertRequest,
  type SignedCallback,
} from './schemas.ts';

/** Options of {@link createShopClient}. */
export interface ShopClientOptions {
  /** Server origin; empty for same-origin requests (the browser app). */
  baseUrl?: string;
  fetch?: typeof fetch;
}

/**
 * @example
 * const shop = createShopClient();
 * const { products } = await shop.catalog();
 */
export function createShopClient(options: ShopClientOptions = {}) {
  const base = options.baseUrl?.replace(/\/$/, '') ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (typeof init.body === 'string') headers.set('content-type', 'application/json');
    const res = await doFetch(base + path, { ...init, headers });
    if (!res.ok) throw new ApiError(await readProblem(res));
    return res;
  }
  const call = async <S extends z.ZodType>(schema: S, path: string, init?: RequestInit): Promise<z.output<S>> => schema.parse(await (await send(path, init)).json());
  const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });
  const period = (from: string, to: string, format: 'json' | 'csv') => `?${new URLSearchParams({ from, to, format })}`;

  return {
    catalog: () => call(CatalogSchema, SHOP_PATHS.catalog),
    me: () => call(ShopMeSchema, SHOP_PATHS.me),
    createCart: (shopId: string) => call(CartSchema, SHOP_PATHS.carts, json('POST', { shopId })),
    carts: () => call(CartListSchema, SHOP_PATHS.carts),
    cart: (cartId: string) => call(CartSchema, SHOP_PATHS.cart(cartId)),
    /** Sets a product's quantity in the cart; 0 removes it. */
    setLine: (cartId: string, productId: string, quantity: number) => call(CartSchema, SHOP_PATHS.cartLine(cartId, productId), json('PUT', { quantity })),
    checkout: (req: CheckoutRequest) => call(OrderSchema, SHOP_PATHS.checkout, json('POST', req)),
    orders: () => call(OrderListSchema, SHOP_PATHS.orders),
    order: (orderId: string) => call(OrderSchema, SHOP_PATHS.order(orderId)),
    pay: (orderId: string, cardToken: string) => call(OrderSchema, SHOP_PATHS.pay(orderId), json('POST', { cardToken })),
    cancel: (orderId: string) => call(OrderSchema, SHOP_PATHS.cancel(orderId), { method: 'POST' }),
    refund: (orderId: string, lineNos?: number[]) => call(RefundSchema, SHOP_PATHS.refund(orderId), json('POST', lineNos ? { lineNos } : {})),
    /** Posts a payment provider's callback as the provider signed it (tests and provider adapters; browsers never do). */
    paymentCallback: (callback: SignedCallback) =>
      call(PaymentCallbackResponseSchema, SHOP_PATHS.paymentCallback, { method: 'POST', body: callback.body, headers: { [PAYMENT_SIGNATURE_HEADER]: callback.signature } }),
    settlement: (shopId: string, from: string, to: string) => call(SettlementReportSchema, SHOP_PATHS.settlement(shopId) + period(from, to, 'json')),
    settlementCsv: async (shopId: string, from: string, to: string) => (await send(SHOP_PATHS.settlement(shopId) + period(from, to, 'csv'))).text(),
    upsertShop: (shopId: string, req: ShopUpsertRequest) => call(ShopSchema, SHOP_PATHS.shop(shopId), json('PUT', req)),
    createProduct: (shopId: string, req: ProductRequest) => call(ProductSchema, SHOP_PATHS.products(shopId), json('POST', req)),
    updateProduct: (shopId: string, productId: string, req: ProductRequest) => call(ProductSchema, SHOP_PATHS.product(shopId, productId), json('PUT', req)),
    /** The shop's status, caps and outstanding discounts (who runs it, or the operator). */
    governance: (shopId: string) => call(ShopGovernanceSchema, SHOP_PATHS.governance(shopId)),
    pointValue: () => call(PointValueSchema, SHOP_PATHS.pointValue),
    /** The operator's: */
    setPointValue: (req: PointValueRequest) => call(PointValueSchema, SHOP_PATHS.pointValue, json('PUT', req)),
    shops: () => call(ShopGovernanceListSchema, SHOP_PATHS.shops),
    setCaps: (shopId: string, req: ShopCapsRequest) => call(ShopGovernanceSchema, SHOP_PATHS.caps(shopId), json('PUT', req)),
    setStatus: (shopId: string, req: ShopStatusRequest) => call(ShopGovernanceSchema, SHOP_PATHS.status(shopId), json('PUT', req)),
  };
}

export type ShopClient = ReturnType<typeof createShopClient>;
