/**
 * @module The coordinator's prepared queries (units, replicas, volunteers' trust counters),
 * built once per dialect by Kysely (see edge/db/prepared.ts); each carries its row type. Predicates
 * that select a partial index are literals, not parameters: SQLite can only use a partial
 * index whose WHERE clause it can prove from the query text.
 */
import { sql } from 'kysely';
import { prepare } from '../db/prepared.ts';
import type { ReplicaHead, UnitHead } from '../db/schema.ts';
import { QUOTA_DAILY_MAX } from './trust-rules.ts';

// ---- units

/**
 * The columns of a {@link UnitHead}: every read that decides about a unit leaves its bytes
 * out, since copying two blobs into buffers costs as much as the rest of the row.
 */
const UNIT_HEAD_COLUMNS = [
  'id', 'job_id', 'seq', 'iteration', 'kernel_id', 'kernel_version', 'output_bytes', 'cost_points', 'quorum', 'quorum_base',
  'state', 'want', 'leased', 'replicas', 'errors', 'agree_max', 'canonical_hash', 'failure', 'decided_at', 'verification',
] as const satisfies readonly (keyof UnitHead)[];
/** The columns of a {@link ReplicaHead}. */
const REPLICA_HEAD_COLUMNS = [
  'id', 'unit_id', 'volunteer_id', 'state', 'outcome', 'leased_at', 'deadline_at', 'returned_at', 'result_hash', 'credited_points', 'solo', 'origin', 'progress', 'vested', 'unfunded',
] as const satisfies readonly (keyof ReplicaHead)[];

export const unitById = prepare('unit by id', ['id'], (db, p) => db.selectFrom('units').select(UNIT_HEAD_COLUMNS).where('id', '=', p('id')));

/** A unit about to be changed: on PostgreSQL its row is locked until the transaction ends. */
export const unitForUpdate = prepare('unit by id, locked', ['id'], (db, p, dialect) => {
  const q = db.selectFrom('units').select(UNIT_HEAD_COLUMNS).where('id', '=', p('id'));
  return dialect === 'postgres' ? q.forUpdate() : q;
});

/**
 * Units that want a replica and that `volunteer` holds no live replica of (a replica of its
 * that timed out doesn't count: see {@link insertReplica}), oldest first (partial index
 * `units_open`). On PostgreSQL the rows are locked, and rows another transaction holds are
 * skipped, not waited for: concurrent leases on several nodes never block each other.
 */
export const openUnitsFor = prepare('open units for a volunteer', ['volunteer', 'max'], (db, p, dialect) => {
  const q = db
    .selectFrom('units as u')
    .selectAll('u')
    .where('u.want', '>', sql.lit(0))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('replicas as r')
            .select('r.id')
            .whereRef('r.unit_id', '=', 'u.id')
            .where('r.volunteer_id', '=', p('volunteer'))
            .where('r.state', '<>', sql.lit('timed_out')),
        ),
      ),
    )
    .orderBy('u.id')
    .limit(p('max'));
  return dialect === 'postgres' ? q.forUpdate().skipLocked() : q;
});

export const setUnitCounters = prepare(
  'unit counters and state',
  ['id', 'leased', 'replicas', 'quorum', 'errors', 'agreeMax', 'want', 'state'],
  (db, p) =>
    db
      .updateTable('units')
      .set({ leased: p('leased'), replicas: p('replicas'), quorum: p('quorum'), errors: p('errors'), agree_max: p('agreeMax'), want: p('want'), state: p('state') })
      .where('id', '=', p('id')),
);

export const setUnitValid = prepare('unit valid', ['id', 'leased', 'hash', 'output', 'now'], (db, p) =>
  db
    .updateTable('units')
    .set({ state: sql.lit('valid'), want: sql.lit(0), leased: p('leased'), canonical_hash: p('hash'), canonical_output: p('output'), decided_at: p('now') })
    .where('id', '=', p('id')),
);

export const setUnitLeased = prepare('unit leased count', ['id', 'leased'], (db, p) => db.updateTable('units').set({ leased: p('leased') }).where('id', '=', p('id')));

