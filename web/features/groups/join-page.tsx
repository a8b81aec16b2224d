/**
 * @module The page a group's peer opens from its invite (`/join#<code>`, issue 16). Consent
 * first: it says what joining means, and nothing is claimed, no identity is made and no
 * worker exists until the visitor presses Join; Decline before that does nothing at all.
 * On Join it takes the visitor's volunteer identity (made now if this browser has none),
 * runs a {@link GroupPeer} with the chosen number of workers and shows where it is: claiming
 * a seat, connecting to the host, the kernel received from the host or reused from this
 * device's cache, units done. Leave stops at once; Decline gives the seat back while nothing
 * computes yet. When the host cannot be reached (or goes away) the tab says so and works with
 * the server directly, with the same workers, until Stop.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { seatApi } from '../../../shared/groups/client.ts';
import { GroupPeer } from '../../../shared/groups/peer.ts';
import { WORKERS_PER_TAB_MAX } from '../../../shared/limits.ts';
import { useText, type Messages } from '../../i18n/index.ts';
import { idbKernelCache } from '../../storage/work-store.ts';
import { createExecutorPool, type WorkerExecutor } from '../volunteer/pool.ts';
import { useVolunteerIdentity, type ActiveIdentity } from '../volunteer/use-identity.ts';
import { pauseReasons } from '../volunteer/pause-conditions.ts';
import { useDevice } from '../volunteer/use-device.ts';
import { useVolunteerSettings } from '../volunteer/use-settings.ts';
import type { StepControl } from '../../../shared/volunteer/unit-runner.ts';
import { DirectWork } from './direct-work.tsx';
import { IntField, intIn } from './fields.tsx';
import { ACTIVE_PHASES, claimError, initialJoinView, inviteOf, reduceJoin, type ClaimError, type JoinView } from './join-state.ts';
import './groups.css';

const readInvite = () => inviteOf(location.hash);

function claimText(t: Messages['groups']['join'], e: ClaimError): string {
  return e.kind === 'other' ? t.claimFailed(e.text) : t.claim[e.kind];
}

/** Where the session ended, in one sentence; undefined while it runs. */
function endText(t: Messages['groups']['join'], v: JoinView): string | undefined {
  switch (v.phase) {
    case 'fallback':
      return v.fallback === 'connect_timeout' ? t.fallbackTimeout : v.fallback === 'host_left' ? t.fallbackLeft : t.fallbackGone;
    case 'refused':
      return t.refused(v.reason ?? '');
    case 'declined':
      return v.seat ? (v.received ? t.left : t.declined) : t.declinedUnjoined;
    case 'stopped':
      return t.stopped;
    case 'error':
      return v.error && claimText(t, v.error);
    default:
      return undefined;
  }
}

/** Resolves the visitor's volunteer identity (making one if needed): mounted only after Join. */
function IdentityGate({ onIdentity, onError }: { onIdentity(identity: ActiveIdentity): void; onError(text: string): void }) {
  const { identity, error } = useVolunteerIdentity();
  useEffect(() => {
    if (identity) onIdentity(identity);
  }, [identity, onIdentity]);
  useEffect(() => {
    if (error) onError(error);
  }, [error, onError]);
  return null;
}

