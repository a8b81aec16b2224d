/**
 * @module The economy test (issue 15, "must show"): an attacker with free anonymous actions
 * only — customer accounts, volunteer identities, a self-registered shop — on a few networks
 * and with a bounded budget of requests plays one day greedily, and ends with spendable
 * points, discounts, licenses and shop receivables within bounds named from the product's
 * own constants. The property (finding 2): no sequence of anonymous, free actions yields
 * spendable points, discounts or licenses beyond a named bound per network origin per day.
 *
 * Why the bounds hold, and what each assertion would catch if its protection were removed:
 * - Points can only be bought with money (volunteers are credited what customers are charged
 *   for, at PRICE_MINOR_PER_POINT), and the only free money is trial credit, granted to the
 *   first TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX customer accounts of a network a day
 *   (edge/auth/trial.ts). Without that grant bound every one of the CUSTOMERS_PER_ORIGIN_PER_DAY_MAX
 *   accounts would hold trial credit: 10× the points, and the per-account check below fails first.
 * - Discounts: points × the operator's value of a point. The self-registered shop cannot set
 *   its own rate (the 10^9 rule is refused) nor take points while pending (the checkout is
 *   refused); without either, one point would be worth 10^9 minor units at that shop.
 * - Licenses: a contributor license needs CONTRIBUTOR_PRODUCTS' monthlyPoints vested points of
 *   one claimed identity; an anonymous identity is refused (asserted).
 * - The attacker's own shop's receivable stays 0: it is never approved.
 * - Work paid by trial credit earns nothing for volunteers on the customer's own network
 *   (edge/coordinator/funding.ts): the attacker tries it each phase, and those replicas are
 *   asserted unfunded and uncredited.
 *
 * Two ways past the bounds this test found, each now a test of its own below: a result
 * returned after its lease timed out was credited although the customer is charged for at
 * most the quorum, and a job whose hold expired (JOB_HOLD_TIMEOUT_MS) was finished
 * uncollected while the same trial credit paid a second job.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/client.ts';
import type { Lease } from '../../shared/api/schemas.ts';
import { CUSTOMER_TRIAL_CREDIT_MINOR, JOB_HOLD_TIMEOUT_MS, LEASE_BATCH_MAX, PRICE_MINOR_PER_POINT, QUORUM_DEFAULT, REPLICAS_MAX } from '../../shared/limits.ts';
import { LICENSE_PATHS } from '../../shared/license/api.ts';
import { CUSTOMERS_PER_ORIGIN_PER_DAY_MAX, TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX } from '../../edge/auth/identity-limiter.ts';
import { leaseTtlMs } from '../../edge/coordinator/lease.ts';
import { VEST_WINDOW_MS } from '../../edge/coordinator/vesting.ts';
import { ACCOUNTS } from '../../edge/ledger/accounts.ts';
import { ledgerOf } from '../../edge/ledger/ledger.ts';
import { CONTRIBUTOR_PRODUCTS } from '../../edge/licenses/contributor.ts';
import { sweepHolds } from '../../edge/jobs/jobs.ts';
import { readPointValue } from '../../edge/shop/catalog.ts';
import { DEMO_PRODUCTS, DEMO_SHOP, DEMO_SHOP_ID, seedDemoShop } from '../../edge/shop/seed.ts';
import { closeDialectApps, makeDialectApp, testDialects, type TestDialect } from '../../edge/testing.ts';
import { attackerOn, attempt, pointsOf, refusal, type Attacker } from './attacker.ts';

const dialects = await testDialects('the economy test');
afterEach(closeDialectApps);

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The attacker's networks: one IPv4 /24 each, the unit every per-origin bound counts (edge/http/origin.ts). */
const NETWORKS = ['198.51.100', '203.0.113', '192.0.2'] as const;
/** Requests the attacker may send in its day: about what the probe that found issue 15 sent (2,100). */
const REQUEST_BUDGET = 3_000;
/**
 * Volunteer identities per network: one, so each earns as many points as it can (a
 * contributor license counts one identity's points); the per-network bound is far above.
 */
