/**
 * @module The waiting room: shown while reception keeps the visitor in line (or cannot be
 * reached), with the position (announced politely to screen readers), the estimated wait or
 * an honest "not known yet", a progress bar from the position first shown, a countdown to
 * the next automatic retry, and the mute switch for the admission sound. A short note says
 * when the visitor got in after waiting.
 */
import { useEffect, useState } from 'preact/hooks';
import { WAITING_ROOM_TICK_MS } from '../../../shared/limits.ts';
import { useText } from '../../i18n/index.ts';
import type { AdmissionView } from './use-admission.ts';
import { progressOf, secondsToRetry } from './waiting-state.ts';
import './reception.css';

/** Redraws every {@link WAITING_ROOM_TICK_MS} while `on`, for the countdown. */
function useNow(on: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => setNow(Date.now()), WAITING_ROOM_TICK_MS);
    return () => clearInterval(timer);
  }, [on]);
  return now;
}

export function WaitingRoom({ view }: { view: AdmissionView }) {
  const t = useText().reception;
  const { state } = view;
  const show = state.phase === 'waiting' || state.phase === 'failed';
  const now = useNow(show);
  if (!view.admission) return null;
  if (state.phase === 'admitted' && view.announced) {
    return (
      <p class="alert alert-ok" data-testid="admitted-note" data-announced={view.announced} role="status">
        {t.admitted}
      </p>
    );
  }
  if (!show) return null;
  const progress = progressOf(state);
  const retryIn = secondsToRetry(state, now);
  return (
    <section
      class={`card waiting-room${state.phase === 'failed' ? ' alert-error' : ''}`}
      data-testid="waiting-room"
      data-phase={state.phase}
      data-position={state.position ?? ''}
      aria-labelledby="waiting-room-title"
    >
      <h2 id="waiting-room-title">{t.title}</h2>
      {state.phase === 'failed' ? (
        <div role="alert" data-testid="waiting-room-error" data-failure={state.failure}>
          <p>{t.failed[state.failure ?? ''] ?? t.failed['reception-refused']}</p>
          {state.detail && <p class="muted small">{t.detail(state.detail)}</p>}
        </div>
      ) : (
        <>
          <p class="muted">{t.lead}</p>
          <p aria-live="polite" aria-atomic="true" data-testid="waiting-position">
            <strong>{t.position(state.position ?? 0)}</strong>
          </p>
          <p data-testid="waiting-estimate">{state.estimate?.known ? t.estimate(state.estimate.lowMs, state.estimate.highMs) : t.estimateUnknown}</p>
          <progress class="waiting-progress" max={100} value={Math.round(progress * 100)} aria-label={t.progressLabel} data-testid="waiting-progress" />
        </>
      )}
      {state.retryAt !== undefined && (
        <p class="muted small" data-testid="waiting-retry">
          {t.retryIn(retryIn)}
        </p>
      )}
      <label class="waiting-mute small">
        <input type="checkbox" checked={view.muted} data-testid="waiting-mute" onChange={(e) => view.setMuted((e.target as HTMLInputElement).checked)} /> {t.mute}
      </label>
    </section>
  );
}
