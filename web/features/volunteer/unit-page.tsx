/**
 * @module One unit as the volunteer who worked on it sees it (linked from each credit): its
 * job, the job's progress, and what became of this volunteer's results.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import type { VolunteerUnit } from '../../../shared/api/schemas.ts';
import { useText } from '../../i18n/index.ts';
import { describeError, problemOf } from '../../lib/errors.ts';
import { Link } from '../../router.tsx';
import { useVolunteerIdentity } from './use-identity.ts';

export function UnitPage({ unitId }: { unitId: string }) {
  const text = useText();
  const u = text.volunteer.unitPage;
  const { identity, error: identityError } = useVolunteerIdentity();
  const api = useMemo(() => (identity ? createApiClient({ token: identity.token }) : undefined), [identity]);
  const [state, setState] = useState<{ unit?: VolunteerUnit; error?: string; missing?: boolean }>({});
  const id = /^[1-9][0-9]{0,15}$/.test(unitId) ? Number(unitId) : undefined;

  useEffect(() => {
    if (!api) return;
    if (id === undefined) return setState({ missing: true });
    let alive = true;
    api.volunteerUnit(id).then(
      (unit) => alive && setState({ unit }),
      (err: unknown) => alive && setState(problemOf(err)?.status === 404 ? { missing: true } : { error: describeError(err) }),
    );
    return () => {
      alive = false;
    };
  }, [api, id]);

  const { unit } = state;
  return (
    <div class="container">
      <p>
        <Link href="/volunteer">{u.back}</Link>
      </p>
      <h1>{u.title(unitId)}</h1>
      {(identityError || state.error) && (
        <p class="alert alert-error" role="alert">
          {identityError ?? state.error}
        </p>
      )}
      {state.missing && <p data-testid="unit-missing">{u.notFound}</p>}
      {!unit && !state.missing && !state.error && <p class="muted">{text.shell.loading}</p>}
      {unit && (
        <dl class="facts" data-testid="unit-details">
          <dt>{u.job}</dt>
          <dd class="mono" data-testid="unit-job">
            {unit.jobId}
          </dd>
          <dt>{u.kind}</dt>
          <dd>{unit.jobKind}</dd>
          <dt>{u.jobStatus}</dt>
          <dd>
            {unit.jobStatus} — {u.progress(unit.unitsValid, unit.unitsTotal)}
          </dd>
          <dt>{u.unitState}</dt>
          <dd data-testid="unit-state">{unit.unitState}</dd>
          <dt>{u.cost}</dt>
          <dd>{unit.costPoints}</dd>
          <dt>{u.yourResults}</dt>
          <dd>
            <ul>
              {unit.results.map((r) => (
                <li key={r.leaseId}>
                  #{r.leaseId}: {u.outcome[r.outcome ?? 'none'] ?? r.outcome}
                  {r.creditedPoints > 0 ? ` (+${r.creditedPoints})` : ''}
                </li>
              ))}
            </ul>
          </dd>
        </dl>
      )}
    </div>
  );
}
