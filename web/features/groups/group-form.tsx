/**
 * @module The volunteer page's form to host a group (issue 16): seats, how many hours it
 * stays open, and which of the server's kernels it runs (Lorenz-96 unless chosen otherwise).
 * Creating a group computes nothing; the host's tab never computes for it.
 */
import { useEffect, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import type { KernelInfo } from '../../../shared/api/schemas.ts';
import { GROUP_SEATS_MAX, GROUP_TTL_MS_MAX } from '../../../shared/groups/schemas.ts';
import { useText } from '../../i18n/index.ts';
import { describeError } from '../../lib/errors.ts';
import { IntField, intIn } from './fields.tsx';

/** The kernel a new group runs unless the host picks another. */
export const GROUP_KERNEL_DEFAULT = 'lorenz96';
/** Seats offered at first: a host and a couple of friends. */
const SEATS_DEFAULT = 2;
/** Hours offered at first: an afternoon. */
const HOURS_DEFAULT = 2;
export const HOUR_MS = 3_600_000;
/** Longest group in whole hours. */
export const GROUP_HOURS_MAX = Math.floor(GROUP_TTL_MS_MAX / HOUR_MS);

export interface GroupChoice {
  seats: number;
  ttlMs: number;
  kernel: string;
}

export function GroupForm({ ready, onCreate }: { ready: boolean; onCreate(choice: GroupChoice): Promise<void> }) {
  const t = useText().groups.host;
  const [seats, setSeats] = useState(String(SEATS_DEFAULT));
  const [hours, setHours] = useState(String(HOURS_DEFAULT));
  const [kernels, setKernels] = useState<KernelInfo[]>();
  const [kernel, setKernel] = useState(GROUP_KERNEL_DEFAULT);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let alive = true;
    createApiClient()
      .kernels()
      .then(
        (r) => {
          if (!alive) return;
          setKernels(r.kernels);
          if (!r.kernels.some((k) => k.id === GROUP_KERNEL_DEFAULT) && r.kernels[0]) setKernel(r.kernels[0].id);
        },
        (err: unknown) => alive && setError(t.kernelsFailed(describeError(err))),
      );
    return () => {
      alive = false;
    };
  }, [t]);

  const n = intIn(seats, 1, GROUP_SEATS_MAX);
  const h = intIn(hours, 1, GROUP_HOURS_MAX);
  const valid = n !== undefined && h !== undefined && kernels !== undefined;

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    if (!valid || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await onCreate({ seats: n, ttlMs: h * HOUR_MS, kernel });
    } catch (err) {
      setError(t.createFailed(describeError(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card group-form" aria-labelledby="host-group-title">
      <h2 id="host-group-title">{t.title}</h2>
      <p class="small">{t.lead}</p>
      <form onSubmit={(e) => void submit(e)}>
        <div class="field-grid">
          <IntField id="group-seats" label={t.seats} help={t.seatsHelp(GROUP_SEATS_MAX)} error={t.seatsInvalid(GROUP_SEATS_MAX)} value={seats} min={1} max={GROUP_SEATS_MAX} onInput={setSeats} />
          <IntField id="group-hours" label={t.hours} help={t.hoursHelp(GROUP_HOURS_MAX)} error={t.hoursInvalid(GROUP_HOURS_MAX)} value={hours} min={1} max={GROUP_HOURS_MAX} onInput={setHours} />
          <div class="field">
            <label for="group-kernel">{t.kernel}</label>
            <select id="group-kernel" data-testid="group-kernel" value={kernel} onChange={(e) => setKernel(e.currentTarget.value)}>
              {(kernels ?? []).map((k) => (
                <option key={k.id} value={k.id}>
                  {k.title} ({k.id} v{k.version})
                </option>
              ))}
            </select>
          </div>
        </div>
        <div class="form-actions">
          <button type="submit" class="button" data-testid="group-create" disabled={!valid || !ready || busy}>
            {busy ? t.creating : t.create}
          </button>
          {!ready && <span class="muted small">{t.waitingIdentity}</span>}
        </div>
      </form>
      {error && (
        <p class="alert alert-error small" role="alert" data-testid="group-error">
          {error}
        </p>
      )}
    </section>
  );
}
