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
/** Largest batch-of-results request body (base64 outputs in JSON); bigger results go one per request. */
export const RESULTS_BATCH_BYTES_MAX = 16 * 1024 * 1024;
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
/**
 * Lifetimes (leaseTtlMs of the unit) a lease may be held in all through heartbeats: an honest
 * slow device finishes within a few; a client that only heartbeats can't hold a unit forever.
 */
export const LEASE_HELD_TTLS_MAX = 4;
/** How often a worker tells the server it is still on a unit (well inside LEASE_TTL_MIN_MS). */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** Failed units a job's status lists by name. */
export const JOB_FAILURES_LISTED_MAX = 100;
/** How often the progress stream re-reads a job's counts. */
export const JOB_EVENTS_INTERVAL_MS = 1_000;
/** How long one progress stream stays open before the client reconnects. */
export const JOB_EVENTS_STREAM_MS_MAX = 10 * 60_000;
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
/** Lorenz-96: consecutive integration windows (iterations) one job may chain. */
export const L96_CYCLES_MAX = 50;
/** Iterations any iterative job may run, whatever its kind asks (a loop bound). */
export const JOB_ITERATIONS_MAX = 1_000;
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

/** License keys: longest key text accepted, so a huge paste is refused before decoding. */
export const LICENSE_KEY_CHARS_MAX = 2048;
/** License keys: product and licensee names carried in a key, so keys stay short. */
export const LICENSE_NAME_CHARS_MAX = 100;
/** License keys: ids carried in a key (license, product, licensee, transfer, signing key). */
export const LICENSE_ID_CHARS_MAX = 128;
/** License keys: activations one key may ever use; each activation is a row kept forever. */
export const LICENSE_ACTIVATIONS_MAX = 1000;
/** License keys: longest validity a key may be issued with (ten years). */
export const LICENSE_VALID_DAYS_MAX = 3660;
/** License keys: how far a device clock may run behind the issuer's before a fresh key reads as not yet valid. */
export const LICENSE_CLOCK_SKEW_MS = 5 * 60_000;
/** License keys: longest device id an application may send when activating. */
export const LICENSE_DEVICE_ID_CHARS_MAX = 128;

/** Sign-in: shortest password accepted (NIST SP 800-63B §5.1.1.2 asks for at least 8). */
export const PASSWORD_CHARS_MIN = 10;
/** Sign-in: longest password accepted, so a huge one cannot make hashing slow. */
export const PASSWORD_CHARS_MAX = 200;
/** Sign-in: longest e-mail address (RFC 5321 §4.5.3.1.3 bounds a path to 256 octets). */
export const EMAIL_CHARS_MAX = 254;
/** Sign-in: a session ends this long after its last use (sliding expiry). */
export const SESSION_TTL_MS = 30 * 24 * 3_600_000;
/** Sign-in: a session ends this long after sign-in at the latest, however often it is used. */
export const SESSION_LIFETIME_MAX_MS = 180 * 24 * 3_600_000;
/** Sign-in: a session's expiry moves forward at most this often, so polling does not write per request. */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;
/** Sign-in: sessions one user may hold at once; a new sign-in ends the oldest beyond this. */
export const SESSIONS_PER_USER_MAX = 20;

/**
 * Volunteer client: kernel step length the worker runtime aims for; a pause takes effect within
 * one step. Each step boundary yields to the worker's event loop (about half a millisecond in a
 * busy Chromium worker), so shorter steps cost kernel share: 50 ms keeps it near 99%.
 */
export const KERNEL_STEP_TARGET_MS = 50;
/** Volunteer client: smallest `step` budget the adaptive runtime uses (kernel work units). */
export const KERNEL_STEP_BUDGET_MIN = 16;
/** Volunteer client: largest `step` budget the adaptive runtime uses, so one step stays short on any device. */
export const KERNEL_STEP_BUDGET_MAX = 1_000_000;
/** Volunteer client: duty-cycle rest shorter than this is carried over instead of slept (timers are coarse). */
export const DUTY_REST_MIN_MS = 4;
/** Volunteer client: longest single rest of the duty cycle, so a throttle change applies soon. */
export const DUTY_REST_MAX_MS = 1_000;
/** Volunteer client: lowest CPU share a worker may be throttled to (percent). */
export const DUTY_PERCENT_MIN = 10;
/** Volunteer client: units one slot holds at once (the one computing and the prefetched next). */
export const LEASES_PER_SLOT_MAX = 2;
/** Volunteer client: finished results kept while they cannot be sent; past it no new work is leased. */
export const OUTBOX_ENTRIES_MAX = 64;
/** Volunteer client: bytes of finished results kept while they cannot be sent; past it no new work is leased. */
export const OUTBOX_BYTES_MAX = 64 * 1024 * 1024;
/** Volunteer client: answered failures (5xx, 429) of one result's submit before it is dropped with a note. */
export const OUTBOX_SUBMIT_ATTEMPTS_MAX = 12;
/** Volunteer client: a result not delivered within this long is dropped with a note (the unit was surely reissued). */
export const OUTBOX_ENTRY_AGE_MS_MAX = 3 * 24 * 3_600_000;
/** Volunteer client: how long a paused worker keeps heartbeating its leases before it lets them lapse. */
export const PAUSED_HEARTBEAT_MS_MAX = 10 * 60_000;
/** Volunteer client: least compute time between two checkpoints of one unit. */
export const CHECKPOINT_INTERVAL_MS = 30_000;
/** Volunteer client: largest checkpoint kept (a whole kernel memory image); bigger ones are not taken. */
export const CHECKPOINT_BYTES_MAX = 32 * 1024 * 1024;
/** Volunteer client: notes (dropped results, refusals) kept for the page. */
export const VOLUNTEER_NOTES_MAX = 20;
/** Volunteer client: minutes of activity the page's chart shows. */
export const ACTIVITY_MINUTES = 30;
/** Credits listing: rows one request may ask for. */
export const CREDITS_LISTED_MAX = 100;
/** Credits listing: how far back "points since" may reach (a local day from any time zone fits). */
export const CREDITS_SINCE_MS_MAX = 8 * 24 * 3_600_000;

