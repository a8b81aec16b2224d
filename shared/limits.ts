/**
 * @module Every bound of the system in one place, each with the reason it exists and its
 * unit last in the name (TigerBeetle style). Both the edge and the web app import these.
 */

/** Largest JSON request body the API parses; a job description is small. */
export const JSON_BODY_BYTES_MAX = 64 * 1024;
/** Largest unit input the splitter may produce; one lease response carries a few of these. */
export const UNIT_INPUT_BYTES_MAX = 1024 * 1024;
/** Largest result a volunteer may upload; the edge refuses bigger bodies before reading them. */
export const UNIT_OUTPUT_BYTES_MAX = 4 * 1024 * 1024;
/** Units one lease request may take, so a worker can prefetch without hoarding. */
export const LEASE_BATCH_MAX = 16;
/** Units one job may be split into; bounds the job's rows and the assimilation pass. */
export const JOB_UNITS_MAX = 4096;
/** Lease lifetime floor: short leases reissue quickly when a tab closes. */
export const LEASE_TTL_MIN_MS = 30_000;
/** Lease lifetime per point of unit cost, on top of the floor (slow devices still finish). */
export const LEASE_TTL_PER_POINT_MS = 2_000;
/** Lease lifetime ceiling, whatever the cost. */
export const LEASE_TTL_MAX_MS = 15 * 60_000;
/** Replicas that must agree bit for bit before a unit is valid. */
export const QUORUM_DEFAULT = 2;
/** Replicas a unit may be handed out to before it fails for lack of agreement. */
export const REPLICAS_MAX = 6;
/** Error reports a unit may receive before it fails. */
export const ERRORS_MAX = 3;
/** Work a kernel does per `step` call in the worker runtime, in kernel work units. */
export const KERNEL_STEP_BUDGET_DEFAULT = 2_000;
/** Upper bound on `step` calls for one unit, so a broken kernel cannot loop forever. */
export const KERNEL_STEP_CALLS_MAX = 50_000_000;
/** How long an idle worker waits before asking for work again when none was available. */
export const IDLE_RETRY_MS = 2_000;
/** Retries of one submit before the result is parked and the worker moves on. */
export const SUBMIT_RETRIES_MAX = 5;
/** First backoff between retries of a failed request; doubled each time, with jitter. */
export const RETRY_BACKOFF_BASE_MS = 250;
/** Backoff ceiling between retries. */
export const RETRY_BACKOFF_MAX_MS = 30_000;
/** Workers one browser tab may run, whatever the machine reports. */
export const WORKERS_PER_TAB_MAX = 32;

/** Lorenz-96: variables per member (N). */
export const L96_VARS_MIN = 4;
export const L96_VARS_MAX = 1024;
/** Lorenz-96: members in one job. */
export const L96_MEMBERS_MAX = 4096;
/** Lorenz-96: members in one unit. */
export const L96_MEMBERS_PER_UNIT_MAX = 256;
/** Lorenz-96: integration steps per member. */
export const L96_STEPS_MAX = 1_000_000;
/** Lorenz-96: snapshots kept per member (bounds the output size). */
export const L96_SNAPSHOTS_MAX = 1000;
/** Lorenz-96: variable-steps (N × steps × members) one unit may ask for: about a minute of work. */
export const L96_UNIT_VAR_STEPS_MAX = 2_000_000_000;

/** Work in variable-steps that earns one point; the unit's cost is its work divided by this. */
export const VAR_STEPS_PER_POINT = 1_000_000;
/** Price of one point of work, per replica, in minor units of the currency. */
export const PRICE_MINOR_PER_POINT = 1;
/** ISO 4217 code of the currency customers are billed in. */
export const CURRENCY = 'EUR';
