/**
 * @module Request and response shapes of the shop API (catalog, carts, checkout, orders,
 * refunds, settlement), one zod schema each: the edge validates with them, the web app and
 * tests type their calls with them. Money is always an integer in minor units of the
 * shop's currency; points are integers. Paths are listed in {@link SHOP_PATHS}.
 */
import { z } from 'zod';
import { LICENSE_ACTIVATIONS_MAX, LICENSE_NAME_CHARS_MAX, LICENSE_VALID_DAYS_MAX } from '../limits.ts';
import { NameSchema, textSchema } from '../text.ts';
import {
  CARD_TOKEN_CHARS_MAX,
  CART_LINES_MAX,
  CART_LINE_QUANTITY_MAX,
  CHECKOUT_POINTS_MAX,
  IDEMPOTENCY_KEY_CHARS_MAX,
  PRODUCT_DESCRIPTION_CHARS_MAX,
  PRODUCT_PRICE_MINOR_MAX,
  SHOP_FRACTION_TERM_MAX,
  SHOP_SETTLEMENT_LIMIT_MINOR_MAX,
} from './limits.ts';

/** Every shop API path, so clients never spell one twice. */
export const SHOP_PATHS = {
  catalog: '/api/shop/catalog',
  me: '/api/shop/me',
  carts: '/api/shop/carts',
  cart: (cartId: string) => `/api/shop/carts/${encodeURIComponent(cartId)}`,
  cartLine: (cartId: string, productId: string) => `/api/shop/carts/${encodeURIComponent(cartId)}/lines/${encodeURIComponent(productId)}`,
  checkout: '/api/shop/checkout',
  orders: '/api/shop/orders',
  order: (orderId: string) => `/api/shop/orders/${encodeURIComponent(orderId)}`,
  pay: (orderId: string) => `/api/shop/orders/${encodeURIComponent(orderId)}/pay`,
  cancel: (orderId: string) => `/api/shop/orders/${encodeURIComponent(orderId)}/cancel`,
  refund: (orderId: string) => `/api/shop/orders/${encodeURIComponent(orderId)}/refunds`,
  paymentCallback: '/api/shop/payments/callback',
  shops: '/api/shop/shops',
  shop: (shopId: string) => `/api/shop/shops/${encodeURIComponent(shopId)}`,
  products: (shopId: string) => `/api/shop/shops/${encodeURIComponent(shopId)}/products`,
  product: (shopId: string, productId: string) => `/api/shop/shops/${encodeURIComponent(shopId)}/products/${encodeURIComponent(productId)}`,
  settlement: (shopId: string) => `/api/shop/shops/${encodeURIComponent(shopId)}/settlement`,
  /** The value of a point (GET: anyone; PUT: the operator). */
  pointValue: '/api/shop/point-value',
  /** A shop's status, caps and outstanding discounts (GET: who runs it). */
  governance: (shopId: string) => `/api/shop/shops/${encodeURIComponent(shopId)}/governance`,
  /** The operator sets a shop's caps (PUT). */
  caps: (shopId: string) => `/api/shop/shops/${encodeURIComponent(shopId)}/caps`,
  /** The operator approves or suspends a shop (PUT). */
  status: (shopId: string) => `/api/shop/shops/${encodeURIComponent(shopId)}/status`,
} as const;

/**
 * The header carrying the payment provider's signature of a callback's body:
 * `sha256=<hex HMAC-SHA256 of the raw body>` under the secret the provider and the edge
 * share (the shape of GitHub's `X-Hub-Signature-256`).
 */
export const PAYMENT_SIGNATURE_HEADER = 'x-payment-signature';

const id = z.string().min(1).max(64);
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const term = z.int().min(0).max(SHOP_FRACTION_TERM_MAX);

/** A fraction `num / den` with integer terms. */
export const FractionSchema = z.object({ num: term, den: term.min(1) });

/** A shop's points rules (see shared/shop/pricing.ts). */
export const ShopRulesSchema = z.object({
  minorPerPoint: FractionSchema.refine((f) => f.num >= 1, 'a point must be worth something'),
  pointsMin: count,
  discountShareMax: FractionSchema.refine((f) => f.num <= f.den, 'the discount may cover at most the whole order'),
});
export type ShopRulesDto = z.output<typeof ShopRulesSchema>;

