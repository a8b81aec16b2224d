/**
 * @module Starts the edge: opens the store, loads and checks the kernels, serves the API and
 * the built web app on one port.
 */
import { createEdge } from './app.ts';
import { serveEdge } from './http/server.ts';
import { readConfig } from './config.ts';
import { openStore } from './db/index.ts';
import { loadKernelRegistry } from './kernels/registry.ts';
import { sweepGroups } from './groups/groups.ts';
import { sweepHolds } from './jobs/jobs.ts';
import { createSimulatedPayments } from './shop/payments.ts';
import { seedDemoShop } from './shop/seed.ts';
import { startShopSweeper } from './shop/sweep.ts';
import { startReception } from './reception/roles.ts';

const config = readConfig();
const store = await openStore(config.databaseUrl);
const kernels = await loadKernelRegistry(config.kernelsDir);
await seedDemoShop(store, Date.now());
// One payment provider for the app and the shop's sweeper (the simulator keeps its records in memory).
const payments = createSimulatedPayments();
const reception = startReception(config);
const { app, coordinator } = createEdge({ store, kernels, webDir: config.webDir, payments, reception: reception.mount, trustedProxies: config.trustedProxies, nodeId: config.nodeId, trialCreditMinor: config.trialCreditMinor, groupIceServers: config.groupIceServers });
// Units waiting for the server's own run are drained in the background (edge/coordinator/verifier.ts).
coordinator.verifier.start();
// Header, request, body-rate and per-origin connection bounds: edge/http/server.ts.
const server = serveEdge({ fetch: app.fetch, port: config.port, hostname: config.host, trustedProxies: config.trustedProxies }, (info) => {
  const where = store.dialect === 'sqlite' ? config.databaseUrl : 'PostgreSQL';
  console.log(`SpareCycles edge (${config.role}) on http://${config.host}:${info.port} (store: ${where}; kernels: ${[...kernels.entries.keys()].join(', ') || 'none'})`);
});

/** How often holds past their timeout are voided (checkouts abandoned mid-payment). */
const HOLD_SWEEP_INTERVAL_MS = 5_000;
const sweeper = setInterval(() => {
  // Overdue jobs end first, so no running job's hold expires (edge/jobs/jobs.ts); expired
  // groups end before that too, so their seat holds are settled rather than left to expire.
  sweepGroups(store, Date.now())
    .then(() => sweepHolds(store, Date.now()))
    .catch((err: unknown) => console.error('[edge] hold sweep failed:', err));
}, HOLD_SWEEP_INTERVAL_MS);
sweeper.unref();
const stopShopSweeper = startShopSweeper({ store, now: Date.now, payments });

function shutdown(): void {
  clearInterval(sweeper);
  reception.stop();
  stopShopSweeper();
  void coordinator.verifier.close();
  server.close();
  void store.close().finally(() => process.exit(0));
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
