/**
 * @module Sign-up, sign-in, sign-out, the signed-in user, and claiming an anonymous
 * volunteer identity: the account takes over the volunteer id, so every point earned
 * before (kept by volunteer id in the ledger) stays, and the identity's anonymous token stops
 * working (the account's session acts for it). Every successful sign-in marks the browser
 * as a known device of the account (known-device.ts), which the attempt limits exempt from
 * other networks' failures.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { AUTH_PATHS, ClaimRequestSchema, LoginRequestSchema, SignupRequestSchema, type SessionUserBody } from '../../shared/auth/schemas.ts';
import { forgetVolunteerToken, requireVolunteer, type AuthVariables } from './require.ts';
import type { Store } from '../db/index.ts';
import { inTransaction, type Rollback } from '../db/tx.ts';
import { readJson } from '../http/body.ts';
import { clientOrigin } from '../http/origin.ts';
import { admitIdentity, retryAfterSeconds, tooManyDetail, type IdentityAdmission } from './identity-limiter.ts';
import { ProblemError, refusalProblem, type ProblemSlug } from '../http/problem.ts';
import { knownDeviceFor, rememberDevice } from './known-device.ts';
import { admitLogin, loginSucceeded, type LoginAdmission, type LoginAttempt, type LoginScope } from './login-limiter.ts';
import { hashPassword, verifyNothing, verifyPassword } from './passwords.ts';
import { endSession, requireSession, setSessionClock, startSession, type SessionVariables } from './session.ts';
import { claimForNewUser, claimForUser, createUser, findUserByEmail, toSessionUser, volunteerClaimed, type ClaimResult, type CreateUserResult, type SessionUser } from './users.ts';

/** The same answer for an unknown e-mail and a wrong password, so neither is revealed. */
const INVALID_CREDENTIALS = 'the e-mail address or the password is wrong';

/** The problem type of each refusal of the users module and the sign-in limiter. */
const AUTH_PROBLEMS = {
  email_taken: 'email-taken',
  already_claimed: 'already-claimed',
  limited: 'too-many-attempts',
} as const satisfies Record<Exclude<CreateUserResult | ClaimResult | LoginAdmission, { status: 'created' | 'linked' | 'admitted' }>['status'], ProblemSlug>;

/** Why an attempt waits, by the counter that asked (none says whether the e-mail has an account). */
const LIMITED_BECAUSE: Readonly<Record<LoginScope, string>> = {
  pair: 'too many failed sign-ins to this account from your network',
  device: 'too many failed sign-ins to this account from this browser',
  account: 'this account had many failed sign-ins, so each network waits after a failed attempt',
  origin: 'too many failed sign-ins from your network',
};

/** What the auth routes are built from (the composition root's deps have it all). */
export interface AuthRoutesDeps {
  store: Store;
  /** Clock (epoch ms); sessions of `store` are timed by it. */
  now: () => number;
  /** Proxies whose X-Forwarded-For names the client (TRUST_PROXY): sign-ups are bounded per network. */
  trustedProxies: ReadonlySet<string>;
  /** Trial credit of a new customer account, minor units (TRIAL_CREDIT_MINOR). */
  trialCreditMinor: number;
}

/**
 * @example
 * app.route('/', authRoutes(deps));
 */
