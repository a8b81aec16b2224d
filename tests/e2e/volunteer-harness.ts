/**
 * @module Helpers of the volunteer-page suites and bench: jobs made through the API, a
 * partner volunteer in Node (the test itself, computing with the same kernel runtime) so a
 * quorum of two can be met, the server's view of a volunteer's replicas read from its
 * database, and the renderer processes' CPU time through the DevTools protocol.
 */
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { createApiClient } from '../../shared/api/client.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import type { RunningServer } from './harness.ts';
import { topUpForTests } from '../../edge/testing.ts';

/** A customer that can make jobs and cancel them all (so suites sharing a server stay apart). */
export async function customerOf(server: RunningServer) {
  const anon = createApiClient({ baseUrl: server.url });
  const api = createApiClient({ baseUrl: server.url, token: (await anon.createCustomer('Volunteer E2E')).apiKey });
  // Paid with money: trial-only work would pay nothing to volunteers on this machine's network.
  await topUpForTests(api);
  const jobs: string[] = [];
  return {
    api,
    /** Cancels every job made before, then makes a Lorenz-96 job with `params`. */
    async job(params: Record<string, number>) {
      for (const id of jobs.splice(0)) await api.cancelJob(id).catch(() => undefined);
      const job = await api.createJob({ kind: 'lorenz96', params });
      jobs.push(job.id);
      return job;
    },
  };
}

/** A second volunteer in this process: leases, computes and submits until stopped. */
export function startPartner(server: RunningServer, module: WebAssembly.Module): { stop(): Promise<void> } {
  let stopped = false;
  const done = (async () => {
    const anon = createApiClient({ baseUrl: server.url });
    const api = createApiClient({ baseUrl: server.url, token: (await anon.createVolunteer()).token });
    while (!stopped) {
      const { leases } = await api.lease({ max: 4 }).catch(() => ({ leases: [] }));
      if (leases.length === 0) await new Promise((r) => setTimeout(r, 200)); // polling an idle server
      for (const l of leases) await api.submitResult(l.leaseId, await runKernel(module, base64ToBytes(l.input))).catch(() => undefined);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Replicas of one volunteer as the server holds them. */
export function replicasOf(server: RunningServer, volunteerId: string): { id: number; unit_id: number; state: string; outcome: string | null }[] {
  const db = new Database(server.databaseUrl, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('select id, unit_id, state, outcome from replicas where volunteer_id = ? order by id').all(volunteerId) as never;
  } finally {
    db.close();
  }
}

/** Seconds of CPU used by every renderer process so far (SystemInfo.getProcessInfo, 10 ms resolution). */
export async function rendererCpuSeconds(browser: Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; cpuTime: number }[] };
    return processInfo.filter((p) => p.type === 'renderer').reduce((s, p) => s + p.cpuTime, 0);
  } finally {
    await cdp.detach();
  }
}

/** The outbox's lease ids, read from the page's IndexedDB. */
export function outboxLeaseIds(page: Page): Promise<number[]> {
  return page.evaluate(
    () =>
      new Promise<number[]>((resolve, reject) => {
        const open = indexedDB.open('sparecycles');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('outbox').objectStore('outbox').getAllKeys();
          req.onsuccess = () => {
            open.result.close();
            resolve((req.result as number[]).slice().sort((a, b) => a - b));
          };
          req.onerror = () => reject(req.error);
        };
      }),
  );
}
