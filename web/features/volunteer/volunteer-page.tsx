/**
 * @module The volunteer page. Consent first (DESIGN.md, "Quality bars"): no worker exists
 * and nothing is leased until the visitor presses Start; while work runs, a banner and the
 * tab title say so; one press of Stop ends it, terminating the workers mid-unit.
 */
import { useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import type { VolunteerMe } from '../../../shared/api/schemas.ts';
import { WORKERS_PER_TAB_MAX } from '../../../shared/limits.ts';
import { WorkLoop, createKernelSource } from '../../../shared/volunteer/work-loop.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { getSetting, setSetting } from '../../storage/db.ts';
import { VolunteerAccount } from '../account/volunteer-account.tsx';
import { createExecutorPool, type WorkerExecutor } from './pool.ts';
import { useVolunteerIdentity } from './use-identity.ts';
import { initialView, reduceView } from './volunteer-state.ts';
import { Totals, WorkerList } from './worker-table.tsx';

/** How often the page re-reads the points balance while computing. */
const POINTS_REFRESH_MS = 3_000;

/** Leave one logical processor to the page and the rest of the machine. */
function defaultWorkers(): number {
  return clampWorkers((navigator.hardwareConcurrency || 2) - 1);
}

function clampWorkers(n: number): number {
  return Number.isFinite(n) ? Math.min(WORKERS_PER_TAB_MAX, Math.max(1, Math.trunc(n))) : 1;
}

interface Session {
  loop: WorkLoop;
  pool: WorkerExecutor[];
}

/** Runs `task` once at a time; a call during a run asks for exactly one more run after it. */
function singleFlight(task: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const go = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    task().finally(() => {
      running = false;
      if (again) {
        again = false;
        go();
      }
    });
  };
  return go;
}

