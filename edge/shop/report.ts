/**
 * @module The settlement report of a shop for a period of UTC days: every order paid and
 * every refund made in it, their totals, and the same figures read back from the ledger
 * (the shop's receivable and sales accounts, and the points of its orders), so the report
 * shows that the two agree. CSV export through csv-stringify, with text cells escaped
 * against spreadsheet formula injection ({@link csvTextCell}).
 */
import { stringify } from 'csv-stringify/sync';
import type { Problem } from '../../shared/api/schemas.ts';
import { DAY_MS } from '../../shared/limits.ts';
import { SETTLEMENT_PERIOD_DAYS_MAX, SETTLEMENT_ROWS_MAX } from '../../shared/shop/limits.ts';
import type { SettlementReport, SettlementRow } from '../../shared/shop/schemas.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import type { Db, ShopRow } from './catalog.ts';
import { SHOP_CODES } from './entries.ts';

/** Why no report was built: the period is backwards or too long, or holds too many rows. */
export type ReportRefusal = { status: 'period_reversed' | 'period_too_long' | 'too_many_rows'; detail: string; errors?: NonNullable<Problem['errors']> };

/** The period `[from 00:00Z, to + 1 day 00:00Z)` of two ISO dates, bounded; or why not. */
export function periodOf(from: string, to: string): { status: 'ok'; fromMs: number; toMs: number } | ReportRefusal {
  const fromMs = Date.parse(`${from}T00:00:00Z`);
  const toMs = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
  if (!(toMs > fromMs)) return { status: 'period_reversed', detail: '`to` must not be before `from`', errors: [{ path: 'to', message: 'before from' }] };
  if (toMs - fromMs > SETTLEMENT_PERIOD_DAYS_MAX * DAY_MS) {
    return { status: 'period_too_long', detail: `a report covers at most ${SETTLEMENT_PERIOD_DAYS_MAX} days`, errors: [{ path: 'to', message: 'period too long' }] };
  }
  return { status: 'ok', fromMs, toMs };
}

/** Net movement of an account in a period: credits minus debits of posted transfers. */
async function accountNet(db: Db, accountId: string, fromMs: number, toMs: number): Promise<number> {
  const r = await db
    .selectFrom('ledger_transfers')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>(eb.case().when('credit_account', '=', accountId).then(eb.ref('amount')).else(eb.lit(0)).end()), eb.lit(0)).as('credits'),
      eb.fn.coalesce(eb.fn.sum<number>(eb.case().when('debit_account', '=', accountId).then(eb.ref('amount')).else(eb.lit(0)).end()), eb.lit(0)).as('debits'),
    ])
    .where((eb) => eb.or([eb('credit_account', '=', accountId), eb('debit_account', '=', accountId)]))
    .where('kind', 'in', ['single', 'post'])
    .where('created_at', '>=', fromMs)
    .where('created_at', '<', toMs)
    .executeTakeFirstOrThrow();
  return Number(r.credits) - Number(r.debits);
}

/** Points the shop's orders took (posted holds) minus points its refunds returned, in a period. */
async function pointsNet(db: Db, shopId: string, fromMs: number, toMs: number): Promise<number> {
  const rows = await db
    .selectFrom('ledger_transfers as t')
    .innerJoin('orders as o', 'o.id', 't.ref')
    .select((eb) => ['t.code', eb.fn.sum<number>('t.amount').as('total')])
    .where('o.shop_id', '=', shopId)
    .where('t.code', 'in', [SHOP_CODES.redeem, SHOP_CODES.refundPoints])
    .where('t.created_at', '>=', fromMs)
    .where('t.created_at', '<', toMs)
    .groupBy('t.code')
    .execute();
  const of = (code: string) => Number(rows.find((r) => r.code === code)?.total ?? 0);
  return of(SHOP_CODES.redeem) - of(SHOP_CODES.refundPoints);
}

/**
 * Builds the report for `shop` over the days `from`..`to` (inclusive, UTC), or says why not.
 * @example
 * const r = await settlementReport(db, shop, '2026-01-01', '2026-01-31');
 * if (r.status === 'ok') console.log(r.report.reconciled);
 */
