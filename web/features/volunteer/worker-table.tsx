/**
 * @module The per-worker rows and the totals of the volunteer page: presentation only.
 */
import type { VolunteerMe } from '../../../shared/api/schemas.ts';
import { useText } from '../../i18n/index.ts';
import type { SlotView } from './volunteer-state.ts';

export function WorkerList({ slots }: { slots: SlotView[] }) {
  const t = useText().volunteer;
  return (
    <ul class="worker-list" aria-label={t.workersListLabel}>
      {slots.map((s, i) => (
        <WorkerRow key={i} index={i} slot={s} />
      ))}
    </ul>
  );
}

function WorkerRow({ index, slot }: { index: number; slot: SlotView }) {
  const t = useText().volunteer;
  const pct = slot.total > 0 ? Math.floor((100 * slot.done) / slot.total) : 0;
  const hasUnit = slot.unitId !== undefined;
  return (
    <li
      class="worker-row"
      data-testid="worker-row"
      data-phase={slot.phase}
      data-lease={slot.leaseId ?? ''}
      data-done={slot.done}
      data-steps-after-pause={slot.stepsAfterPause ?? ''}
    >
      <div class="worker-head">
        <strong>{t.worker(index + 1)}</strong>
        <span class="worker-phase">{t.phases[slot.phase]}</span>
      </div>
      <dl class="worker-facts">
        <div>
          <dt>{t.unit}</dt>
          <dd data-testid="worker-unit">{hasUnit ? slot.unitId : '—'}</dd>
        </div>
        <div>
          <dt>{t.job}</dt>
          <dd class="mono" title={slot.jobId}>
            {slot.jobId ?? '—'}
          </dd>
        </div>
        <div>
          <dt>{t.kernel}</dt>
          <dd class="mono">{slot.kernel ?? '—'}</dd>
        </div>
        <div>
          <dt>{t.next}</dt>
          <dd data-testid="worker-next">{slot.nextUnitId ?? '—'}</dd>
        </div>
        <div>
          <dt>{t.doneByWorker}</dt>
          <dd>{slot.unitsDone}</dd>
        </div>
      </dl>
      <div class="progress-line">
        <progress max={slot.total > 0 ? slot.total : 1} value={slot.total > 0 ? slot.done : 0} aria-label={t.workerProgress(index + 1)} />
        <span class="progress-text">{hasUnit ? `${pct}%` : ''}</span>
      </div>
    </li>
  );
}

export interface TotalsProps {
  unitsDone: number;
  me: VolunteerMe | undefined;
  pointsToday: number | undefined;
  outboxSize: number;
  perMinute: number;
  /** Share of worker time inside the kernel, 0…1. */
  kernelShare: number | undefined;
}

export function Totals({ unitsDone, me, pointsToday, outboxSize, perMinute, kernelShare }: TotalsProps) {
  const t = useText().volunteer.totals;
  return (
    <>
    <dl class="totals">
      <Total label={t.pointsTotal} id="points-total" value={me?.points ?? 0} />
      <Total label={t.pointsVesting} id="points-vesting" value={me?.pointsVesting ?? 0} />
      <Total label={t.pointsToday} id="points-today" value={pointsToday ?? 0} />
      <Total label={t.unitsDone} id="units-done" value={unitsDone} />
      <Total label={t.outbox} id="outbox-size" value={outboxSize} />
      <Total label={t.pending} id="results-pending" value={me?.resultsPending ?? 0} />
      <Total label={t.valid} id="results-valid" value={me?.resultsValid ?? 0} />
      <Total label={t.throughput} id="throughput" value={perMinute.toFixed(1)} />
      <Total label={t.kernelShare} id="kernel-share" value={kernelShare === undefined ? '—' : `${(kernelShare * 100).toFixed(1)}%`} />
    </dl>
    {me && <p class="muted small" data-testid="vesting-why">{t.vestingWhy(me.claimed)}</p>}
    {me && me.resultsUnpaid > 0 && (
      <p class="muted small" data-testid="results-unpaid">
        {t.unpaid(me.resultsUnpaid)}
      </p>
    )}
    </>
  );
}

function Total({ label, id, value }: { label: string; id: string; value: string | number }) {
  return (
    <div class="total">
      <dt>{label}</dt>
      <dd data-testid={id}>{value}</dd>
    </div>
  );
}