export function JoinPage() {
  const text = useText();
  const t = text.groups.join;
  const [invite, setInvite] = useState(readInvite);
  const [pasted, setPasted] = useState('');
  const [workers, setWorkers] = useState('1');
  const [view, dispatch] = useReducer(reduceJoin, initialJoinView);
  // Set by Join: the identity gate mounts, then the peer runs.
  const [joining, setJoining] = useState(false);
  const [identityError, setIdentityError] = useState<string>();
  const [direct, setDirect] = useState<{ identity: ActiveIdentity; workers: number }>();
  const [directRunning, setDirectRunning] = useState(false);
  const peer = useRef<GroupPeer>();
  const executors = useRef<WorkerExecutor[]>([]);
  const joinedWith = useRef<{ invite: string; workers: number }>();

  const active = ACTIVE_PHASES.has(view.phase);

  // The volunteer's own settings hold here as on the volunteer page: its throttle, and its
  // pauses (do not disturb, hidden tab, low battery, quiet hours) between two kernel steps.
  const { settings } = useVolunteerSettings();
  const device = useDevice(settings.quietHours);
  const paused = pauseReasons(settings, device).length > 0;
  const control = useMemo<StepControl>(() => ({ paused, dutyPercent: settings.dutyPercent, requestedAt: performance.timeOrigin + performance.now() }), [paused, settings.dutyPercent]);
  const controlRef = useRef(control);
  controlRef.current = control;
  useEffect(() => {
    for (const ex of executors.current) ex.control(control);
  }, [control]);

  // A new invite link opened in this tab (the fragment changed): a new page, unless a session runs.
  useEffect(() => {
    const changed = () => {
      if (peer.current || direct) return;
      setInvite(readInvite());
      dispatch({ type: 'reset' });
    };
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, [direct]);

  const release = () => {
    for (const ex of executors.current) ex.dispose();
    executors.current = [];
    peer.current = undefined;
  };

  // Leaving the page ends the session: the seat is left and the workers end.
  useEffect(
    () => () => {
      void peer.current?.stop();
      release();
    },
    [],
  );

  const onIdentity = useCallback((identity: ActiveIdentity) => {
    const joined = joinedWith.current;
    if (!joined || peer.current) return;
    setJoining(false);
    const pool = createExecutorPool(joined.workers);
    // The workers' script loads while the seat is claimed and the channel opens.
    for (const ex of pool) {
      ex.control(controlRef.current);
      ex.warm();
    }
    executors.current = pool;
    const p = new GroupPeer({
      seats: seatApi({ token: identity.token }),
      invite: joined.invite,
      executors: pool,
      cache: idbKernelCache(),
      createPeerConnection: (c) => new RTCPeerConnection(c),
      onEvent: (event) => {
        if (peer.current !== p) return;
        dispatch({ type: 'event', event });
      },
    });
    peer.current = p;
    p.run().then(
      (outcome) => {
        if (peer.current !== p) return;
        release();
        dispatch({ type: 'outcome', outcome });
        if (outcome.kind === 'fallback') setDirect({ identity, workers: joined.workers });
      },
      (err: unknown) => {
        if (peer.current !== p) return;
        release();
        dispatch({ type: 'error', error: claimError(err) });
      },
    );
  }, []);

  const onIdentityError = useCallback((why: string) => setIdentityError(why), []);

  const n = intIn(workers, 1, WORKERS_PER_TAB_MAX);
  const chosen = invite ?? inviteOf(pasted);

  function join(): void {
    if (!chosen || n === undefined || active) return;
    joinedWith.current = { invite: chosen, workers: n };
    setIdentityError(undefined);
    dispatch({ type: 'join' });
    setJoining(true);
  }

  function decline(): void {
    if (view.phase === 'idle') return dispatch({ type: 'decline-unjoined' });
    // While the claim is on its way, the peer gives the seat back as soon as it has it.
    if (peer.current) void peer.current.decline();
    else {
      // Declined while the identity was being set up: nothing was claimed.
      setJoining(false);
      joinedWith.current = undefined;
      dispatch({ type: 'reset' });
      dispatch({ type: 'decline-unjoined' });
    }
  }

  const computing = (active && view.phase !== 'claiming') || directRunning;
  useEffect(() => {
    if (!computing) return;
    const before = document.title;
    document.title = `${text.volunteer.computingTitle} — ${before}`;
    return () => {
      document.title = before;
    };
  }, [computing, text]);

  const ended = endText(t, view);
  const canDecline = view.phase === 'idle' || (active && view.phase !== 'computing');
  return (
    <div class="container join-page">
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>
      <ul class="join-means">
        {t.means.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
      <p>
        <strong>{t.nothingYet}</strong>
      </p>

      {view.phase === 'idle' && !invite && (
        <div class={pasted && !chosen ? 'field field-invalid' : 'field'}>
          <label for="join-invite">{t.noInvite}</label>
          <input id="join-invite" data-testid="join-invite" class="mono" value={pasted} onInput={(e) => setPasted(e.currentTarget.value)} />
          {pasted && !chosen && <p class="field-error small">{t.inviteInvalid}</p>}
        </div>
      )}

      <section class="card controls">
        <div class="controls-row">
          <IntField
            id="join-workers"
            label={text.volunteer.workers}
            help={text.volunteer.workersHelp(WORKERS_PER_TAB_MAX, navigator.hardwareConcurrency || undefined)}
            error={text.volunteer.workersInvalid(WORKERS_PER_TAB_MAX)}
            value={workers}
            min={1}
            max={WORKERS_PER_TAB_MAX}
            disabled={view.phase !== 'idle'}
            onInput={setWorkers}
          />
        </div>
        <div class="form-actions">
          {(view.phase === 'idle' || (!active && !direct)) && (
            <button type="button" class="button button-start" data-testid="join-button" disabled={!chosen || n === undefined} onClick={join}>
              {view.phase === 'idle' ? t.join : t.again}
            </button>
          )}
          {canDecline && (
            <button type="button" class="button button-quiet" data-testid="decline-button" onClick={decline}>
              {t.decline}
            </button>
          )}
          {active && view.phase !== 'claiming' && (
            <button type="button" class="button button-stop" data-testid="leave-button" onClick={() => void peer.current?.stop()}>
              {t.leave}
            </button>
          )}
        </div>
      </section>

      {joining && <IdentityGate onIdentity={onIdentity} onError={onIdentityError} />}
      {joining && <p class="muted">{identityError ? text.volunteer.identityFailed(identityError) : t.identity}</p>}

      {view.phase !== 'idle' && (
        <section class={`status-banner status-${computing ? 'running' : 'stopped'}`} role="status" aria-live="polite" data-testid="join-state" data-state={view.phase} data-fallback={view.fallback ?? ''}>
          {active && <span>{t.phases[view.phase]}</span>}
          {ended && <span>{ended}</span>}
        </section>
      )}
      {view.kernel && (
        <p data-testid="join-kernel" data-origin={view.kernel.origin} data-bytes={view.kernel.bytes}>
          {view.kernel.origin === 'channel' ? t.kernelFromHost(view.kernel.bytes) : t.kernelFromCache}
        </p>
      )}
      {view.seat && (
        <p data-testid="join-units" data-units={view.unitsDone}>
          {t.units(view.unitsDone)} {view.unitsFailed > 0 ? t.unitsFailed(view.unitsFailed) : ''}
        </p>
      )}
      {direct && <DirectWork identity={direct.identity} workers={direct.workers} control={control} onRunning={setDirectRunning} />}
    </div>
  );
}