export function authRoutes(deps: AuthRoutesDeps) {
  const { store, now, trustedProxies, trialCreditMinor } = deps;
  setSessionClock(store, now);
  const app = new Hono<{ Variables: SessionVariables & AuthVariables }>();

  /**
   * Verifies `password` for the account with `email` under the attempt limits
   * (login-limiter.ts): 429 with Retry-After while this network, browser or account must
   * wait, 401 for an unknown e-mail or a wrong password alike. Returns the user and the
   * known device the attempt was counted for, if any.
   */
  async function authenticate(c: Context, email: string, password: string) {
    const at = now();
    const knownDevice = await knownDeviceFor(c, store, email, at);
    const attempt: LoginAttempt = { email, origin: clientOrigin(c, trustedProxies), ...(knownDevice ? { knownDevice } : {}) };
    const admission = await admitLogin(store, attempt, at);
    if (admission.status === 'limited') {
      const seconds = Math.max(1, Math.ceil((admission.retryAt - at) / 1000));
      c.header('Retry-After', String(seconds));
      throw refusalProblem(AUTH_PROBLEMS, { status: admission.status, detail: `${LIMITED_BECAUSE[admission.scope]}: try again in ${seconds} s` });
    }
    const user = await findUserByEmail(store, email);
    const ok = user ? await verifyPassword(password, user.password_hash) : await verifyNothing(password);
    // The attempt was counted as a failure when admitted; a right password takes it back.
    if (!user || !ok) throw new ProblemError('invalid-credentials', INVALID_CREDENTIALS);
    await loginSucceeded(store, attempt);
    return { user, knownDevice };
  }

  /** Starts the session and marks this browser as a known device of the account (keeping its device id). */
  async function signedIn(c: Context, user: SessionUser, status: 200 | 201, knownDevice?: string) {
    await startSession(c, store, user);
    await rememberDevice(c, store, user.email, now(), knownDevice);
    return c.json(user satisfies SessionUserBody, status);
  }

  app.post(AUTH_PATHS.signup, async (c) => {
    const req = await readJson(c, SignupRequestSchema);
    // Checked before hashing too, so a taken address costs no scrypt run.
    const taken = { status: 'email_taken', detail: `${req.email} has an account: sign in instead` } as const;
    if (await findUserByEmail(store, req.email)) throw refusalProblem(AUTH_PROBLEMS, taken);
    // A sign-up makes an identity as POST /api/volunteers (or /api/customers) does, under the
    // same per-network bounds; the attempt counts even if the account is not made after all.
    const at = now();
    const kind = req.role === 'volunteer' ? 'volunteer' : 'customer';
    const origin = clientOrigin(c, trustedProxies);
    const admitted = await inTransaction(store, async (trx, rollback: Rollback<IdentityAdmission>) => {
      const a = await admitIdentity(trx, kind, origin, at);
      // A refusal counts nothing, in any window.
      return a.status === 'admitted' ? a : rollback(a);
    });
    if (admitted.status !== 'admitted') {
      c.header('Retry-After', String(retryAfterSeconds(admitted, at)));
      throw new ProblemError('too-many-identities', tooManyDetail(admitted, at));
    }
    const passwordHash = await hashPassword(req.password);
    const created = await createUser(store, { email: req.email, passwordHash, role: req.role, now: now(), origin, trialCreditMinor });
    if (created.status === 'email_taken') throw refusalProblem(AUTH_PROBLEMS, taken);
    return signedIn(c, created.user, 201);
  });

  app.post(AUTH_PATHS.login, async (c) => {
    const req = await readJson(c, LoginRequestSchema);
    const { user, knownDevice } = await authenticate(c, req.email, req.password);
    return signedIn(c, toSessionUser(user), 200, knownDevice);
  });

  app.post(AUTH_PATHS.logout, async (c) => {
    await endSession(c, store);
    return c.body(null, 204);
  });

  app.get(AUTH_PATHS.me, requireSession(store), (c) => c.json(c.var.user satisfies SessionUserBody));

  app.post(
    AUTH_PATHS.claim,
    async function bearerOnly(c, next) {
      // The identity to claim is the one whose token this browser holds, never a session's.
      if (c.req.header('authorization') === undefined) throw new ProblemError('unauthenticated', "send the anonymous volunteer's token as Authorization: Bearer <token>");
      await next();
    },
    requireVolunteer(store),
    async (c) => {
      const volunteerId = c.var.volunteerId;
      const req = await readJson(c, ClaimRequestSchema);
      const claimed = { status: 'already_claimed', detail: `volunteer ${volunteerId} belongs to an account: sign in instead` } as const;
      if (await volunteerClaimed(store, volunteerId)) throw refusalProblem(AUTH_PROBLEMS, claimed);
      const existing = await findUserByEmail(store, req.email);
      let result: ClaimResult;
      let knownDevice: string | undefined;
      if (existing) {
        // An account with this e-mail takes the identity only with its own password.
        knownDevice = (await authenticate(c, req.email, req.password)).knownDevice;
        result = await claimForUser(store, existing.id, volunteerId);
      } else {
        result = await claimForNewUser(store, { volunteerId, email: req.email, passwordHash: await hashPassword(req.password), now: now() });
      }
      if (result.status === 'already_claimed') throw refusalProblem(AUTH_PROBLEMS, claimed);
      if (result.status === 'email_taken') throw refusalProblem(AUTH_PROBLEMS, { status: result.status, detail: `the account of ${req.email} has a volunteer identity already` });
      // The token just retired must not live on in this node's cache.
      forgetVolunteerToken(store, volunteerId);
      return signedIn(c, result.user, result.status === 'created' ? 201 : 200, knownDevice);
    },
  );

  return app;
}
