/**
 * @module The world the robustness test sends its bad requests into: an app built as role
 * `all` builds it (reception and a node mounted, so every documented route exists), the
 * demo shop, and one holder of every credential the document names (a customer's API key, an
 * anonymous volunteer's token, signed-in users of each role, the operator's token, the
 * reception key), plus a real id for every path parameter (a job, a lease and its unit, an
 * open cart, an order, the shop operator's shop and product, a grant, a license, a kernel
 * file, a volunteer group and a private pool with a claimed seat each), so a request with a real id reaches the body check. Everything is made through the
 * HTTP API except points, credited through the ledger as validated work would (tests only).
 */
import { createApp } from '../../edge/app.ts';
import { createSimulatedPayments } from '../../edge/shop/payments.ts';
import { readConfig } from '../../edge/config.ts';
import { ACCOUNTS } from '../../edge/ledger/accounts.ts';
import { ledgerOf } from '../../edge/ledger/ledger.ts';
import { startReception } from '../../edge/reception/roles.ts';
import { DEMO_PRODUCTS, DEMO_SHOP_ID, seedDemoShop } from '../../edge/shop/seed.ts';
import { makeDialectApp, type TestDialect } from '../../edge/testing.ts';

/** Where every test request is addressed, and the Origin a same-site page sends. */
export const ORIGIN = 'http://edge.test';
/** The operator token the suite sets (OPERATOR_TOKEN) while it runs. */
export const OPERATOR_TOKEN = 'robustness-operator-token-0123456789';
/** The key reception shares with its nodes (RECEPTION_REPORT_KEY). */
export const RECEPTION_KEY = 'robustness-reception-key-0123456789';
const PASSWORD = 'correct horse battery';

type App = ReturnType<typeof createApp>;

/** A socket address for each request (fixture identities come from separate networks, as the per-origin bounds want). */
let network = 0;
const fromNetwork = () => ({ incoming: { socket: { remoteAddress: `10.${++network}.0.1` }, readableEnded: true } });

async function call(app: App, method: string, path: string, init: { body?: unknown; auth?: string; cookie?: string } = {}): Promise<{ status: number; json: Record<string, unknown>; setCookie: string[] }> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.auth) headers.authorization = `Bearer ${init.auth}`;
  if (init.cookie) headers.cookie = init.cookie;
  if (method !== 'GET') headers.origin = ORIGIN;
  const res = await app.request(`${ORIGIN}${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }, fromNetwork());
  const text = await res.text();
  const json = text && res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status: res.status, json, setCookie: res.headers.getSetCookie() };
}

/** Calls that must succeed to build the fixture; anything else stops the suite with the answer. */
async function must(app: App, method: string, path: string, init: Parameters<typeof call>[3] = {}) {
  const r = await call(app, method, path, init);
  if (r.status >= 300) throw new Error(`fixture: ${method} ${path} answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r;
}

async function signUp(app: App, role: 'volunteer' | 'customer' | 'shop_operator', n: number) {
  const r = await must(app, 'POST', '/api/auth/signup', { body: { email: `robust-${role}-${n}@example.org`, password: PASSWORD, role } });
  const pair = r.setCookie.map((l) => l.split(';')[0]!).find((p) => p.startsWith('sc_session='));
  if (!pair) throw new Error(`fixture: sign-up as ${role} set no session cookie`);
  return { cookie: pair, user: r.json as { userId: string; volunteerId: string | null; customerId: string | null; shopId: string | null } };
}

/**
 * Builds the world on `dialect`.
 * @example
 * const fx = await makeFixture('sqlite');
 * await fx.app.request(`${ORIGIN}/api/jobs/${fx.ids.jobId}`, { headers: { authorization: `Bearer ${fx.creds.customerKey}` } });
 */
/** The secret the payment simulator signs its callbacks with, so cases can sign theirs. */
export const CALLBACK_SECRET = new Uint8Array(32).fill(7);

