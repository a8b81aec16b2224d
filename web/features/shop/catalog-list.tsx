/**
 * @module The catalog: each shop's products as cards, with their kind, price and (for
 * licenses) the key's terms, and an "Add to cart" button for signed-in shoppers. A shop the
 * operator has not approved (or suspended) sells without points, and says so.
 */
import { useState } from 'preact/hooks';
import type { Catalog, Product } from '../../../shared/shop/schemas.ts';
import { describeError } from '../../lib/errors.ts';
import { formatMinor } from '../../lib/format.ts';

const KIND_LABEL: Record<Product['kind'], string> = { physical: 'Goods', digital: 'Download', license: 'License key' };

interface Props {
  catalog: Catalog;
  canBuy: boolean;
  /** How many of a product the shopper's cart holds. */
  inCart: (shopId: string, productId: string) => number;
  onAdd: (shopId: string, productId: string) => Promise<void>;
}

export function CatalogList({ catalog, canBuy, inCart, onAdd }: Props) {
  return (
    <>
      {catalog.shops.map((shop) => {
        const products = catalog.products.filter((p) => p.shopId === shop.id);
        if (products.length === 0) return null;
        return (
          <section key={shop.id} class="shop-section" aria-labelledby={`shop-${shop.id}`}>
            <h2 id={`shop-${shop.id}`}>{shop.name}</h2>
            {shop.status === 'approved' ? (
              <p class="muted small">
                {pointsRule(shop.rules.minorPerPoint, shop.currency)} · points pay up to {percent(shop.rules.discountShareMax)} of an order
                {shop.rules.pointsMin > 0 ? ` · at least ${shop.rules.pointsMin} points per order` : ''}
              </p>
            ) : (
              <p class="muted small" data-testid="shop-no-points">
                This shop does not take points {shop.status === 'pending' ? 'yet (it awaits the operator’s approval)' : 'at the moment'}.
              </p>
            )}
            <ul class="product-grid">
              {products.map((p) => (
                <ProductCard key={p.id} product={p} canBuy={canBuy} inCart={inCart(p.shopId, p.id)} onAdd={onAdd} />
              ))}
            </ul>
          </section>
        );
      })}
    </>
  );
}

function ProductCard({ product: p, canBuy, inCart, onAdd }: { product: Product; canBuy: boolean; inCart: number; onAdd: Props['onAdd'] }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // A license is issued to the buyer: one per cart is all there is to buy.
  const full = p.kind === 'license' && inCart > 0;
  async function add() {
    setBusy(true);
    setError(undefined);
    try {
      await onAdd(p.shopId, p.id);
    } catch (err) {
      setError(`Not added. ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  }
  return (
    <li class="card product-card" data-testid="product-card" data-product-id={p.id}>
      <span class={`badge badge-kind-${p.kind}`}>{KIND_LABEL[p.kind]}</span>
      <h3 class="product-name">{p.name}</h3>
      <p class="small muted">{p.description}</p>
      {p.license && (
        <p class="small">
          {p.license.validDays === null ? 'Never expires' : `Valid ${p.license.validDays} days`} · {p.license.activationLimit}{' '}
          {p.license.activationLimit === 1 ? 'activation' : 'activations'}
        </p>
      )}
      <div class="product-foot">
        <span class="price">{formatMinor(p.priceMinor, p.currency)}</span>
        <button type="button" class="button button-small" data-testid="add-to-cart" disabled={!canBuy || busy || full} aria-busy={busy} onClick={add}>
          {full ? 'In cart' : inCart > 0 ? 'Add another' : 'Add to cart'}
        </button>
      </div>
      <span class="visually-hidden" role="status">
        {inCart > 0 && !busy ? `${p.name}: ${inCart} in your cart` : ''}
      </span>
      {error && (
        <p class="field-error small" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

function pointsRule(rate: { num: number; den: number }, currency: string): string {
  // "1 point = €0.01" or "10 points = €0.01": whole numbers on both sides.
  return rate.den === 1 ? `1 point = ${formatMinor(rate.num, currency)}` : `${rate.den} points = ${formatMinor(rate.num, currency)}`;
}

function percent(f: { num: number; den: number }): string {
  return `${Math.floor((f.num * 100) / f.den)}%`;
}