const VOLUNTEERS_PER_NETWORK = 1;
/** Jobs each customer may start in a day of re-spending what finished jobs released (a loop bound). */
const JOBS_PER_CUSTOMER_MAX = 24;
/** The smallest job: each unit one member, a few steps, so a unit costs the 1-point minimum. */
const jobOf = (members: number, seed: number) => ({ kind: 'lorenz96', params: { n: 8, steps: 20, snapEvery: 20, members, membersPerUnit: 1, seed } }) as const;
/** The rules of the reported attack: 10^9 minor units per point, no minimum, points pay the whole order. */
const ATTACK_RULES = { minorPerPoint: { num: 1_000_000_000, den: 1 }, pointsMin: 0, discountShareMax: { num: 1, den: 1 } };
/** The attack's product price, in minor units (€20 M). */
const ATTACK_PRICE_MINOR = 2_000_000_000;
const PASSWORD = 'correct horse battery staple';
const CONTRIBUTOR = CONTRIBUTOR_PRODUCTS[0]!;
/** The demo product the attacker spends its points on (its price bounds how many points one line takes). */
const TSHIRT = DEMO_PRODUCTS.find((p) => p.id === 'p_tshirt')!;

/** The named bounds, per network origin per day, from the product's constants. */
function boundsOf(trialCreditMinor: number, pointValue: { num: number; den: number }) {
  /** Free money a network gets a day: its trial grants. Points are bought with money only. */
  const pointsPerNetwork = Math.floor((TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX * trialCreditMinor) / PRICE_MINOR_PER_POINT);
  const points = NETWORKS.length * pointsPerNetwork;
  return {
    pointsPerNetwork,
    points,
    /** Every point spent at the operator's value of a point (the most any approved shop may offer). */
    discountMinor: Math.floor((points * pointValue.num) / pointValue.den),
    /** Contributor licenses: monthlyPoints vested points of one identity each. */
    licenses: Math.floor(points / CONTRIBUTOR.monthlyPoints),
    /** The attacker's own shop is never approved: it is owed nothing. */
    ownShopReceivableMinor: 0,
  };
}

/** A customer the attacker made, and the trial credit it was given. */
interface Customer {
  network: number;
  api: ApiClient;
  trialMinor: number;
}

/** Creates customers on every network as fast as the limiter lets it, hour after hour, within the UTC day. */
async function createCustomers(a: Attacker, t: { clock: { now: number } }, dayStart: number): Promise<Customer[]> {
  const customers: Customer[] = [];
  const full = new Set<number>();
  for (let hour = 0; full.size < NETWORKS.length; hour++) {
    if (t.clock.now + HOUR_MS >= dayStart + DAY_MS) throw new Error('the day ended before the networks were full');
    for (const [network, net] of NETWORKS.entries()) {
      if (full.has(network)) continue;
      for (let i = 0; i <= CUSTOMERS_PER_ORIGIN_PER_DAY_MAX; i++) {
        const address = `${net}.${10 + i}`;
        const created = await attempt(a.api(address).createCustomer(`Lab ${network}-${hour}-${i}`));
        if (!created.ok) {
          // Refused until the next hour, or, once the day's accounts are made, until tomorrow.
          expect(created.status).toBe(429);
          if (created.detail.includes('per day')) full.add(network);
          break;
        }
        const api = a.api(address, created.value.apiKey);
        customers.push({ network, api, trialMinor: (await api.balance()).availableMinor });
      }
    }
    t.clock.now += HOUR_MS;
  }
  return customers;
}

/** Starts, for each of `customers`, the largest job its available balance pays; answers how many started. */
async function spendAll(customers: readonly Customer[], seed: { next: number }): Promise<number> {
  let started = 0;
  for (const c of customers) {
    const available = (await c.api.balance()).availableMinor;
    const perMember = (await c.api.quoteJob(jobOf(1, 0))).priceMinor;
    const members = Math.floor(available / perMember);
    if (members < 1) continue;
    await c.api.createJob(jobOf(members, seed.next++));
    started++;
  }
  return started;
}