export async function makeFixture(dialect: TestDialect) {
  const t = await makeDialectApp(dialect);
  const roles = startReception(readConfig({ EDGE_ROLE: 'all', PORT: '9999', RECEPTION_REPORT_KEY: RECEPTION_KEY }));
  const app = createApp({ store: t.store, kernels: t.kernels, now: () => t.clock.now, reception: roles.mount, payments: createSimulatedPayments({ callbackSecret: CALLBACK_SECRET }) });
  await seedDemoShop(t.store, t.clock.now);

  // A customer with a job.
  const customer = (await must(app, 'POST', '/api/customers', { body: { name: 'Robustness Lab' } })).json as { customerId: string; apiKey: string };
  await must(app, 'POST', '/api/billing/topups', { auth: customer.apiKey, body: { amountMinor: 500_000, card: 'tok_ok', idempotencyKey: 'robustness-topup-1' } });
  const job = (await must(app, 'POST', '/api/jobs', { auth: customer.apiKey, body: { kind: 'lorenz96', params: { members: 4, membersPerUnit: 2, steps: 100, snapEvery: 50 } } })).json as { id: string };

  // An anonymous volunteer holding a lease of that job.
  const volunteer = (await must(app, 'POST', '/api/volunteers')).json as { volunteerId: string; token: string };
  const leased = (await must(app, 'POST', '/api/work/lease', { auth: volunteer.token, body: { max: 1 } })).json as { leases: { leaseId: number; unitId: number }[] };
  const lease = leased.leases[0];
  if (!lease) throw new Error('fixture: the volunteer was given no lease');

  // Signed-in users of each role; the volunteer account buys at the demo shop with points.
  const buyer = await signUp(app, 'volunteer', 1);
  const customerUser = await signUp(app, 'customer', 1);
  const shopOperator = await signUp(app, 'shop_operator', 1);
  const [credited] = await ledgerOf(t.store).createTransfers(
    [{ id: 'robustness:credit:1', debit: ACCOUNTS.pointsIssued.id, credit: ACCOUNTS.volunteerPoints(buyer.user.volunteerId!).id, amount: 10_000, code: 'unit_credit' }],
    t.clock.now,
  );
  if (credited !== 'ok') throw new Error(`fixture: crediting points answered ${credited}`);
  const productId = DEMO_PRODUCTS[0]!.id;
  const ordered = (await must(app, 'POST', '/api/shop/carts', { cookie: buyer.cookie, body: { shopId: DEMO_SHOP_ID } })).json as { id: string };
  await must(app, 'PUT', `/api/shop/carts/${ordered.id}/lines/${productId}`, { cookie: buyer.cookie, body: { quantity: 1 } });
  const order = (await must(app, 'POST', '/api/shop/checkout', { cookie: buyer.cookie, body: { cartId: ordered.id, points: 0, idempotencyKey: 'robustness-checkout-1', cardToken: 'tok_ok' } })).json as { id: string };
  const openCart = (await must(app, 'POST', '/api/shop/carts', { cookie: buyer.cookie, body: { shopId: DEMO_SHOP_ID } })).json as { id: string };

  // The shop operator's own shop and product: made when the shop routes allow it (they are
  // changing under issue 15's first finding); otherwise the ids stay ones the operator runs
  // or names, which still reach the checks before the body.
  const shopId = shopOperator.user.shopId!;
  let shopProductId = 'robustness-product';
  const shop = await call(app, 'PUT', `/api/shop/shops/${shopId}`, { cookie: shopOperator.cookie, body: { name: 'Robustness Repairs', rules: { minorPerPoint: { num: 1, den: 1 }, pointsMin: 0, discountShareMax: { num: 1, den: 2 } } } });
  if (shop.status < 300) {
    const product = await call(app, 'POST', `/api/shop/shops/${shopId}/products`, { cookie: shopOperator.cookie, body: { kind: 'physical', name: 'Spoke key', priceMinor: 500 } });
    if (product.status < 300) shopProductId = (product.json as { id: string }).id;
  }

  // Licenses: one grant left to redeem, one redeemed into a license.
  const grant = { productId: 'robustness-app', productName: 'Robustness App', validDays: 365, activationLimit: 2 };
  const openGrant = (await must(app, 'POST', '/api/licenses/grants', { auth: OPERATOR_TOKEN, body: grant })).json as { code: string };
  const usedGrant = (await must(app, 'POST', '/api/licenses/grants', { auth: OPERATOR_TOKEN, body: grant })).json as { code: string };
  const license = (await must(app, 'POST', `/api/licenses/grants/${usedGrant.code}/redeem`, { auth: volunteer.token, body: {} })).json as { licenseId: string; key: string };

  // A volunteer group hosted by the volunteer and a private pool of the customer's job, each with a seat another volunteer claimed.
  const group = (await must(app, 'POST', '/api/groups', { auth: volunteer.token, body: { seats: 2, ttlMs: 3_600_000, kernel: 'lorenz96' } })).json as { groupId: string; invite: string };
  const pool = (await must(app, 'POST', '/api/pools', { auth: customer.apiKey, body: { jobId: job.id, seats: 2, ttlMs: 3_600_000, billing: 'notice' } })).json as { groupId: string; invite: string };
  const peer = (await must(app, 'POST', '/api/volunteers')).json as { token: string };
  const peerKey = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';
  const groupSeat = (await must(app, 'POST', '/api/seats', { auth: peer.token, body: { invite: group.invite, publicKey: peerKey } })).json as { seatId: number };
  const poolSeat = (await must(app, 'POST', '/api/seats', { auth: peer.token, body: { invite: pool.invite, publicKey: peerKey } })).json as { seatId: number };

  const kernels = (await must(app, 'GET', '/api/kernels')).json as { kernels: { url: string }[] };
  const kernelFile = kernels.kernels[0]!.url.split('/').pop()!;

  return {
    app,
    store: t.store,
    stop: () => roles.stop(),
    creds: {
      customerKey: customer.apiKey,
      customerId: customer.customerId,
      volunteerToken: volunteer.token,
      volunteerId: volunteer.volunteerId,
      /** Session cookies: a volunteer account (the buyer), a customer account, a shop operator. */
      buyerCookie: buyer.cookie,
      customerCookie: customerUser.cookie,
      shopOperatorCookie: shopOperator.cookie,
      operatorToken: OPERATOR_TOKEN,
      receptionKey: RECEPTION_KEY,
    },
    /** A real value for each path parameter, by the operation's path and the parameter's name. */
    realParam(path: string, name: string): string {
      if (name === 'id') return path.startsWith('/api/licenses/') ? license.licenseId : job.id;
      if (name === 'groupId') return path.startsWith('/api/pools/') ? pool.groupId : group.groupId;
      if (name === 'seatId') return String(path.startsWith('/api/pools/') ? poolSeat.seatId : groupSeat.seatId);
      if (name === 'productId') return path.startsWith('/api/shop/shops/') ? shopProductId : productId;
      const ids: Record<string, string> = {
        leaseId: String(lease.leaseId),
        unitId: String(lease.unitId),
        cartId: openCart.id,
        orderId: order.id,
        shopId,
        code: openGrant.code,
        file: kernelFile,
        slug: 'not-found',
      };
      const id = ids[name];
      if (id === undefined) throw new Error(`fixture: no real value for path parameter ${name} of ${path}: add one`);
      return id;
    },
  };
}

export type Fixture = Awaited<ReturnType<typeof makeFixture>>;