/**
 * `pending`: set up by its shop operator, not yet approved; `approved`: takes points;
 * `suspended`: the operator stopped it taking points. Only approved shops take points.
 */
export const ShopStatusSchema = z.enum(['pending', 'approved', 'suspended']);
export type ShopStatus = z.output<typeof ShopStatusSchema>;

/** A shop as buyers see it; `rules` are the ones checkouts price with (the shop's own, within the operator's caps). */
export const ShopSchema = z.object({ id, name: z.string(), currency: z.string().length(3), status: ShopStatusSchema, rules: ShopRulesSchema });
export type Shop = z.output<typeof ShopSchema>;

export const ProductKindSchema = z.enum(['physical', 'digital', 'license']);
export type ProductKind = z.output<typeof ProductKindSchema>;

/** License terms of a `license` product. */
export const LicenseTermsSchema = z.object({
  /** Days a key is valid from its issue; null: it never expires. */
  validDays: z.int().min(1).max(LICENSE_VALID_DAYS_MAX).nullable(),
  activationLimit: z.int().min(1).max(LICENSE_ACTIVATIONS_MAX),
});

export const ProductSchema = z.object({
  id,
  shopId: id,
  kind: ProductKindSchema,
  name: z.string().max(LICENSE_NAME_CHARS_MAX),
  description: z.string(),
  priceMinor: z.int().min(0).max(PRODUCT_PRICE_MINOR_MAX),
  currency: z.string().length(3),
  license: LicenseTermsSchema.nullable(),
});
export type Product = z.output<typeof ProductSchema>;

export const CatalogSchema = z.object({ shops: z.array(ShopSchema), products: z.array(ProductSchema) });
export type Catalog = z.output<typeof CatalogSchema>;

export const CartLineSchema = z.object({
  productId: id,
  kind: ProductKindSchema,
  name: z.string(),
  unitPriceMinor: count,
  quantity: z.int().min(1).max(CART_LINE_QUANTITY_MAX),
  listMinor: count,
});
export type CartLine = z.output<typeof CartLineSchema>;

/** `open`: editable; `locked`: an order for it awaits payment; `ordered`: paid, kept for the record. */
export const CartStateSchema = z.enum(['open', 'locked', 'ordered']);
export const CartSchema = z.object({
  id,
  shopId: id,
  state: CartStateSchema,
  currency: z.string().length(3),
  lines: z.array(CartLineSchema).max(CART_LINES_MAX),
  listMinor: count,
  updatedAt: z.string(),
});
export type Cart = z.output<typeof CartSchema>;
export const CartListSchema = z.object({ carts: z.array(CartSchema) });

export const CreateCartRequestSchema = z.strictObject({ shopId: id });
/** Sets a line's quantity; 0 removes the line. Only whole, non-negative quantities. */
export const SetCartLineRequestSchema = z.strictObject({ quantity: z.int().min(0).max(CART_LINE_QUANTITY_MAX) });

const cardToken = z.string().min(1).max(CARD_TOKEN_CHARS_MAX);

export const CheckoutRequestSchema = z.strictObject({
  cartId: id,
  /** Points offered; the order takes the fewest that buy its discount (at most these). */
  points: z.int().min(0).max(CHECKOUT_POINTS_MAX),
  /** Chosen by the client once per checkout attempt: a retried request returns the same order. */
  idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').min(8).max(IDEMPOTENCY_KEY_CHARS_MAX),
  /** Pays at once when present; otherwise the order awaits `pay` or `cancel`. */
  cardToken: cardToken.optional(),
});
export type CheckoutRequest = z.input<typeof CheckoutRequestSchema>;

export const PayRequestSchema = z.strictObject({ cardToken });

/** A payment provider's callback as sent: its raw JSON body and the signature header's value. */
export interface SignedCallback {
  body: string;
  signature: string;
}

/** A payment provider's notification names the payment; the edge asks the provider what happened. */
export const PaymentCallbackRequestSchema = z.strictObject({ idempotencyKey: z.string().min(1).max(128) });

