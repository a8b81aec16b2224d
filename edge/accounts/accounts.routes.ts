/**
 * @module Account routes: customers sign up for an API key; volunteers get an anonymous
 * identity on their first visit and read their points. Both kinds of identity are free, so
 * their creation is bounded per network origin (identity-limiter.ts): over a bound, 429 with
 * Retry-After, and nothing is created.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { API_PATHS, CreateCustomerRequestSchema, type CreateCustomerResponse, type CreateVolunteerResponse, type VolunteerMe } from '../../shared/api/schemas.ts';
import type { Store } from '../db/index.ts';
import { inTransaction, type Rollback } from '../db/tx.ts';
import { readJson } from '../http/body.ts';
import { clientOrigin } from '../http/origin.ts';
import { refusalProblem, type ProblemSlug } from '../http/problem.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { requireVolunteer, type AuthVariables } from '../auth/require.ts';
import { issueToken, newId } from '../auth/tokens.ts';
import { trialForNewCustomer } from '../auth/trial.ts';
import { insertVolunteer } from '../auth/volunteers.ts';
import { admitIdentity, retryAfterSeconds, tooManyDetail, type IdentityAdmission, type IdentityRefusal } from '../auth/identity-limiter.ts';

/** The problem type of each refusal of the identity limiter. */
const ACCOUNT_PROBLEMS = { too_many: 'too-many-identities' } as const satisfies Record<IdentityRefusal['status'], ProblemSlug>;

/** What the account routes are built from (the composition root's deps have it all). */
export interface AccountRoutesDeps {
  store: Store;
  now: () => number;
  /** Proxies whose X-Forwarded-For names the client (`TRUST_PROXY`): the origin identities are counted by. */
  trustedProxies: ReadonlySet<string>;
  /** Trial credit of a new customer account, minor units (TRIAL_CREDIT_MINOR). */
  trialCreditMinor: number;
}

/**
 * @example
 * app.route('/', accountRoutes(deps));
 */
export function accountRoutes({ store, now, trustedProxies, trialCreditMinor }: AccountRoutesDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();

  /** A refusal of the limiter as the client sees it: 429 problem, Retry-After in seconds. */
  function tooMany(c: Context, refusal: IdentityRefusal, at: number) {
    c.header('Retry-After', String(retryAfterSeconds(refusal, at)));
    return refusalProblem(ACCOUNT_PROBLEMS, { status: refusal.status, detail: tooManyDetail(refusal, at) });
  }

  app.post(API_PATHS.customers, async (c) => {
    const { name } = await readJson(c, CreateCustomerRequestSchema);
    const at = now();
    const origin = clientOrigin(c, trustedProxies);
    const id = newId('c');
    const { token, hash } = issueToken(id);
    const r = await inTransaction(store, async (trx, rollback: Rollback<IdentityAdmission>): Promise<IdentityAdmission> => {
      const admitted = await admitIdentity(trx, 'customer', origin, at);
      if (admitted.status !== 'admitted') return rollback(admitted);
      const trial = await trialForNewCustomer(trx, origin, at, trialCreditMinor);
      await trx.insertInto('customers').values({ id, name, key_hash: hash, created_at: at, origin: origin ?? null, trial_minor: trial }).execute();
      return admitted;
    });
    if (r.status !== 'admitted') throw tooMany(c, r, at);
    return c.json({ customerId: id, apiKey: token } satisfies CreateCustomerResponse, 201);
  });

  app.post(API_PATHS.volunteers, async (c) => {
    const at = now();
    const origin = clientOrigin(c, trustedProxies);
    type Created = { status: 'created'; id: string; token: string } | IdentityRefusal;
    const r = await inTransaction(store, async (trx, rollback: Rollback<Created>): Promise<Created> => {
      const admitted = await admitIdentity(trx, 'volunteer', origin, at);
      if (admitted.status !== 'admitted') return rollback(admitted);
      return { status: 'created', ...(await insertVolunteer(store, trx, at)) };
    });
    if (r.status !== 'created') throw tooMany(c, r, at);
    return c.json({ volunteerId: r.id, token: r.token } satisfies CreateVolunteerResponse, 201);
  });

  app.get(API_PATHS.volunteerMe, requireVolunteer(store), async (c) => {
    const id = c.get('volunteerId');
    const v = await store.db.selectFrom('volunteers').select(['results_valid']).where('id', '=', id).executeTakeFirstOrThrow();
    const balance = await ledgerOf(store).balance(ACCOUNTS.volunteerPoints(id).id);
    const vesting = await ledgerOf(store).balance(ACCOUNTS.volunteerVesting(id).id);
    const owner = await store.db.selectFrom('users').select('id').where('volunteer_id', '=', id).executeTakeFirst();
    const pending = await store.db
      .selectFrom('replicas')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('volunteer_id', '=', id)
      .where('outcome', '=', 'pending')
      .executeTakeFirstOrThrow();
    const unpaid = await store.db
      .selectFrom('replicas')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('volunteer_id', '=', id)
      .where('outcome', '=', 'valid')
      .where('credited_points', '=', 0)
      .executeTakeFirstOrThrow();
    return c.json({
      volunteerId: id,
      points: balance?.posted ?? 0,
      pointsVesting: vesting?.posted ?? 0,
      claimed: owner !== undefined,
      resultsValid: Number(v.results_valid),
      resultsPending: Number(pending.n),
      resultsUnpaid: Number(unpaid.n),
    } satisfies VolunteerMe);
  });

  return app;
}
