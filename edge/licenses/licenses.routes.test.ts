import { describe, expect, it } from 'vitest';
import { LICENSE_PATHS, PublicKeysResponseSchema } from '../../shared/license/api.ts';
import { base64urlToBytes } from '../../shared/license/base64url.ts';
import { exportPkcs8, generateLicenseSigningKey, importLicenseSigningKey, signLicense } from '../../shared/license/sign.ts';
import { verifyLicenseKey } from '../../shared/license/verify.ts';
import { DAY_MS } from '../../shared/limits.ts';
import type { makeTestApp } from '../testing.ts';
import { issueLicense, type IssueLicenseInput } from './issue.ts';
import { ORIGIN, PASSWORD, browser, type Browser } from '../auth/test-browser.ts';
import { allRows, freshAppEach, operator, post, problemOf, testDialects, withOperatorToken } from './test-helpers.ts';

const terms = (over: Partial<IssueLicenseInput> = {}): IssueLicenseInput => ({
  productId: 'p_render',
  productName: 'Render Pro',
  licenseeId: 'u_alice',
  licenseeName: 'Alice',
  validDays: 30,
  activationLimit: 2,
  transferId: `checkout:${Math.random()}`,
  ...over,
});

withOperatorToken();

let t: Awaited<ReturnType<typeof makeTestApp>>;
const activate = (key: string, deviceId: string) => post(t.app, LICENSE_PATHS.activate, { key, deviceId });
/** The license owner's browser (signed up in each test that deactivates); keys it owns are issued to its user id. */
let owner: Browser;
const deactivate = (key: string, deviceId: string, as: Browser = owner) =>
  as.fetch(`${ORIGIN}${LICENSE_PATHS.deactivate}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key, deviceId }) });
/** Signs the owner up; returns its user id (the licensee of the keys it owns). */
async function signUpOwner(email = 'alice@example.org'): Promise<string> {
  owner = browser(t.app);
  return (await owner.auth.signup({ email, password: PASSWORD, role: 'customer' })).userId;
}
const publicKeys = async () => PublicKeysResponseSchema.parse(await (await t.app.request(LICENSE_PATHS.publicKeys)).json());
const keyMap = async () => Object.fromEntries((await publicKeys()).keys.map((k) => [k.kid, base64urlToBytes(k.publicKey)!]));

const dialects = await testDialects();

describe.each(dialects)('licenses on %s', (dialect) => {
  freshAppEach(dialect, (app) => (t = app));

  describe('issuing', () => {
    it('issues a key that verifies offline with the published public key, once per transfer', async () => {
      const input = terms({ transferId: 'checkout:o_1' });
      const issued = await issueLicense(t.store.db, input, t.clock.now);
      const r = await verifyLicenseKey(issued.key, await keyMap(), t.clock.now);
      expect(r).toMatchObject({ status: 'valid', payload: { lic: issued.licenseId, product: 'p_render', licensee: 'u_alice', act: 2, tx: 'checkout:o_1', exp: (t.clock.now + 30 * DAY_MS) / 1000 } });
      // Same transfer → same license, also when racing and from inside a transaction.
      const again = await Promise.all([1, 2, 3, 4, 5].map(() => issueLicense(t.store.db, input, t.clock.now + 1000)));
      expect(again).toEqual(Array(5).fill(issued));
      expect(await t.store.db.transaction().execute((trx) => issueLicense(trx, input, t.clock.now))).toEqual(issued);
      expect(await t.store.db.selectFrom('licenses').select('id').execute()).toHaveLength(1);
      // The same transfer can't pay for another product.
      await expect(issueLicense(t.store.db, { ...input, productId: 'p_other' }, t.clock.now)).rejects.toThrow(/already paid/);
      await expect(issueLicense(t.store.db, terms({ activationLimit: 0 }), t.clock.now)).rejects.toThrow(RangeError);
    });

    it('rolls the license back with the caller transaction that issued it', async () => {
      await expect(
        t.store.db.transaction().execute(async (trx) => {
          await issueLicense(trx, terms({ transferId: 'checkout:rolled-back' }), t.clock.now);
          throw new Error('payment failed');
        }),
      ).rejects.toThrow('payment failed');
      expect(await t.store.db.selectFrom('licenses').selectAll().execute()).toEqual([]);
    });

    it('signs with LICENSE_SIGNING_KEY when set, and still publishes the stored keys', async () => {
      const before = await issueLicense(t.store.db, terms(), t.clock.now);
      const configured = await generateLicenseSigningKey();
      process.env.LICENSE_SIGNING_KEY = Buffer.from(await exportPkcs8(configured)).toString('base64');
      try {
        const after = await issueLicense(t.store.db, terms(), t.clock.now);
        const keys = await publicKeys();
        expect(keys.keys[0]!.kid).toBe(configured.kid);
        expect(keys.keys).toHaveLength(2);
        const map = await keyMap();
        for (const k of [before, after]) expect((await verifyLicenseKey(k.key, map, t.clock.now)).status).toBe('valid');
        expect(await verifyLicenseKey(after.key, map, t.clock.now)).toMatchObject({ payload: { kid: configured.kid } });
        expect(await verifyLicenseKey(before.key, map, t.clock.now)).not.toMatchObject({ payload: { kid: configured.kid } });
        expect((await activate(after.key, 'd1')).status).toBe(200);
        expect(await t.store.db.selectFrom('license_signing_keys').select('kid').execute()).toHaveLength(1);
      } finally {
        delete process.env.LICENSE_SIGNING_KEY;
      }
    });
  });

  describe('activation', () => {
    it('frees a slot when the owner deactivates a device: the same or another device activates again, within the limit', async () => {
      const userId = await signUpOwner();
      const { key, licenseId } = await issueLicense(t.store.db, terms({ licenseeId: userId, activationLimit: 2 }), t.clock.now);
      expect(await (await activate(key, 'laptop')).json()).toEqual({ status: 'activated', licenseId, activationsUsed: 1, activationLimit: 2 });
      expect(await (await activate(key, 'laptop')).json()).toMatchObject({ status: 'already_active', activationsUsed: 1 });
      expect(await (await activate(key, 'desktop')).json()).toMatchObject({ status: 'activated', activationsUsed: 2 });
      const full = await activate(key, 'tablet');
      expect(full.status).toBe(403);
      expect(await problemOf(full)).toMatchObject({ type: '/problems/license-activation-limit', detail: expect.stringContaining('can deactivate one') });

      // The owner moves the license: each deactivation frees a slot, however often.
      for (let loop = 0; loop < 3; loop++) {
        expect(await (await deactivate(key, 'laptop')).json()).toEqual({ status: 'deactivated', licenseId, activationsUsed: 1, activationLimit: 2 });
        expect(await (await deactivate(key, 'laptop')).json()).toMatchObject({ status: 'not_active', activationsUsed: 1 });
        expect(await (await activate(key, 'laptop')).json()).toMatchObject({ status: 'activated', activationsUsed: 2 });
      }
      expect((await deactivate(key, 'desktop')).status).toBe(200);
      expect(await (await activate(key, 'tablet')).json()).toMatchObject({ status: 'activated', activationsUsed: 2 });
      expect((await activate(key, 'phone')).status).toBe(403);
      const row = await t.store.db.selectFrom('licenses').select(['activations_used']).where('id', '=', licenseId).executeTakeFirstOrThrow();
      expect(row.activations_used).toBe(2);
      const open = await t.store.db.selectFrom('license_activations').select('device_id').where('deactivated_at', 'is', null).orderBy('device_id').execute();
      expect(open.map((a) => a.device_id)).toEqual(['laptop', 'tablet']);
    });

    it('lets only the owner deactivate: the key alone is 401, another account or volunteer 403, changing nothing', async () => {
      const userId = await signUpOwner();
      const { key, licenseId } = await issueLicense(t.store.db, terms({ licenseeId: userId, activationLimit: 1 }), t.clock.now);
      expect((await activate(key, 'laptop')).status).toBe(200);
      const before = await allRows(t.store, 'license_activations');
      const keyOnly = await post(t.app, LICENSE_PATHS.deactivate, { key, deviceId: 'laptop' });
      expect(keyOnly.status).toBe(401);
      expect(await problemOf(keyOnly)).toMatchObject({ type: '/problems/unauthenticated', detail: expect.stringContaining('owner') });
      const other = browser(t.app);
      await other.auth.signup({ email: 'mallory@example.org', password: PASSWORD, role: 'volunteer' });
      const { token } = await t.client().createVolunteer();
      for (const res of [await deactivate(key, 'laptop', other), await post(t.app, LICENSE_PATHS.deactivate, { key, deviceId: 'laptop' }, `Bearer ${token}`)]) {
        expect(res.status).toBe(403);
        expect(await problemOf(res)).toMatchObject({ type: '/problems/license-not-yours', detail: expect.stringContaining(licenseId) });
      }
      expect((await post(t.app, LICENSE_PATHS.deactivate, { key, deviceId: 'laptop' }, 'Bearer v_nobody.secret')).status).toBe(401);
      expect(await allRows(t.store, 'license_activations')).toEqual(before);
      expect((await activate(key, 'desktop')).status).toBe(403);
      // The owner, signed in on another device, frees the slot.
      const elsewhere = browser(t.app);
      await elsewhere.auth.login({ email: 'alice@example.org', password: PASSWORD });
      expect((await deactivate(key, 'laptop', elsewhere)).status).toBe(200);
      expect((await activate(key, 'desktop')).status).toBe(200);
    });

    it('lets an anonymous volunteer deactivate a license granted to it with its own token', async () => {
      const { volunteerId, token } = await t.client().createVolunteer();
      const { key } = await issueLicense(t.store.db, terms({ licenseeId: volunteerId, activationLimit: 1 }), t.clock.now);
      expect((await activate(key, 'd1')).status).toBe(200);
      expect((await post(t.app, LICENSE_PATHS.deactivate, { key, deviceId: 'd1' }, `Bearer ${token}`)).status).toBe(200);
      expect((await activate(key, 'd2')).status).toBe(200);
    });

    it('lets racing activations of distinct devices use exactly the limit, and one device only once', async () => {
      const { key } = await issueLicense(t.store.db, terms({ activationLimit: 5 }), t.clock.now);
      const res = await Promise.all(Array.from({ length: 20 }, (_, i) => activate(key, `device-${i}`)));
      expect(res.filter((r) => r.status === 200)).toHaveLength(5);
      expect(res.filter((r) => r.status === 403)).toHaveLength(15);
      const { key: key2 } = await issueLicense(t.store.db, terms({ activationLimit: 5 }), t.clock.now);
      const same = await Promise.all(Array.from({ length: 10 }, () => activate(key2, 'one-device').then((r) => r.json() as Promise<{ status: string }>)));
      expect(same.filter((r) => r.status === 'activated')).toHaveLength(1);
      expect(same.filter((r) => r.status === 'already_active')).toHaveLength(9);
    });

    it('refuses an expired key, offline and on activation', async () => {
      const { key } = await issueLicense(t.store.db, terms({ validDays: 30 }), t.clock.now);
      t.clock.now += 30 * DAY_MS;
      expect((await verifyLicenseKey(key, await keyMap(), t.clock.now)).status).toBe('expired');
      const res = await activate(key, 'd1');
      expect(res.status).toBe(403);
      expect((await problemOf(res)).type).toBe('/problems/license-expired');
    });

    it('refuses a revoked key with its own problem type; only the operator revokes', async () => {
      const { key, licenseId } = await issueLicense(t.store.db, terms({ licenseeId: await signUpOwner() }), t.clock.now);
      expect((await activate(key, 'd1')).status).toBe(200);
      const path = LICENSE_PATHS.revoke(licenseId);
      expect((await problemOf(await post(t.app, path, { reason: 'chargeback' }))).type).toBe('/problems/unauthenticated');
      expect((await post(t.app, path, { reason: 'chargeback' }, 'Bearer wrong-token-wrong-token')).status).toBe(401);
      expect(await (await operator(t.app, path, { reason: 'chargeback' })).json()).toEqual({ status: 'revoked', licenseId, revokedAt: t.clock.now, reason: 'chargeback' });
      t.clock.now += 1000;
      expect(await (await operator(t.app, path, { reason: 'again' })).json()).toMatchObject({ status: 'already_revoked', reason: 'chargeback', revokedAt: t.clock.now - 1000 });
      for (const device of ['d1', 'd2']) {
        const res = await activate(key, device);
        expect(res.status).toBe(403);
        expect(await problemOf(res)).toMatchObject({ type: '/problems/license-revoked', detail: expect.stringContaining('chargeback') });
      }
      expect((await deactivate(key, 'd1')).status).toBe(200);
      expect((await problemOf(await operator(t.app, LICENSE_PATHS.revoke('lic_nope'), { reason: 'x' }))).type).toBe('/problems/license-not-found');
    });

    it('gives each refusal of a key its own problem type', async () => {
      await signUpOwner();
      const { key } = await issueLicense(t.store.db, terms(), t.clock.now);
      const at = key.length - 10; // inside the signature
      const tampered = key.slice(0, at) + (key[at] === 'A' ? 'B' : 'A') + key.slice(at + 1);
      const stranger = await generateLicenseSigningKey();
      const payload = (await verifyLicenseKey(key, await keyMap(), t.clock.now)) as { payload: Parameters<typeof signLicense>[0] };
      const foreign = await signLicense({ ...payload.payload, kid: stranger.kid }, stranger.privateKey);
      const stored = await t.store.db.selectFrom('license_signing_keys').select('private_key_pkcs8').executeTakeFirstOrThrow();
      const ours = await importLicenseSigningKey(stored.private_key_pkcs8);
      const noSuchLicense = await signLicense({ ...payload.payload, lic: 'lic_never_issued' }, ours.privateKey);
      const future = await signLicense({ ...payload.payload, iat: payload.payload.iat + 86_400 }, ours.privateKey);
      const cases: [string, string, number, string][] = [
        ['not a key', 'hello', 422, 'license-malformed'],
        ['one character changed', tampered, 422, 'license-bad-signature'],
        ['another issuer', foreign, 422, 'license-unknown-key'],
        ['signed by us, never issued', noSuchLicense, 404, 'license-not-found'],
        ['issued tomorrow', future, 403, 'license-not-yet-valid'],
      ];
      for (const [name, k, status, slug] of cases) {
        const res = await activate(k, 'd1');
        expect.soft(res.status, name).toBe(status);
        expect.soft((await problemOf(res)).type, name).toBe(`/problems/${slug}`);
        expect.soft((await problemOf(await deactivate(k, 'd1'))).type, `${name} (deactivate)`).toBe(`/problems/${slug}`);
      }
      expect(await allRows(t.store, 'license_activations')).toEqual([]);
    });
  });

  describe('public keys', () => {
    it('publishes one stable signing key, created on first use', async () => {
      const first = await publicKeys();
      expect(first.keys).toHaveLength(1);
      expect(first.keys[0]!.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await publicKeys()).toEqual(first);
      const { key } = await issueLicense(t.store.db, terms(), t.clock.now);
      expect(key).toContain('.');
      expect(await publicKeys()).toEqual(first);
    });
  });
});