/**
 * Order lifecycle: `awaiting_payment → paying → paid → refunded`, or from
 * `awaiting_payment` to `cancelled` | `expired`, or from `paying` to `declined` | `timed_out`
 * | `failed` (charged, but the points could no longer be taken: the charge is reversed).
 */
export const OrderStatusSchema = z.enum(['awaiting_payment', 'paying', 'paid', 'refunded', 'declined', 'timed_out', 'cancelled', 'expired', 'failed']);
export type OrderStatus = z.output<typeof OrderStatusSchema>;

export const PaymentStatusSchema = z.enum(['pending', 'succeeded', 'declined', 'timeout', 'reversed']);
export type PaymentStatus = z.output<typeof PaymentStatusSchema>;

export const OrderLineSchema = z.object({
  lineNo: z.int().min(1),
  productId: id,
  kind: ProductKindSchema,
  name: z.string(),
  unitPriceMinor: count,
  quantity: z.int().min(1),
  listMinor: count,
  discountMinor: count,
  totalMinor: count,
  points: count,
  /** Number of the refund that returned this line, or null. */
  refundNo: z.int().min(1).nullable(),
  license: z.object({ licenseId: z.string(), key: z.string() }).nullable(),
});
export type OrderLine = z.output<typeof OrderLineSchema>;

export const OrderSchema = z.object({
  id,
  shopId: id,
  cartId: id,
  status: OrderStatusSchema,
  currency: z.string().length(3),
  listMinor: count,
  discountMinor: count,
  totalMinor: count,
  pointsUsed: count,
  lines: z.array(OrderLineSchema),
  payment: z.object({ status: PaymentStatusSchema, reason: z.string().nullable() }).nullable(),
  refundedMinor: count,
  refundedPoints: count,
  createdAt: z.string(),
  /** Until when an order awaiting payment may be paid. */
  expiresAt: z.string(),
  paidAt: z.string().nullable(),
});
export type Order = z.output<typeof OrderSchema>;
export const OrderListSchema = z.object({ orders: z.array(OrderSchema) });

/** Refunds whole lines; without `lineNos`, every line not yet refunded. */
export const RefundRequestSchema = z.strictObject({ lineNos: z.array(z.int().min(1).max(CART_LINES_MAX)).min(1).max(CART_LINES_MAX).optional() });
export const RefundSchema = z.object({
  orderId: id,
  refundNo: z.int().min(1),
  lineNos: z.array(z.int()),
  amountMinor: count,
  discountMinor: count,
  points: count,
  status: z.enum(['pending', 'succeeded']),
  order: OrderSchema,
});
export type Refund = z.output<typeof RefundSchema>;

export const PaymentCallbackResponseSchema = z.object({ orderId: id, status: OrderStatusSchema, changed: z.boolean() });

/** The signed-in shopper as the shop sees them, with their points (null when not signed in). */
export const ShopMeSchema = z.object({
  signedIn: z.boolean(),
  email: z.string().nullable(),
  volunteerId: z.string().nullable(),
  /** `available` may be spent; `held` is reserved by orders awaiting payment. */
  points: z.object({ available: count, held: count }).nullable(),
});
export type ShopMe = z.output<typeof ShopMeSchema>;

const isoDate = z.iso.date();
export const SettlementQuerySchema = z.strictObject({ from: isoDate, to: isoDate, format: z.enum(['json', 'csv']).default('json') });

export const SettlementRowSchema = z.object({
  at: z.string(),
  orderId: id,
  /** `sale`: an order paid in the period; `refund`: lines refunded in it (amounts returned, so negative in totals). */
  event: z.enum(['sale', 'refund']),
  refundNo: z.int().nullable(),
  listMinor: z.int(),
  discountMinor: z.int(),
  chargedMinor: z.int(),
  points: z.int(),
});
export type SettlementRow = z.output<typeof SettlementRowSchema>;

