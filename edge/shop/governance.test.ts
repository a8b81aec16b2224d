/**
 * The operator governs shops (issue 15, finding 1), on SQLite and PostgreSQL: the attack
 * that let a self-registered shop set the value of a point is refused at every step, shop
 * names cannot be squatted, approval and suspension take effect, caps and the value of a
 * point bound what checkouts price with, and the settlement limit bounds the receivable.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { problemOf } from '../auth/test-browser.ts';
import { OPERATOR, withOperatorToken } from '../licenses/test-helpers.ts';
import { dropFreshPg, freshPgUrl, testDialects, type TestDialect } from '../testing.ts';
import { keyShopNames, SHOP_SETTLEMENT_LIMIT_DEFAULT_MINOR } from './governance.ts';
import { DEMO_SHOP } from './seed.ts';
import { DEMO_SHOP_ID, key, makeShopTest, type ShopTest, type TestBuyer } from './testing.ts';

const dialects = await testDialects('the shop governance tests');
const opened: { t: ShopTest; url: string | undefined }[] = [];

async function shopTest(dialect: TestDialect): Promise<ShopTest> {
  const url = dialect === 'postgres' ? await freshPgUrl() : undefined;
  const t = await makeShopTest(url ? { url } : {});
  opened.push({ t, url });
  return t;
}

afterEach(async () => {
  for (const { t, url } of opened.splice(0)) {
    await t.store.close();
    await dropFreshPg(url);
  }
});

/** The rules of the reported attack: 10^9 minor units per point, no minimum, points pay the whole order. */
const ATTACK_RULES = { minorPerPoint: { num: 1_000_000_000, den: 1 }, pointsMin: 0, discountShareMax: { num: 1, den: 1 } };
/** Rules within a new shop's default caps: 1 minor unit per point, half an order. */
const MODEST_RULES = { minorPerPoint: { num: 1, den: 1 }, pointsMin: 0, discountShareMax: { num: 1, den: 2 } };
/** The attack's product price, in minor units (€20 M). */
const ATTACK_PRICE_MINOR = 2_000_000_000;

const today = (t: ShopTest) => new Date(t.clock.now).toISOString().slice(0, 10);

/** A cart with one of `productId`, and its checkout (paid at once with `cardToken`; null: left awaiting payment). */
async function buyFrom(b: TestBuyer, shopId: string, productId: string, points: number, cardToken: string | null = 'tok_ok') {
  const cart = await b.shop.createCart(shopId);
  await b.shop.setLine(cart.id, productId, 1);
  return { cartId: cart.id, order: () => b.shop.checkout({ cartId: cart.id, points, idempotencyKey: key(), ...(cardToken ? { cardToken } : {}) }) };
}

