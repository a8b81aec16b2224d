/**
 * @module The per-worker rows and the totals of the volunteer page: presentation only.
 */
import type { VolunteerMe } from '../../../shared/api/schemas.ts';
import { PHASE_TEXT, type SlotView } from './volunteer-state.ts';

export function WorkerList({ slots }: { slots: SlotView[] }) {
  return (
    <ul class="worker-list" aria-label="Workers">
      {slots.map((s, i) => (
        <WorkerRow key={i} index={i} slot={s} />
      ))}
    </ul>
  );
}

function WorkerRow({ index, slot }: { index: number; slot: SlotView }) {
  const pct = slot.total > 0 ? Math.floor((100 * slot.done) / slot.total) : 0;
  const hasUnit = slot.unitId !== undefined;
  return (
    <li class="worker-row" data-testid="worker-row" data-phase={slot.phase}>
      <div class="worker-head">
        <strong>Worker {index + 1}</strong>
        <span class="worker-phase">{PHASE_TEXT[slot.phase]}</span>
      </div>
      <dl class="worker-facts">
        <div>
          <dt>Unit</dt>
          <dd data-testid="worker-unit">{hasUnit ? slot.unitId : '—'}</dd>
        </div>
        <div>
          <dt>Job</dt>
          <dd class="mono" title={slot.jobId}>
            {slot.jobId ?? '—'}
          </dd>
        </div>
        <div>
          <dt>Kernel</dt>
          <dd class="mono">{slot.kernel ?? '—'}</dd>
        </div>
      </dl>
      <div class="progress-line">
        <progress
          max={slot.total > 0 ? slot.total : 1}
          value={slot.total > 0 ? slot.done : 0}
          aria-label={`Worker ${index + 1} progress`}
        />
        <span class="progress-text">{hasUnit ? `${pct}%` : ''}</span>
      </div>
    </li>
  );
}

export function Totals({ unitsDone, me }: { unitsDone: number; me: VolunteerMe | undefined }) {
  return (
    <dl class="totals">
      <div class="total">
        <dt>Units completed (this visit)</dt>
        <dd data-testid="units-done">{unitsDone}</dd>
      </div>
      <div class="total">
        <dt>Results pending</dt>
        <dd data-testid="results-pending">{me?.resultsPending ?? 0}</dd>
      </div>
      <div class="total">
        <dt>Results valid</dt>
        <dd data-testid="results-valid">{me?.resultsValid ?? 0}</dd>
      </div>
      <div class="total">
        <dt>Points</dt>
        <dd data-testid="points-total">{me?.points ?? 0}</dd>
      </div>
    </dl>
  );
}
