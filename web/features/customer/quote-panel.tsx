/**
 * @module The quote shown beside a job form: the price that will be held on the balance,
 * how it is made (points × quorum × price per point) and the ETA at the volunteers' current
 * throughput, or why there is none yet.
 */
import { describeError } from '../../lib/errors.ts';
import { formatMinor } from '../../lib/format.ts';
import { formatDuration } from './format.ts';
import type { QuoteState } from './use-quote.ts';

export function QuotePanel({ state, invalid }: { state: QuoteState; invalid: boolean }) {
  if (invalid) {
    return (
      <p class="quote muted" data-testid="quote-invalid">
        Fix the marked fields to see the price.
      </p>
    );
  }
  if (state.status === 'idle' || state.status === 'loading') {
    return (
      <p class="quote muted" role="status" aria-busy="true">
        Pricing…
      </p>
    );
  }
  if (state.status === 'error') {
    return (
      <p class="quote alert alert-error" role="alert" data-testid="quote-error">
        No quote: {describeError(state.error)}
      </p>
    );
  }
  const q = state.quote;
  return (
    <div class="quote" data-testid="quote" role="status">
      <p class="quote-price">
        Price <strong data-testid="quote-price" data-minor={q.priceMinor}>{formatMinor(q.priceMinor, q.currency)}</strong>{' '}
        <span class="muted small">
          ({q.units} units, {q.points} points × quorum {q.quorum})
        </span>
      </p>
      <p class="small" data-testid="quote-eta">
        {q.etaSeconds === null
          ? 'ETA: no volunteers are computing right now; the job waits until some are.'
          : `ETA about ${formatDuration(q.etaSeconds)} at the current volunteer throughput (${q.pointsPerSecond!.toFixed(1)} points/s, ${q.backlogPoints} points queued ahead).`}
      </p>
      {!q.affordable && (
        <p class="alert alert-error small" data-testid="quote-unaffordable">
          Your available balance ({formatMinor(q.availableMinor, q.currency)}) does not cover it: top up below, or make the job smaller.
        </p>
      )}
    </div>
  );
}
