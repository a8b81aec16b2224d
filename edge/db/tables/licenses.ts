/**
 * @module Table types of this feature (license keys, activations, grants and the signing
 * keys), merged into the database shape in edge/db/schema.ts. Times are epoch milliseconds.
 */
import type { Generated } from 'kysely';

/** Ed25519 key pairs the edge signs with (unless LICENSE_SIGNING_KEY is set); never deleted, so old keys still verify. */
export interface LicenseSigningKeysTable {
  kid: string;
  public_key_raw: Uint8Array;
  private_key_pkcs8: Uint8Array;
  created_at: number;
}

export interface LicensesTable {
  id: string;
  product_id: string;
  /** A user id or a volunteer id. */
  licensee_id: string;
  /** The key text as issued. */
  key: string;
  issued_at: number;
  expires_at: number | null;
  activation_limit: number;
  /** Devices the key is active on now: open activations (a deactivation frees one; migration 0015 recounted older rows). */
  activations_used: Generated<number>;
  revoked_at: number | null;
  revoke_reason: string | null;
  /** The transfer that paid for it, or `grant:…` for grants; one license per transfer. */
  transfer_id: string;
}

export interface LicenseActivationsTable {
  id: Generated<number>;
  license_id: string;
  device_id: string;
  activated_at: number;
  deactivated_at: number | null;
}

export interface LicenseGrantsTable {
  code: string;
  product_id: string;
  product_name: string;
  valid_days: number | null;
  activation_limit: number;
  created_at: number;
  redeemed_by: string | null;
  redeemed_at: number | null;
  license_id: string | null;
}

export interface LicenseTables {
  license_signing_keys: LicenseSigningKeysTable;
  licenses: LicensesTable;
  license_activations: LicenseActivationsTable;
  license_grants: LicenseGrantsTable;
}
