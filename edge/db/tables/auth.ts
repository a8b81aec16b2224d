/**
 * @module Table types of this feature (users, sessions and server secrets), merged into the
 * database shape in edge/db/schema.ts.
 */
import type { Generated } from 'kysely';

/** A person who signs in with e-mail and password. */
export interface UsersTable {
  /** `u_…`, random. */
  id: string;
  /** Trimmed and lower-cased; unique. */
  email: string;
  /** `scrypt$N$r$p$salt$hash` (edge/auth/passwords.ts). */
  password_hash: string;
  /** Comma-separated roles (shared/auth/schemas.ts ROLES), e.g. `customer,volunteer`. */
  roles: string;
  /** The volunteer identity this user claimed or was given; points stay keyed by it. */
  volunteer_id: string | null;
  customer_id: string | null;
  /** The shop a shop operator runs (`s_…`). */
  shop_id: string | null;
  created_at: number;
}

/** A signed-in browser. The cookie holds a random secret; only its SHA-256 is stored. */
export interface SessionsTable {
  /** SHA-256 (hex) of the session secret. */
  id: string;
  user_id: string;
  created_at: number;
  /** Sliding: moved forward on use, never past `created_at + SESSION_LIFETIME_MAX_MS`. */
  expires_at: number;
  last_seen_at: number;
}

/** Server secrets created on first use (cookie signing key …), see edge/auth/secrets.ts. */
export interface SecretsTable {
  name: string;
  value: string;
}

/** One counter of sign-in attempts (edge/auth/login-limiter.ts); forgotten after a day without attempts. */
export interface LoginAttemptsTable {
  id: Generated<number>;
  /** What is counted: an account from one network, from one known device, an account, a network. */
  scope: 'pair' | 'device' | 'account' | 'origin';
  /** The account's e-mail, the network origin, or both (JSON), or the e-mail and the device id. */
  subject: string;
  /** Attempts counted that did not sign in (a success resets its account's counters). */
  failures: number;
  /** Epoch ms of the last attempt counted: delays run from it. */
  last_attempt_at: number;
}

export interface AuthTables {
  users: UsersTable;
  sessions: SessionsTable;
  secrets: SecretsTable;
  login_attempts: LoginAttemptsTable;
}
