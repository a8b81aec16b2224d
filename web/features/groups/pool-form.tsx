/**
 * @module A job page's form to buy a private pool (issue 16): seats, hours, the billing
 * option (per approved seat or per reception notice, each explained in one sentence) and an
 * optional quorum inside the pool, at most the job's, with the sentences that pool work earns
 * no points and that the customer bears the risk of a lower quorum.
 */
import { useState } from 'preact/hooks';
import { GROUP_SEATS_MAX } from '../../../shared/groups/schemas.ts';
import { useText } from '../../i18n/index.ts';
import { describeError } from '../../lib/errors.ts';
import { IntField, intIn } from './fields.tsx';
import { GROUP_HOURS_MAX, HOUR_MS } from './group-form.tsx';

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

export function PoolForm({ running, jobQuorum, onCreate }: { running: boolean; jobQuorum: number | undefined; onCreate(choice: PoolChoice): Promise<void> }) {
  const t = useText().groups.pool;
  const th = useText().groups.host;
  const [seats, setSeats] = useState(String(POOL_SEATS_DEFAULT));
  const [hours, setHours] = useState(String(POOL_HOURS_DEFAULT));
  const [billing, setBilling] = useState<'seat' | 'notice'>('notice');
  // 0 stands for the job's quorum (nothing sent).
  const [quorum, setQuorum] = useState(0);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const n = intIn(seats, 1, GROUP_SEATS_MAX);
  const h = intIn(hours, 1, GROUP_HOURS_MAX);
  const valid = n !== undefined && h !== undefined;
  const lower = jobQuorum === undefined ? [] : Array.from({ length: jobQuorum - 1 }, (_, i) => i + 1);

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    if (!valid || busy || !running) return;
    setBusy(true);
    setError(undefined);
    try {
      await onCreate({ seats: n, ttlMs: h * HOUR_MS, billing, ...(quorum > 0 ? { quorum } : {}) });
    } catch (err) {
      setError(th.createFailed(describeError(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card group-form" aria-labelledby="pool-title" data-testid="pool-form">
      <h2 id="pool-title">{t.title}</h2>
      <p class="small">{t.lead}</p>
      {!running ? (
        <p class="muted small">{t.notRunning}</p>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <div class="field-grid">
            <IntField id="pool-seats" label={th.seats} help={th.seatsHelp(GROUP_SEATS_MAX)} error={th.seatsInvalid(GROUP_SEATS_MAX)} value={seats} min={1} max={GROUP_SEATS_MAX} onInput={setSeats} />
            <IntField id="pool-hours" label={th.hours} help={th.hoursHelp(GROUP_HOURS_MAX)} error={th.hoursInvalid(GROUP_HOURS_MAX)} value={hours} min={1} max={GROUP_HOURS_MAX} onInput={setHours} />
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
            <button type="submit" class="button" data-testid="pool-create" disabled={!valid || busy}>
              {busy ? th.creating : t.create}
            </button>
          </div>
        </form>
      )}
      {error && (
        <p class="alert alert-error small" role="alert" data-testid="pool-error">
          {error}
        </p>
      )}
    </section>
  );
}