/** Reception: how long a ticket is accepted after it is issued (an unclaimed admission frees its slot then). */
export const TICKET_TTL_MS = 30_000;
/** Reception: clock skew between reception and nodes a ticket's not-before tolerates. */
export const TICKET_CLOCK_SKEW_MS = 2_000;
/** Reception: used-ticket ids a node remembers (each only until its ticket expires). */
export const USED_TICKETS_MAX = 1_000_000;
/** Reception: how long a claimed admission lasts without being renewed by use. */
export const ADMISSION_IDLE_MS = 5 * 60_000;
/** Reception: clients a waiting room holds; past it new arrivals are told to come back later. */
export const WAITING_ROOM_MAX = 100_000;
/** Reception: a waiting client that has not asked again for this long has left; its place is freed. */
export const WAITING_ABANDON_MS = 60_000;
/** Reception: bounds of the retry interval told to waiting clients. */
export const WAIT_RETRY_MIN_MS = 1_000;
export const WAIT_RETRY_MAX_MS = 30_000;
/** Reception: share of the retry interval randomised so waiting clients don't return in step. */
export const WAIT_RETRY_JITTER = 0.2;
/** Reception: measured service times kept per node (and needed before an estimate is "known"). */
export const SERVICE_SAMPLES_MAX = 512;
export const SERVICE_SAMPLES_MIN = 20;
/** Reception: a node silent for this long gets no admissions until it reports again. */
export const NODE_REPORT_STALE_MS = 5_000;
/** Reception: how often a node reports its load. */
export const NODE_REPORT_INTERVAL_MS = 1_000;

/** EBM: grid cells from equator to pole (x = sin latitude); fewer cannot place an ice edge. */
export const EBM_CELLS_MIN = 8;
/** EBM: grid cells at most; the tridiagonal solve per step is linear in them. */
export const EBM_CELLS_MAX = 1024;
/** EBM: parameter vectors (members) one job may have; bounds the split and the result document. */
export const EBM_MEMBERS_MAX = 100_000;
/** EBM: parameter vectors in one unit. */
export const EBM_MEMBERS_PER_UNIT_MAX = 2_000;
/** EBM: time steps a member may take to reach equilibrium before it is reported as not converged. */
export const EBM_STEPS_MAX = 100_000;
/** EBM: cell-steps (cells × steps × runs) one unit may ask for at most: about a minute of work. */
export const EBM_UNIT_CELL_STEPS_MAX = 2_000_000_000;
/** EBM: levels per ranged parameter of a grid sample. */
export const EBM_GRID_LEVELS_MAX = 100;
/** EBM: bins of each histogram in the result. */
export const EBM_HISTOGRAM_BINS = 30;
/** Word alignment (ibm1-train): UTF-8 bytes of a training corpus, both sides together; its tokenised form and tables must fit in one edge's memory. */
export const IBM1_CORPUS_BYTES_MAX = 12 * 1024 * 1024;
/** Word alignment: bytes of a POST /api/jobs (or quote) body carrying a corpus: the corpus bound plus JSON escaping of tabs, newlines and quotes; every other body keeps JSON_BODY_BYTES_MAX. */
export const TRAINING_JOB_BODY_BYTES_MAX = 32 * 1024 * 1024;
/** Word alignment: sentence pairs of a corpus. */
export const IBM1_PAIRS_MAX = 200_000;
/** Word alignment: tokens of one sentence (GIZA++'s classic bound is 101; Model 1's work grows with l·m). */
export const IBM1_SENTENCE_TOKENS_MAX = 100;
/** Word alignment: word types of each side's vocabulary. */
export const IBM1_VOCAB_MAX = 200_000;
/** Word alignment: distinct co-occurring (source, target) pairs: the translation table the edge keeps and normalises each iteration. */
export const IBM1_TABLE_ENTRIES_MAX = 8_000_000;
/** Word alignment: EM iterations a job may ask for (units of iteration k+1 are made from iteration k's counts). */
export const IBM1_ITERATIONS_MAX = 100;
/** Word alignment: sentence pairs in one E-step unit. */
export const IBM1_SHARD_PAIRS_MAX = 20_000;
/** Word alignment: links (target word × source words, NULL included) one unit may hold: its link index in the kernel is 4 bytes each. */
export const IBM1_UNIT_LINKS_MAX = 16_000_000;
/** Word alignment: link updates (one t read, one count updated) that earn one point. */
export const IBM1_LINKS_PER_POINT = 2_000_000;
/** Word alignment: the trained table keeps t(f | e) of at least this … */
export const IBM1_PRUNE_P_MIN = 1e-4;
/** … and at most this many targets per source word (the rest is dropped, rows are not renormalised). */
export const IBM1_PRUNE_ROW_MAX = 50;
/** Word alignment: source words whose top translations the result lists (most frequent first). */
export const IBM1_SUMMARY_WORDS = 20;
/** Word alignment: prepared (tokenised, sharded) corpora an edge keeps in memory between iterations; a miss re-tokenises. */
export const IBM1_PREPARED_CACHED_MAX = 4;
/**
 * Customers: the default of the TRIAL_CREDIT_MINOR setting, the trial credit a new customer
 * account gets (minor units): enough to try a small job at once, small because it is free
 * (issue 15: the first accounts of an origin each day get it, see edge/auth/trial.ts).
 */
