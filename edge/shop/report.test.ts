import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/client.ts';
import { DAY_MS } from '../../shared/limits.ts';
import type { SettlementReport } from '../../shared/shop/schemas.ts';
import { csvTextCell, settlementCsv } from './report.ts';
import { DEMO_SHOP_ID, key, makeShopTest, type TestBuyer } from './testing.ts';

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function problemType(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected a problem, got ${String(err)}`);
  return err.problem.type;
}

describe('settlement report', () => {
  it('lists sales and refunds of a period for the shop operator, reconciled with the ledger, as JSON and CSV', async () => {
    const t = await makeShopTest();
    const op = await t.buyer('shop_operator');
    const shopId = op.user.shopId!;
    // 10 points per cent; at least 10 points; points pay at most a third.
    const shop = await op.shop.upsertShop(shopId, { name: 'Widgets & Co', rules: { minorPerPoint: { num: 1, den: 10 }, pointsMin: 10, discountShareMax: { num: 1, den: 3 } } });
    expect(shop).toMatchObject({ id: shopId, currency: 'EUR', status: 'pending' });
    // Its discounts are the operator's money: it takes points once the operator approves it.
    const operator = await t.operator();
    expect((await operator.shop.setStatus(shopId, { status: 'approved' })).shop.status).toBe('approved');
    const widget = await op.shop.createProduct(shopId, { kind: 'physical', name: 'Widget', priceMinor: 999 });
    const app = await op.shop.createProduct(shopId, { kind: 'license', name: 'Widget Designer', priceMinor: 2000, license: { validDays: 30, activationLimit: 1 } });
    const catalog = await op.shop.catalog();
    expect(catalog.products.filter((p) => p.shopId === shopId).map((p) => p.name)).toEqual(['Widget', 'Widget Designer']);

    const buy = async (b: TestBuyer, lines: [string, number][], points: number, target = shopId) => {
      const cart = await b.shop.createCart(target);
      for (const [p, q] of lines) await b.shop.setLine(cart.id, p, q);
      return b.shop.checkout({ cartId: cart.id, points, idempotencyKey: key(), cardToken: 'tok_ok' });
    };
    const a = await t.buyer();
    const b = await t.buyer();
    await t.credit(a.user.volunteerId!, 100_000);
    await t.credit(b.user.volunteerId!, 100_000);

    const day1 = t.clock.now;
    const o1 = await buy(a, [[widget.id, 3], [app.id, 1]], 7_777); // list 4997, discount 777
    const other = await buy(a, [['p_mug', 1]], 100, DEMO_SHOP_ID); // another shop: not in this report
    t.clock.now += DAY_MS;
    const o2 = await buy(b, [[widget.id, 1]], 100_000); // list 999, capped at 333
    const r1 = await a.shop.refund(o1.id, [o1.lines.find((l) => l.productId === widget.id)!.lineNo]);
    t.clock.now += DAY_MS;
    await buy(b, [[widget.id, 2]], 0); // the day after the period

    expect(o1).toMatchObject({ listMinor: 4997, discountMinor: 777, totalMinor: 4220, pointsUsed: 7770 });
    expect(o2).toMatchObject({ listMinor: 999, discountMinor: 333, totalMinor: 666, pointsUsed: 3330 });
    expect(other.shopId).toBe(DEMO_SHOP_ID);

    const report = await op.shop.settlement(shopId, dateOf(day1), dateOf(day1 + DAY_MS));
    expect(report.rows.map((r) => [r.event, r.orderId])).toEqual([
      ['sale', o1.id],
      ['sale', o2.id],
      ['refund', o1.id],
    ]);
    const expected = {
      listMinor: 4997 + 999 - 2997,
      discountMinor: 777 + 333 - r1.discountMinor,
      chargedMinor: 4220 + 666 - r1.amountMinor,
      points: 7770 + 3330 - r1.points,
    };
    expect(report.totals).toEqual(expected);
    expect(report.ledger).toEqual({ receivableMinor: expected.discountMinor, salesMinor: expected.chargedMinor, points: expected.points });
    expect(report.reconciled).toBe(true);

    const csv = await op.shop.settlementCsv(shopId, dateOf(day1), dateOf(day1 + DAY_MS));
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('at,orderId,event,refundNo,listMinor,discountMinor,chargedMinor,points');
    expect(lines).toHaveLength(5);
    expect(lines[3]).toContain(`,${o1.id},refund,1,-2997,-${r1.discountMinor},-${r1.amountMinor},-${r1.points}`);
    expect(lines[4]).toBe(`${dateOf(day1)}..${dateOf(day1 + DAY_MS)},,total,,${expected.listMinor},${expected.discountMinor},${expected.chargedMinor},${expected.points}`);

    // The whole three days: the last sale joins; still reconciled.
    const all = await op.shop.settlement(shopId, dateOf(day1), dateOf(t.clock.now));
    expect(all.rows).toHaveLength(4);
    expect(all.reconciled).toBe(true);
  });

  it('is for the shop operator of that shop and the operator only, and checks the period', async () => {
    const t = await makeShopTest();
    const op = await t.buyer('shop_operator');
    const stranger = await t.buyer('shop_operator');
    const buyer = await t.buyer();
    const day = dateOf(t.clock.now);
    expect(await problemType(stranger.shop.settlement(op.user.shopId!, day, day))).toBe('/problems/forbidden');
    expect(await problemType(buyer.shop.settlement(DEMO_SHOP_ID, day, day))).toBe('/problems/forbidden');
    expect(await problemType(stranger.shop.upsertShop(op.user.shopId!, { name: 'Mine now', rules: { minorPerPoint: { num: 1, den: 1 }, pointsMin: 0, discountShareMax: { num: 1, den: 1 } } }))).toBe(
      '/problems/forbidden',
    );
    expect(await problemType(op.shop.settlement(op.user.shopId!, day, day))).toBe('/problems/shop-not-found');
    // The operator runs every shop.
    await t.store.db.updateTable('users').set({ roles: 'operator' }).where('id', '=', buyer.user.userId).execute();
    const r = await buyer.shop.settlement(DEMO_SHOP_ID, day, day);
    expect(r).toMatchObject({ rows: [], totals: { listMinor: 0 }, reconciled: true });
    expect(await problemType(buyer.shop.settlement(DEMO_SHOP_ID, day, '2000-01-01'))).toBe('/problems/validation');
    expect(await problemType(buyer.shop.settlement(DEMO_SHOP_ID, '2020-01-01', '2022-01-01'))).toBe('/problems/validation');
    expect(await problemType(buyer.shop.settlement(DEMO_SHOP_ID, 'yesterday', day))).toBe('/problems/validation');
    // Shop rules are validated: a discount may not cover more than the order.
    expect(
      await problemType(op.shop.upsertShop(op.user.shopId!, { name: 'Greedy', rules: { minorPerPoint: { num: 1, den: 1 }, pointsMin: 0, discountShareMax: { num: 3, den: 2 } } })),
    ).toBe('/problems/validation');
  });
});

describe('settlement CSV against spreadsheet formula injection', () => {
  it('prefixes text cells starting with = + - @ tab or CR with a quote, and leaves numbers and other text alone', () => {
    const hostile = ['=HYPERLINK("https://evil.example","click")', '+1+1', '-1+cmd|\' /C calc\'!A0', '@SUM(A1:A9)', '\t=1', '\r=1'];
    for (const text of hostile) expect(csvTextCell(text)).toBe(`'${text}`);
    for (const text of ['o_abc', '2026-01-01T00:00:00.000Z', 'sale', '', "'quoted", '1=1']) expect(csvTextCell(text)).toBe(text);

    const row = { at: '2026-01-01T10:00:00.000Z', event: 'refund' as const, refundNo: 1, listMinor: -500, discountMinor: -100, chargedMinor: -400, points: -100 };
    const report: SettlementReport = {
      shopId: 's_x',
      currency: 'EUR',
      from: '2026-01-01',
      to: '2026-01-01',
      rows: hostile.map((orderId) => ({ ...row, orderId })),
      totals: { listMinor: -3000, discountMinor: -600, chargedMinor: -2400, points: -600 },
      ledger: { receivableMinor: -600, salesMinor: -2400, points: -600 },
      reconciled: true,
    };
    const lines = settlementCsv(report).trim().split('\n');
    expect(lines[1]).toBe(`2026-01-01T10:00:00.000Z,"'=HYPERLINK(""https://evil.example"",""click"")",refund,1,-500,-100,-400,-100`);
    expect(lines[2]).toBe("2026-01-01T10:00:00.000Z,'+1+1,refund,1,-500,-100,-400,-100");
    expect(lines[4]).toBe("2026-01-01T10:00:00.000Z,'@SUM(A1:A9),refund,1,-500,-100,-400,-100");
    // Every orderId cell of the CSV starts with the quote, whatever quoting the CSV added around it.
    for (const line of lines.slice(1, 1 + hostile.length)) expect(line.split(',')[1]).toMatch(/^"?'/);
    expect(lines.at(-1)).toBe('2026-01-01..2026-01-01,,total,,-3000,-600,-2400,-600');
  });
});
