/**
 * @module The shop's bounds, each with the reason it exists and its unit last in the name
 * (the style of shared/limits.ts). Both the edge and the web app import these.
 */

/** Lines one cart (and so one order) may hold: a checkout is one short transaction. */
export const CART_LINES_MAX = 50;
/** Units of one product per line: a shop for individuals, not a wholesale channel. */
export const CART_LINE_QUANTITY_MAX = 99;
/** Open carts one buyer may keep at once, so no account can fill the table. */
export const CARTS_OPEN_PER_USER_MAX = 256;
/**
 * Highest product price, in minor units. With {@link CART_LINES_MAX} and
 * {@link CART_LINE_QUANTITY_MAX} an order total stays below 2^53 (5 × 10^13 < 9 × 10^15), so
 * totals are exact as JSON numbers; the pricing still multiplies in BigInt.
 */
export const PRODUCT_PRICE_MINOR_MAX = 10_000_000_000;
/** Longest product description, in characters (a catalog entry, not a manual). */
export const PRODUCT_DESCRIPTION_CHARS_MAX = 1000;
/**
 * Highest settlement limit the operator may give a shop, in minor units (10^13, €100 bn):
 * the limit plus one order's discount (at most 5 × 10^13, see PRODUCT_PRICE_MINOR_MAX)
 * stays far below 2^53, so the limit check is exact in JSON numbers.
 */
export const SHOP_SETTLEMENT_LIMIT_MINOR_MAX = 10_000_000_000_000;
/** Points one checkout may offer; every points balance is a safe integer. */
export const CHECKOUT_POINTS_MAX = Number.MAX_SAFE_INTEGER;
/** Numerator and denominator bound of the shop's rate and share fractions (products stay exact in BigInt anyway). */
export const SHOP_FRACTION_TERM_MAX = 1_000_000_000;
/**
 * How long an order waits for its payment after checkout; afterwards it expires and its
 * points hold is voided (a buyer who walked away does not lock their points for long).
 */
export const ORDER_PAYMENT_WINDOW_MS = 15 * 60_000;
/** How long the edge waits for the payment provider before treating the charge as timed out. */
export const PAYMENT_TIMEOUT_MS = 30_000;
/**
 * A charge still unresolved this long after it started means the edge stopped mid-payment:
 * the sweeper asks the provider what happened and settles the order.
 */
export const PAYMENT_STUCK_MS = 2 * 60_000;
/**
 * Lifetime of a checkout's points hold in the ledger: it must outlive the payment window plus
 * a charge started at its last moment and the sweeper's recovery of it, so a paid order can
 * always post its hold. The ledger voids it after this if nothing else did.
 */
export const CHECKOUT_HOLD_TIMEOUT_MS = ORDER_PAYMENT_WINDOW_MS + PAYMENT_STUCK_MS + 3 * 60_000;
/** How long after payment the buyer may refund an order themselves (the EU's 14-day withdrawal period). */
export const BUYER_REFUND_WINDOW_MS = 14 * 24 * 3600_000;
/** Orders the buyer's history answers with, newest first. */
export const ORDER_HISTORY_MAX = 100;
/** Longest settlement report period, in days. */
export const SETTLEMENT_PERIOD_DAYS_MAX = 366;
/** Rows one settlement report may hold; a longer one is refused, to be asked for in parts. */
export const SETTLEMENT_ROWS_MAX = 50_000;
/** Orders or refunds one sweeper pass handles, so a backlog never makes one long transaction. */
export const SHOP_SWEEP_BATCH_MAX = 100;
/** Period of the sweeper that expires unpaid orders and recovers interrupted payments. */
export const SHOP_SWEEP_INTERVAL_MS = 30_000;
/** Longest client-chosen idempotency key of a checkout. */
export const IDEMPOTENCY_KEY_CHARS_MAX = 64;
/** Longest card token the buyer may send to the payment provider. */
export const CARD_TOKEN_CHARS_MAX = 64;
