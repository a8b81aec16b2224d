import { beforeAll, describe, expect, it } from 'vitest';
import { base64urlToBytes, bytesToBase64url } from './base64url.ts';
import { LICENSE_KEY_PREFIX, canonicalJson, formatLicenseKey, kidOf, parseLicenseKey, type LicensePayload } from './format.ts';
import { ED25519, exportPkcs8, generateLicenseSigningKey, importLicenseSigningKey, signLicense, type LicenseSigningKey } from './sign.ts';
import { describeVerification, verifyLicenseKey } from './verify.ts';

const NOW = 1_800_000_000_000;
const DAY_S = 86_400;

let signer: LicenseSigningKey;
let payload: LicensePayload;
let key: string;

beforeAll(async () => {
  signer = await generateLicenseSigningKey();
  payload = {
    v: 1,
    kid: signer.kid,
    lic: 'lic_abc',
    product: 'p_render',
    pn: 'Render Farm Pro ✓',
    licensee: 'v_volunteer1',
    ln: 'Zoë',
    iat: NOW / 1000,
    exp: NOW / 1000 + 30 * DAY_S,
    act: 3,
    tx: 'checkout:o_1:post',
  };
  key = await signLicense(payload, signer.privateKey);
});

describe('license keys verify offline', () => {
  it('accepts a fresh key with the raw public key or an imported one', async () => {
    expect(key.startsWith(LICENSE_KEY_PREFIX)).toBe(true);
    expect(key).toMatch(/^SC1-[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(await verifyLicenseKey(key, { [signer.kid]: signer.publicKey }, NOW)).toEqual({ status: 'valid', payload });
    const imported = await crypto.subtle.importKey('raw', signer.publicKey, ED25519, false, ['verify']);
    expect((await verifyLicenseKey(key, { [signer.kid]: imported }, NOW)).status).toBe('valid');
  });

  it('reads a key wrapped over lines and indented by a mail client', async () => {
    const wrapped = `  ${key.match(/.{1,60}/g)!.join('\r\n    ')}\n`;
    expect((await verifyLicenseKey(wrapped, { [signer.kid]: signer.publicKey }, NOW)).status).toBe('valid');
  });

  it('refuses every one-byte change of a real key, at every position, with every other byte value', async () => {
    const keys = { [signer.kid]: signer.publicKey };
    const seen = { malformed: 0, bad_signature: 0, unknown_key: 0 } as Record<string, number>;
    for (let i = 0; i < key.length; i++) {
      for (let b = 0; b < 256; b++) {
        if (b === key.charCodeAt(i)) continue;
        const changed = key.slice(0, i) + String.fromCharCode(b) + key.slice(i + 1);
        const r = await verifyLicenseKey(changed, keys, NOW);
        seen[r.status] = (seen[r.status] ?? 0) + 1;
        // The kid is inside the signed payload: changing it may name an unknown key, which is
        // a refusal too; everything else must be malformed or a bad signature.
        if (!['malformed', 'bad_signature', 'unknown_key'].includes(r.status)) {
          expect.fail(`byte ${i} set to ${b} gave ${r.status}: ${changed}`);
        }
      }
    }
    // Both refusals really happen: signatures are checked, not only the form.
    expect(seen.malformed).toBeGreaterThan(0);
    expect(seen.bad_signature).toBeGreaterThan(1000);
  }, 120_000);

  it('refuses a key at and after its expiry, and before its issue date beyond the clock skew', async () => {
    const keys = { [signer.kid]: signer.publicKey };
    const expMs = payload.exp! * 1000;
    expect((await verifyLicenseKey(key, keys, expMs - 1)).status).toBe('valid');
    expect(await verifyLicenseKey(key, keys, expMs)).toEqual({ status: 'expired', payload, expiredAtMs: expMs });
    expect((await verifyLicenseKey(key, keys, expMs + 365 * DAY_S * 1000)).status).toBe('expired');
    expect((await verifyLicenseKey(key, keys, NOW - 60_000)).status).toBe('valid');
    expect((await verifyLicenseKey(key, keys, NOW - 3_600_000)).status).toBe('not_yet_valid');
  });

  it('keeps keys without expiry valid forever', async () => {
    const forever = await signLicense({ ...payload, exp: null }, signer.privateKey);
    expect((await verifyLicenseKey(forever, { [signer.kid]: signer.publicKey }, NOW + 100 * 365 * DAY_S * 1000)).status).toBe('valid');
  });

  it('names an unknown signing key, and a key signed by another issuer is a bad signature', async () => {
    const other = await generateLicenseSigningKey();
    expect(await verifyLicenseKey(key, { [other.kid]: other.publicKey }, NOW)).toMatchObject({ status: 'unknown_key', kid: signer.kid });
    // A forger who copies our kid still can't sign for it.
    const forged = await signLicense(payload, other.privateKey);
    expect((await verifyLicenseKey(forged, { [signer.kid]: signer.publicKey }, NOW)).status).toBe('bad_signature');
    // An inherited property name is not a key id.
    const proto = await signLicense({ ...payload, kid: 'toString' }, signer.privateKey);
    expect((await verifyLicenseKey(proto, { [signer.kid]: signer.publicKey }, NOW)).status).toBe('unknown_key');
  });

  it('refuses correctly signed payloads that are not canonical or not version 1', async () => {
    const keys = { [signer.kid]: signer.publicKey };
    const signRaw = async (json: string) => {
      const bytes = new TextEncoder().encode(json);
      return formatLicenseKey(bytes, new Uint8Array(await crypto.subtle.sign(ED25519, signer.privateKey, bytes)));
    };
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(payload).reverse()));
    expect(reordered).not.toBe(canonicalJson(payload));
    expect(await verifyLicenseKey(await signRaw(reordered), keys, NOW)).toMatchObject({ status: 'malformed', reason: expect.stringContaining('canonical') });
    expect((await verifyLicenseKey(await signRaw(canonicalJson({ ...payload, v: 2 })), keys, NOW)).status).toBe('malformed');
    expect((await verifyLicenseKey(await signRaw(canonicalJson({ ...payload, extra: 'x' })), keys, NOW)).status).toBe('malformed');
    expect((await verifyLicenseKey(await signRaw(canonicalJson({ ...payload, act: 0 })), keys, NOW)).status).toBe('malformed');
  });

  it('describes each refusal in words', async () => {
    const r = await verifyLicenseKey(key, { [signer.kid]: signer.publicKey }, payload.exp! * 1000);
    expect(describeVerification(r)).toMatch(/^expired at 20\d\d-/);
    expect(describeVerification(await verifyLicenseKey('SC1-abc', {}, NOW))).toMatch(/^malformed key/);
  });
});

