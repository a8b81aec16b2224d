/**
 * @module Account routes: customers sign up for an API key; volunteers get an anonymous
 * identity on their first visit and read their points.
 */
import { Hono } from 'hono';
import { API_PATHS, CreateCustomerRequestSchema, type CreateCustomerResponse, type CreateVolunteerResponse, type VolunteerMe } from '../../shared/api/schemas.ts';
import type { Store } from '../db/index.ts';
import { inTransaction } from '../db/tx.ts';
import { readJson } from '../http/body.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { requireVolunteer, type AuthVariables } from '../auth/require.ts';
import { issueToken, newId } from '../auth/tokens.ts';
import { insertVolunteer } from '../auth/volunteers.ts';

/** What the account routes are built from (the composition root's deps have it all). */
export interface AccountRoutesDeps {
  store: Store;
  now: () => number;
}

/**
 * @example
 * app.route('/', accountRoutes(deps));
 */
export function accountRoutes({ store, now }: AccountRoutesDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();

  app.post(API_PATHS.customers, async (c) => {
    const { name } = await readJson(c, CreateCustomerRequestSchema);
    const id = newId('c');
    const { token, hash } = issueToken(id);
    await store.db.insertInto('customers').values({ id, name, key_hash: hash, created_at: now() }).execute();
    return c.json({ customerId: id, apiKey: token } satisfies CreateCustomerResponse, 201);
  });

  app.post(API_PATHS.volunteers, async (c) => {
    const at = now();
    const { id, token } = await inTransaction(store, (trx) => insertVolunteer(store, trx, at));
    return c.json({ volunteerId: id, token } satisfies CreateVolunteerResponse, 201);
  });

  app.get(API_PATHS.volunteerMe, requireVolunteer(store), async (c) => {
    const id = c.get('volunteerId');
    const v = await store.db.selectFrom('volunteers').select(['results_valid']).where('id', '=', id).executeTakeFirstOrThrow();
    const balance = await ledgerOf(store).balance(ACCOUNTS.volunteerPoints(id).id);
    const pending = await store.db
      .selectFrom('replicas')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('volunteer_id', '=', id)
      .where('outcome', '=', 'pending')
      .executeTakeFirstOrThrow();
    return c.json({
      volunteerId: id,
      points: balance?.posted ?? 0,
      resultsValid: Number(v.results_valid),
      resultsPending: Number(pending.n),
    } satisfies VolunteerMe);
  });

  return app;
}
