/**
 * @module The customer's balance, which jobs are held and charged on, and a top-up through
 * the payment provider (the built-in simulator: its test cards approve, decline or time out).
 */
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { Balance } from '../../../shared/api/schemas.ts';
import { CUSTOMER_TOPUP_MINOR_MAX } from '../../../shared/limits.ts';
import { describeError } from '../../lib/errors.ts';
import { formatMinor } from '../../lib/format.ts';

const CARDS = [
  { token: 'tok_ok', label: 'Test card that pays' },
  { token: 'tok_decline', label: 'Test card that is declined' },
];

/**
 * A fresh idempotency key per top-up attempt. getRandomValues, not randomUUID: the page may be
 * served over plain HTTP on a network, where randomUUID does not exist.
 */
const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

export function BalancePanel({ api, refreshKey }: { api: ApiClient; refreshKey: unknown }) {
  const [balance, setBalance] = useState<Balance>();
  const [error, setError] = useState<string>();
  const [amount, setAmount] = useState('50.00');
  const [card, setCard] = useState(CARDS[0]!.token);
  const [fieldError, setFieldError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(newKey);

  useEffect(() => {
    let alive = true;
    api.balance().then(
      (b) => alive && (setBalance(b), setError(undefined)),
      (err: unknown) => alive && setError(`The balance could not be loaded. ${describeError(err)}`),
    );
    return () => {
      alive = false;
    };
  }, [api, refreshKey]);

  async function onSubmit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const cents = Math.round(Number(amount.trim()) * 100);
    if (!/^\d+(\.\d{1,2})?$/.test(amount.trim()) || cents < 1 || cents > CUSTOMER_TOPUP_MINOR_MAX) {
      return setFieldError(`Enter an amount from 0.01 to ${(CUSTOMER_TOPUP_MINOR_MAX / 100).toFixed(2)}, with at most two decimals.`);
    }
    setFieldError(undefined);
    setError(undefined);
    setBusy(true);
    try {
      setBalance(await api.topUp({ amountMinor: cents, card, idempotencyKey: key }));
      setKey(newKey());
    } catch (err) {
      setError(`The top-up did not go through. ${describeError(err)}`);
      setKey(newKey());
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card balance" aria-labelledby="balance-title">
      <h2 id="balance-title">Balance</h2>
      {balance ? (
        <dl class="facts">
          <div>
            <dt>Balance</dt>
            <dd data-testid="balance" data-minor={balance.balanceMinor}>
              {formatMinor(balance.balanceMinor, balance.currency)}
            </dd>
          </div>
          <div>
            <dt>Held by running jobs</dt>
            <dd data-testid="balance-held">{formatMinor(balance.heldMinor, balance.currency)}</dd>
          </div>
          <div>
            <dt>Available</dt>
            <dd data-testid="balance-available">{formatMinor(balance.availableMinor, balance.currency)}</dd>
          </div>
        </dl>
      ) : (
        !error && <p class="muted">Loading…</p>
      )}
      <form class="topup" noValidate onSubmit={onSubmit}>
        <div class={fieldError ? 'field field-invalid' : 'field'}>
          <label for="topup-amount">Top up (EUR)</label>
          <input
            id="topup-amount"
            data-testid="topup-amount"
            type="text"
            inputMode="decimal"
            value={amount}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? 'topup-amount-error' : undefined}
            onInput={(e) => setAmount(e.currentTarget.value)}
          />
          {fieldError && (
            <p id="topup-amount-error" class="field-error">
              {fieldError}
            </p>
          )}
        </div>
        <div class="field">
          <label for="topup-card">Card (payment simulator)</label>
          <select id="topup-card" value={card} onChange={(e) => setCard(e.currentTarget.value)}>
            {CARDS.map((c) => (
              <option key={c.token} value={c.token}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="button button-small" data-testid="topup" disabled={busy} aria-busy={busy}>
          {busy ? 'Paying…' : 'Top up'}
        </button>
      </form>
      {error && (
        <p class="alert alert-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
