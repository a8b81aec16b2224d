/**
 * @module A peer's work with the server directly, after its group's host could not be
 * reached or went away (issue 16): the volunteer page's own work loop (VolunteerSession)
 * with the worker count the visitor chose on Join, through reception when this site requires
 * admission. It starts as it mounts — a direct consequence of the Join press — and one press
 * of Stop ends it.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import { useText } from '../../i18n/index.ts';
import { describeError, readableMessage } from '../../lib/errors.ts';
import { useAdmission } from '../reception/use-admission.ts';
import { WaitingRoom } from '../reception/waiting-room.tsx';
import type { ActiveIdentity } from '../volunteer/use-identity.ts';
import { VolunteerSession } from '../volunteer/session.ts';
import type { StepControl } from '../../../shared/volunteer/unit-runner.ts';

/** Problems the page lists while working directly (newest first). */
const DIRECT_PROBLEMS_MAX = 5;

export function DirectWork({ identity, workers, control, onRunning }: { identity: ActiveIdentity; workers: number; control: StepControl; onRunning(running: boolean): void }) {
  const t = useText().groups.join;
  const reception = useAdmission('volunteer', 'include');
  const api = useMemo(
    () => (!reception.ready ? undefined : createApiClient({ token: identity.token, ...(reception.admission ? { fetch: reception.admission.fetch } : {}) })),
    [identity, reception.ready, reception.admission],
  );
  const [units, setUnits] = useState(0);
  const [running, setRunning] = useState(true);
  const [problems, setProblems] = useState<string[]>([]);
  const session = useRef<VolunteerSession>();
  // The volunteer's throttle and pauses, as the join page reads them.
  const controlRef = useRef(control);
  controlRef.current = control;
  useEffect(() => session.current?.setControl(control), [control]);

  useEffect(() => {
    if (!api) return;
    const s = new VolunteerSession({
      api,
      volunteerId: identity.volunteerId,
      onWork: (e) => {
        if (e.type === 'computed') setUnits((n) => n + 1);
        else if (e.type === 'error' || e.type === 'kernel_refused') setProblems((ps) => [readableMessage(e.message), ...ps].slice(0, DIRECT_PROBLEMS_MAX));
      },
      onOutbox: () => undefined,
    });
    session.current = s;
    s.setControl(controlRef.current);
    s.start(workers);
    onRunning(true);
    return () => {
      session.current = undefined;
      s.dispose();
      onRunning(false);
    };
  }, [api, identity, workers, onRunning]);

  function stop(): void {
    setRunning(false);
    onRunning(false);
    const admission = reception.admission;
    session.current
      ?.stop(true)
      .then(() => admission?.end())
      .catch((err: unknown) => setProblems((ps) => [describeError(err), ...ps].slice(0, DIRECT_PROBLEMS_MAX)));
  }

  return (
    <div data-testid="join-direct" data-running={running}>
      <WaitingRoom view={reception} />
      <p data-testid="join-direct-units" data-units={units}>
        {running ? t.directUnits(units) : `${t.directUnits(units)} ${t.directStopped}`}
      </p>
      {running && (
        <button type="button" class="button button-stop" data-testid="join-direct-stop" onClick={stop}>
          {t.stop}
        </button>
      )}
      {problems.length > 0 && (
        <ul class="alert alert-error small">
          {problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