// ---- replicas

export const replicaById = prepare('replica by id', ['id'], (db, p) => db.selectFrom('replicas').select(REPLICA_HEAD_COLUMNS).where('id', '=', p('id')));

/**
 * A replica (lease) by id, locked on PostgreSQL. Writers lock a unit, then its replicas (in
 * that order everywhere, units in ascending id order), so two requests about one lease run
 * one after the other and see each other's writes, and lock waits can't form a cycle.
 */
export const replicaForUpdate = prepare('replica by id, locked', ['id'], (db, p, dialect) => {
  const q = db.selectFrom('replicas').select(REPLICA_HEAD_COLUMNS).where('id', '=', p('id'));
  return dialect === 'postgres' ? q.forUpdate() : q;
});

/**
 * A new lease: a replica row, or the volunteer's own timed-out replica of the unit leased
 * again (one row per volunteer and unit, so it still never holds two; a volunteer whose lease
 * answer was lost, in a crash say, can take the unit again once that lease times out).
 */
export const insertReplica = prepare('insert replica', ['unit', 'volunteer', 'now', 'deadline', 'solo', 'origin', 'unfunded'], (db, p) =>
  db
    .insertInto('replicas')
    .values({
      unit_id: p('unit'),
      volunteer_id: p('volunteer'),
      state: sql.lit('leased'),
      outcome: sql.lit(null),
      leased_at: p('now'),
      deadline_at: p('deadline'),
      returned_at: sql.lit(null),
      result_hash: sql.lit(null),
      result: sql.lit(null),
      error: sql.lit(null),
      solo: p('solo'),
      origin: p('origin'),
      unfunded: p('unfunded'),
    })
    .onConflict((oc) =>
      oc
        .columns(['unit_id', 'volunteer_id'])
        .doUpdateSet({ state: sql.lit('leased'), leased_at: p('now'), deadline_at: p('deadline'), solo: p('solo'), origin: p('origin'), unfunded: p('unfunded') })
        .where('replicas.state', '=', sql.lit('timed_out')),
    )
    .returning('id'),
);

/**
 * Leases past their deadline, oldest first (partial index `replicas_open_by_deadline`). Not
 * locked here: the sweep locks each one's unit first, then changes it only if still leased.
 */
export const expiredReplicas = prepare('leases past their deadline', ['now', 'max'], (db, p) =>
  db
    .selectFrom('replicas')
    .select(['id', 'unit_id', 'solo'])
    .where('state', '=', sql.lit('leased'))
    .where('deadline_at', '<', p('now'))
    .orderBy('deadline_at')
    .limit(p('max')),
);

export const setReplicaTimedOut = prepare('replica timed out', ['id'], (db, p) =>
  db.updateTable('replicas').set({ state: sql.lit('timed_out') }).where('id', '=', p('id')).where('state', '=', sql.lit('leased')),
);

/** A unit's returned replicas with what independence and probation need: origin and the volunteer's verified matches. */
export const returnedOfUnit = prepare('returned replicas of a unit', ['unit'], (db, p) =>
  db
    .selectFrom('replicas as r')
    .innerJoin('volunteers as v', 'v.id', 'r.volunteer_id')
    .select(['r.id', 'r.volunteer_id', 'r.result_hash', 'r.outcome', 'r.credited_points', 'r.vested', 'r.origin', 'r.unfunded', 'v.verified_matches'])
    .where('r.unit_id', '=', p('unit'))
    .where('r.state', '=', sql.lit('returned'))
    .orderBy('r.id'),
);

/** How many of a unit's results are valid: the customer pays for at most its quorum of them (edge/jobs/billing.ts). */
export const validResultsOfUnit = prepare('valid results of a unit', ['unit'], (db, p) =>
  db
    .selectFrom('replicas')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('unit_id', '=', p('unit'))
    .where('outcome', '=', sql.lit('valid')),
);

