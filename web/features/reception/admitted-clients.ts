/**
 * @module API clients whose admission-gated calls go through reception: job submission on
 * the customer page, checkout in the shop. Each call is one admission, given back as soon as
 * the answer is in (the order or submission is over), so the node's slot frees at once;
 * every other call stays on this page's origin.
 */
import { createApiClient, type ApiClient } from '../../../shared/api/client.ts';
import { createShopClient, type ShopClient } from '../../../shared/shop/client.ts';
import type { Admission } from './admission.ts';

/** `api` with `createJob` sent through `admission` (none: `api` unchanged). */
export function withAdmittedSubmit(api: ApiClient, admission: Admission | undefined, token: string): ApiClient {
  if (!admission) return api;
  const admitted = createApiClient({ token, fetch: admission.fetch });
  return {
    ...api,
    createJob: async (req) => {
      try {
        return await admitted.createJob(req);
      } finally {
        await admission.end();
      }
    },
  };
}

/** `shop` with `checkout` sent through `admission` (none: `shop` unchanged). */
export function withAdmittedCheckout(shop: ShopClient, admission: Admission | undefined): ShopClient {
  if (!admission) return shop;
  const admitted = createShopClient({ fetch: admission.fetch });
  return {
    ...shop,
    checkout: async (req) => {
      try {
        return await admitted.checkout(req);
      } finally {
        await admission.end();
      }
    },
  };
}