export function VolunteerPage() {
  const { identity, error: identityError, retry, renew } = useVolunteerIdentity();
  const api = useMemo(() => (identity ? createApiClient({ token: identity.token }) : undefined), [identity]);
  // One kernel source per identity: compiled kernels survive Stop and Start.
  const kernels = useMemo(() => (api ? createKernelSource(api) : undefined), [api]);

  const [workersText, setWorkersText] = useState(() => String(defaultWorkers()));
  const workersTouched = useRef(false);
  const [view, dispatch] = useReducer(reduceView, initialView);
  const [me, setMe] = useState<VolunteerMe>();
  const [running, setRunning] = useState(false);
  const session = useRef<Session>();
  // A fresh identity is made at most once per visit, so a server that refuses every
  // identity cannot make this page create them in a loop.
  const renewed = useRef(false);

  useEffect(() => {
    getSetting('workerCount').then(
      (n) => !workersTouched.current && typeof n === 'number' && setWorkersText(String(clampWorkers(n))),
      () => undefined, // no saved setting: keep the default
    );
  }, []);

  const refreshMe = useMemo(
    () =>
      singleFlight(async () => {
        if (!api) return;
        try {
          setMe(await api.me());
        } catch (err) {
          // The server no longer knows this identity (a reset database): start afresh.
          if (problemOf(err)?.status === 401 && !session.current && !renewed.current) {
            renewed.current = true;
            renew();
          } else dispatch({ type: 'error', text: `Could not refresh your points. ${describeError(err)}` });
        }
      }),
    [api, renew],
  );
  useEffect(() => refreshMe(), [refreshMe]);
  // Results pending a quorum are credited when another volunteer's replica agrees, which
  // this page does not see as an event of its own: poll while computing.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(refreshMe, POINTS_REFRESH_MS);
    return () => {
      clearInterval(timer);
      refreshMe();
    };
  }, [running, refreshMe]);

  function start(): void {
    if (!api || !kernels || session.current) return;
    const workers = clampWorkers(Number.parseInt(workersText, 10));
    setWorkersText(String(workers));
    setSetting('workerCount', workers).catch(() => undefined); // a setting not saved is no failure
    const pool = createExecutorPool(workers);
    const loop: WorkLoop = new WorkLoop({
      api,
      kernels,
      executors: pool,
      onEvent(event) {
        // Events of a stopped session (its slots winding down) must not touch a newer one.
        if (session.current?.loop !== loop) return;
        dispatch({ type: 'event', event });
        if (event.type === 'submitted') refreshMe();
      },
    });
    session.current = { loop, pool };
    dispatch({ type: 'start', workers });
    setRunning(true);
    loop.start();
  }

  function stop(): void {
    const s = session.current;
    if (!s) return;
    session.current = undefined;
    setRunning(false);
    s.loop
      .stop()
      .catch((err: unknown) => dispatch({ type: 'error', text: describeError(err) }))
      .finally(() => s.pool.forEach((ex) => ex.dispose()));
  }

  // Leaving the page stops the work: it must never run where the visitor cannot see it.
  useEffect(() => () => stop(), []);

  useEffect(() => {
    if (!running) return;
    const before = document.title;
    document.title = `● Computing — ${before}`;
    return () => {
      document.title = before;
    };
  }, [running]);

  const errors = [...(identityError ? [{ id: 0, text: identityError }] : []), ...view.errors];
  const workersCount = view.slots.length;

  return (
    <div class="container volunteer">
      <h1>Volunteer</h1>
      <p class="lead">
        Lend your browser's spare time to scientific jobs. Nothing runs until you press <strong>Start computing</strong>,
        and <strong>Stop</strong> ends it at once. Validated results earn points.
      </p>

      <div
        class={running ? 'status-banner status-running' : 'status-banner status-stopped'}
        data-testid="volunteer-status"
        role="status"
        aria-live="polite"
      >
        {running ? (
          <>
            <span class="pulse" aria-hidden="true" />
            <span>
              <strong>Computing</strong> with {workersCount} {workersCount === 1 ? 'worker' : 'workers'} — this tab is
              using your processor. Press Stop at any time.
            </span>
          </>
        ) : (
          <span>
            <strong>Stopped</strong> — nothing is running in this tab.
          </span>
        )}
      </div>

      <section class="card controls" aria-label="Controls">
        <div class="field field-inline">
          <label for="worker-count">Workers</label>
          <input
            id="worker-count"
            data-testid="worker-count"
            type="number"
            inputMode="numeric"
            min={1}
            max={WORKERS_PER_TAB_MAX}
            step={1}
            value={workersText}
            disabled={running}
            aria-describedby="worker-count-help"
            onInput={(e) => {
              workersTouched.current = true;
              const text = e.currentTarget.value;
              setWorkersText(text);
              const n = Number.parseInt(text, 10);
              if (n >= 1 && n <= WORKERS_PER_TAB_MAX) setSetting('workerCount', n).catch(() => undefined);
            }}
            onBlur={(e) => setWorkersText(String(clampWorkers(Number.parseInt(e.currentTarget.value, 10))))}
          />
          <p id="worker-count-help" class="help">
            Parallel workers, 1 to {WORKERS_PER_TAB_MAX}. This device reports {navigator.hardwareConcurrency || 'an unknown number of'}{' '}
            logical processors; leaving one free keeps it responsive.{running ? ' Stop to change it.' : ''}
          </p>
        </div>
        <button
          type="button"
          class={running ? 'button button-stop' : 'button button-start'}
          data-testid="volunteer-toggle"
          disabled={!running && !api}
          onClick={() => (running ? stop() : start())}
        >
          {running ? 'Stop' : 'Start computing'}
        </button>
        {!api && !identityError && <p class="muted">Connecting…</p>}
      </section>

      <Totals unitsDone={view.unitsDone} me={me} />

      {running && <WorkerList slots={view.slots} />}

      {errors.length > 0 && (
        <section class="alert alert-error" data-testid="volunteer-error" role="alert">
          <h2 class="alert-title">Recent problems</h2>
          <ul>
            {errors.map((e) => (
              <li key={e.id}>{e.text}</li>
            ))}
          </ul>
          <div class="alert-actions">
            {identityError && (
              <button type="button" class="button button-small" onClick={retry}>
                Try again
              </button>
            )}
            {view.errors.length > 0 && (
              <button type="button" class="button button-small button-quiet" onClick={() => dispatch({ type: 'clear-errors' })}>
                Dismiss
              </button>
            )}
          </div>
        </section>
      )}

      {identity && <VolunteerAccount volunteerId={identity.volunteerId} token={identity.token} />}

      {identity && (
        <p class="muted small">
          Your volunteer id: <span class="mono" data-testid="volunteer-id">{identity.volunteerId}</span>{' '}
          {identity.token ? '(kept in this browser).' : '(from your account).'}
        </p>
      )}
    </div>
  );
}