describe('key format pieces', () => {
  it('decodes base64url only in its canonical form', () => {
    expect(base64urlToBytes('AQI')).toEqual(new Uint8Array([1, 2]));
    expect(base64urlToBytes('AQJ')).toBeUndefined();
    expect(base64urlToBytes('AQI=')).toBeUndefined();
    expect(base64urlToBytes('A')).toBeUndefined();
    expect(base64urlToBytes('A+/B')).toBeUndefined();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base64urlToBytes(bytesToBase64url(all))).toEqual(all);
  });

  it('writes canonical JSON with sorted keys and refuses what a payload never holds', () => {
    expect(canonicalJson({ b: 1, a: 'x', c: null, d: { z: 1, y: 2 } })).toBe('{"a":"x","b":1,"c":null,"d":{"y":2,"z":1}}');
    expect(() => canonicalJson({ a: 1.5 })).toThrow(TypeError);
    expect(() => canonicalJson({ a: [1] })).toThrow(TypeError);
  });

  it('refuses to sign a payload that would read as malformed', async () => {
    await expect(signLicense({ ...payload, act: 0 }, signer.privateKey)).rejects.toThrow();
    expect(parseLicenseKey(`${key}.x`).status).toBe('malformed');
    expect(parseLicenseKey(key.toLowerCase()).status).toBe('malformed');
  });

  it('recovers the public key and kid from a stored pkcs8 private key', async () => {
    const again = await importLicenseSigningKey(await exportPkcs8(signer));
    expect(again.kid).toBe(signer.kid);
    expect(again.publicKey).toEqual(signer.publicKey);
    expect(await kidOf(signer.publicKey)).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const k2 = await signLicense(payload, again.privateKey);
    expect((await verifyLicenseKey(k2, { [signer.kid]: signer.publicKey }, NOW)).status).toBe('valid');
  });
});
