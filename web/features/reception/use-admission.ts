/**
 * @module `useAdmission(scope)`: asks the edge whether this site requires admission; when it
 * does, gives an {@link Admission} whose `fetch` goes through reception, its waiting-room
 * state (re-rendering on change), the mute setting, and plays the chime once when the visitor
 * is admitted after a wait (never when muted).
 */
import { useEffect, useState } from 'preact/hooks';
import type { TicketScope } from '../../../shared/reception/schemas.ts';
import { Admission, receptionConfig } from './admission.ts';
import { admissionStore, type AdmissionStore } from './admission-store.ts';
import { playChime } from './chime.ts';
import { initialWaitingState, shouldChime, type WaitingState } from './waiting-state.ts';

export interface AdmissionView {
  /** False until the edge said whether admission is required. */
  ready: boolean;
  /** Set when admission is required; undefined means requests go to this page's origin as before. */
  admission: Admission | undefined;
  state: WaitingState;
  muted: boolean;
  setMuted(muted: boolean): void;
  /** How the last admission after a wait was announced. */
  announced: 'chime' | 'muted' | 'silent' | undefined;
}

let store: AdmissionStore | undefined;

export function useAdmission(scope: TicketScope, credentials?: RequestCredentials): AdmissionView {
  const [admission, setAdmission] = useState<Admission>();
  const [ready, setReady] = useState(false);
  const [state, setState] = useState<WaitingState>(initialWaitingState);
  const [muted, setMutedState] = useState(() => (store ??= admissionStore()).muted());
  const [announced, setAnnounced] = useState<AdmissionView['announced']>();

  useEffect(() => {
    let alive = true;
    void receptionConfig().then((config) => {
      if (!alive) return;
      if (config.required) setAdmission(new Admission({ scope, receptionUrl: config.receptionUrl, store: (store ??= admissionStore()), credentials }));
      setReady(true);
    });
    return () => {
      alive = false;
    };
  }, [scope, credentials]);

  useEffect(() => {
    if (!admission) return;
    setState(admission.state);
    return admission.subscribe((s) => {
      setState(s);
      if (!s.chimeDue) return;
      const isMuted = (store ??= admissionStore()).muted();
      setAnnounced(shouldChime(s, isMuted) ? (playChime() ? 'chime' : 'silent') : 'muted');
      admission.chimed();
    });
  }, [admission]);

  const setMuted = (m: boolean) => {
    (store ??= admissionStore()).setMuted(m);
    setMutedState(m);
  };
  return { ready, admission, state, muted, setMuted, announced };
}