export const CUSTOMER_TRIAL_CREDIT_MINOR = 1_000;
/** Customers: largest single top-up through the simulated payment provider (minor units). */
export const CUSTOMER_TOPUP_MINOR_MAX = 1_000_000;
/** Customers: how long a job's quote stays held; a job still running then is billed from the balance left. */
export const JOB_HOLD_TIMEOUT_MS = 7 * 24 * 3_600_000;
/** Job pages: validated units re-read for a partial result at most this often per client. */
export const JOB_PARTIAL_INTERVAL_MS = 2_000;
/** Quotes: the window over which the current volunteer throughput is measured for an ETA. */
export const THROUGHPUT_WINDOW_MS = 60_000;
/** Reception client: how long a client waits in line before it gives up (and says so). */
export const ADMISSION_WAIT_MS_MAX = 60 * 60_000;
/** Reception client: admissions one request may ask for again (its node restarted or failed) before failing. */
export const READMISSIONS_PER_REQUEST_MAX = 3;
/** Reception client: tickets in a row a node may refuse (expired on the way, full, wrong client) before the client stops and says so, instead of looping between reception and the node. */
export const TICKET_CLAIMS_PER_ADMISSION_MAX = 5;
/** Waiting room (browser): how long the admission chime sounds. */
export const ADMISSION_CHIME_MS = 200;
/** Waiting room (browser): how often the countdown to the next retry is redrawn. */
export const WAITING_ROOM_TICK_MS = 250;
/** Waiting room (browser): times in a row the page asks an unreachable (or 5xx) reception again, with backoff, before it gives up and says so. */
export const RECEPTION_UNREACHABLE_RETRIES_MAX = 5;

/** Translate: UTF-8 bytes of one document; it travels inside a JSON body (JSON_BODY_BYTES_MAX) and is kept, tokenised, in the job's parameters. */
export const TRANSLATE_DOCUMENT_BYTES_MAX = 32 * 1024;
/** Translate: decoder sentences one unit carries (a unit of a few seconds on a slow device). */
export const TRANSLATE_SENTENCES_PER_UNIT = 16;
/** Translate: hypotheses kept per stack of the beam search. */
export const TRANSLATE_BEAM = 32;
/** Translate: positions a translation may jump ahead of the first untranslated word (the synthetic grammar moves verbs by up to 4). */
export const TRANSLATE_DISTORTION_LIMIT = 5;
/** Translate: single-word translation options per source word (the most probable rows of t(·|src)). */
export const TRANSLATE_OPTIONS_PER_WORD = 4;
/** Translate: source word × beam products that earn one point (the work of one stack is about beam × window × options). */
export const TRANSLATE_WORD_BEAMS_PER_POINT = 1_000;
/** Translate: trained models an edge keeps parsed (a quote per keystroke pause would parse the training result again); they never change once trained. */
export const TRANSLATE_MODELS_CACHED_MAX = 4;

/** One UTC day in milliseconds (daily quotas, license validity, report periods). */
export const DAY_MS = 86_400_000;
