/**
 * @module License routes: public keys, activation (anyone with the key), deactivation (the
 * license's owner only), revocation, single-use grants and the contributor grant. Domain results are status unions (activation.ts,
 * grants.ts, contributor.ts); refusals become problems here, one type per reason.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import {
  ActivationRequestSchema,
  ContributorGrantRequestSchema,
  CreateGrantRequestSchema,
  LICENSE_PATHS,
  RedeemGrantRequestSchema,
  RevokeRequestSchema,
  type ActivationResponse,
  type ContributorGrantResponse,
  type DeactivationResponse,
  type IssuedLicense,
  type RevokeResponse,
} from '../../shared/license/api.ts';
import { describeVerification } from '../../shared/license/verify.ts';
import { LICENSE_ID_CHARS_MAX } from '../../shared/limits.ts';
import { requireVolunteer, volunteerOfBearer, type AuthVariables } from '../auth/require.ts';
import { sessionUserOf } from '../auth/session.ts';
import { requireOperator } from '../auth/operator.ts';
import type { Store } from '../db/index.ts';
import { readJson } from '../http/body.ts';
import { ProblemError, refusalProblem, type ProblemSlug } from '../http/problem.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { activateLicense, deactivateLicense, revokeLicense, type ActivateResult, type ActivationCounts, type DeactivateResult } from './activation.ts';
import { contributorGrant, contributorProduct } from './contributor.ts';
import { createGrant, redeemGrant, type RedeemGrantResult } from './grants.ts';
import { publishedPublicKeys } from './signing-keys.ts';

/** How long clients may cache the public keys; a new key only appears on rotation. */
const PUBLIC_KEYS_MAX_AGE_S = 300;

/** A refused activation or deactivation. */
type KeyUseRefusal = Exclude<ActivateResult | DeactivateResult, { status: 'activated' | 'already_active' | 'deactivated' | 'not_active' }>;

/** The problem type of each refusal of the license routes, one per reason. */
const LICENSE_PROBLEMS = {
  malformed: 'license-malformed',
  unknown_key: 'license-unknown-key',
  bad_signature: 'license-bad-signature',
  not_yet_valid: 'license-not-yet-valid',
  expired: 'license-expired',
  revoked: 'license-revoked',
  limit_reached: 'license-activation-limit',
  unknown_license: 'license-not-found',
  already_redeemed: 'grant-already-redeemed',
  unknown_grant: 'grant-not-found',
  not_owner: 'license-not-yours',
} as const satisfies Record<(KeyUseRefusal | Exclude<RedeemGrantResult, { status: 'redeemed' }>)['status'], ProblemSlug>;

/** The sentence a refused activation or deactivation is answered with. */
function keyUseDetail(r: KeyUseRefusal): string {
  switch (r.status) {
    case 'expired':
      return `expired at ${new Date(r.expiredAtMs).toISOString()}`;
    case 'revoked':
      return `revoked at ${new Date(r.revokedAt).toISOString()}: ${r.reason}`;
    case 'limit_reached':
      return `license ${r.licenseId} is active on all ${r.activationLimit} devices it allows: its owner, signed in, can deactivate one no longer used`;
    case 'not_owner':
      return `license ${r.licenseId} belongs to another account: only its owner, signed in, deactivates it (the key alone does not)`;
    case 'unknown_license':
      return 'this key is correctly signed but names no license this server issued';
    default:
      // Refused before its license was looked at (see shared/license/verify.ts).
      return describeVerification(r);
  }
}

const keyUseProblem = (r: KeyUseRefusal) => refusalProblem(LICENSE_PROBLEMS, { status: r.status, detail: keyUseDetail(r) });

const countsOf = ({ licenseId, activationsUsed, activationLimit }: ActivationCounts): ActivationCounts => ({ licenseId, activationsUsed, activationLimit });

/** What the license routes are built from (the composition root's deps have it all). */
export interface LicenseRoutesDeps {
  store: Store;
  now: () => number;
}

/**
 * The license routes. Operator routes use {@link requireOperator} (OPERATOR_TOKEN) until
 * operator sessions exist.
 * @example
 * app.route('/', licenseRoutes(deps));
 */
