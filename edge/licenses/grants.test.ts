import { describe, expect, it } from 'vitest';
import { CreateGrantResponseSchema, IssuedLicenseSchema, LICENSE_PATHS } from '../../shared/license/api.ts';
import { snapshot, type makeTestApp } from '../testing.ts';
import { issueLicense } from './issue.ts';
import { OPERATOR, allRows, freshAppEach, operator, post, problemOf, testDialects, withOperatorToken } from './test-helpers.ts';

const GRANT = { productId: 'p_render', productName: 'Render Pro', validDays: 365, activationLimit: 2 };

withOperatorToken();

let t: Awaited<ReturnType<typeof makeTestApp>>;
const newGrant = async () => CreateGrantResponseSchema.parse(await (await operator(t.app, LICENSE_PATHS.grants, GRANT)).json()).code;
const volunteer = async () => (await t.client().createVolunteer()) as { volunteerId: string; token: string };

const dialects = await testDialects();

describe.each(dialects)('grants on %s', (dialect) => {
  freshAppEach(dialect, (app) => (t = app));

  describe('single-use grants', () => {
    it('gives one license to the first redeemer and 409 to everyone after', async () => {
      const code = await newGrant();
      expect(code).toMatch(/^g_[A-Za-z0-9_-]{24}$/);
      const [a, b] = [await volunteer(), await volunteer()];
      const first = await post(t.app, LICENSE_PATHS.redeemGrant(code), { licenseeId: a.volunteerId }, `Bearer ${a.token}`);
      expect(first.status).toBe(201);
      const issued = IssuedLicenseSchema.parse(await first.json());
      for (const who of [a, b, a]) {
        const again = await post(t.app, LICENSE_PATHS.redeemGrant(code), {}, `Bearer ${who.token}`);
        expect(again.status).toBe(409);
        expect((await problemOf(again)).type).toBe('/problems/grant-already-redeemed');
      }
      expect(await allRows(t.store, 'license_grants')).toEqual([
        expect.objectContaining({ code, redeemed_by: a.volunteerId, redeemed_at: t.clock.now, license_id: issued.licenseId }),
      ]);
      expect(await allRows(t.store, 'licenses')).toEqual([expect.objectContaining({ id: issued.licenseId, licensee_id: a.volunteerId, transfer_id: `grant:${code}`, product_id: 'p_render' })]);
    });

    it('lets one of many racing redemptions win (on PostgreSQL, on concurrent connections)', async () => {
      const code = await newGrant();
      const racers = await Promise.all(Array.from({ length: 40 }, () => volunteer()));
      const statuses = await Promise.all(racers.map(async (v) => (await post(t.app, LICENSE_PATHS.redeemGrant(code), {}, `Bearer ${v.token}`)).status));
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(racers.length - 1);
      expect(await allRows(t.store, 'licenses')).toHaveLength(1);
    });

    it('takes an empty body, and refuses someone else as licensee', async () => {
      const a = await volunteer();
      const code = await newGrant();
      const other = await post(t.app, LICENSE_PATHS.redeemGrant(code), { licenseeId: 'v_someone_else' }, `Bearer ${a.token}`);
      expect(await problemOf(other)).toMatchObject({ type: '/problems/validation', errors: [{ path: 'licenseeId' }] });
      const empty = await t.app.request(LICENSE_PATHS.redeemGrant(code), { method: 'POST', headers: { authorization: `Bearer ${a.token}` } });
      expect(empty.status).toBe(201);
    });
  });

  describe('bad input gets a problem and changes nothing', () => {
    it('refuses malformed, mistyped, unauthorized and unknown requests with problem+json', async () => {
      const v = await volunteer();
      const { key, licenseId } = await issueLicense(t.store.db, { ...GRANT, licenseeId: v.volunteerId, licenseeName: 'V', transferId: 'checkout:1' }, t.clock.now);
      await post(t.app, LICENSE_PATHS.activate, { key, deviceId: 'd1' });
      const code = await newGrant();
      const before = await snapshot(t.store);
      const raw = (path: string, body: string, auth?: string) =>
        t.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body });
      const vAuth = `Bearer ${v.token}`;
      const opAuth = `Bearer ${OPERATOR}`;
      const cases: [string, Response | Promise<Response>, number, string][] = [
        ['activate: malformed JSON', raw(LICENSE_PATHS.activate, '{"key":'), 400, 'malformed-json'],
        ['activate: wrong types', raw(LICENSE_PATHS.activate, JSON.stringify({ key: 42, deviceId: ['x'] })), 422, 'validation'],
        ['activate: missing device', raw(LICENSE_PATHS.activate, JSON.stringify({ key })), 422, 'validation'],
        ['activate: extra field', raw(LICENSE_PATHS.activate, JSON.stringify({ key, deviceId: 'd2', admin: true })), 422, 'validation'],
        ['activate: huge device id', raw(LICENSE_PATHS.activate, JSON.stringify({ key, deviceId: 'd'.repeat(500) })), 422, 'validation'],
        ['activate: not a key', raw(LICENSE_PATHS.activate, JSON.stringify({ key: 'SC1-nope', deviceId: 'd2' })), 422, 'license-malformed'],
        ['activate: not JSON content', t.app.request(LICENSE_PATHS.activate, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'unsupported-media-type'],
        ['deactivate: wrong types', raw(LICENSE_PATHS.deactivate, JSON.stringify({ key: null, deviceId: 1 }), vAuth), 422, 'validation'],
        ['deactivate: the key alone', raw(LICENSE_PATHS.deactivate, JSON.stringify({ key, deviceId: 'd1' })), 401, 'unauthenticated'],
        ['revoke: no token', raw(LICENSE_PATHS.revoke(licenseId), JSON.stringify({ reason: 'x' })), 401, 'unauthenticated'],
        ['revoke: volunteer token', raw(LICENSE_PATHS.revoke(licenseId), JSON.stringify({ reason: 'x' }), vAuth), 401, 'unauthenticated'],
        ['revoke: empty reason', raw(LICENSE_PATHS.revoke(licenseId), JSON.stringify({ reason: ' ' }), opAuth), 422, 'validation'],
        ['revoke: unknown license', raw(LICENSE_PATHS.revoke('lic_unknown'), JSON.stringify({ reason: 'x' }), opAuth), 404, 'license-not-found'],
        ['revoke: overlong id', raw(LICENSE_PATHS.revoke('x'.repeat(300)), JSON.stringify({ reason: 'x' }), opAuth), 404, 'license-not-found'],
        ['grant: no token', raw(LICENSE_PATHS.grants, JSON.stringify(GRANT)), 401, 'unauthenticated'],
        ['grant: fractional limit', raw(LICENSE_PATHS.grants, JSON.stringify({ ...GRANT, activationLimit: 1.5 }), opAuth), 422, 'validation'],
        ['grant: negative days', raw(LICENSE_PATHS.grants, JSON.stringify({ ...GRANT, validDays: -1 }), opAuth), 422, 'validation'],
        ['redeem: unknown code', raw(LICENSE_PATHS.redeemGrant('g_nope'), '{}', vAuth), 404, 'grant-not-found'],
        ['redeem: no token', raw(LICENSE_PATHS.redeemGrant(code), '{}'), 401, 'unauthenticated'],
        ['redeem: malformed JSON', raw(LICENSE_PATHS.redeemGrant(code), '{', vAuth), 400, 'malformed-json'],
        ['redeem: wrong type', raw(LICENSE_PATHS.redeemGrant(code), JSON.stringify({ licenseeId: 7 }), vAuth), 422, 'validation'],
        ['contributor: wrong type', raw(LICENSE_PATHS.contributorGrant, JSON.stringify({ productId: 5 }), vAuth), 422, 'validation'],
      ];
      for (const [name, pending, status, slug] of cases) {
        const res = await pending;
        expect.soft(res.status, name).toBe(status);
        expect.soft(res.headers.get('content-type'), name).toBe('application/problem+json');
        expect.soft(((await res.json()) as { type: string }).type, name).toBe(`/problems/${slug}`);
      }
      expect(await snapshot(t.store)).toEqual(before);
    });
  });
});
