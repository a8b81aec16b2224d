/**
 * @module The operator governs shops (issue 15, finding 1): the value of a point is the
 * operator's, one system-wide rate; each shop has the operator's caps (its highest rate, its
 * largest discount share, its settlement limit) and an approval status. A shop's own rules
 * may only offer less than its caps; checkouts price with the shop's rules within its caps
 * and the value of a point ({@link effectiveRules}), so lowering a cap or the value of a
 * point takes effect at once, whatever the shop set before. Only an approved shop takes
 * points, and only while what the operator owes it in discounts (its receivable, plus the
 * discounts its orders awaiting payment reserve) stays within its settlement limit.
 */
import type { Problem } from '../../shared/api/schemas.ts';
import { compareFractions, minFraction, type Fraction, type ShopRules } from '../../shared/shop/pricing.ts';
import type { PointValue, ShopCaps, ShopGovernance, ShopStatus } from '../../shared/shop/schemas.ts';
import { nameKey } from '../../shared/text.ts';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { capsOf, findShop, POINT_VALUE_DEFAULT, POINT_VALUE_ID, readPointValue, rulesOf, toShop, type Db, type ShopRow } from './catalog.ts';
import type { Transaction } from 'kysely';

/**
 * Discount share cap a new shop gets until the operator sets its caps: points pay at most
 * half an order, as at the demo shop, so a shop is always paid something in money.
 */
export const SHOP_SHARE_CAP_DEFAULT: Fraction = { num: 1, den: 2 };
/**
 * Settlement limit a new shop gets until the operator sets one, in minor units (€500): the
 * exposure the operator accepts from a shop it approved without looking at its caps.
 */
export const SHOP_SETTLEMENT_LIMIT_DEFAULT_MINOR = 50_000;
/** Shops keyed per batch when name keys are filled in at start. */
const SHOP_NAME_KEY_BATCH = 100;
/** Shops the operator's list answers with (newest last); a longer list is cut. */
export const SHOPS_LIST_MAX = 1000;
/** Order statuses whose discount is reserved against the shop's settlement limit (not yet settled, not released). */
export const RESERVING_STATUSES = ['awaiting_payment', 'paying'] as const;

type Trx = Transaction<Database>;

/** The value of a point as the API shows it. */
export function toPointValue(rate: Fraction): PointValue {
  return { minorPerPoint: rate, defaultMinorPerPoint: POINT_VALUE_DEFAULT };
}

/** Sets the value of a point; shops' rates above it are priced at it from the next checkout on. */
export async function setPointValue(store: Store, rate: Fraction, now: number): Promise<PointValue> {
  await store.db
    .insertInto('point_value')
    .values({ id: POINT_VALUE_ID, rate_num: rate.num, rate_den: rate.den, updated_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ rate_num: rate.num, rate_den: rate.den, updated_at: now }))
    .execute();
  return toPointValue(rate);
}

/** The caps of a shop the operator has not looked at yet: the value of a point, and the defaults. */
export function defaultCaps(pointValue: Fraction): ShopCaps {
  return { minorPerPointMax: pointValue, discountShareMax: SHOP_SHARE_CAP_DEFAULT, settlementLimitMinor: SHOP_SETTLEMENT_LIMIT_DEFAULT_MINOR };
}

/** The caps as the shops table stores them. */
export function capColumns(caps: ShopCaps) {
  return {
    cap_rate_num: caps.minorPerPointMax.num,
    cap_rate_den: caps.minorPerPointMax.den,
    cap_share_num: caps.discountShareMax.num,
    cap_share_den: caps.discountShareMax.den,
    settlement_limit_minor: caps.settlementLimitMinor,
  };
}

const showFraction = (f: Fraction) => (f.den === 1 ? `${f.num}` : `${f.num}/${f.den}`);

/** Field errors of rules that offer more than the caps (and the value of a point) allow; empty when within. */
export function rulesBeyondCaps(rules: ShopRules, caps: ShopCaps, pointValue: Fraction): NonNullable<Problem['errors']> {
  const errors: NonNullable<Problem['errors']> = [];
  const rateMax = minFraction(caps.minorPerPointMax, pointValue);
  if (compareFractions(rules.minorPerPoint, rateMax) > 0) {
    errors.push({ path: 'rules.minorPerPoint', message: `at most ${showFraction(rateMax)} minor units per point (the operator's cap for this shop and the value of a point)` });
  }
  if (compareFractions(rules.discountShareMax, caps.discountShareMax) > 0) {
    errors.push({ path: 'rules.discountShareMax', message: `at most ${showFraction(caps.discountShareMax)} of an order (the operator's cap for this shop)` });
  }
  return errors;
}

/** What the operator owes a shop in discounts now: settled (its receivable) and reserved by its orders awaiting payment. */
export interface Outstanding {
  receivableMinor: number;
  reservedMinor: number;
}

/**
 * The shop's outstanding discounts, read in ONE statement: on PostgreSQL (read committed)
 * a payment that commits between two reads would move an order's discount from reserved to
 * the receivable unseen by both, so a checkout would count it nowhere.
 */
export async function outstandingOf(db: Db, shopId: string): Promise<Outstanding> {
  const r = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('ledger_accounts')
        .select((e) => e(e.ref('credits_posted'), '-', e.ref('debits_posted')).as('v'))
        .where('id', '=', ACCOUNTS.shopReceivable(shopId).id)
        .as('receivable'),
      eb
        .selectFrom('orders')
        .select((e) => e.fn.coalesce(e.fn.sum<number>('discount_minor'), e.lit(0)).as('v'))
        .where('shop_id', '=', shopId)
        .where('status', 'in', RESERVING_STATUSES)
        .as('reserved'),
    ])
    .executeTakeFirstOrThrow();
  return { receivableMinor: Number(r.receivable ?? 0), reservedMinor: Number(r.reserved ?? 0) };
}

