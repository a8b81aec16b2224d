/**
 * @module The volunteer's points: recent credits, each linked to the unit (and its job) it
 * was for, the way to the shop, and the claim form that keeps anonymous points on an account.
 */
import type { Credits } from '../../../shared/api/schemas.ts';
import { useText } from '../../i18n/index.ts';
import { Link } from '../../router.tsx';
import { VolunteerAccount } from '../account/volunteer-account.tsx';

export interface PointsPanelProps {
  credits: Credits | undefined;
  volunteerId: string;
  token: string | undefined;
}

export function PointsPanel({ credits, volunteerId, token }: PointsPanelProps) {
  const t = useText().volunteer;
  const list = credits?.credits ?? [];
  return (
    <section class="card points" aria-labelledby="points-title">
      <h2 id="points-title">{t.pointsTitle}</h2>
      <p class="muted small">{t.pointsLead}</p>
      <h3>{t.creditsTitle}</h3>
      {list.length === 0 ? (
        <p class="muted small" data-testid="credits-empty">
          {t.creditsEmpty}
        </p>
      ) : (
        <ul class="credit-list" data-testid="credit-list">
          {list.map((c) => (
            <li key={c.transferId} data-testid="credit-row" data-unit={c.unitId} data-job={c.jobId}>
              <span class={c.kind === 'credit' ? 'credit-points' : 'credit-points credit-reversal'}>
                {c.kind === 'credit' ? t.creditRow(c.points) : t.creditReversal(c.points)}
              </span>{' '}
              <Link href={`/volunteer/units/${c.unitId}`}>{t.creditLink(c.jobId, c.unitId)}</Link>{' '}
              <time class="muted small" dateTime={new Date(c.at).toISOString()}>
                {new Date(c.at).toLocaleTimeString()}
              </time>
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link href="/shop" class="button button-small" data-testid="spend-points">
          {t.spendPoints}
        </Link>
      </p>
      <VolunteerAccount volunteerId={volunteerId} token={token} />
    </section>
  );
}
