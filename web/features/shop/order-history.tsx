/**
 * @module The shopper's orders, newest first: status, what was bought, the discount points
 * bought, and the license keys an order granted (selectable, with a copy button).
 */
import type { Order } from '../../../shared/shop/schemas.ts';
import { CopyButton } from '../../lib/copy-button.tsx';
import { formatMinor, formatTime } from '../../lib/format.ts';
import { ORDER_STATUS_LABEL } from './messages.ts';

export function OrderHistory({ orders }: { orders: Order[] }) {
  if (orders.length === 0) return <p class="muted">No orders yet.</p>;
  return (
    <ul class="order-list">
      {orders.map((o) => (
        <OrderRow key={o.id} order={o} />
      ))}
    </ul>
  );
}

function OrderRow({ order: o }: { order: Order }) {
  const money = (minor: number) => formatMinor(minor, o.currency);
  return (
    <li class="card order-row" data-testid="order-row" data-order-id={o.id} data-status={o.status}>
      <div class="order-head">
        <span class="mono small">{o.id}</span>
        <span class="muted small">{formatTime(o.createdAt)}</span>
        <span class={`badge badge-order-${o.status}`}>{ORDER_STATUS_LABEL[o.status]}</span>
      </div>
      <ul class="order-lines">
        {o.lines.map((l) => (
          <li key={l.lineNo}>
            <span>
              {l.quantity} × {l.name}
            </span>
            <span>{money(l.totalMinor)}</span>
            {l.refundNo !== null && <span class="badge">Refunded</span>}
            {l.license && <LicenseKey licenseKey={l.license.key} product={l.name} />}
          </li>
        ))}
      </ul>
      {o.status === 'paid' || o.status === 'refunded' ? (
        <p class="small">
          {money(o.listMinor)}
          {o.discountMinor > 0 && ` − ${money(o.discountMinor)} for ${o.pointsUsed} points`} = <strong>{money(o.totalMinor)}</strong>
          {o.refundedMinor > 0 && ` · ${money(o.refundedMinor)} and ${o.refundedPoints} points refunded`}
        </p>
      ) : (
        <p class="small muted">{o.status === 'awaiting_payment' || o.status === 'paying' ? `${o.pointsUsed} points held until this order is paid.` : 'Nothing was charged and no points were used.'}</p>
      )}
    </li>
  );
}

function LicenseKey({ licenseKey, product }: { licenseKey: string; product: string }) {
  return (
    <div class="license">
      <span class="small">License key for {product}:</span>
      <code class="api-key" data-testid="license-key">
        {licenseKey}
      </code>
      <CopyButton text={licenseKey} class="button button-small button-quiet" />
    </div>
  );
}