export const settleReplica = prepare('replica returned', ['id', 'outcome', 'now', 'hash', 'result', 'credited'], (db, p) =>
  db
    .updateTable('replicas')
    .set({ state: sql.lit('returned'), outcome: p('outcome'), returned_at: p('now'), result_hash: p('hash'), result: p('result'), credited_points: p('credited') })
    .where('id', '=', p('id')),
);

export const setReplicaOutcome = prepare('replica outcome', ['id', 'outcome', 'credited'], (db, p) =>
  db.updateTable('replicas').set({ outcome: p('outcome'), credited_points: p('credited'), result: sql.lit(null) }).where('id', '=', p('id')),
);

export const setReplicaErrored = prepare('replica errored', ['id', 'now', 'error'], (db, p) =>
  db.updateTable('replicas').set({ state: sql.lit('errored'), returned_at: p('now'), error: p('error') }).where('id', '=', p('id')),
);

export const extendReplica = prepare('extend a lease', ['id', 'deadline', 'progress'], (db, p) =>
  db.updateTable('replicas').set({ deadline_at: p('deadline'), progress: p('progress') }).where('id', '=', p('id')),
);

export const setReplicaSolo = prepare('replica solo flag', ['id', 'solo'], (db, p) => db.updateTable('replicas').set({ solo: p('solo') }).where('id', '=', p('id')));

export const setReplicaCredited = prepare('replica credited points', ['id', 'credited'], (db, p) =>
  db.updateTable('replicas').set({ credited_points: p('credited') }).where('id', '=', p('id')),
);

/** A volunteer's recent solo results not re-checked yet, newest first (queued for the server's run, not locked here). */
export const soloResultsToRecheck = prepare('solo results to re-check', ['volunteer', 'max'], (db, p) =>
  db
    .selectFrom('replicas as r')
    .innerJoin('units as u', 'u.id', 'r.unit_id')
    .select(['u.id', 'r.id as replica_id'])
    .where('r.volunteer_id', '=', p('volunteer'))
    .where('r.solo', '=', sql.lit(1))
    .where('r.outcome', '=', sql.lit('valid'))
    .where('u.state', '=', sql.lit('valid'))
    .orderBy('r.id', 'desc')
    .limit(p('max')),
);

// ---- volunteers

/** A volunteer's trust counters, read to be written back: locked on PostgreSQL. */
export const volunteerTrust = prepare('volunteer trust and quota', ['id'], (db, p, dialect) => {
  const q = db.selectFrom('volunteers').select(['valid_streak', 'quota_daily', 'quota_day', 'quota_used', 'verified_matches']).where('id', '=', p('id'));
  return dialect === 'postgres' ? q.forUpdate() : q;
});

export const setQuotaUsed = prepare('volunteer quota used', ['id', 'day', 'used'], (db, p) =>
  db.updateTable('volunteers').set({ quota_day: p('day'), quota_used: p('used') }).where('id', '=', p('id')),
);

/** A valid result: count it, lengthen the streak, grow the quota (one UPDATE). */
export const recordValidResult = prepare('volunteer valid result', ['id'], (db, p) =>
  db
    .updateTable('volunteers')
    .set((eb) => ({
      results_valid: eb('results_valid', '+', sql.lit(1)),
      valid_streak: eb('valid_streak', '+', sql.lit(1)),
      quota_daily: eb.case().when('quota_daily', '<', sql.lit(QUOTA_DAILY_MAX)).then(eb('quota_daily', '+', sql.lit(1))).else(eb.ref('quota_daily')).end(),
    }))
    .where('id', '=', p('id')),
);

export const resetTrust = prepare('volunteer trust reset', ['id', 'quota'], (db, p) =>
  db.updateTable('volunteers').set({ quota_daily: p('quota'), valid_streak: sql.lit(0) }).where('id', '=', p('id')),
);

/** The server's run matched a result of this volunteer: one step out of probation. */
export const recordVerifiedMatch = prepare('volunteer verified match', ['id'], (db, p) =>
  db
    .updateTable('volunteers')
    .set((eb) => ({ verified_matches: eb('verified_matches', '+', sql.lit(1)) }))
    .where('id', '=', p('id')),
);

