import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateVolunteerResponseSchema } from '../../shared/api/schemas.ts';
import { CreateGrantResponseSchema, IssuedLicenseSchema, LICENSE_PATHS, PublicKeysResponseSchema } from '../../shared/license/api.ts';
import { base64urlToBytes } from '../../shared/license/base64url.ts';
import { verifyLicenseKey } from '../../shared/license/verify.ts';
import { createApp } from '../app.ts';
import { openStore, type Store } from '../db/index.ts';
import { loadKernelRegistry } from '../kernels/registry.ts';
import { KERNELS_DIST } from '../testing.ts';
import { OPERATOR, withOperatorToken } from './test-helpers.ts';

/** Redemptions fired at once at one single-use grant. */
const RACERS = 200;

let dir: string;
let store: Store;
let server: ServerType;
let base: string;
withOperatorToken();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sc-grant-race-'));
  store = await openStore(join(dir, 'race.db'));
  // The racers are 200 identities from as many networks: behind this test's own "proxy" (the
  // loopback address), each names its network in X-Forwarded-For, as identity creation is
  // bounded per network.
  const app = createApp({ store, kernels: await loadKernelRegistry(KERNELS_DIST), trustedProxies: new Set(['127.0.0.1']) });
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
  });
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const postJson = (path: string, body: unknown, token: string) =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

describe('the coupon race over HTTP, on a SQLite file', () => {
  it(`lets exactly one of ${RACERS} concurrent redemptions of a single-use grant win`, async () => {
    const volunteers = await Promise.all(
      Array.from({ length: RACERS }, async (_, i) =>
        CreateVolunteerResponseSchema.parse(await (await fetch(base + '/api/volunteers', { method: 'POST', headers: { 'x-forwarded-for': `10.${i >> 8}.${i & 255}.1` } })).json()),
      ),
    );
    const grant = await postJson(LICENSE_PATHS.grants, { productId: 'p_race', productName: 'Race', validDays: null, activationLimit: 1 }, OPERATOR);
    expect(grant.status).toBe(201);
    const { code } = CreateGrantResponseSchema.parse(await grant.json());

    const answers = await Promise.all(
      volunteers.map(async (v) => {
        const res = await postJson(LICENSE_PATHS.redeemGrant(code), { licenseeId: v.volunteerId }, v.token);
        return { v, status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as unknown };
      }),
    );
    const winners = answers.filter((a) => a.status === 201);
    const losers = answers.filter((a) => a.status === 409);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(RACERS - 1);
    for (const l of losers) {
      expect(l.type).toBe('application/problem+json');
      expect(l.body).toMatchObject({ type: '/problems/grant-already-redeemed', status: 409 });
    }

    const winner = winners[0]!;
    const issued = IssuedLicenseSchema.parse(winner.body);
    const licenses = await store.db.selectFrom('licenses').selectAll().execute();
    expect(licenses).toHaveLength(1);
    expect(licenses[0]).toMatchObject({ id: issued.licenseId, licensee_id: winner.v.volunteerId, transfer_id: `grant:${code}` });
    expect(await store.db.selectFrom('license_grants').select(['redeemed_by', 'license_id']).execute()).toEqual([
      { redeemed_by: winner.v.volunteerId, license_id: issued.licenseId },
    ]);

    const keys = PublicKeysResponseSchema.parse(await (await fetch(base + LICENSE_PATHS.publicKeys)).json());
    const map = Object.fromEntries(keys.keys.map((k) => [k.kid, base64urlToBytes(k.publicKey)!]));
    expect(await verifyLicenseKey(issued.key, map, Date.now())).toMatchObject({ status: 'valid', payload: { licensee: winner.v.volunteerId, exp: null } });
  });
});
