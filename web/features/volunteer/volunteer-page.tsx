/**
 * @module The volunteer page. Consent first (DESIGN.md, "Quality bars"): no worker exists
 * and nothing is leased until the visitor presses Start; while work runs, a banner and the
 * tab title say so; one press of Stop ends it, terminating the workers mid-unit. Start
 * survives a reload (the visitor's choice is kept with the settings), and so does every
 * finished result (the outbox) and every unit held (resumed after the reload). Below, the
 * visitor may host a group (web/features/groups): hosting computes nothing in this tab.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import type { Credits, VolunteerMe } from '../../../shared/api/schemas.ts';
import { describeError, problemOf, readableMessage } from '../../lib/errors.ts';
import { useText, type Messages } from '../../i18n/index.ts';
import { VolunteerHosting } from '../groups/hosting.tsx';
import { useAdmission } from '../reception/use-admission.ts';
import { WaitingRoom } from '../reception/waiting-room.tsx';
import { ActivityChart } from './activity-chart.tsx';
import { pauseReasons, type PauseReason } from './pause-conditions.ts';
import { PointsPanel } from './points-panel.tsx';
import { VolunteerSession } from './session.ts';
import { SettingsPanel, WorkersField } from './settings-panel.tsx';
import { formatTime } from './settings.ts';
import { useDevice } from './use-device.ts';
import { useVolunteerIdentity } from './use-identity.ts';
import { useVolunteerSettings } from './use-settings.ts';
import { activityBins, initialView, kernelShare, reduceView, throughputPerMinute, type Note } from './volunteer-state.ts';
import { Totals, WorkerList } from './worker-table.tsx';

/** How often the page re-reads the points while computing (credits arrive when others agree). */
const POINTS_REFRESH_MS = 5_000;
/** How often the chart and throughput move on while computing. */
const CLOCK_TICK_MS = 5_000;

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

