/**
 * @module The operator's dashboard: reception's nodes with their load and capacity, the
 * waiting line, tickets issued and refused by reason, and how far wait estimates were from
 * the actual waits. Reads `GET /api/reception/status` with the operator token (kept for this
 * tab only), every few seconds while the tab is visible.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, readProblem } from '../../../shared/api/client.ts';
import { RECEPTION_PATHS, ReceptionStatusSchema, type ReceptionStatus } from '../../../shared/reception/schemas.ts';
import { describeError } from '../../lib/errors.ts';
import { ShopApproval } from './shop-approval.tsx';

/** How often the dashboard asks for fresh numbers. */
const STATUS_POLL_MS = 2_000;
const TOKEN_KEY = 'sparecycles.operatorToken';

async function fetchStatus(token: string): Promise<ReceptionStatus> {
  const res = await fetch(RECEPTION_PATHS.status, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new ApiError(await readProblem(res));
  return ReceptionStatusSchema.parse(await res.json());
}

export function OperatorPage() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  const [draft, setDraft] = useState(token);
  const [status, setStatus] = useState<ReceptionStatus | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (!token) return;
    let stopped = false;
    const poll = async () => {
      if (document.hidden) return;
      try {
        const s = await fetchStatus(token);
        if (!stopped) {
          setStatus(s);
          setError(undefined);
        }
      } catch (err) {
        if (!stopped) setError(err instanceof ApiError && err.status === 401 ? 'The operator token was refused.' : describeError(err));
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), STATUS_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [token]);

  const onSubmit = (e: Event) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, draft.trim());
    setToken(draft.trim());
  };

  return (
    <div class="container">
      <h1>Operator</h1>
      <form class="card narrow" onSubmit={onSubmit}>
        <label>
          Operator token
          <input type="password" autocomplete="off" data-testid="operator-token" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
        </label>
        <button type="submit">Show reception</button>
      </form>
      {error && (
        <p role="alert" class="alert alert-error" data-testid="operator-error">
          {error}
        </p>
      )}
      {status && (
        <section aria-labelledby="reception-nodes">
          <h2 id="reception-nodes">Nodes</h2>
          <p data-testid="operator-summary">
            {status.waiting} waiting · {status.ticketsIssued} tickets issued · wait estimates{' '}
            {status.estimateMdape === null ? 'not yet measured' : `off by ${Math.round(status.estimateMdape * 100)} % (median, ${status.estimateSamples} clients)`}
          </p>
          <table data-testid="operator-nodes">
            <thead>
              <tr>
                <th scope="col">node</th>
                <th scope="col">state</th>
                <th scope="col">load</th>
                <th scope="col">unclaimed tickets</th>
                <th scope="col">leases in flight</th>
                <th scope="col">refused tickets</th>
              </tr>
            </thead>
            <tbody>
              {status.nodes.map((n) => (
                <tr key={n.id} data-testid={`operator-node-${n.id}`}>
                  <th scope="row">
                    {n.id}
                    {n.region && ` (${n.region})`}
                    <br />
                    <span class="small muted">{n.url}</span>
                  </th>
                  <td>{n.live ? 'live' : `silent for ${Math.round(n.reportAgeMs / 1000)} s`}</td>
                  <td>
                    <meter min={0} max={Math.max(1, n.capacity)} value={n.active} /> {n.active} / {n.capacity}
                  </td>
                  <td>{n.pending}</td>
                  <td>{n.leasesInFlight}</td>
                  <td>
                    {Object.entries(n.refused)
                      .map(([reason, count]) => `${reason} ${count}`)
                      .join(', ') || 'none'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <ShopApproval token={token} />
    </div>
  );
}