/** Further discount the settlement limit allows now. */
export function headroomOf(limitMinor: number, o: Outstanding): number {
  return Math.max(0, limitMinor - o.receivableMinor - o.reservedMinor);
}

/**
 * The shop row, locked until the transaction ends on PostgreSQL (SQLite runs one
 * transaction at a time): points checkouts at one shop take this lock first, so two of them
 * never both find the same headroom under the settlement limit.
 */
export function lockShop(store: Store, trx: Trx, shopId: string): Promise<ShopRow | undefined> {
  const q = trx.selectFrom('shops').selectAll().where('id', '=', shopId);
  return (store.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
}

/** A shop's governance view. */
export async function governanceOf(db: Db, s: ShopRow, pointValue: Fraction): Promise<ShopGovernance> {
  const caps = capsOf(s);
  const o = await outstandingOf(db, s.id);
  return {
    shop: toShop(s, pointValue),
    ownRules: rulesOf(s),
    caps,
    outstanding: { ...o, headroomMinor: headroomOf(caps.settlementLimitMinor, o) },
  };
}

/** Every shop's governance view (pending ones first, then by age), at most {@link SHOPS_LIST_MAX}. */
export async function listGovernance(db: Db): Promise<ShopGovernance[]> {
  const pointValue = await readPointValue(db);
  const shops = await db
    .selectFrom('shops')
    .selectAll()
    .orderBy((eb) => eb.case().when('status', '=', 'pending').then(0).else(1).end())
    .orderBy('created_at')
    .orderBy('id')
    .limit(SHOPS_LIST_MAX)
    .execute();
  const out: ShopGovernance[] = [];
  for (const s of shops) out.push(await governanceOf(db, s, pointValue));
  return out;
}

/** One shop's governance view, or that there is no such shop. */
export async function readGovernance(db: Db, shopId: string): Promise<{ status: 'ok'; governance: ShopGovernance } | { status: 'shop_not_found'; detail: string }> {
  const s = await findShop(db, shopId);
  if (!s) return { status: 'shop_not_found', detail: `no shop ${shopId}` };
  return { status: 'ok', governance: await governanceOf(db, s, await readPointValue(db)) };
}

/** The shop's caps, set; or why not (nothing changed then). */
export type SetCapsResult =
  | { status: 'ok'; governance: ShopGovernance }
  | { status: 'shop_not_found'; detail: string }
  | { status: 'caps_above_point_value'; detail: string; errors: NonNullable<Problem['errors']> };

/**
 * The operator sets a shop's caps. The highest rate may not exceed the value of a point; a
 * cap below the shop's own rules lowers what checkouts price with at once (the shop's rules
 * are kept: they apply again if the cap is raised).
 */
export async function setShopCaps(store: Store, shopId: string, caps: ShopCaps): Promise<SetCapsResult> {
  return inTransaction(store, async (trx): Promise<SetCapsResult> => {
    const pointValue = await readPointValue(trx);
    if (compareFractions(caps.minorPerPointMax, pointValue) > 0) {
      const message = `at most the value of a point, ${showFraction(pointValue)} minor units per point`;
      return { status: 'caps_above_point_value', detail: `minorPerPointMax: ${message}`, errors: [{ path: 'minorPerPointMax', message }] };
    }
    const done = await trx.updateTable('shops').set(capColumns(caps)).where('id', '=', shopId).executeTakeFirst();
    if (Number(done.numUpdatedRows) === 0) return { status: 'shop_not_found', detail: `no shop ${shopId}` };
    return { status: 'ok', governance: await governanceOf(trx, (await findShop(trx, shopId))!, pointValue) };
  });
}

/**
 * The operator approves a shop (it takes points from the next checkout on) or suspends it
 * (no new checkout with points; its orders awaiting payment with points are not paid).
 */
export async function setShopStatus(
  store: Store,
  shopId: string,
  status: Exclude<ShopStatus, 'pending'>,
): Promise<{ status: 'ok'; governance: ShopGovernance } | { status: 'shop_not_found'; detail: string }> {
  return inTransaction(store, async (trx) => {
    const done = await trx.updateTable('shops').set({ status }).where('id', '=', shopId).executeTakeFirst();
    if (Number(done.numUpdatedRows) === 0) return { status: 'shop_not_found' as const, detail: `no shop ${shopId}` };
    return { status: 'ok' as const, governance: await governanceOf(trx, (await findShop(trx, shopId))!, await readPointValue(trx)) };
  });
}

/**
 * Gives every shop without one its name key (shops created before migration 0013), oldest
 * first. A shop whose name is taken by an older one gets a key no name can have (the name's
 * key, U+0001 and its id; PostgreSQL text cannot hold NUL): it keeps its name, and no new shop can take either.
 */
export async function keyShopNames(store: Store): Promise<number> {
  let keyed = 0;
  for (;;) {
    const batch = await store.db.selectFrom('shops').select(['id', 'name']).where('name_key', 'is', null).orderBy('created_at').orderBy('id').limit(SHOP_NAME_KEY_BATCH).execute();
    if (batch.length === 0) return keyed;
    for (const s of batch) {
      const key = nameKey(s.name);
      const taken = await store.db.selectFrom('shops').select('id').where('name_key', '=', key).executeTakeFirst();
      await store.db
        .updateTable('shops')
        .set({ name_key: taken ? `${key}\u0001${s.id}` : key })
        .where('id', '=', s.id)
        .execute();
      keyed++;
    }
  }
}