function localMidnight(): number {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

function reasonText(t: Messages['volunteer'], r: PauseReason): string {
  switch (r.kind) {
    case 'doNotDisturb':
      return t.pauseReasons.doNotDisturb;
    case 'hidden':
      return t.pauseReasons.hidden;
    case 'battery':
      return t.pauseReasons.battery(r.levelPercent, r.minPercent);
    case 'hours':
      return t.pauseReasons.hours(formatTime(r.startMinute), formatTime(r.endMinute));
  }
}

function noteText(t: Messages['volunteer'], n: Note): string {
  switch (n.kind) {
    case 'dropped':
      return t.notes.dropped(n.unitId, t.notes.stopReasons[n.reason] ?? n.reason);
    case 'droppedResult':
      return t.notes.droppedResult(n.unitId, n.detail);
    case 'resumedUnit':
      return t.notes.resumedUnit(n.unitId, n.fromCheckpoint);
  }
}

export function VolunteerPage() {
  const text = useText();
  const t = text.volunteer;
  const tr = text.reception;
  const { identity, error: identityError, retry, renew } = useVolunteerIdentity();
  const api = useMemo(() => (identity ? createApiClient({ token: identity.token }) : undefined), [identity]);
  // Work goes through reception when this site requires admission; identity and points stay on this origin.
  // Credentials go to the nodes too: an identity an account owns works through its session cookie.
  const reception = useAdmission('volunteer', 'include');
  const workApi = useMemo(
    () => (!identity || !api || !reception.ready ? undefined : reception.admission ? createApiClient({ token: identity.token, fetch: reception.admission.fetch }) : api),
    [api, identity, reception.ready, reception.admission],
  );
  const { settings, loaded, saveFailed, update } = useVolunteerSettings();
  const device = useDevice(settings.quietHours);
  const reasons = pauseReasons(settings, device);
  const paused = reasons.length > 0;

  const [view, dispatch] = useReducer(reduceView, initialView);
  const [me, setMe] = useState<VolunteerMe>();
  const [credits, setCredits] = useState<Credits>();
  const [running, setRunning] = useState(false);
  const [resumed, setResumed] = useState(false);
  const [now, setNow] = useState(() => performance.now());
  const session = useRef<VolunteerSession>();
  const startClickedAt = useRef<number>();
  const autoResumeTried = useRef(false);
  // A fresh identity is made at most once per visit, so a server that refuses every
  // identity cannot make this page create them in a loop.
  const renewed = useRef(false);
  // Whether the session being replaced was computing, and how to start the next one.
  const carryOn = useRef(false);
  const beginRef = useRef<() => void>();

  const refresh = useMemo(
    () =>
      singleFlight(async () => {
        if (!api) return;
        try {
          const [m, c] = await Promise.all([api.me(), api.credits(localMidnight())]);
          setMe(m);
          setCredits(c);
        } catch (err) {
          // The server no longer knows this identity (a reset database): start afresh.
          if (problemOf(err)?.status === 401 && !session.current?.running && !renewed.current) {
            renewed.current = true;
            renew();
          } else dispatch({ type: 'error', text: t.pointsFailed(describeError(err)) });
        }
      }),
    [api, renew, t],
  );
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  useEffect(() => refresh(), [refresh]);

  // One session per identity: its outbox sends stored results even before Start.
  useEffect(() => {
    if (!workApi || !identity) return;
    const s = new VolunteerSession({
      api: workApi,
      volunteerId: identity.volunteerId,
      onWork: (event) => dispatch({ type: 'event', event, at: performance.now() }),
      onOutbox: (event) => {
        dispatch({ type: 'outbox', event, at: performance.now() });
        if (event.type === 'sent') refreshRef.current();
      },
    });
    session.current = s;
    // The identity changed under a running session (claimed: the account's session takes
    // over from the retired token): the new session goes on computing.
    if (carryOn.current) {
      carryOn.current = false;
      beginRef.current?.();
    }
    return () => {
      carryOn.current = s.running;
      s.dispose();
      if (session.current === s) session.current = undefined;
      setRunning(false);
    };
  }, [workApi, identity]);

  const control = useMemo(
    () => ({ paused, dutyPercent: settings.dutyPercent, requestedAt: performance.timeOrigin + performance.now() }),
    [paused, settings.dutyPercent],
  );
  useEffect(() => session.current?.setControl(control), [control, api]);

  const begin = useCallback(() => {
    const s = session.current;
    if (!s || s.running) return;
    startClickedAt.current = performance.now();
    s.setControl(control);
    s.start(settings.workerCount);
    dispatch({ type: 'start', workers: settings.workerCount });
    setRunning(true);
  }, [control, settings.workerCount]);
  beginRef.current = begin;

  // The visitor pressed Start before this page was reloaded (and not Stop): go on.
  useEffect(() => {
    if (!loaded || !workApi || autoResumeTried.current) return;
    autoResumeTried.current = true;
    if (settings.running) {
      setResumed(true);
      begin();
    }
  }, [loaded, workApi, settings.running, begin]);

  function start(): void {
    if (!session.current || session.current.running) return;
    update({ running: true });
    setResumed(false);
    begin();
  }

  function stop(): void {
    update({ running: false });
    setRunning(false);
    const s = session.current;
    // Still in line: leave it now (the lease waiting on it ends as a cancel). Admitted: give
    // the node's slot back once the loop has stopped, for the next in line.
    const admission = reception.admission;
    const leftLine = admission && admission.state.phase !== 'admitted' ? admission.end() : undefined;
    s?.stop(true)
      .then(() => leftLine ?? admission?.end())
      .catch((err: unknown) => dispatch({ type: 'error', text: describeError(err) }));
  }

  // Points credited when another volunteer agrees arrive without an event here: poll while computing.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(refresh, POINTS_REFRESH_MS);
    const tick = setInterval(() => setNow(performance.now()), CLOCK_TICK_MS);
    return () => {
      clearInterval(timer);
      clearInterval(tick);
      refresh();
    };
  }, [running, refresh]);

  useEffect(() => {
    if (!running) return;
    const before = document.title;
    document.title = `${paused ? `❚❚ ${t.statusPausedTitle}` : t.computingTitle} — ${before}`;
    return () => {
      document.title = before;
    };
  }, [running, paused, t]);

  const at = Math.max(now, view.completions[view.completions.length - 1] ?? 0);
  const workers = view.slots.length;
  const share = kernelShare(view);
  // In reception's line (or unable to reach it) nothing computes yet: the banner says so.
  const inLine = running && (reception.state.phase === 'waiting' || reception.state.phase === 'failed');
  const state = running ? (inLine ? 'waiting' : paused ? 'paused' : 'running') : 'stopped';
  const firstComputingMs =
    startClickedAt.current !== undefined && view.firstComputingAt !== undefined ? Math.round(view.firstComputingAt - startClickedAt.current) : undefined;

  return (
    <div class="container volunteer">
      <h1>{t.title}</h1>
      <p class="lead">{t.lead}</p>

      <div class={`status-banner status-${state}`} data-testid="volunteer-status" data-state={state} role="status" aria-live="polite">
        {state === 'running' && (
          <>
            <span class="pulse" aria-hidden="true" />
            <span>
              <strong>{t.computingTitle.replace(/^●\s*/, '')}</strong>{' '}
              {settings.dutyPercent < 100 ? t.statusComputingThrottled(workers, settings.dutyPercent) : t.statusComputing(workers)}
            </span>
          </>
        )}
        {state === 'paused' && (
          <span>
            <strong>{t.statusPausedTitle}</strong> {t.statusPaused(reasons.map((r) => reasonText(t, r)).join('; '))}
          </span>
        )}
        {state === 'waiting' && (
          <span>
            <strong>{tr.bannerTitle}</strong> {tr.bannerText}
          </span>
        )}
        {state === 'stopped' && (
          <span>
            <strong>{t.statusStoppedTitle}</strong> {t.statusStopped}
          </span>
        )}
      </div>
      <WaitingRoom view={reception} />
      {running && resumed && (
        <p class="muted small" data-testid="resumed-note">
          {t.resumedNote}
        </p>
      )}

      <section class="card controls" aria-labelledby="settings-title">
        <h2 id="settings-title" class="visually-hidden">
          {t.settingsTitle}
        </h2>
        <div class="controls-row">
          <WorkersField settings={settings} running={running} update={update} />
          <button
            type="button"
            class={running ? 'button button-stop' : 'button button-start'}
            data-testid="volunteer-toggle"
            disabled={!running && (!workApi || !loaded)}
            onClick={() => (running ? stop() : start())}
          >
            {running ? t.stop : t.start}
          </button>
        </div>
        {!api && !identityError && <p class="muted">{t.connecting}</p>}
        <SettingsPanel settings={settings} running={running} battery={device.battery} update={update} />
        {saveFailed && (
          <p class="field-error small" role="alert">
            {t.settingsSaveFailed}
          </p>
        )}
      </section>

      {view.kernelRefused && (
        <section class="alert alert-error" data-testid="kernel-error" role="alert">
          <h2 class="alert-title">{t.kernelRefusedTitle}</h2>
          <p>{t.kernelRefused(view.kernelRefused)}</p>
        </section>
      )}

      {view.offline && view.outboxSize > 0 && (
        <p class="alert alert-warning" data-testid="outbox-offline" role="status">
          {t.outboxOffline}
        </p>
      )}

      <Totals
        unitsDone={view.unitsDone}
        me={me}
        pointsToday={credits?.pointsSince}
        outboxSize={view.outboxSize}
        perMinute={throughputPerMinute(view, at)}
        kernelShare={share}
      />
      <ActivityChart bins={activityBins(view.completions, at)} />
      <div
        hidden
        data-testid="volunteer-metrics"
        data-first-computing-ms={firstComputingMs ?? ''}
        data-kernel-ms={view.slots.reduce((a, s) => a + s.kernelMs, 0).toFixed(1)}
        data-idle-ms={view.slots.reduce((a, s) => a + s.idleMs, 0).toFixed(1)}
        data-worker-ms={view.slots.reduce((a, s) => a + s.workerMs, 0).toFixed(1)}
        data-steps={view.slots.reduce((a, s) => a + s.steps, 0)}
        data-units={view.unitsDone}
      />

      {view.slots.length > 0 && running && <WorkerList slots={view.slots} />}

      {view.notes.length > 0 && (
        <section class="card notes" data-testid="volunteer-notes" aria-labelledby="notes-title">
          <h2 id="notes-title">{t.notesTitle}</h2>
          <ul>
            {view.notes.map((n) => (
              <li key={n.id} data-kind={n.kind}>
                {noteText(t, n)}
              </li>
            ))}
          </ul>
        </section>
      )}

      {(identityError || view.errors.length > 0) && (
        <section class="alert alert-error" data-testid="volunteer-error" role="alert">
          <h2 class="alert-title">{t.errorsTitle}</h2>
          <ul>
            {identityError && <li>{t.identityFailed(identityError)}</li>}
            {view.errors.map((e) => (
              <li key={e.id}>{e.slot !== undefined ? t.workerError(e.slot + 1, readableMessage(e.text)) : e.text}</li>
            ))}
          </ul>
          <div class="alert-actions">
            {identityError && (
              <button type="button" class="button button-small" onClick={retry}>
                {t.retry}
              </button>
            )}
            {view.errors.length > 0 && (
              <button type="button" class="button button-small button-quiet" onClick={() => dispatch({ type: 'clear-errors' })}>
                {t.dismiss}
              </button>
            )}
          </div>
        </section>
      )}

      {identity && <PointsPanel credits={credits} volunteerId={identity.volunteerId} token={identity.token} />}

      <VolunteerHosting token={identity?.token} ready={identity !== undefined} />

      {identity && (
        <p class="muted small">
          {t.yourId} <span class="mono" data-testid="volunteer-id">{identity.volunteerId}</span> {identity.token ? t.idKeptHere : t.idFromAccount}
        </p>
      )}
    </div>
  );
}
