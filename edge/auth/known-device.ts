/**
 * @module Known-device cookies (OWASP, "Slow down online guessing attacks with device
 * cookies"): a browser that signed in to an account gets a signed cookie naming that account
 * and a random device id. Later sign-in attempts to the same account from that browser are
 * counted per device instead of per network (login-limiter.ts), so an attacker failing on the
 * owner's account, even from the owner's own network, never delays the owner's browser.
 *
 * The cookie holds `<device id>~<digest of the e-mail>~<issued at>` signed with HMAC-SHA256
 * (Hono's signed cookies) under a server secret shared by every node (secrets.ts); it is
 * HttpOnly, SameSite=Strict and sent only to the auth routes. Its lifetime is checked from the
 * signed issue time, not trusted to the browser's Max-Age. One cookie per browser: the last
 * account signed in to there (a shared computer's other accounts fall back to per-network
 * counting).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { getSignedCookie, setSignedCookie } from 'hono/cookie';
import type { Store } from '../db/index.ts';
import { getOrCreateSecret } from './secrets.ts';

/** The cookie's name. */
export const KNOWN_DEVICE_COOKIE = 'sc_device';
/**
 * How long a browser stays known after a sign-in: a season, so an owner who signs in now and
 * then keeps the exemption, while a stolen laptop's cookie does not last for ever. Each sign-in
 * renews it.
 */
export const KNOWN_DEVICE_LIFETIME_MS = 90 * 24 * 60 * 60_000;
/** Randomness in a device id. */
const DEVICE_ID_BYTES = 16;
/** Hex characters of the e-mail's SHA-256 kept in the cookie: enough to tell accounts apart (the HMAC stops forgery). */
const EMAIL_DIGEST_CHARS = 32;
/** Where the cookie is sent: only sign-in needs it. */
const COOKIE_PATH = '/api/auth';

function emailDigest(email: string): string {
  return createHash('sha256').update(email).digest('hex').slice(0, EMAIL_DIGEST_CHARS);
}

function signingKey(store: Store): Promise<string> {
  return getOrCreateSecret(store, 'known-device', () => randomBytes(32).toString('base64url'));
}

/**
 * The device id of this request's known-device cookie when it is genuine, unexpired and was
 * issued for `email`; otherwise `undefined`.
 */
export async function knownDeviceFor(c: Context, store: Store, email: string, now: number): Promise<string | undefined> {
  const value = await getSignedCookie(c, await signingKey(store), KNOWN_DEVICE_COOKIE);
  if (!value) return undefined;
  const [device, digest, issued, extra] = value.split('~');
  if (!device || !digest || !issued || extra !== undefined || !/^\d{1,16}$/.test(issued)) return undefined;
  if (digest !== emailDigest(email) || now - Number(issued) >= KNOWN_DEVICE_LIFETIME_MS) return undefined;
  return device;
}

/** Marks this browser as a known device of `email` (after a successful sign-in), keeping its device id when it had one. */
export async function rememberDevice(c: Context, store: Store, email: string, now: number, device?: string): Promise<void> {
  const id = device ?? randomBytes(DEVICE_ID_BYTES).toString('base64url');
  // A spoofed X-Forwarded-Proto can only add `Secure`, which makes the cookie stricter.
  const secure = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
  await setSignedCookie(c, KNOWN_DEVICE_COOKIE, `${id}~${emailDigest(email)}~${now}`, await signingKey(store), {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: 'Strict',
    secure,
    maxAge: Math.floor(KNOWN_DEVICE_LIFETIME_MS / 1000),
  });
}