/** The server's run disproved a result of this volunteer: all trust goes (probation again, no streak). */
export const takeTrust = prepare('volunteer trust taken', ['id', 'quota'], (db, p) =>
  db
    .updateTable('volunteers')
    .set((eb) => ({ verified_matches: sql.lit(0), valid_streak: sql.lit(0), quota_daily: p('quota'), disproved: eb('disproved', '+', sql.lit(1)) }))
    .where('id', '=', p('id')),
);

// ---- server verification

/** The unit's input, which plausibility checks and the server's run read. */
export const unitInput = prepare('unit input', ['id'], (db, p) => db.selectFrom('units').select(['input', 'kernel_id', 'kernel_version', 'output_bytes']).where('id', '=', p('id')));

/** Queues a unit for the server's run; a unit already queued keeps its place (or moves up). */
export const enqueueVerification = prepare('queue a verification', ['unit', 'reason', 'priority', 'now'], (db, p) =>
  db
    .insertInto('verifications')
    .values({ unit_id: p('unit'), reason: p('reason'), priority: p('priority'), queued_at: p('now'), claimed_until: sql.lit(0), claimed_by: sql.lit(null), attempts: sql.lit(0) })
    .onConflict((oc) =>
      oc
        .column('unit_id')
        .doUpdateSet({ reason: p('reason'), priority: p('priority') })
        .where('verifications.priority', '>', p('priority')),
    ),
);

export const setUnitVerification = prepare('unit verification state', ['id', 'verification'], (db, p) =>
  db.updateTable('units').set({ verification: p('verification') }).where('id', '=', p('id')),
);

/** Verifications no node holds, most urgent first; locked and skipped past on PostgreSQL when another node takes them. */
export const nextVerifications = prepare('verifications due', ['now', 'max'], (db, p, dialect) => {
  const q = db
    .selectFrom('verifications')
    .select(['unit_id', 'reason', 'attempts'])
    .where('claimed_until', '<', p('now'))
    .orderBy('priority')
    .orderBy('queued_at')
    .limit(p('max'));
  return dialect === 'postgres' ? q.forUpdate().skipLocked() : q;
});

export const claimVerification = prepare('claim a verification', ['unit', 'until', 'node'], (db, p) =>
  db
    .updateTable('verifications')
    .set((eb) => ({ claimed_until: p('until'), claimed_by: p('node'), attempts: eb('attempts', '+', sql.lit(1)) }))
    .where('unit_id', '=', p('unit')),
);

/** A claim given back unrun (the pool was full): free again, and not counted as an attempt. */
export const releaseVerification = prepare('release a verification claim', ['unit'], (db, p) =>
  db
    .updateTable('verifications')
    .set((eb) => ({ claimed_until: sql.lit(0), attempts: eb('attempts', '-', sql.lit(1)) }))
    .where('unit_id', '=', p('unit')),
);

export const dropVerification = prepare('verification done', ['unit'], (db, p) => db.deleteFrom('verifications').where('unit_id', '=', p('unit')));

export const queuedVerification = prepare('verification of a unit', ['unit'], (db, p) =>
  db.selectFrom('verifications').select(['unit_id', 'reason']).where('unit_id', '=', p('unit')),
);

/** The server's output replaces the canonical bytes of a valid unit (or decides an open one). */
export const setUnitServerValid = prepare('unit valid by the server', ['id', 'hash', 'output', 'now', 'verification'], (db, p) =>
  db
    .updateTable('units')
    .set({ state: sql.lit('valid'), want: sql.lit(0), canonical_hash: p('hash'), canonical_output: p('output'), decided_at: p('now'), verification: p('verification') })
    .where('id', '=', p('id')),
);

export const setUnitServerFailed = prepare('unit failed on the server too', ['id', 'failure', 'now'], (db, p) =>
  db
    .updateTable('units')
    .set({ state: sql.lit('failed'), want: sql.lit(0), failure: p('failure'), decided_at: p('now'), verification: sql.lit(null) })
    .where('id', '=', p('id')),
);

