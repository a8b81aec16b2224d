/**
 * @module License routes: public keys, activation, deactivation, revocation, single-use
 * grants and the contributor grant. Domain results are status unions (activation.ts,
 * grants.ts, contributor.ts); refusals become problems here, one type per reason.
 */
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
import { requireVolunteer, type AuthVariables } from '../accounts/auth.ts';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../http/body.ts';
import { ProblemError } from '../http/problem.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { activateLicense, deactivateLicense, revokeLicense, type ActivationCounts, type KeyRefusal } from './activation.ts';
import { contributorGrant, contributorProduct } from './contributor.ts';
import { createGrant, redeemGrant } from './grants.ts';
import { requireOperator } from './operator.ts';
import { publishedPublicKeys } from './signing-keys.ts';

/** How long clients may cache the public keys; a new key only appears on rotation. */
const PUBLIC_KEYS_MAX_AGE_S = 300;

/** A key refused before its license was looked at, as the problem the client sees. */
function keyProblem(r: KeyRefusal): ProblemError {
  const detail = describeVerification(r);
  switch (r.status) {
    case 'malformed':
      return new ProblemError('license-malformed', detail);
    case 'unknown_key':
      return new ProblemError('license-unknown-key', detail);
    case 'bad_signature':
      return new ProblemError('license-bad-signature', detail);
    case 'not_yet_valid':
      return new ProblemError('license-not-yet-valid', detail);
  }
}

const countsOf = ({ licenseId, activationsUsed, activationLimit }: ActivationCounts): ActivationCounts => ({ licenseId, activationsUsed, activationLimit });

const unknownLicense = () => new ProblemError('license-not-found', 'this key is correctly signed but names no license this server issued');

/**
 * The license routes. Operator routes use {@link requireOperator} (OPERATOR_TOKEN) until
 * operator sessions exist.
 */
export function licenseRoutes(deps: AppDeps) {
  const { store, now } = deps;
  const app = new Hono<{ Variables: AuthVariables }>();

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
      case 'expired':
        throw new ProblemError('license-expired', `expired at ${new Date(r.expiredAtMs).toISOString()}`);
      case 'revoked':
        throw new ProblemError('license-revoked', `revoked at ${new Date(r.revokedAt).toISOString()}: ${r.reason}`);
      case 'limit_reached':
        throw new ProblemError('license-activation-limit', `all ${r.activationLimit} activations of license ${r.licenseId} are used; deactivating does not return them`);
      case 'unknown_license':
        throw unknownLicense();
      default:
        throw keyProblem(r);
    }
  });

  app.post(LICENSE_PATHS.deactivate, async (c) => {
    const { key, deviceId } = await readJson(c, ActivationRequestSchema);
    const r = await deactivateLicense(store, key, deviceId, now());
    switch (r.status) {
      case 'deactivated':
      case 'not_active':
        return c.json({ status: r.status, ...countsOf(r) } satisfies DeactivationResponse);
      case 'unknown_license':
        throw unknownLicense();
      default:
        throw keyProblem(r);
    }
  });

  app.post('/api/licenses/:id/revoke', requireOperator(), async (c) => {
    const id = c.req.param('id');
    const { reason } = await readJson(c, RevokeRequestSchema);
    const r = id.length <= LICENSE_ID_CHARS_MAX ? await revokeLicense(store.db, id, reason, now()) : ({ status: 'unknown_license' } as const);
    if (r.status === 'unknown_license') throw new ProblemError('license-not-found', `no license ${id}`);
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
    switch (r.status) {
      case 'redeemed':
        return c.json({ licenseId: r.licenseId, key: r.key } satisfies IssuedLicense, 201);
      case 'already_redeemed':
        throw new ProblemError('grant-already-redeemed', 'a grant gives one license, and this one was given');
      case 'unknown_grant':
        throw new ProblemError('grant-not-found', 'no grant has this code');
    }
  });

  app.post(LICENSE_PATHS.contributorGrant, requireVolunteer(store), async (c) => {
    const { productId } = await readJson(c, ContributorGrantRequestSchema);
    const product = contributorProduct(productId);
    if (!product) throw new ProblemError('license-product-not-found', `product ${productId} is not granted to contributors`);
    const r = await contributorGrant(store, ledgerOf(store), { volunteerId: c.get('volunteerId'), ...product }, now());
    return c.json(r satisfies ContributorGrantResponse);
  });

  return app;
}