export async function settlementReport(db: Db, shop: ShopRow, from: string, to: string): Promise<{ status: 'ok'; report: SettlementReport } | ReportRefusal> {
  const period = periodOf(from, to);
  if (period.status !== 'ok') return period;
  const { fromMs, toMs } = period;
  const sales = await db
    .selectFrom('orders')
    .select(['id', 'paid_at', 'list_minor', 'discount_minor', 'total_minor', 'points_used'])
    .where('shop_id', '=', shop.id)
    .where('paid_at', '>=', fromMs)
    .where('paid_at', '<', toMs)
    .orderBy('paid_at')
    .orderBy('id')
    .limit(SETTLEMENT_ROWS_MAX + 1)
    .execute();
  const refunds = await db
    .selectFrom('refunds')
    .selectAll()
    .where('shop_id', '=', shop.id)
    .where('created_at', '>=', fromMs)
    .where('created_at', '<', toMs)
    .orderBy('created_at')
    .orderBy('order_id')
    .orderBy('refund_no')
    .limit(SETTLEMENT_ROWS_MAX + 1)
    .execute();
  if (sales.length + refunds.length > SETTLEMENT_ROWS_MAX) {
    return { status: 'too_many_rows', detail: `the period holds more than ${SETTLEMENT_ROWS_MAX} rows; ask for a shorter one` };
  }
  const rows: SettlementRow[] = [
    ...sales.map((o) => ({
      at: new Date(Number(o.paid_at)).toISOString(),
      orderId: o.id,
      event: 'sale' as const,
      refundNo: null,
      listMinor: Number(o.list_minor),
      discountMinor: Number(o.discount_minor),
      chargedMinor: Number(o.total_minor),
      points: Number(o.points_used),
    })),
    ...refunds.map((r) => ({
      at: new Date(Number(r.created_at)).toISOString(),
      orderId: r.order_id,
      event: 'refund' as const,
      refundNo: Number(r.refund_no),
      listMinor: -Number(r.list_minor),
      discountMinor: -Number(r.discount_minor),
      chargedMinor: -Number(r.amount_minor),
      points: -Number(r.points),
    })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const totals = { listMinor: 0, discountMinor: 0, chargedMinor: 0, points: 0 };
  for (const r of rows) {
    totals.listMinor += r.listMinor;
    totals.discountMinor += r.discountMinor;
    totals.chargedMinor += r.chargedMinor;
    totals.points += r.points;
  }
  const ledger = {
    receivableMinor: await accountNet(db, ACCOUNTS.shopReceivable(shop.id).id, fromMs, toMs),
    salesMinor: await accountNet(db, ACCOUNTS.shopSales(shop.id).id, fromMs, toMs),
    points: await pointsNet(db, shop.id, fromMs, toMs),
  };
  const reconciled = ledger.receivableMinor === totals.discountMinor && ledger.salesMinor === totals.chargedMinor && ledger.points === totals.points;
  return { status: 'ok', report: { shopId: shop.id, currency: shop.currency, from, to, rows, totals, ledger, reconciled } };
}

/** First characters that make a spreadsheet read a cell as a formula (or start one, for tab and CR). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell as a spreadsheet may safely open it: text starting with `=`, `+`, `-`, `@`,
 * tab or carriage return gets a leading single quote, so it is shown as text and never
 * evaluated (OWASP, "CSV Injection"). Numbers are written as numbers and not escaped: a
 * negative amount starts with `-` but is a number to a spreadsheet, not a formula.
 */
export function csvTextCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The report's rows as CSV (RFC 4180), with a header line and a closing totals line; text cells escaped by {@link csvTextCell}. */
export function settlementCsv(report: SettlementReport): string {
  const columns = ['at', 'orderId', 'event', 'refundNo', 'listMinor', 'discountMinor', 'chargedMinor', 'points'];
  const t = report.totals;
  const total = { at: `${report.from}..${report.to}`, orderId: '', event: 'total', refundNo: '', ...t };
  return stringify([...report.rows, total], { header: true, columns, cast: { number: (v) => String(v), string: (v) => csvTextCell(v) } });
}
