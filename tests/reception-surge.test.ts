/**
 * Surge: thousands of clients against reception and three nodes with set capacities, all
 * over HTTP on loopback (tests/reception/surge.ts). Asserts: no node ever exceeds its
 * capacity (and none ever has to refuse a ticket for being full); clients are admitted in
 * arrival order within a stated tolerance; a client that reloads keeps its place; abandoned
 * admissions free their slots. (Places of clients that stop asking are freed too:
 * edge/reception/reception.test.ts, on a test clock.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runSurge, worstOvertaking, type SurgeResult } from './reception/surge.ts';

const CAPACITIES = [30, 20, 10];
const OPTIONS = {
  clients: 1_500,
  capacities: CAPACITIES,
  sessionMs: 100,
  /** Clients that take a ticket and never claim it. */
  noShows: 50,
  /** Clients that reload (forget everything but their stored place) while waiting. */
  reloaders: 50,
  ticketTtlMs: 5_000,
  /** Long enough that no live client, however slow its answers under the surge, counts as gone. */
  abandonMs: 60_000,
  reportMs: 50,
  clientMsMax: 90_000,
};

let surge: SurgeResult | undefined;
afterAll(() => surge?.stop());

describe('reception under a surge', () => {
  it('never overfills a node, admits in arrival order, keeps places across reloads and frees abandoned slots', async () => {
    surge = await runSurge(OPTIONS);
    const { outcomes, nodes, reception, admittedOrder, reloads } = surge;
    expect(outcomes.filter((o) => o === 'served')).toHaveLength(OPTIONS.clients - OPTIONS.noShows);
    // Capacity: never exceeded, and no node had to refuse a ticket for being full.
    for (const [i, n] of nodes.entries()) {
      expect(n.peak).toBeGreaterThan(0);
      expect(n.peak).toBeLessThanOrEqual(CAPACITIES[i]!);
      expect(n.takeReport().refused['node-full'] ?? 0).toBe(0);
    }
    // Arrival order: a client is admitted only when everyone still waiting before it fits in
    // the free slots, so it can overtake at most (total capacity) earlier arrivals.
    const tolerance = CAPACITIES.reduce((s, c) => s + c, 0);
    const worst = worstOvertaking(admittedOrder);
    console.log(`surge: ${OPTIONS.clients} clients, worst overtaking ${worst} (tolerance ${tolerance}), ${reloads.length} reloads`);
    expect(worst).toBeLessThanOrEqual(tolerance);
    // A reload never loses the place (the line only moves forward).
    expect(reloads.length).toBeGreaterThan(0);
    for (const r of reloads) expect(r.after).toBeLessThanOrEqual(r.before);
    // Unclaimed tickets expired and freed their slots: nothing is pending or waiting at the end.
    await expect.poll(() => reception.status().nodes.reduce((s, n) => s + n.pending, 0), { timeout: OPTIONS.ticketTtlMs * 3, interval: 50 }).toBe(0);
    expect(reception.status().waiting).toBe(0);
  }, OPTIONS.clientMsMax + 30_000);
});