/**
 * Trial credit, a setting: its default on SQLite; on PostgreSQL 60 % of it, so the run stays
 * well under a minute there (the default took 58 s) while each identity still earns a
 * contributor license's monthlyPoints. The bounds are computed from the setting in use.
 */
const TRIAL_CREDIT_MINOR: Readonly<Record<TestDialect, number>> = { sqlite: CUSTOMER_TRIAL_CREDIT_MINOR, postgres: Math.round(CUSTOMER_TRIAL_CREDIT_MINOR * 0.6) };

async function setup(dialect: TestDialect) {
  const t = await makeDialectApp(dialect, { trialCreditMinor: TRIAL_CREDIT_MINOR[dialect] });
  await seedDemoShop(t.store, t.clock.now);
  return { t, a: attackerOn(t) };
}

describe.each(dialects)('the economy on %s', (dialect) => {
  it('gives an attacker with free actions only and a bounded request budget no more than the named bounds', { timeout: 240_000 }, async () => {
    const started = Date.now();
    const { t, a } = await setup(dialect);
    const dayStart = Math.floor(t.clock.now / DAY_MS) * DAY_MS;
    const ledger = ledgerOf(t.store);

    // 1. A self-registered shop: it tries to set the value of a point, then settles for what it may.
    const owner = a.session(`${NETWORKS[0]}.200`);
    const operatorUser = await owner.auth.signup({ email: 'shop@attacker.example', password: PASSWORD, role: 'shop_operator' });
    const ownShopId = operatorUser.shopId!;
    expect(await refusal(owner.shop.upsertShop(ownShopId, { name: 'Attacker Goods', rules: ATTACK_RULES }))).toMatchObject({ status: 422 });
    const ownShop = await owner.shop.upsertShop(ownShopId, { name: 'Attacker Goods', rules: { minorPerPoint: { num: 1, den: 1 }, pointsMin: 0, discountShareMax: { num: 1, den: 2 } } });
    expect(ownShop.status).toBe('pending');
    const goldBar = await owner.shop.createProduct(ownShopId, { kind: 'physical', name: 'Gold bar', priceMinor: ATTACK_PRICE_MINOR });
    expect((await refusal(owner.shop.setStatus(ownShopId, { status: 'approved' })))?.status).toBe(403);
    expect((await refusal(owner.shop.setPointValue({ minorPerPoint: ATTACK_RULES.minorPerPoint })))?.status).toBe(403);

    // 2. Customers: as many as each network may make today. Only the first grants hold trial credit.
    const customers = await createCustomers(a, t, dayStart);
    for (const [network] of NETWORKS.entries()) {
      const mine = customers.filter((c) => c.network === network);
      // The shop operator's sign-up counted as a customer account of network 0.
      expect(mine.length).toBe(CUSTOMERS_PER_ORIGIN_PER_DAY_MAX - (network === 0 ? 1 : 0));
      const granted = mine.filter((c) => c.trialMinor > 0);
      expect(granted.map((c) => c.trialMinor)).toEqual(Array(TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX).fill(TRIAL_CREDIT_MINOR[dialect]));
      // Customers beyond the grants got nothing (without the grant bound they would hold trial credit too).
      expect(mine.slice(TRIAL_GRANTS_PER_ORIGIN_PER_DAY_MAX).every((c) => c.trialMinor === 0)).toBe(true);
    }

    // 3. Volunteer identities on every network.
    const volunteers: { network: number; address: string; volunteerId: string; token: string; api: ApiClient }[] = [];
    for (const [network, net] of NETWORKS.entries()) {
      for (let i = 0; i < VOLUNTEERS_PER_NETWORK; i++) {
        const address = `${net}.${100 + i}`;
        const { volunteerId, token } = await a.api(address).createVolunteer();
        volunteers.push({ network, address, volunteerId, token, api: a.api(address, token) });
      }
    }
    // An anonymous identity cannot turn points into licenses.
    const anonGrant = await a.session(volunteers[0]!.address).fetch(LICENSE_PATHS.contributorGrant, {
      method: 'POST',
      headers: { authorization: `Bearer ${volunteers[0]!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ productId: CONTRIBUTOR.productId }),
    });
    expect(anonGrant.status).toBe(403);

    // 4. All trial credit into jobs, network by network, computed honestly by the volunteers of the
    // other networks (paid) and once by the network's own volunteer (paid nothing: funding.ts).
    const seed = { next: 1 };
    for (const [network] of NETWORKS.entries()) {
      const funders = customers.filter((c) => c.network === network && c.trialMinor > 0);
      const own = volunteers.filter((v) => v.network === network);
      const others = volunteers.filter((v) => v.network !== network).map((v) => v.api);
      for (let round = 0; round < JOBS_PER_CUSTOMER_MAX; round++) {
        if ((await spendAll(funders, seed)) === 0) break;
        // Self-dealing, tried once per batch: the network's own identity computes one lease's worth.
        for (const v of own) {
          const { leases } = await v.api.lease({ max: 4 });
          if (leases.length > 0) await v.api.submitResults(await Promise.all(leases.map(async (l: Lease) => ({ leaseId: l.leaseId, output: await a.compute(l) }))));
        }
        await a.computeAll(others);
      }
      for (const c of funders) expect((await c.api.balance()).availableMinor).toBeLessThan((await c.api.quoteJob(jobOf(1, 0))).priceMinor);
    }
    // Every free action happened on one UTC day.
    expect(t.clock.now).toBeLessThan(dayStart + DAY_MS);

    // 5. Vesting: a day later every credit decided by peers has vested (settle sweeps them).
    t.clock.now += VEST_WINDOW_MS + HOUR_MS;
    for (let i = 0; i < 50; i++) {
      await t.coordinator.verifier.settle();
      const still = await Promise.all(volunteers.map((v) => pointsOf(t, v.volunteerId)));
      if (still.every((p) => p.vesting === 0)) break;
    }
    const earned = await Promise.all(volunteers.map(async (v) => ({ ...v, ...(await pointsOf(t, v.volunteerId)) })));
    const totalPoints = earned.reduce((s, v) => s + v.spendable + v.vesting, 0);

    // 6. Claim every identity with an account, then spend: the own shop first, the demo shop next.
    const pointValue = await readPointValue(t.store.db);
    const bounds = boundsOf(TRIAL_CREDIT_MINOR[dialect], pointValue);
    let discountMinor = 0;
    let licenses = 0;
    let ownShopRefusals = 0;
    for (const [i, v] of earned.entries()) {
      const buyer = a.session(v.address);
      await buyer.auth.claim(v.token, { email: `volunteer${i}@attacker.example`, password: PASSWORD });
      if (v.spendable === 0) continue;
      const ownCart = await buyer.shop.createCart(ownShopId);
      await buyer.shop.setLine(ownCart.id, goldBar.id, 1);
      const refused = await refusal(buyer.shop.checkout({ cartId: ownCart.id, points: v.spendable, idempotencyKey: `own-shop-${i}-attempt`, cardToken: 'tok_ok' }));
      expect(refused).toMatchObject({ status: 409, type: '/problems/shop-not-approved' });
      ownShopRefusals++;
      // At the demo shop, enough T-shirts that half the order (its share cap) takes every point.
      const cart = await buyer.shop.createCart(DEMO_SHOP_ID);
      const share = DEMO_SHOP.share_num / DEMO_SHOP.share_den;
      await buyer.shop.setLine(cart.id, TSHIRT.id, Math.max(1, Math.ceil((v.spendable * pointValue.num) / pointValue.den / (TSHIRT.price_minor * share))));
      const order = await buyer.shop.checkout({ cartId: cart.id, points: v.spendable, idempotencyKey: `demo-shop-${i}-order`, cardToken: 'tok_ok' });
      expect(order.status).toBe('paid');
      discountMinor += order.discountMinor;
      // The same vested points also count toward a contributor license.
      const grant = await buyer.fetch(LICENSE_PATHS.contributorGrant, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ productId: CONTRIBUTOR.productId }) });
      expect(grant.status).toBe(200);
      if (((await grant.json()) as { status: string }).status === 'granted') licenses++;
    }
    const ownReceivable = (await ledger.balance(ACCOUNTS.shopReceivable(ownShopId).id))?.posted ?? 0;

    // 7. The trial-only work the attacker computed on its own networks earned nothing.
    const selfDealt = await t.store.db
      .selectFrom('replicas as r')
      .innerJoin('units as u', 'u.id', 'r.unit_id')
      .innerJoin('jobs as j', 'j.id', 'u.job_id')
      .innerJoin('customers as c', 'c.id', 'j.customer_id')
      .select(['r.unfunded', 'r.credited_points'])
      .whereRef('r.origin', '=', 'c.origin')
      .where('r.outcome', '=', 'valid')
      .execute();

    const sent = a.requests();
    console.log(
      `[economy ${dialect}] attacker (${NETWORKS.length} networks, ${sent}/${REQUEST_BUDGET} requests, ${customers.length} customers, ${volunteers.length} identities, 1 shop): ` +
        `points ${totalPoints}/${bounds.points}, discounts ${discountMinor}/${bounds.discountMinor} minor, contributor licenses ${licenses}/${bounds.licenses}, ` +
        `own shop receivable ${ownReceivable}/${bounds.ownShopReceivableMinor} minor (${ownShopRefusals} points checkouts refused), self-dealt results ${selfDealt.length} earning ${selfDealt.reduce((s, r) => s + Number(r.credited_points), 0)}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    expect(sent).toBeLessThanOrEqual(REQUEST_BUDGET);
    expect(totalPoints).toBeLessThanOrEqual(bounds.points);
    for (const [network] of NETWORKS.entries()) {
      // Each network's volunteers were paid by the other networks' trial credit only.
      expect(earned.filter((v) => v.network === network).reduce((s, v) => s + v.spendable + v.vesting, 0)).toBeLessThanOrEqual((NETWORKS.length - 1) * bounds.pointsPerNetwork);
    }
    expect(discountMinor).toBeLessThanOrEqual(bounds.discountMinor);
    expect(licenses).toBeLessThanOrEqual(bounds.licenses);
    expect(ownReceivable).toBe(bounds.ownShopReceivableMinor);
    // The test exercised what it bounds: the attacker did earn, spend and license, and tried self-dealing.
    expect(totalPoints).toBeGreaterThan(bounds.points / 2);
    expect(discountMinor).toBeGreaterThan(0);
    expect(licenses).toBeGreaterThan(0);
    expect(ownShopRefusals).toBeGreaterThan(0);
    expect(selfDealt.length).toBeGreaterThan(0);
    expect(selfDealt.every((r) => r.unfunded === 1 && Number(r.credited_points) === 0)).toBe(true);
  });

  /** Points the attacker's volunteers hold once everything vested (a day later, swept). */
  async function vestedTotal(t: Awaited<ReturnType<typeof setup>>['t'], volunteerIds: readonly string[]): Promise<number> {
    t.clock.now += VEST_WINDOW_MS + HOUR_MS;
    for (let i = 0; i < 10; i++) await t.coordinator.verifier.settle();
    const held = await Promise.all(volunteerIds.map((id) => pointsOf(t, id)));
    return held.reduce((s, p) => s + p.spendable + p.vesting, 0);
  }

  // KNOWN BUG (issue 15, found by this test): a result returned after its lease timed out is
  // credited when it agrees (edge/coordinator/submit.ts, `late`; and an undecided unit's
  // timed-out replicas are all credited by the server's decision), while the customer is
  // charged for at most the quorum (edge/jobs/billing.ts chargeOfUnits). Letting leases time
  // out until REPLICAS_MAX were handed out, then returning them all, turns 2 minor units into
  // 6 spendable points per unit: 3× the bound. Fixed: a unit pays at most its quorum of valid
  // results (edge/coordinator/credits.ts paidOf), what the customer is charged for.
  it('pays results returned after their leases timed out no more than the customer was charged', async () => {
    const { t, a } = await setup(dialect);
    const home = `${NETWORKS[0]}.10`;
    const { apiKey } = await a.api(home).createCustomer('Late Lab');
    const customer = a.api(home, apiKey);
    const job = await customer.createJob(jobOf(LEASE_BATCH_MAX, 1));
    const vols = [];
    for (let i = 0; i < REPLICAS_MAX; i++) {
      const address = `${NETWORKS[1 + (i % 2)]}.${100 + i}`;
      const { volunteerId, token } = await a.api(address).createVolunteer();
      vols.push({ volunteerId, api: a.api(address, token) });
    }
    // A quorum of volunteers leases every unit; the leases time out; the next quorum leases them …
    const held: { api: ApiClient; leases: Lease[] }[] = [];
    for (const [i, v] of vols.entries()) {
      if (i > 0 && i % QUORUM_DEFAULT === 0) t.clock.now += leaseTtlMs(1) + 1;
      held.push({ api: v.api, leases: (await v.api.lease({ max: LEASE_BATCH_MAX })).leases });
    }
    // … then all return honest results.
    for (const h of held) await h.api.submitResults(await Promise.all(h.leases.map(async (l) => ({ leaseId: l.leaseId, output: await a.compute(l) }))));
    await t.coordinator.verifier.settle();
    expect((await customer.job(job.id)).status).toBe('completed');
    const charged = (await customer.jobInvoice(job.id)).chargedMinor;
    const points = await vestedTotal(t, vols.map((v) => v.volunteerId));
    console.log(`[economy ${dialect}] late results: ${held.reduce((s, h) => s + h.leases.length, 0)} leases of ${LEASE_BATCH_MAX} units, charged ${charged} minor, points ${points} (bound ${Math.floor(charged / PRICE_MINOR_PER_POINT)}), ${a.requests()} requests`);
    expect(points).toBeLessThanOrEqual(Math.floor(charged / PRICE_MINOR_PER_POINT));
  });

  // KNOWN BUG (issue 15, found by this test): a job's quote is held for JOB_HOLD_TIMEOUT_MS; when
  // the hold expires (edge/main.ts sweeps holds every minute) the balance is free again and pays
  // a second job, and the first, computed afterwards, is billed from a balance the second holds:
  // "uncollected" (edge/jobs/billing.ts settleJobOp), its volunteers credited all the same. So
  // one trial credit pays twice the work, and again every JOB_HOLD_TIMEOUT_MS. Fixed: the hold
  // sweep (edge/jobs/jobs.ts sweepHolds, what edge/main.ts runs) first ends jobs running past
  // JOB_RUNNING_MS_MAX, a day before their holds would expire, billing them from the hold.
  it('never pays volunteers twice from one trial credit when a job outlives its hold', async () => {
    const { t, a } = await setup(dialect);
    const home = `${NETWORKS[0]}.10`;
    const { apiKey } = await a.api(home).createCustomer('Patient Lab');
    const customer = a.api(home, apiKey);
    const trial = (await customer.balance()).availableMinor;
    const perMember = (await customer.quoteJob(jobOf(1, 0))).priceMinor;
    const first = await customer.createJob(jobOf(Math.floor(trial / perMember), 1));
    t.clock.now += JOB_HOLD_TIMEOUT_MS + 1;
    expect(await sweepHolds(t.store, t.clock.now)).toMatchObject({ jobsEnded: 1 });
    expect((await customer.job(first.id)).status).toBe('cancelled');
    const second = await customer.createJob(jobOf(Math.floor((await customer.balance()).availableMinor / perMember), 2));
    const vols = [];
    for (const net of NETWORKS.slice(1)) {
      const { volunteerId, token } = await a.api(`${net}.100`).createVolunteer();
      vols.push({ volunteerId, api: a.api(`${net}.100`, token) });
    }
    await a.computeAll(vols.map((v) => v.api));
    const invoices = await Promise.all([first, second].map((j) => customer.jobInvoice(j.id)));
    const points = await vestedTotal(t, vols.map((v) => v.volunteerId));
    console.log(`[economy ${dialect}] expired hold: trial ${trial} minor, invoices ${invoices.map((i) => `${i.status} ${i.chargedMinor}`).join(', ')}, points ${points} (bound ${Math.floor(trial / PRICE_MINOR_PER_POINT)}), ${a.requests()} requests`);
    expect(points).toBeLessThanOrEqual(Math.floor(trial / PRICE_MINOR_PER_POINT));
  });
});
