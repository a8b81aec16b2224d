/**
 * @module A job page's form to buy a private pool (issue 16): seats, hours, the billing
 * option (per approved seat or per reception notice, each explained in one sentence) and an
 * optional quorum inside the pool, at most the job's, with the sentences that pool work earns
 * no points and that the customer bears the risk of a lower quorum.
 */
import { useState } from 'preact/hooks';
import { useText } from '../../i18n/index.ts';
import { SeatsAndHours, seatsAndTtl, useCreate } from './fields.tsx';

/** Seats offered at first: a small office. */
const POOL_SEATS_DEFAULT = 3;
/** Hours offered at first: a working day. */
const POOL_HOURS_DEFAULT = 8;

export interface PoolChoice {
  seats: number;
  ttlMs: number;
  billing: 'seat' | 'notice';
  /** Undefined: the job's own quorum. */
  quorum?: number;
}

export function PoolForm({ jobQuorum, onCreate }: { jobQuorum: number | undefined; onCreate(choice: PoolChoice): Promise<void> }) {
  const t = useText().groups.pool;
  const th = useText().groups.host;
  const [seats, setSeats] = useState(String(POOL_SEATS_DEFAULT));
  const [hours, setHours] = useState(String(POOL_HOURS_DEFAULT));
  const [billing, setBilling] = useState<'seat' | 'notice'>('notice');
  // 0 stands for the job's quorum (nothing sent).
  const [quorum, setQuorum] = useState(0);
  const { busy, error, create } = useCreate();

  const chosen = seatsAndTtl(seats, hours);
  const lower = jobQuorum === undefined ? [] : Array.from({ length: jobQuorum - 1 }, (_, i) => i + 1);

  function submit(e: Event): void {
    e.preventDefault();
    if (chosen) void create(() => onCreate({ ...chosen, billing, ...(quorum > 0 ? { quorum } : {}) }));
  }

  return (
    <section class="card group-form" aria-labelledby="pool-title" data-testid="pool-form">
      <h2 id="pool-title">{t.title}</h2>
      <p class="small">{t.lead}</p>
      <form onSubmit={submit}>
        <div class="field-grid">
          <SeatsAndHours prefix="pool" seats={seats} hours={hours} setSeats={setSeats} setHours={setHours} />
          <div class="field">
            <label for="pool-quorum">{t.quorum}</label>
            <select id="pool-quorum" data-testid="pool-quorum" value={String(quorum)} aria-describedby="pool-quorum-help" onChange={(e) => setQuorum(Number(e.currentTarget.value))}>
              <option value="0">{jobQuorum === undefined ? '—' : t.quorumJob(jobQuorum)}</option>
              {lower.map((q) => (
                <option key={q} value={String(q)}>
                  {q}
                </option>
              ))}
            </select>
            <p id="pool-quorum-help" class="help">
              {t.quorumHelp}
            </p>
          </div>
        </div>
        <fieldset class="group-billing">
          <legend>{t.billing}</legend>
          {(['seat', 'notice'] as const).map((b) => (
            <label key={b} class="check">
              <input type="radio" name="pool-billing" value={b} data-testid={`pool-billing-${b}`} checked={billing === b} onChange={() => setBilling(b)} />
              <span>
                <strong>{b === 'seat' ? t.billingSeat : t.billingNotice}</strong> — {b === 'seat' ? t.billingSeatHelp : t.billingNoticeHelp}
              </span>
            </label>
          ))}
        </fieldset>
        <p class="small" data-testid="pool-no-points">
          {t.noPoints}
        </p>
        <div class="form-actions">
          <button type="submit" class="button" data-testid="pool-create" disabled={!chosen || busy}>
            {busy ? th.creating : t.create}
          </button>
        </div>
      </form>
      {error && (
        <p class="alert alert-error small" role="alert" data-testid="pool-error">
          {error}
        </p>
      )}
    </section>
  );
}
