/**
 * @module A job's invoice: what was quoted and held, what its valid units cost (failed,
 * cancelled and unfinished units are not charged) and what was released.
 */
import type { Invoice } from '../../../shared/api/schemas.ts';
import { formatMinor, formatTime } from '../../lib/format.ts';

const STATE_TEXT: Record<Invoice['lines'][number]['state'], string> = {
  valid: 'Valid units (charged)',
  failed: 'Failed units (not charged)',
  cancelled: 'Cancelled units (not charged)',
  open: 'Units still running',
};

const STATUS_TEXT: Record<Invoice['status'], string> = {
  held: 'The quote is held on your balance until the job ends.',
  charged: 'Charged for the valid units; the rest of the hold was released.',
  released: 'Nothing was owed: the whole hold was released.',
  uncollected: 'The hold expired before the job ended and the balance did not cover the charge.',
  unbilled: 'This job was submitted before billing and is not billed.',
};

export function InvoiceView({ invoice }: { invoice: Invoice }) {
  const money = (minor: number) => formatMinor(minor, invoice.currency);
  return (
    <section class="card invoice" aria-labelledby="invoice-title" data-testid="invoice" data-status={invoice.status}>
      <h2 id="invoice-title">Invoice</h2>
      <p>{STATUS_TEXT[invoice.status]}</p>
      <table class="invoice-table">
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Units</th>
            <th scope="col">Points</th>
            <th scope="col">Amount</th>
          </tr>
        </thead>
        <tbody>
          {invoice.lines.map((l) => (
            <tr key={l.state} data-testid={`invoice-line-${l.state}`} data-units={l.units} data-points={l.points} data-minor={l.amountMinor}>
              <th scope="row">{STATE_TEXT[l.state]}</th>
              <td>{l.units}</td>
              <td>{l.points}</td>
              <td>{money(l.amountMinor)}</td>
            </tr>
          ))}
          {invoice.pools.map((p) => (
            <tr key={p.groupId} data-testid="invoice-pool" data-seats-charged={p.seatsCharged} data-minor={p.amountMinor}>
              <th scope="row">
                Private pool seats: {p.seatsCharged} of {p.seats} charged {p.billing === 'notice' ? 'per reception notice' : 'per approved seat'}
                {p.open ? ' (pool open; the rest of its seats are held)' : ''}
              </th>
              <td>–</td>
              <td>–</td>
              <td>{money(p.amountMinor)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="small muted">
        Amount = points × quorum {invoice.quorum} × {money(invoice.pricePerPointMinor)} per point.
        {invoice.pools.length > 0 && ` Pool seats are ${money(invoice.pools[0]!.seatPriceMinor)} each, billed apart from the units.`}
      </p>
      <dl class="facts">
        <div>
          <dt>Quote (held)</dt>
          <dd data-testid="invoice-quote">{money(invoice.quoteMinor)}</dd>
        </div>
        <div>
          <dt>Charged</dt>
          <dd data-testid="invoice-charged" data-minor={invoice.chargedMinor}>
            {money(invoice.chargedMinor)}
          </dd>
        </div>
        <div>
          <dt>Released</dt>
          <dd data-testid="invoice-released">{money(invoice.releasedMinor)}</dd>
        </div>
        {invoice.settledAt && (
          <div>
            <dt>Settled</dt>
            <dd>{formatTime(invoice.settledAt)}</dd>
          </div>
        )}
      </dl>
    </section>
  );
}