export function licenseRoutes(deps: LicenseRoutesDeps) {
  const { store, now } = deps;
  const app = new Hono<{ Variables: AuthVariables }>();

  /**
   * The ids a caller may own licenses under, or 401: a signed-in user's id and the volunteer
   * identity its account owns, or an anonymous volunteer's own token (grants redeemed before
   * any account existed are licensed to that volunteer id; a claimed identity's token no
   * longer works, require.ts). Holding the license key proves nothing: keys are shared with
   * the devices they run on.
   */
  async function callerIds(c: Context): Promise<string[]> {
    const header = c.req.header('authorization');
    if (header !== undefined) return [await volunteerOfBearer(store, header)];
    const user = await sessionUserOf(c, store);
    if (!user) throw new ProblemError('unauthenticated', "sign in as the license's owner to deactivate it: the key alone does not");
    return user.volunteerId ? [user.userId, user.volunteerId] : [user.userId];
  }

  app.get(LICENSE_PATHS.publicKeys, async (c) => {
    c.header('cache-control', `public, max-age=${PUBLIC_KEYS_MAX_AGE_S}`);
    return c.json(await publishedPublicKeys(store.db, now()));
  });

  app.post(LICENSE_PATHS.activate, async (c) => {
    const { key, deviceId } = await readJson(c, ActivationRequestSchema);
    const r = await activateLicense(store, key, deviceId, now());
    switch (r.status) {
      case 'activated':
      case 'already_active':
        return c.json({ status: r.status, ...countsOf(r) } satisfies ActivationResponse);
      default:
        throw keyUseProblem(r);
    }
  });

  app.post(LICENSE_PATHS.deactivate, async (c) => {
    const ownerIds = await callerIds(c);
    const { key, deviceId } = await readJson(c, ActivationRequestSchema);
    const r = await deactivateLicense(store, key, deviceId, ownerIds, now());
    switch (r.status) {
      case 'deactivated':
      case 'not_active':
        return c.json({ status: r.status, ...countsOf(r) } satisfies DeactivationResponse);
      default:
        throw keyUseProblem(r);
    }
  });

  app.post('/api/licenses/:id/revoke', requireOperator(), async (c) => {
    const id = c.req.param('id');
    const { reason } = await readJson(c, RevokeRequestSchema);
    const r = id.length <= LICENSE_ID_CHARS_MAX ? await revokeLicense(store.db, id, reason, now()) : ({ status: 'unknown_license' } as const);
    if (r.status === 'unknown_license') throw refusalProblem(LICENSE_PROBLEMS, { status: r.status, detail: `no license ${id}` });
    return c.json(r satisfies RevokeResponse);
  });

  app.post(LICENSE_PATHS.grants, requireOperator(), async (c) => {
    const terms = await readJson(c, CreateGrantRequestSchema);
    return c.json(await createGrant(store, terms, now()), 201);
  });

  app.post('/api/licenses/grants/:code/redeem', requireVolunteer(store), async (c) => {
    const code = c.req.param('code');
    const volunteerId = c.get('volunteerId');
    const { licenseeId } = await readJson(c, RedeemGrantRequestSchema, {});
    if (licenseeId !== undefined && licenseeId !== volunteerId) {
      throw new ProblemError('validation', 'the licensee is the signed-in volunteer', [{ path: 'licenseeId', message: 'must be your own volunteer id (or left out)' }]);
    }
    const r = await redeemGrant(store, code, volunteerId, now());
    if (r.status === 'already_redeemed') throw refusalProblem(LICENSE_PROBLEMS, { status: r.status, detail: 'a grant gives one license, and this one was given' });
    if (r.status === 'unknown_grant') throw refusalProblem(LICENSE_PROBLEMS, { status: r.status, detail: 'no grant has this code' });
    return c.json({ licenseId: r.licenseId, key: r.key } satisfies IssuedLicense, 201);
  });

  app.post(LICENSE_PATHS.contributorGrant, requireVolunteer(store), async (c) => {
    const { productId } = await readJson(c, ContributorGrantRequestSchema);
    const product = contributorProduct(productId);
    if (!product) throw new ProblemError('license-product-not-found', `product ${productId} is not granted to contributors`);
    // Points are money: an anonymous identity (free to make) spends nothing until an account claims it.
    const owner = await store.db.selectFrom('users').select('id').where('volunteer_id', '=', c.get('volunteerId')).executeTakeFirst();
    if (!owner) throw new ProblemError('forbidden', 'an anonymous volunteer identity cannot turn its points into licenses: sign in and claim it first');
    const r = await contributorGrant(store, ledgerOf(store), { volunteerId: c.get('volunteerId'), ...product }, now());
    return c.json(r satisfies ContributorGrantResponse);
  });

  return app;
}
