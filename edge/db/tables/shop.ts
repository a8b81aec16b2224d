/**
 * @module Table types of the shop (shops and their points rules, catalog, carts, orders,
 * payments, refunds), merged into the database shape in edge/db/schema.ts. Money columns are
 * integers in minor units of the shop's currency; times are epoch milliseconds.
 */
import type { Generated } from 'kysely';
import type { CartStateSchema, OrderStatus, PaymentStatus, ProductKind, ShopStatus } from '../../../shared/shop/schemas.ts';
import type { z } from 'zod';

export interface ShopsTable {
  id: string;
  name: string;
  currency: string;
  /** Points-to-money rate: minor units per point = rate_num / rate_den. */
  rate_num: number;
  rate_den: number;
  points_min: number;
  /** Largest share of an order the discount may cover = share_num / share_den ≤ 1. */
  share_num: number;
  share_den: number;
  created_at: number;
  /** Whether the operator approved the shop: only an approved shop takes points (migration 0013). */
  status: ShopStatus;
  /** `nameKey(name)`: unique, so no shop takes another's name in another spelling. */
  name_key: string | null;
  /** The operator's caps: the highest rate (minor units per point) the shop may offer … */
  cap_rate_num: number;
  cap_rate_den: number;
  /** … the largest share of an order its discount may cover … */
  cap_share_num: number;
  cap_share_den: number;
  /** … and the most the operator will owe it in point discounts at once, in minor units. */
  settlement_limit_minor: number;
}

/** The value of a point, system-wide (one row, id `system`): minor units per point = rate_num / rate_den. */
export interface PointValueTable {
  id: string;
  rate_num: number;
  rate_den: number;
  updated_at: number;
}

export interface ProductsTable {
  id: string;
  shop_id: string;
  kind: ProductKind;
  name: string;
  description: string;
  price_minor: number;
  /** 1 when on sale, 0 when withdrawn (kept for the orders that name it). */
  active: number;
  /** License terms, for `license` products only. */
  valid_days: number | null;
  activation_limit: number | null;
  position: number;
  created_at: number;
}

export type CartState = z.output<typeof CartStateSchema>;

export interface CartsTable {
  id: string;
  user_id: string;
  shop_id: string;
  state: CartState;
  /** The order that locked (or bought) the cart. */
  order_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface CartLinesTable {
  cart_id: string;
  product_id: string;
  quantity: number;
  added_at: number;
}

export interface OrdersTable {
  id: string;
  user_id: string;
  /** Name on licenses the order grants (the buyer's e-mail at checkout). */
  buyer_name: string;
  /** Whose points the order spends; null when it uses none. */
  volunteer_id: string | null;
  shop_id: string;
  cart_id: string;
  /** The client's key for this checkout; unique per buyer. */
  idempotency_key: string;
  /** The points offered, so a replayed checkout can be told apart from a different one. */
  points_offered: number;
  status: OrderStatus;
  currency: string;
  list_minor: number;
  discount_minor: number;
  total_minor: number;
  points_used: number;
  /** The ledger hold of the points (`order:<id>:hold`), when points are used. */
  hold_id: string | null;
  created_at: number;
  expires_at: number;
  paid_at: number | null;
  closed_at: number | null;
  refunds_count: Generated<number>;
  refunded_minor: Generated<number>;
  refunded_points: Generated<number>;
}

export interface OrderLinesTable {
  order_id: string;
  line_no: number;
  product_id: string;
  kind: ProductKind;
  name: string;
  unit_price_minor: number;
  quantity: number;
  list_minor: number;
  discount_minor: number;
  total_minor: number;
  points: number;
  valid_days: number | null;
  activation_limit: number | null;
  license_id: string | null;
  license_key: string | null;
  refund_no: number | null;
}

export interface PaymentsTable {
  /** The idempotency key sent to the provider: `order:<id>:pay`. */
  id: string;
  order_id: string;
  amount_minor: number;
  currency: string;
  status: PaymentStatus;
  provider_ref: string | null;
  reason: string | null;
  started_at: number;
  updated_at: number;
}

export interface RefundsTable {
  order_id: string;
  refund_no: number;
  shop_id: string;
  amount_minor: number;
  discount_minor: number;
  points: number;
  /** List total of the refunded lines (for the settlement report). */
  list_minor: number;
  /** `pending` until the provider returned the money (retried by the sweeper). */
  status: 'pending' | 'succeeded';
  provider_ref: string | null;
  created_at: number;
}

export interface ShopTables {
  shops: ShopsTable;
  point_value: PointValueTable;
  products: ProductsTable;
  carts: CartsTable;
  cart_lines: CartLinesTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
}
