/**
 * @module Helpers for shop suites and benches that go over real HTTP: the app served by
 * @hono/node-server on a free port (with the demo shop), and a signed-in buyer whose fetch
 * keeps the session cookie and sends `Origin` as a same-origin page does; the stores a race
 * runs on, and the carts it races with.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { AUTH_PATHS } from '../../shared/auth/schemas.ts';
import { createShopClient } from '../../shared/shop/client.ts';
import { createApp } from '../app.ts';
import type { Store } from '../db/index.ts';
import { loadKernelRegistry } from '../kernels/registry.ts';
import { freshPgUrl, KERNELS_DIST } from '../testing.ts';
import { seedDemoShop } from './seed.ts';

/** Serves a new app over `store` on 127.0.0.1 and a port the OS picks. */
export async function listen(store: Store): Promise<{ server: ServerType; base: string; close(): Promise<void> }> {
  const kernels = await loadKernelRegistry(KERNELS_DIST);
  await seedDemoShop(store, Date.now());
  const app = createApp({ store, kernels });
  const { server, base } = await new Promise<{ server: ServerType; base: string }>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ server: s, base: `http://127.0.0.1:${info.port}` }));
  });
  return { server, base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Signs up a volunteer account over HTTP; its client carries the session from then on. */
export async function signUpOverHttp(base: string, email: string, password: string) {
  let cookie = '';
  const fetchWithSession: typeof fetch = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    headers.set('origin', base);
    const res = await fetch(input, { ...init, headers });
    const set = res.headers.getSetCookie().find((l) => l.startsWith('sc_session='));
    if (set) cookie = set.split(';')[0]!;
    return res;
  };
  const res = await fetchWithSession(`${base}${AUTH_PATHS.signup}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, role: 'volunteer' }),
  });
  if (res.status !== 201) throw new Error(`sign-up answered ${res.status}: ${await res.text()}`);
  const user = (await res.json()) as { volunteerId: string };
  return { volunteerId: user.volunteerId, fetch: fetchWithSession, shop: createShopClient({ baseUrl: base, fetch: fetchWithSession }) };
}

/**
 * The stores a race runs on: a new SQLite file, and PostgreSQL (a fresh schema) when a
 * server answers, required under CI (`what` names the race in the error). The caller drops
 * `pgUrl` when done.
 */
export async function raceTargets(what: string): Promise<{ targets: [string, () => string][]; pgUrl: string | undefined }> {
  const pgUrl = await freshPgUrl();
  if (!pgUrl && process.env.CI) throw new Error(`PostgreSQL is not reachable: CI must run ${what} on PostgreSQL`);
  const targets: [string, () => string][] = [
    ['a SQLite file', () => join(mkdtempSync(join(tmpdir(), 'shop-race-')), 'race.db')],
    ...(pgUrl ? [['PostgreSQL', () => pgUrl] as [string, () => string]] : []),
  ];
  return { targets, pgUrl };
}

/** `count` carts of the buyer at `shopId`, each with one of `productId`, made `concurrency` at a time. */
export async function cartsOf(buyer: { shop: ReturnType<typeof createShopClient> }, shopId: string, productId: string, count: number, concurrency: number): Promise<string[]> {
  const carts: string[] = [];
  for (let i = 0; i < count; i += concurrency) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(concurrency, count - i) }, async () => {
        const cart = await buyer.shop.createCart(shopId);
        await buyer.shop.setLine(cart.id, productId, 1);
        return cart.id;
      }),
    );
    carts.push(...batch);
  }
  return carts;
}