const totals = z.object({ listMinor: z.int(), discountMinor: z.int(), chargedMinor: z.int(), points: z.int() });
export const SettlementReportSchema = z.object({
  shopId: id,
  currency: z.string(),
  from: z.string(),
  to: z.string(),
  rows: z.array(SettlementRowSchema),
  /** Sales minus refunds; `discountMinor` is what the operator owes the shop for the period. */
  totals,
  /** The same figures read from the ledger's accounts for the period. */
  ledger: z.object({ receivableMinor: z.int(), salesMinor: z.int(), points: z.int() }),
  /** True when the order records and the ledger agree to the minor unit. */
  reconciled: z.boolean(),
});
export type SettlementReport = z.output<typeof SettlementReportSchema>;

/**
 * Creates or updates a shop (its operator's, or any for the operator). The name is unique
 * among shops compared by `nameKey`; the rules must stay within the operator's caps.
 */
export const ShopUpsertRequestSchema = z.strictObject({ name: NameSchema, rules: ShopRulesSchema });
export type ShopUpsertRequest = z.input<typeof ShopUpsertRequestSchema>;

/** A product as its shop creates or replaces it; license terms exactly for `license` products. */
export const ProductRequestSchema = z
  .strictObject({
    kind: ProductKindSchema,
    name: textSchema({ max: LICENSE_NAME_CHARS_MAX }),
    description: textSchema({ min: 0, max: PRODUCT_DESCRIPTION_CHARS_MAX, multiLine: true }).default(''),
    priceMinor: z.int().min(0).max(PRODUCT_PRICE_MINOR_MAX),
    license: LicenseTermsSchema.nullable().default(null),
    active: z.boolean().default(true),
  })
  .refine((p) => (p.kind === 'license') === (p.license !== null), { message: 'license terms go with license products, and only with them', path: ['license'] });
export type ProductRequest = z.input<typeof ProductRequestSchema>;

/** A rate: minor units one point buys. */
const RateSchema = FractionSchema.refine((f) => f.num >= 1, 'a point must be worth something');

/** The value of a point, system-wide: the operator's, and every shop's rate is at most this. */
export const PointValueSchema = z.object({
  minorPerPoint: FractionSchema,
  /** The value a new system starts with (the demo shop's rate). */
  defaultMinorPerPoint: FractionSchema,
});
export type PointValue = z.output<typeof PointValueSchema>;
export const PointValueRequestSchema = z.strictObject({ minorPerPoint: RateSchema });
export type PointValueRequest = z.input<typeof PointValueRequestSchema>;

/** The operator's caps on one shop: the shop's own rules may only offer less. */
export const ShopCapsSchema = z.strictObject({
  /** The highest rate the shop may offer (at most the value of a point). */
  minorPerPointMax: RateSchema,
  /** The largest share of an order the shop's discount may cover. */
  discountShareMax: FractionSchema.refine((f) => f.num <= f.den, 'the discount may cover at most the whole order'),
  /** The most the operator will owe the shop in point discounts at once (settled and reserved by open orders), minor units. */
  settlementLimitMinor: z.int().min(0).max(SHOP_SETTLEMENT_LIMIT_MINOR_MAX),
});
export type ShopCaps = z.output<typeof ShopCapsSchema>;
export type ShopCapsRequest = z.input<typeof ShopCapsSchema>;

/** The operator approves a shop (it takes points from then on) or suspends it (it stops). */
export const ShopStatusRequestSchema = z.strictObject({ status: z.enum(['approved', 'suspended']) });
export type ShopStatusRequest = z.input<typeof ShopStatusRequestSchema>;

/** A shop as who runs it and the operator see it: its status, own rules, caps and what the operator owes it. */
export const ShopGovernanceSchema = z.object({
  shop: ShopSchema,
  /** The rules the shop set; `shop.rules` are these within the caps and the value of a point. */
  ownRules: ShopRulesSchema,
  caps: ShopCapsSchema,
  outstanding: z.object({
    /** Settled discounts the operator owes the shop (its receivable). */
    receivableMinor: z.int(),
    /** Discounts of the shop's orders awaiting payment. */
    reservedMinor: count,
    /** What further discounts the settlement limit allows now (0 when reached). */
    headroomMinor: count,
  }),
});
export type ShopGovernance = z.output<typeof ShopGovernanceSchema>;
export const ShopGovernanceListSchema = z.object({ shops: z.array(ShopGovernanceSchema) });
