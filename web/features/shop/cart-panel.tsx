/**
 * @module A shop's cart and its checkout: lines with quantities, the points to use (slider
 * and number kept together), the discount and total computed live with the same pricing
 * code the server charges with, a test card, and "Place order". At a shop that takes no
 * points (not approved by the operator, or suspended) the points are fixed at 0.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { CART_LINE_QUANTITY_MAX } from '../../../shared/shop/limits.ts';
import { priceCart } from '../../../shared/shop/pricing.ts';
import type { Cart, Order, Shop } from '../../../shared/shop/schemas.ts';
import { describeError } from '../../lib/errors.ts';
import { formatMinor } from '../../lib/format.ts';
import { checkoutErrorMessage } from './messages.ts';
import { newCheckoutKey } from './use-shop.ts';

/** The simulated provider's test cards (edge/shop/payments.ts). */
const CARDS = [
  { token: 'tok_ok', label: 'Test card — approved' },
  { token: 'tok_decline', label: 'Test card — declined' },
  { token: 'tok_timeout', label: 'Test card — no answer' },
] as const;

interface Props {
  cart: Cart;
  shop: Shop;
  pointsAvailable: number;
  onQuantity: (cart: Cart, productId: string, quantity: number) => Promise<void>;
  onPlace: (cart: Cart, points: number, cardToken: string, idempotencyKey: string) => Promise<Order>;
  onPlaced: (order: Order) => void;
}

export function CartPanel({ cart, shop, pointsAvailable, onQuantity, onPlace, onPlaced }: Props) {
  const [points, setPoints] = useState(0);
  const [card, setCard] = useState<string>(CARDS[0].token);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // One key per attempt: a retry after a lost answer returns the same order, not a second one.
  const [attemptKey, setAttemptKey] = useState(newCheckoutKey);

  const lines = cart.lines.map((l) => ({ productId: l.productId, unitPriceMinor: l.unitPriceMinor, quantity: l.quantity }));
  const priced = priceCart(lines, shop.rules, points);
  const q = priced.quote;
  const takesPoints = shop.status === 'approved';
  const pointsMax = takesPoints ? Math.max(0, Math.min(pointsAvailable, q.pointsForMaxDiscount)) : 0;
  const money = (minor: number) => formatMinor(minor, cart.currency);
  const tooMany = points > pointsAvailable;
  const invalid = tooMany || priced.status !== 'ok';

  const choose = (value: number) => setPoints(Number.isSafeInteger(value) && value >= 0 ? value : 0);

  async function onSubmit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy || invalid) return;
    setBusy(true);
    setError(undefined);
    try {
      const order = await onPlace(cart, points, card, attemptKey);
      setAttemptKey(newCheckoutKey());
      setPoints(0);
      onPlaced(order);
    } catch (err) {
      // A problem answer is final for this attempt; a lost answer keeps the key for the retry.
      if ((err as { name?: string }).name === 'ApiError') setAttemptKey(newCheckoutKey());
      setError(checkoutErrorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card cart" aria-labelledby={`cart-${cart.id}`}>
      <h2 id={`cart-${cart.id}`}>Your cart at {shop.name}</h2>
      <ul class="cart-lines">
        {cart.lines.map((l) => (
          <li key={l.productId} class="cart-line" data-testid="cart-line" data-product-id={l.productId}>
            <span class="cart-line-name">{l.name}</span>
            <QuantityInput line={l} disabled={busy} onChange={(n) => onQuantity(cart, l.productId, n).catch((err: unknown) => setError(`The cart was not changed. ${describeError(err)}`))} />
            <span class="cart-line-total">{money(l.listMinor)}</span>
          </li>
        ))}
      </ul>
      <dl class="cart-sums">
        <div>
          <dt>Total</dt>
          <dd data-testid="cart-total">{money(q.listMinor)}</dd>
        </div>
      </dl>
      <form class="checkout" noValidate onSubmit={onSubmit}>
        <fieldset disabled={busy}>
          <legend>Pay with points</legend>
          {!takesPoints && (
            <p class="help" data-testid="no-points-here">
              This shop does not take points {shop.status === 'pending' ? 'yet (it awaits the operator’s approval)' : 'at the moment'}.
            </p>
          )}
          <div class="points-row" hidden={!takesPoints}>
            <input
              type="range"
              aria-label="Points to use (slider)"
              min={0}
              max={pointsMax}
              step={1}
              value={Math.min(points, pointsMax)}
              disabled={pointsMax === 0}
              onInput={(e) => choose(e.currentTarget.valueAsNumber)}
            />
            <label class="points-input">
              <span>Points to use</span>
              <input
                type="number"
                inputMode="numeric"
                data-testid="points-to-use"
                min={0}
                max={pointsMax}
                step={1}
                value={points}
                aria-invalid={invalid && points > 0 ? true : undefined}
                aria-describedby={`points-help-${cart.id}`}
                onInput={(e) => choose(Math.floor(e.currentTarget.valueAsNumber))}
              />
            </label>
          </div>
          <p id={`points-help-${cart.id}`} hidden={!takesPoints} class={invalid && points > 0 ? 'field-error small' : 'help'}>
            {tooMany
              ? `You have ${pointsAvailable} points available.`
              : priced.status === 'points_below_minimum'
                ? `This shop takes at least ${priced.pointsMin} points per order (these would use ${priced.pointsWouldUse}).`
                : `You have ${pointsAvailable} points; this order can use up to ${q.pointsForMaxDiscount} (${money(q.discountMaxMinor)} off).`}
          </p>
          <dl class="cart-sums">
            <div>
              <dt>Discount</dt>
              <dd data-testid="discount-amount">−{money(q.discountMinor)}</dd>
            </div>
            <div>
              <dt>Points used</dt>
              <dd>{q.pointsUsed}</dd>
            </div>
            <div class="cart-sum-total">
              <dt>To pay</dt>
              <dd data-testid="checkout-total">{money(q.totalMinor)}</dd>
            </div>
          </dl>
          <div class="field">
            <label for={`card-${cart.id}`}>Card</label>
            <select id={`card-${cart.id}`} data-testid="card-token" value={card} onChange={(e) => setCard(e.currentTarget.value)}>
              {CARDS.map((c) => (
                <option key={c.token} value={c.token}>
                  {c.label}
                </option>
              ))}
            </select>
            <p class="help">Payments here are simulated: no real card is charged.</p>
          </div>
          {error && (
            <p class="alert alert-error" data-testid="shop-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="button button-start" data-testid="place-order" disabled={invalid || cart.lines.length === 0} aria-busy={busy}>
            {busy ? 'Placing order…' : `Place order · ${money(q.totalMinor)}`}
          </button>
        </fieldset>
      </form>
    </section>
  );
}

function QuantityInput({ line, disabled, onChange }: { line: Cart['lines'][number]; disabled: boolean; onChange: (n: number) => void }) {
  if (line.kind === 'license') {
    return (
      <button type="button" class="button button-small button-quiet" disabled={disabled} onClick={() => onChange(0)}>
        Remove
      </button>
    );
  }
  return (
    <label class="cart-qty">
      <span class="visually-hidden">Quantity of {line.name}</span>
      <input
        type="number"
        min={0}
        max={CART_LINE_QUANTITY_MAX}
        step={1}
        value={line.quantity}
        disabled={disabled}
        onChange={(e) => {
          const n = Math.floor(e.currentTarget.valueAsNumber);
          if (Number.isSafeInteger(n) && n >= 0 && n <= CART_LINE_QUANTITY_MAX && n !== line.quantity) onChange(n);
        }}
      />
    </label>
  );
}
