/**
 * @module The demo shop: created on first start so `npm start` has something to buy. Seeding
 * is idempotent (rows that exist are left as they are) and creates the shop's ledger
 * accounts, so checkouts never meet a missing account. The operator seeds it, so it is
 * approved, with the default caps (edge/shop/governance.ts). Each start also gives shops
 * from before migration 0013 their unique name key.
 */
import type { Transaction } from 'kysely';
import { CURRENCY } from '../../shared/limits.ts';
import { nameKey } from '../../shared/text.ts';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerIn } from '../ledger/ledger.ts';
import type { ProductsTable, ShopsTable } from '../db/tables/shop.ts';
import { POINT_VALUE_DEFAULT } from './catalog.ts';
import { capColumns, defaultCaps, keyShopNames } from './governance.ts';

/** The demo shop's id. */
export const DEMO_SHOP_ID = 's_demo';

const DEMO_SHOP_NAME = 'SpareCycles Store';

/**
 * The demo shop: 1 point buys 1 cent (the default value of a point), a redemption uses at
 * least 50 points, and points may pay for at most half of an order; approved, with the
 * caps a new shop gets.
 */
export const DEMO_SHOP: Omit<ShopsTable, 'created_at'> = {
  id: DEMO_SHOP_ID,
  name: DEMO_SHOP_NAME,
  name_key: nameKey(DEMO_SHOP_NAME),
  currency: CURRENCY,
  status: 'approved',
  rate_num: POINT_VALUE_DEFAULT.num,
  rate_den: POINT_VALUE_DEFAULT.den,
  points_min: 50,
  share_num: 1,
  share_den: 2,
  ...capColumns(defaultCaps(POINT_VALUE_DEFAULT)),
};

type SeedProduct = Omit<ProductsTable, 'created_at' | 'shop_id' | 'active' | 'position'>;

const none = { valid_days: null, activation_limit: null } as const;

/** A few products of each kind. */
export const DEMO_PRODUCTS: SeedProduct[] = [
  { id: 'p_mug', kind: 'physical', name: 'SpareCycles mug', description: 'Stoneware, 330 ml, with the Lorenz attractor on both sides.', price_minor: 1200, ...none },
  { id: 'p_tshirt', kind: 'physical', name: 'Volunteer T-shirt', description: 'Organic cotton; “My idle tab forecast the weather”.', price_minor: 2500, ...none },
  { id: 'p_stickers', kind: 'physical', name: 'Sticker sheet', description: 'Six vinyl stickers for a laptop that lends its cycles.', price_minor: 350, ...none },
  { id: 'p_ebook', kind: 'digital', name: 'Ensembles, a short guide (e-book)', description: 'Why forecasters run many perturbed members, in 60 pages (PDF, EPUB).', price_minor: 900, ...none },
  { id: 'p_wallpapers', kind: 'digital', name: 'Attractor wallpapers', description: 'Twelve 4K wallpapers rendered from volunteer-computed trajectories.', price_minor: 199, ...none },
  {
    id: 'p_studio',
    kind: 'license',
    name: 'Lorenz Studio Pro, 1 year',
    description: 'Desktop app to explore ensembles offline. Key valid 365 days, 3 activations.',
    price_minor: 4900,
    valid_days: 365,
    activation_limit: 3,
  },
  {
    id: 'p_cli_plus',
    kind: 'license',
    name: 'SpareCycles CLI Plus',
    description: 'Batch submission and result diffing for the command line. Perpetual key, 2 activations.',
    price_minor: 1500,
    valid_days: null,
    activation_limit: 2,
  },
];

/** Creates a shop (if absent) and its ledger accounts in the caller's transaction. */
export async function ensureShop(store: Store, trx: Transaction<Database>, shop: Omit<ShopsTable, 'created_at'>, products: SeedProduct[], now: number): Promise<void> {
  await trx
    .insertInto('shops')
    .values({ ...shop, created_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  if (products.length > 0) {
    await trx
      .insertInto('products')
      .values(products.map((p, i) => ({ ...p, shop_id: shop.id, active: 1, position: i, created_at: now })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
  const ledger = ledgerIn(store, trx);
  await ledger.ensureAccounts([ACCOUNTS.shopReceivable(shop.id), ACCOUNTS.shopSales(shop.id)], now);
}

/**
 * Seeds the demo shop; safe to call on every start.
 * @example
 * await seedDemoShop(store, Date.now());
 */
export async function seedDemoShop(store: Store, now: number): Promise<void> {
  await inTransaction(store, (trx) => ensureShop(store, trx, DEMO_SHOP, DEMO_PRODUCTS, now));
  await keyShopNames(store);
}
