/**
 * @module The browser's admitted fetch (shared/reception/admitted-fetch.ts) against a real
 * reception and node of the edge, in-process.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../shared/api/client.ts';
import { API_PATHS } from '../../shared/api/schemas.ts';
import { ADMISSION_IDLE_MS } from '../../shared/limits.ts';
import { createApp } from '../../edge/app.ts';
import { openStore, type Store } from '../../edge/db/index.ts';
import { loadKernelRegistry } from '../../edge/kernels/registry.ts';
import { NodeAdmissions } from '../../edge/reception/node.ts';
import { Reception } from '../../edge/reception/reception.ts';
import { randomKeyring } from '../../edge/reception/tickets.ts';
import { KERNELS_DIST } from '../../edge/testing.ts';
import { admittedFetch } from '../../shared/reception/admitted-fetch.ts';

let store: Store | undefined;
afterEach(async () => store?.close());

describe('admittedFetch', () => {
  it('admits through reception, sends to the named node with the admission, and is admitted again when the node forgets it', async () => {
    store = await openStore(':memory:');
    const clock = { now: 1_800_000_000_000 };
    const ring = randomKeyring();
    const reception = new Reception({ ring, now: () => clock.now });
    const admissions = new NodeAdmissions({ node: 'n1', url: 'http://node.test', capacity: 10, ring, now: () => clock.now });
    const app = createApp({ store, kernels: await loadKernelRegistry(KERNELS_DIST), now: () => clock.now, reception: { reception: { reception, reportKey: 'k'.repeat(20) }, node: { admissions, required: true } } });
    const requests: string[] = [];
    const inProcess: typeof fetch = async (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return app.request(String(input), init);
    };
    const report = () => reception.report(admissions.takeReport());
    report();

    const { token } = await createApiClient({ baseUrl: 'http://node.test', fetch: inProcess }).createVolunteer();
    const clientKey = randomBytes(32).toString('base64url');
    requests.length = 0;
    const api = createApiClient({ baseUrl: '', token, fetch: admittedFetch({ receptionUrl: 'http://reception.test', scope: 'volunteer', clientKey, fetch: inProcess }) });

    expect(await api.lease({ max: 1 })).toMatchObject({ leases: [] });
    expect(requests).toEqual([`POST http://reception.test/api/reception/admit`, `POST http://node.test/api/admission`, `POST http://node.test${API_PATHS.lease}`]);
    expect(admissions.active).toBe(1);

    // The admission lapses on the node (idle too long): the next request is admitted again by itself.
    clock.now += ADMISSION_IDLE_MS + 1;
    report();
    requests.length = 0;
    expect(await api.lease({ max: 1 })).toMatchObject({ leases: [] });
    expect(requests).toEqual([
      `POST http://node.test${API_PATHS.lease}`,
      `POST http://reception.test/api/reception/admit`,
      `POST http://node.test/api/admission`,
      `POST http://node.test${API_PATHS.lease}`,
    ]);
  });
});
