/**
 * @module Request and response shapes of the license API (one zod schema each), used by the
 * edge to validate, by the CLI to read saved public keys, and by clients to type their calls.
 */
import { z } from 'zod';
import {
  LICENSE_ACTIVATIONS_MAX,
  LICENSE_DEVICE_ID_CHARS_MAX,
  LICENSE_ID_CHARS_MAX,
  LICENSE_KEY_CHARS_MAX,
  LICENSE_NAME_CHARS_MAX,
  LICENSE_VALID_DAYS_MAX,
} from '../limits.ts';

/** Every license API path. */
export const LICENSE_PATHS = {
  publicKeys: '/api/licenses/public-keys',
  activate: '/api/licenses/activate',
  deactivate: '/api/licenses/deactivate',
  revoke: (licenseId: string) => `/api/licenses/${encodeURIComponent(licenseId)}/revoke`,
  grants: '/api/licenses/grants',
  redeemGrant: (code: string) => `/api/licenses/grants/${encodeURIComponent(code)}/redeem`,
  contributorGrant: '/api/licenses/contributor-grant',
} as const;

/** The issuer's public keys, newest signing key first; also the file `--save` writes. */
export const PublicKeysResponseSchema = z.object({
  keys: z.array(z.object({ kid: z.string().min(1), publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url raw Ed25519 key') })),
});
export type PublicKeysResponse = z.output<typeof PublicKeysResponseSchema>;

const Key = z.string().min(1).max(LICENSE_KEY_CHARS_MAX);
const Id = z.string().trim().min(1).max(LICENSE_ID_CHARS_MAX);

export const ActivationRequestSchema = z.strictObject({
  key: Key,
  /** The application's stable id for the device (e.g. a hash of a machine id). */
  deviceId: z.string().trim().min(1).max(LICENSE_DEVICE_ID_CHARS_MAX),
});
export type ActivationRequest = z.output<typeof ActivationRequestSchema>;

/** `activationsUsed`: the devices the key is active on now (at most `activationLimit`); a deactivation frees one. */
export const ActivationResponseSchema = z.object({
  status: z.enum(['activated', 'already_active']),
  licenseId: z.string(),
  activationsUsed: z.int(),
  activationLimit: z.int(),
});
export type ActivationResponse = z.output<typeof ActivationResponseSchema>;

/** Deactivating needs the license owner's session (or, for a grant to an anonymous volunteer, its token): the key alone does not. */
export const DeactivationResponseSchema = z.object({
  status: z.enum(['deactivated', 'not_active']),
  licenseId: z.string(),
  activationsUsed: z.int(),
  activationLimit: z.int(),
});
export type DeactivationResponse = z.output<typeof DeactivationResponseSchema>;

export const RevokeRequestSchema = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export const RevokeResponseSchema = z.object({
  status: z.enum(['revoked', 'already_revoked']),
  licenseId: z.string(),
  revokedAt: z.int(),
  reason: z.string(),
});
export type RevokeResponse = z.output<typeof RevokeResponseSchema>;

/** What a grant gives: the terms of the license it turns into. */
export const CreateGrantRequestSchema = z.strictObject({
  productId: Id,
  productName: z.string().trim().min(1).max(LICENSE_NAME_CHARS_MAX),
  /** Days the license is valid from redemption; `null` never expires. */
  validDays: z.int().min(1).max(LICENSE_VALID_DAYS_MAX).nullable(),
  activationLimit: z.int().min(1).max(LICENSE_ACTIVATIONS_MAX),
});
export type CreateGrantRequest = z.output<typeof CreateGrantRequestSchema>;
export const CreateGrantResponseSchema = z.object({ code: z.string() });

/** The licensee is the signed-in volunteer; `licenseeId`, when sent, must name them. */
export const RedeemGrantRequestSchema = z.strictObject({ licenseeId: Id.optional() });
export const IssuedLicenseSchema = z.object({ licenseId: z.string(), key: z.string() });
export type IssuedLicense = z.output<typeof IssuedLicenseSchema>;

export const ContributorGrantRequestSchema = z.strictObject({ productId: Id });
/** `insufficient` is an ordinary answer (keep contributing), not an error. */
export const ContributorGrantResponseSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('granted'), month: z.string(), licenseId: z.string(), key: z.string(), expiresAt: z.int(), creditedPoints: z.int() }),
  z.object({ status: z.literal('insufficient'), month: z.string(), creditedPoints: z.int(), monthlyPoints: z.int(), missingPoints: z.int() }),
]);
export type ContributorGrantResponse = z.output<typeof ContributorGrantResponseSchema>;
