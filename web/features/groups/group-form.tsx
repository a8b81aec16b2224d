/**
 * @module The volunteer page's form to host a group (issue 16): seats, how many hours it
 * stays open, and which of the server's kernels it runs (Lorenz-96 unless chosen otherwise).
 * Creating a group computes nothing; the host's tab never computes for it.
 */
import { useEffect, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import type { KernelInfo } from '../../../shared/api/schemas.ts';
import { useText } from '../../i18n/index.ts';
import { describeError } from '../../lib/errors.ts';
import { SeatsAndHours, seatsAndTtl, useCreate } from './fields.tsx';

/** The kernel a new group runs unless the host picks another. */
export const GROUP_KERNEL_DEFAULT = 'lorenz96';
/** Seats offered at first: a host and a couple of friends. */
const SEATS_DEFAULT = 2;
/** Hours offered at first: an afternoon. */
const HOURS_DEFAULT = 2;

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
  const { busy, error, create, setError } = useCreate();

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

  const chosen = seatsAndTtl(seats, hours);
  const valid = chosen !== undefined && kernels !== undefined;

  function submit(e: Event): void {
    e.preventDefault();
    if (valid) void create(() => onCreate({ ...chosen, kernel }));
  }

  return (
    <section class="card group-form" aria-labelledby="host-group-title">
      <h2 id="host-group-title">{t.title}</h2>
      <p class="small">{t.lead}</p>
      <form onSubmit={submit}>
        <div class="field-grid">
          <SeatsAndHours prefix="group" seats={seats} hours={hours} setSeats={setSeats} setHours={setHours} />
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