/**
 * A disproved volunteer's other accepted results whose units the server has not checked, newest
 * first: each is re-verified (DESIGN.md: a disproved result re-checks its recent results).
 */
export const unverifiedValidOf = prepare('unverified valid results of a volunteer', ['volunteer', 'max'], (db, p) =>
  db
    .selectFrom('replicas as r')
    .innerJoin('units as u', 'u.id', 'r.unit_id')
    .select(['u.id'])
    .where('r.volunteer_id', '=', p('volunteer'))
    .where('r.outcome', '=', sql.lit('valid'))
    .where('u.state', '=', sql.lit('valid'))
    .where('u.verification', 'is', null)
    .orderBy('r.id', 'desc')
    .limit(p('max')),
);

/** What deciding with a volunteer's result reads of it, without locking its row (credits update it last, in id order). */
export const volunteerStanding = prepare('volunteer standing', ['id'], (db, p) => db.selectFrom('volunteers').select(['verified_matches']).where('id', '=', p('id')));

/** A result refused by its kernel family's plausibility check: invalid at once, with the reason kept. */
export const settleReplicaImplausible = prepare('replica implausible', ['id', 'now', 'hash', 'reason'], (db, p) =>
  db
    .updateTable('replicas')
    .set({ state: sql.lit('returned'), outcome: sql.lit('invalid'), returned_at: p('now'), result_hash: p('hash'), result: sql.lit(null), credited_points: sql.lit(0), error: p('reason') })
    .where('id', '=', p('id')),
);

/** One unit's verification when no node holds it. */
export const nextVerificationOf = prepare('verification of a unit, if due', ['unit', 'now'], (db, p, dialect) => {
  const q = db.selectFrom('verifications').select(['unit_id', 'attempts']).where('unit_id', '=', p('unit')).where('claimed_until', '<', p('now'));
  return dialect === 'postgres' ? q.forUpdate().skipLocked() : q;
});

/** A claim given back after a failed attempt (the server's thread died): free again, the attempt counted. */
export const unclaimVerification = prepare('unclaim a verification', ['unit'], (db, p) =>
  db.updateTable('verifications').set({ claimed_until: sql.lit(0) }).where('unit_id', '=', p('unit')),
);

export const setReplicaVested = prepare('replica credit vested', ['id'], (db, p) => db.updateTable('replicas').set({ vested: sql.lit(1) }).where('id', '=', p('id')));

/**
 * Credited replicas whose units were decided before `before` and are not waiting for the
 * server's run: their credit vests (oldest first).
 */
export const creditsDueToVest = prepare('credits due to vest', ['before', 'max'], (db, p) =>
  db
    .selectFrom('replicas as r')
    .innerJoin('units as u', 'u.id', 'r.unit_id')
    .select(['r.id', 'r.volunteer_id', 'r.credited_points', 'u.id as unit_id', 'u.job_id'])
    .where('r.outcome', '=', sql.lit('valid'))
    .where('r.vested', '=', sql.lit(0))
    .where('r.credited_points', '>', sql.lit(0))
    .where('u.state', '=', sql.lit('valid'))
    .where('u.decided_at', '<', p('before'))
    .where((eb) => eb.or([eb('u.verification', 'is', null), eb('u.verification', '<>', sql.lit('queued'))]))
    .orderBy('r.id')
    .limit(p('max')),
);

/** A node starting up frees the claims it held before it stopped (their runs died with it). */
export const releaseClaimsOf = prepare('release a node\'s claims', ['node'], (db, p) =>
  db.updateTable('verifications').set({ claimed_until: sql.lit(0), claimed_by: sql.lit(null) }).where('claimed_by', '=', p('node')),
);

/** A node still running a verification keeps its claim. */
export const renewVerification = prepare('renew a verification claim', ['unit', 'until', 'node'], (db, p) =>
  db.updateTable('verifications').set({ claimed_until: p('until') }).where('unit_id', '=', p('unit')).where('claimed_by', '=', p('node')),
);
