import { beforeEach, describe, expect, it } from 'vitest';
import { ContributorGrantResponseSchema, LICENSE_PATHS, PublicKeysResponseSchema } from '../../shared/license/api.ts';
import { base64urlToBytes } from '../../shared/license/base64url.ts';
import { verifyLicenseKey } from '../../shared/license/verify.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { makeTestApp } from '../testing.ts';
import { CONTRIBUTOR_PRODUCTS, contributorGrant, utcMonth } from './contributor.ts';
import { post, problemOf } from './test-helpers.ts';

const product = CONTRIBUTOR_PRODUCTS[0]!;
// These tests run on a clock set to 2027-01-15T08:00:00Z.
const JAN_15 = Date.UTC(2027, 0, 15, 8);

let t: Awaited<ReturnType<typeof makeTestApp>>;
let volunteer: { volunteerId: string; token: string };
let seq = 0;
beforeEach(async () => {
  t = await makeTestApp();
  t.clock.now = JAN_15;
  volunteer = await t.client().createVolunteer();
  // Only a claimed identity may turn points into licenses: an account owns this one.
  await t.store.db
    .insertInto('users')
    .values({ id: `u_${volunteer.volunteerId}`, email: `${volunteer.volunteerId}@example.org`, password_hash: 'x', roles: 'volunteer', volunteer_id: volunteer.volunteerId, customer_id: null, shop_id: null, created_at: JAN_15 })
    .execute();
});

/** Credits vested points for validated work the way edge/coordinator does (code `unit_vest` into the spendable account), at time `at`. */
async function credit(amount: number, at: number, code = 'unit_vest') {
  const [status] = await ledgerOf(t.store).createTransfers(
    [{ id: `test-credit-${++seq}`, debit: ACCOUNTS.pointsIssued.id, credit: ACCOUNTS.volunteerPoints(volunteer.volunteerId).id, amount, code }],
    at,
  );
  expect(status).toBe('ok');
}

const ask = async (productId = product.productId) => post(t.app, LICENSE_PATHS.contributorGrant, { productId }, `Bearer ${volunteer.token}`);
const grant = async () => ContributorGrantResponseSchema.parse(await (await ask()).json());

describe('contributor grant (real ledger: ledgerOf from edge/ledger)', () => {
  it('refuses an anonymous identity: points are spent only by claimed ones', async () => {
    const anonymous = await t.client().createVolunteer();
    const r = await post(t.app, LICENSE_PATHS.contributorGrant, { productId: product.productId }, `Bearer ${anonymous.token}`);
    expect(r.status).toBe(403);
    expect((await problemOf(r)).type).toBe('/problems/forbidden');
  });

  it('names calendar months in UTC', () => {
    expect(utcMonth(Date.UTC(2027, 11, 31, 23, 59))).toEqual({ month: '2027-12', startMs: Date.UTC(2027, 11, 1), endMs: Date.UTC(2028, 0, 1), nextEndMs: Date.UTC(2028, 1, 1) });
  });

  it('grants only once this month’s credited work reaches the monthly amount', async () => {
    expect(await grant()).toEqual({ status: 'insufficient', month: '2027-01', creditedPoints: 0, monthlyPoints: product.monthlyPoints, missingPoints: product.monthlyPoints });
    await credit(product.monthlyPoints - 1, Date.UTC(2027, 0, 1)); // first instant of the month counts
    await credit(500, Date.UTC(2027, 0, 1) - 1); // last month: does not count
    await credit(500, JAN_15, 'refund'); // not work: does not count
    expect(await grant()).toMatchObject({ status: 'insufficient', creditedPoints: product.monthlyPoints - 1, missingPoints: 1 });
    expect(await t.store.db.selectFrom('licenses').select('id').execute()).toEqual([]);

    await credit(1, JAN_15 - 1);
    const granted = await grant();
    expect(granted).toMatchObject({ status: 'granted', month: '2027-01', expiresAt: Date.UTC(2027, 2, 1), creditedPoints: product.monthlyPoints });
    if (granted.status !== 'granted') return;
    const keys = PublicKeysResponseSchema.parse(await (await t.app.request(LICENSE_PATHS.publicKeys)).json());
    const map = Object.fromEntries(keys.keys.map((k) => [k.kid, base64urlToBytes(k.publicKey)!]));
    expect(await verifyLicenseKey(granted.key, map, t.clock.now)).toMatchObject({
      status: 'valid',
      payload: { product: product.productId, licensee: volunteer.volunteerId, act: product.activationLimit, tx: `grant:${volunteer.volunteerId}:${product.productId}:2027-01` },
    });

    // Asking again this month gives the same license.
    t.clock.now += 86_400_000;
    expect(await grant()).toEqual(granted);
    // Next month starts from zero, but January's key still holds through February.
    t.clock.now = Date.UTC(2027, 1, 10);
    expect(await grant()).toMatchObject({ status: 'insufficient', month: '2027-02', creditedPoints: 0 });
    expect((await verifyLicenseKey(granted.key, map, Date.UTC(2027, 2, 1) - 1)).status).toBe('valid');
    expect((await verifyLicenseKey(granted.key, map, Date.UTC(2027, 2, 1))).status).toBe('expired');
    await credit(product.monthlyPoints, t.clock.now);
    const february = await grant();
    expect(february).toMatchObject({ status: 'granted', month: '2027-02', expiresAt: Date.UTC(2027, 3, 1) });
    expect(february.status === 'granted' && february.licenseId).not.toBe(granted.licenseId);
    expect(await t.store.db.selectFrom('licenses').select('id').execute()).toHaveLength(2);
  });

  it('is callable directly with any LedgerApi', async () => {
    await credit(40, JAN_15);
    const r = await contributorGrant(t.store, ledgerOf(t.store), { volunteerId: volunteer.volunteerId, productId: 'p_x', productName: 'X', monthlyPoints: 40, activationLimit: 1 }, JAN_15);
    expect(r).toMatchObject({ status: 'granted', month: '2027-01' });
  });

  it('refuses unknown products and anonymous callers', async () => {
    expect((await problemOf(await ask('p_not_granted'))).type).toBe('/problems/license-product-not-found');
    const anonymous = await post(t.app, LICENSE_PATHS.contributorGrant, { productId: product.productId });
    expect((await problemOf(anonymous)).type).toBe('/problems/unauthenticated');
  });
});