describe.each(dialects)('shop governance on %s', (dialect) => {
  it('refuses the reported attack: the rules above the caps, points at the unapproved shop, and the receivable past the limit', async () => {
    const t = await shopTest(dialect);
    const op = await t.buyer('shop_operator');
    const shopId = op.user.shopId!;

    // 1. The shop sets the value of a point: refused with the fields named, nothing created.
    const before = await t.snapshot();
    const refused = await problemOf(op.shop.upsertShop(shopId, { name: 'Attack Shop', rules: ATTACK_RULES }));
    expect(refused).toMatchObject({ status: 422, type: '/problems/validation' });
    expect(refused.errors?.map((e) => e.path).sort()).toEqual(['rules.discountShareMax', 'rules.minorPerPoint']);
    expect(refused.detail).toContain('rules.minorPerPoint');
    expect(await t.snapshot()).toEqual(before);

    // 2. Within its caps it is set up, pending.
    const shop = await op.shop.upsertShop(shopId, { name: 'Attack Shop', rules: MODEST_RULES });
    expect(shop).toMatchObject({ status: 'pending', rules: MODEST_RULES });
    const product = await op.shop.createProduct(shopId, { kind: 'physical', name: 'Gold bar', priceMinor: ATTACK_PRICE_MINOR });
    // Once created, its rules still cannot go above the caps.
    const again = await t.snapshot();
    expect((await problemOf(op.shop.upsertShop(shopId, { name: 'Attack Shop', rules: { ...MODEST_RULES, minorPerPoint: { num: 2, den: 1 } } }))).errors).toEqual([
      { path: 'rules.minorPerPoint', message: expect.stringContaining('at most 1 minor units per point') },
    ]);
    expect(await t.snapshot()).toEqual(again);

    // 3. Its own operator cannot approve it, raise its caps or the value of a point.
    expect((await problemOf(op.shop.setStatus(shopId, { status: 'approved' }))).status).toBe(403);
    expect((await problemOf(op.shop.setCaps(shopId, { minorPerPointMax: { num: 1, den: 1 }, discountShareMax: { num: 1, den: 1 }, settlementLimitMinor: 10 ** 12 }))).status).toBe(403);
    expect((await problemOf(op.shop.setPointValue({ minorPerPoint: { num: 1_000_000_000, den: 1 } }))).status).toBe(403);
    expect((await problemOf(op.shop.shops())).status).toBe(403);

    // 4. A checkout with points at the pending shop yields no discount: refused, nothing held.
    const buyer = await t.buyer();
    await t.credit(buyer.user.volunteerId!, 1_000_000);
    const attempt = await buyFrom(buyer, shopId, product.id, 2);
    const beforeCheckout = await t.snapshot();
    expect(await problemOf(attempt.order())).toMatchObject({ status: 409, type: '/problems/shop-not-approved', detail: expect.stringContaining('check out with 0 points') });
    expect(await t.snapshot()).toEqual(beforeCheckout);
    expect(await t.balances(buyer.user.volunteerId!, shopId)).toMatchObject({ pointsAvailable: 1_000_000, pointsHeld: 0, receivable: 0 });
    const report = await op.shop.settlement(shopId, today(t), today(t));
    expect(report).toMatchObject({ totals: { discountMinor: 0 }, ledger: { receivableMinor: 0 }, reconciled: true });

    // 5. Approved, its discounts stay within the caps and the settlement limit.
    const operator = await t.operator();
    expect((await operator.shop.setStatus(shopId, { status: 'approved' })).shop.status).toBe('approved');
    const tooMuch = await buyFrom(buyer, shopId, product.id, SHOP_SETTLEMENT_LIMIT_DEFAULT_MINOR + 1);
    const beforeLimit = await t.snapshot();
    expect(await problemOf(tooMuch.order())).toMatchObject({ status: 409, type: '/problems/settlement-limit-reached' });
    expect(await t.snapshot()).toEqual(beforeLimit);
    expect(await t.balances(buyer.user.volunteerId!, shopId)).toMatchObject({ pointsHeld: 0, pointsAvailable: 1_000_000 });
    // Exactly up to the limit is taken, at 1 minor unit per point.
    const paid = await (await buyFrom(buyer, shopId, product.id, SHOP_SETTLEMENT_LIMIT_DEFAULT_MINOR)).order();
    expect(paid).toMatchObject({ status: 'paid', discountMinor: SHOP_SETTLEMENT_LIMIT_DEFAULT_MINOR, pointsUsed: SHOP_SETTLEMENT_LIMIT_DEFAULT_MINOR });
    expect(await problemOf((await buyFrom(buyer, shopId, product.id, 1)).order())).toMatchObject({ type: '/problems/settlement-limit-reached' });
    const after = await op.shop.settlement(shopId, today(t), today(t));
    expect(after).toMatchObject({ totals: { discountMinor: SHOP_SETTLEMENT_LIMIT_DEFAULT_MINOR }, ledger: { receivableMinor: SHOP_SETTLEMENT_LIMIT_DEFAULT_MINOR }, reconciled: true });
    expect((await op.shop.governance(shopId)).outstanding).toEqual({ receivableMinor: SHOP_SETTLEMENT_LIMIT_DEFAULT_MINOR, reservedMinor: 0, headroomMinor: 0 });
    // Without points the shop still sells.
    expect(await (await buyFrom(buyer, shopId, product.id, 0)).order()).toMatchObject({ status: 'paid', discountMinor: 0 });
  });

  it('keeps shop names unique after normalisation: the demo shop’s name in another spelling is refused with 409', async () => {
    const t = await shopTest(dialect);
    const op = await t.buyer('shop_operator');
    const shopId = op.user.shopId!;
    const before = await t.snapshot();
    for (const name of ['sparecycles store', '  SPARECYCLES   Store ', 'Ｓｐａｒｅｃｙｃｌｅｓ Store']) {
      expect(await problemOf(op.shop.upsertShop(shopId, { name, rules: MODEST_RULES }))).toMatchObject({
        status: 409,
        type: '/problems/shop-name-taken',
        detail: expect.stringContaining('“SpareCycles Store”'),
      });
    }
    // Text people type is checked: a control character, an invisible-only name.
    expect((await problemOf(op.shop.upsertShop(shopId, { name: 'Bad\u0000Shop', rules: MODEST_RULES }))).errors?.[0]?.path).toBe('name');
    expect((await problemOf(op.shop.upsertShop(shopId, { name: '\u200b\u200b', rules: MODEST_RULES }))).errors?.[0]?.path).toBe('name');
    expect(await t.snapshot()).toEqual(before);

    // Its own name in another spelling is its own; a second shop cannot take it.
    expect((await op.shop.upsertShop(shopId, { name: 'Caf\u0065\u0301 Widgets', rules: MODEST_RULES })).name).toBe('Café Widgets');
    expect((await op.shop.upsertShop(shopId, { name: 'CAFÉ widgets', rules: MODEST_RULES })).name).toBe('CAFÉ widgets');
    const other = await t.buyer('shop_operator');
    expect((await problemOf(other.shop.upsertShop(other.user.shopId!, { name: 'café  widgets', rules: MODEST_RULES }))).type).toBe('/problems/shop-name-taken');
    // Product names and descriptions are text people type too.
    const product = await problemOf(op.shop.createProduct(shopId, { kind: 'physical', name: 'Mug', description: 'nul\u0000here', priceMinor: 100 }));
    expect(product.errors?.[0]?.path).toBe('description');
    expect((await op.shop.createProduct(shopId, { kind: 'physical', name: '  Mug\u0301 ', description: 'two\nlines', priceMinor: 100 })).name).toBe('Mug\u0301'.normalize('NFC'));
  });

  it('keys the names of shops from before migration 0013 at start; a later duplicate keeps its name, and neither can be taken', async () => {
    const t = await shopTest(dialect);
    const old = (id: string, name: string, at: number) => ({ ...DEMO_SHOP, id, name, name_key: null, status: 'pending' as const, created_at: at });
    await t.store.db.insertInto('shops').values([old('s_old1', 'Old  Shop', 1), old('s_old2', 'old shop', 2)]).execute();
    expect(await keyShopNames(t.store)).toBe(2);
    const keys = await t.store.db.selectFrom('shops').select(['id', 'name_key']).where('id', 'in', ['s_old1', 's_old2']).orderBy('id').execute();
    expect(keys).toEqual([
      { id: 's_old1', name_key: 'old shop' },
      { id: 's_old2', name_key: 'old shop\u0001s_old2' },
    ]);
    expect(await keyShopNames(t.store)).toBe(0);
    const op = await t.buyer('shop_operator');
    expect((await problemOf(op.shop.upsertShop(op.user.shopId!, { name: 'OLD SHOP', rules: MODEST_RULES }))).type).toBe('/problems/shop-name-taken');
  });

  it('approves, suspends and caps: suspension stops new points checkouts and the payment of orders holding points', async () => {
    const t = await shopTest(dialect);
    const operator = await t.operator();
    const buyer = await t.buyer();
    const v = buyer.user.volunteerId!;
    await t.credit(v, 10_000);
    // The demo shop is approved by its seeding; the operator sees it.
    expect((await operator.shop.shops()).shops.map((g) => [g.shop.id, g.shop.status])).toEqual([[DEMO_SHOP_ID, 'approved']]);
    const open = await (await buyFrom(buyer, DEMO_SHOP_ID, 'p_mug', 100, null)).order();
    expect(open.status).toBe('awaiting_payment');
    expect((await operator.shop.governance(DEMO_SHOP_ID)).outstanding).toMatchObject({ reservedMinor: 100, receivableMinor: 0 });

    expect((await operator.shop.setStatus(DEMO_SHOP_ID, { status: 'suspended' })).shop.status).toBe('suspended');
    const suspended = await buyFrom(buyer, DEMO_SHOP_ID, 'p_mug', 100);
    const before = await t.snapshot();
    expect(await problemOf(suspended.order())).toMatchObject({ type: '/problems/shop-not-approved', detail: expect.stringContaining('suspended') });
    expect(await t.snapshot()).toEqual(before);
    // The order placed before the suspension is not paid: cancelled, its points released.
    expect(await problemOf(buyer.shop.pay(open.id, 'tok_ok'))).toMatchObject({ type: '/problems/shop-not-approved' });
    expect((await buyer.shop.order(open.id)).status).toBe('cancelled');
    expect(await t.balances(v)).toMatchObject({ pointsAvailable: 10_000, pointsHeld: 0, receivable: 0 });
    expect(t.payments.charges()).toHaveLength(0);
    // Without points the suspended shop still sells.
    expect((await (await buyFrom(buyer, DEMO_SHOP_ID, 'p_mug', 0)).order()).status).toBe('paid');

    // Approved again, with caps below its own rules: checkouts price within the caps.
    await operator.shop.setStatus(DEMO_SHOP_ID, { status: 'approved' });
    const capped = await operator.shop.setCaps(DEMO_SHOP_ID, { minorPerPointMax: { num: 1, den: 2 }, discountShareMax: { num: 1, den: 4 }, settlementLimitMinor: 100_000 });
    expect(capped.shop.rules).toEqual({ minorPerPoint: { num: 1, den: 2 }, pointsMin: 50, discountShareMax: { num: 1, den: 4 } });
    expect(capped.ownRules.minorPerPoint).toEqual({ num: 1, den: 1 });
    expect((await buyer.shop.catalog()).shops[0]!.rules).toEqual(capped.shop.rules);
    // A mug (1200): at most a quarter, 300 off, for 600 points at half a cent each.
    expect(await (await buyFrom(buyer, DEMO_SHOP_ID, 'p_mug', 5000)).order()).toMatchObject({ status: 'paid', discountMinor: 300, pointsUsed: 600 });
    // The value of a point lowered below the cap: it is what points buy now.
    expect((await operator.shop.setPointValue({ minorPerPoint: { num: 1, den: 4 } })).minorPerPoint).toEqual({ num: 1, den: 4 });
    expect(await (await buyFrom(buyer, DEMO_SHOP_ID, 'p_mug', 400)).order()).toMatchObject({ discountMinor: 100, pointsUsed: 400 });
    // A cap above the value of a point is refused, naming the field; nothing changed.
    const beforeCaps = await t.snapshot();
    const refused = await problemOf(operator.shop.setCaps(DEMO_SHOP_ID, { minorPerPointMax: { num: 1, den: 1 }, discountShareMax: { num: 1, den: 2 }, settlementLimitMinor: 1 }));
    expect(refused).toMatchObject({ status: 422, errors: [{ path: 'minorPerPointMax', message: expect.stringContaining('1/4') }] });
    expect(await problemOf(operator.shop.setStatus('s_nope', { status: 'approved' }))).toMatchObject({ status: 404, type: '/problems/shop-not-found' });
    expect(await t.snapshot()).toEqual(beforeCaps);
    expect((await buyer.shop.pointValue()).defaultMinorPerPoint).toEqual({ num: 1, den: 1 });
  });
});

describe('the operator token governs shops too (no sign-up makes an account with the operator role)', () => {
  withOperatorToken();
  it('approves a shop with OPERATOR_TOKEN; another bearer token is refused and changes nothing', async () => {
    const t = await shopTest('sqlite');
    const op = await t.buyer('shop_operator');
    const shopId = op.user.shopId!;
    await op.shop.upsertShop(shopId, { name: 'Token Shop', rules: MODEST_RULES });
    const put = (auth: string) =>
      t.app.request(`http://edge.test/api/shop/shops/${shopId}/status`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'approved' }) });
    const before = await t.snapshot();
    const wrong = await put('Bearer not-the-operator-token-000');
    expect(wrong.status).toBe(401);
    expect(await t.snapshot()).toEqual(before);
    const ok = await put(`Bearer ${OPERATOR}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { shop: { status: string } }).shop.status).toBe('approved');
  });
});
