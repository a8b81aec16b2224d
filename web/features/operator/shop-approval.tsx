/**
 * @module The operator's shops: the value of a point, and every shop with its status, caps
 * and what the operator owes it in discounts; approve or suspend a shop and set its
 * settlement limit. With the operator token the page was given (or, without one, the session
 * of an account with the operator role); otherwise it says why the list is not shown.
 */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { createShopClient } from '../../../shared/shop/client.ts';
import type { PointValue, ShopGovernance } from '../../../shared/shop/schemas.ts';
import { describeError } from '../../lib/errors.ts';
import { formatMinor } from '../../lib/format.ts';

const rate = (f: { num: number; den: number }) => (f.den === 1 ? `${f.num}` : `${f.num}/${f.den}`);

export function ShopApproval({ token }: { token: string }) {
  const api = useMemo(
    () =>
      createShopClient(
        token
          ? {
              fetch: (input, init = {}) => {
                const headers = new Headers(init.headers);
                headers.set('authorization', `Bearer ${token}`);
                return fetch(input, { ...init, headers });
              },
            }
          : {},
      ),
    [token],
  );
  const [shops, setShops] = useState<ShopGovernance[]>();
  const [pointValue, setPointValue] = useState<PointValue>();
  const [error, setError] = useState<string>();
  const [loadError, setLoadError] = useState<string>();

  const load = useCallback(async () => {
    try {
      setPointValue(await api.pointValue());
      setShops((await api.shops()).shops);
      setLoadError(undefined);
    } catch (err) {
      setLoadError(`Shops are shown with the operator token (above), or to an account with the operator role. ${describeError(err)}`);
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  const act = async (change: () => Promise<ShopGovernance>) => {
    try {
      const g = await change();
      setShops((list) => list?.map((s) => (s.shop.id === g.shop.id ? g : s)));
      setError(undefined);
    } catch (err) {
      setError(`Not changed. ${describeError(err)}`);
    }
  };

  return (
    <section aria-labelledby="operator-shops" data-testid="operator-shops">
      <h2 id="operator-shops">Shops</h2>
      {pointValue && <p>A point is worth {rate(pointValue.minorPerPoint)} minor units (default {rate(pointValue.defaultMinorPerPoint)}); no shop offers more.</p>}
      {loadError && <p class="muted small">{loadError}</p>}
      {error && (
        <p role="alert" class="alert alert-error">
          {error}
        </p>
      )}
      {shops && (
        <table>
          <thead>
            <tr>
              <th scope="col">shop</th>
              <th scope="col">status</th>
              <th scope="col">caps (rate · share)</th>
              <th scope="col">owed · reserved / limit</th>
              <th scope="col">actions</th>
            </tr>
          </thead>
          <tbody>
            {shops.map((g) => (
              <tr key={g.shop.id} data-testid={`operator-shop-${g.shop.id}`}>
                <th scope="row">{g.shop.name}</th>
                <td>{g.shop.status}</td>
                <td>
                  {rate(g.caps.minorPerPointMax)} · {rate(g.caps.discountShareMax)}
                </td>
                <td>
                  {formatMinor(g.outstanding.receivableMinor, g.shop.currency)} · {formatMinor(g.outstanding.reservedMinor, g.shop.currency)} /{' '}
                  <LimitInput governance={g} onSet={(limit) => act(() => api.setCaps(g.shop.id, { ...g.caps, settlementLimitMinor: limit }))} />
                </td>
                <td>
                  {g.shop.status !== 'approved' && (
                    <button type="button" class="button button-small" onClick={() => act(() => api.setStatus(g.shop.id, { status: 'approved' }))}>
                      Approve
                    </button>
                  )}
                  {g.shop.status !== 'suspended' && (
                    <button type="button" class="button button-small button-quiet" onClick={() => act(() => api.setStatus(g.shop.id, { status: 'suspended' }))}>
                      Suspend
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function LimitInput({ governance, onSet }: { governance: ShopGovernance; onSet: (limitMinor: number) => void }) {
  const [draft, setDraft] = useState(String(governance.caps.settlementLimitMinor));
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        const n = Number(draft);
        if (Number.isSafeInteger(n) && n >= 0) onSet(n);
      }}
    >
      <label>
        <span class="visually-hidden">Settlement limit of {governance.shop.name}, minor units</span>
        <input type="number" min={0} step={1} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
      </label>{' '}
      <button type="submit" class="button button-small button-quiet">
        Set limit
      </button>
    </form>
  );
}
