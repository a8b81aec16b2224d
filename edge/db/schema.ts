/**
 * @module The database shape as Kysely types: one interface per table. Times are epoch
 * milliseconds; ids that customers or volunteers see are random text, internal ones integers.
 */
import type { Generated, Insertable, Selectable } from 'kysely';
import type { AuthTables } from './tables/auth.ts';
import type { GroupTables } from './tables/groups.ts';
import type { LedgerTables } from './tables/ledger.ts';
import type { LicenseTables } from './tables/licenses.ts';
import type { ShopTables } from './tables/shop.ts';

export interface CustomersTable {
  id: string;
  name: string;
  key_hash: string;
  created_at: number;
  /** The network origin the account was created from (null in-process and before migration 0014). */
  origin: string | null;
  /** Trial credit granted on the first job (minor units); 0 when its origin had had its day's grants. */
  trial_minor: Generated<number>;
  /** When the first top-up (real money) was paid: jobs created before it are paid by trial credit only. */
  first_topup_at: number | null;
}

export interface VolunteersTable {
  id: string;
  token_hash: string;
  created_at: number;
  results_valid: Generated<number>;
  valid_streak: Generated<number>;
  quota_daily: Generated<number>;
  /** UTC day number (epoch ms / DAY_MS) that `quota_used` counts. */
  quota_day: Generated<number>;
  quota_used: Generated<number>;
  /** Results that matched the server's own run: probation ends at PROBATION_MATCHES_MIN. */
  verified_matches: Generated<number>;
  /** Results of this volunteer the server's run disproved. */
  disproved: Generated<number>;
}

export type JobState = 'running' | 'completed' | 'failed' | 'cancelled';

export interface JobsTable {
  id: string;
  customer_id: string;
  kind: string;
  /** The parameters as the API shows them (JSON text); the full ones are in `job_params`. */
  params: string;
  status: JobState;
  quorum: number;
  units_total: number;
  price_minor: number;
  currency: string;
  created_at: number;
  completed_at: number | null;
  /** Current iteration of an iterative job (0 for the first, and for one-shot kinds). */
  iteration: Generated<number>;
  /** The integrated result (JSON text), set when the job completes. */
  result: string | null;
  /** Units whose canonical bytes the server's run corrected after they were decided (the result was integrated again). */
  amended_units: Generated<number>;
}

/**
 * A job's decided units, counted in shards (migration 0018): a deciding transaction adds to
 * one (job, shard) row, so concurrent ones seldom wait on each other; readers sum them.
 */
export interface JobProgressTable {
  job_id: string;
  shard: number;
  valid: Generated<number>;
  failed: Generated<number>;
}

/** A job's full parameters (JSON text), apart from its frequently updated row. */
export interface JobParamsTable {
  job_id: string;
  params: string;
}

export type UnitState = 'queued' | 'in_progress' | 'valid' | 'failed' | 'cancelled';

export interface UnitsTable {
  id: Generated<number>;
  job_id: string;
  /** Position in the job over all iterations; units of one iteration are consecutive. */
  seq: number;
  iteration: Generated<number>;
  kernel_id: string;
  kernel_version: number;
  input: Uint8Array;
  output_bytes: number;
  cost_points: number;
  quorum: number;
  /** The job's quorum; `quorum` drops to 1 while a trusted volunteer holds the unit alone. */
  quorum_base: Generated<number>;
  state: UnitState;
  /** Replicas still wanted now; > 0 exactly when the unit may be leased (partial index). */
  want: number;
  /** Replicas currently leased and not past their deadline. */
  leased: Generated<number>;
  /** Replicas ever handed out. */
  replicas: Generated<number>;
  errors: Generated<number>;
  /** Size of the largest group of identical returned results. */
  agree_max: Generated<number>;
  canonical_hash: string | null;
  canonical_output: Uint8Array | null;
  failure: string | null;
  decided_at: number | null;
  /** How the server checked the unit: not yet (null), `queued` for its run, `matched`, or `corrected` (it replaced disproved bytes). */
  verification: Generated<UnitVerification | null>;
}

export type UnitVerification = 'queued' | 'matched' | 'corrected';
/** Why the server runs a unit itself, most urgent first (see edge/coordinator/verification.ts). */
export type VerifyReason = 'errors' | 'probation' | 'solo' | 'recheck' | 'sample';

/** Units waiting for the server's own run. */
export interface VerificationsTable {
  unit_id: number;
  reason: VerifyReason;
  /** Lower runs first. */
  priority: number;
  queued_at: number;
  /** A node running it holds it until then (0: free). */
  claimed_until: Generated<number>;
  /** The node that claimed it (NODE_ID): a node that restarts frees its own claims. */
  claimed_by: string | null;
  attempts: Generated<number>;
}

export type ReplicaState = 'leased' | 'returned' | 'timed_out' | 'errored';
export type ReplicaOutcome = 'pending' | 'valid' | 'invalid' | 'unit_closed';

export interface ReplicasTable {
  id: Generated<number>;
  unit_id: number;
  volunteer_id: string;
  state: ReplicaState;
  outcome: ReplicaOutcome | null;
  leased_at: number;
  deadline_at: number;
  returned_at: number | null;
  result_hash: string | null;
  /** Result bytes, kept only while the unit is undecided. */
  result: Uint8Array | null;
  credited_points: Generated<number>;
  error: string | null;
  /** 1 when leased to a trusted volunteer alone (adaptive replication). */
  solo: Generated<number>;
  /** The network origin (IPv4 /24, IPv6 /48) the lease was taken from; null in-process. */
  origin: string | null;
  /** Work units of the unit done, as the last heartbeat reported them. */
  progress: Generated<number>;
  /** 1 once this replica's credit moved from vesting to spendable points. */
  vested: Generated<number>;
  /** 1 when leased to a volunteer linked to the customer of a job paid by trial credit only: it earns nothing. */
  unfunded: Generated<number>;
}

/** Tickets a node accepted, until they expire (replay protection across restarts). */
export interface UsedTicketsTable {
  id: string;
  node: string;
  expires_at: number;
}

export interface Database extends LedgerTables, AuthTables, ShopTables, LicenseTables, GroupTables {
  customers: CustomersTable;
  volunteers: VolunteersTable;
  jobs: JobsTable;
  job_params: JobParamsTable;
  job_progress: JobProgressTable;
  units: UnitsTable;
  replicas: ReplicasTable;
  verifications: VerificationsTable;
  used_tickets: UsedTicketsTable;
  identity_limits: IdentityLimitsTable;
}

export type UnitRow = Selectable<UnitsTable>;
export type ReplicaRow = Selectable<ReplicasTable>;
/** A unit without its input and canonical output bytes: all that deciding about it reads. */
export type UnitHead = Omit<UnitRow, 'input' | 'canonical_output'>;
/** A replica without its result bytes and error text. */
export type ReplicaHead = Omit<ReplicaRow, 'result' | 'error'>;
export type JobRow = Selectable<JobsTable>;
export type NewUnit = Insertable<UnitsTable>;

/** New identities of one kind from one network origin in one time window (edge/accounts/identity-limiter.ts). */
export interface IdentityLimitsTable {
  id: Generated<number>;
  kind: 'volunteer' | 'customer' | 'trial_credit';
  /** IPv4 /24 or IPv6 /48 (edge/http/origin.ts). */
  origin: string;
  window_ms: number;
  /** Epoch ms, a multiple of `window_ms`. */
  window_start: number;
  /** Identities created in the window so far. */
  created: number;
}
