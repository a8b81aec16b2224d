/**
 * Surge: thousands of clients against reception and three nodes with set capacities, all
 * over HTTP on loopback (reception and nodes each on a port of their own; nodes report
 * their load on a timer). Asserts: no node ever exceeds its capacity (and none ever has to
 * refuse a ticket for being full); clients are admitted in arrival order within a stated
 * tolerance; a client that reloads keeps its place; abandoned admissions free their slots.
 * (Places of clients that stop asking are freed too: reception.test.ts, on a test clock.)
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMISSION_HEADER, CLIENT_KEY_HEADER, RECEPTION_PATHS, type AdmitResponse } from '../shared/reception/schemas.ts';
import { onError } from '../edge/http/problem.ts';
import { NodeAdmissions } from '../edge/reception/node.ts';
import { Reception } from '../edge/reception/reception.ts';
import { startReporting } from '../edge/reception/reporter.ts';
import { nodeRoutes, receptionRoutes } from '../edge/reception/routes.ts';
import { randomKeyring } from '../edge/reception/tickets.ts';

const CLIENTS = 1_500;
const CAPACITIES = [30, 20, 10];
/** How long an admitted client keeps its slot before ending its session. */
const SESSION_MS = 100;
/** Clients that take a ticket and never claim it, and clients that stop waiting. */
const NO_SHOWS = 50;
const DESERTERS = 0;
/** Clients that reload (forget everything but their stored place) while waiting. */
const RELOADERS = 50;
const TICKET_TTL_MS = 5_000;
/** Long enough that no live client, however slow its answers under the surge, counts as gone. */
const ABANDON_MS = 60_000;
const REPORT_MS = 50;
/** Wall-clock bound of the whole surge. */
const SURGE_MS_MAX = 90_000;

const servers: ServerType[] = [];
const stops: (() => void)[] = [];
afterAll(async () => {
  for (const s of stops) s();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function listen(app: Hono): Promise<string> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  servers.push(server);
  await new Promise<void>((r) => server.once('listening', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Attempts of one request that the loopback refused (a surge overflows the listen backlog), as a page would retry. */
const NETWORK_ATTEMPTS_MAX = 8;

async function send(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (attempt >= NETWORK_ATTEMPTS_MAX) throw err;
      await new Promise((r) => setTimeout(r, 25 * attempt * (1 + Math.random())));
    }
  }
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('reception under a surge', () => {
  it('never overfills a node, admits in arrival order, keeps places across reloads and frees abandoned slots', async () => {
    const ring = randomKeyring();
    const reportKey = randomBytes(16).toString('hex');
    const reception = new Reception({ ring, ticketTtlMs: TICKET_TTL_MS, abandonMs: ABANDON_MS, retryMinMs: 250, retryMaxMs: 2_000 });
    const receptionApp = new Hono();
    receptionApp.onError(onError);
    receptionApp.route('/', receptionRoutes(reception, reportKey));
    const receptionUrl = await listen(receptionApp);

    const nodes: NodeAdmissions[] = [];
    for (const [i, capacity] of CAPACITIES.entries()) {
      const app = new Hono();
      app.onError(onError);
      const url = `pending-${i}`;
      const node = new NodeAdmissions({ node: `n${i}`, url, capacity, ring });
      app.route('/', nodeRoutes(node));
      Object.assign(node.options, { url: await listen(app) });
      nodes.push(node);
      stops.push(startReporting(node, { receptionUrl, reportKey, intervalMs: REPORT_MS }));
    }
    // Wait until reception has heard from every node.
    await expect.poll(() => reception.status().nodes.filter((n) => n.live).length, { timeout: 5_000, interval: 20 }).toBe(CAPACITIES.length);

    // Arrival and admission order as reception saw them (it runs in this process).
    const arrivalOf = new Map<string, number>();
    const admittedOrder: number[] = [];
    const admit = reception.admit.bind(reception);
    reception.admit = (req, clientKey, now) => {
      if (!arrivalOf.has(clientKey)) arrivalOf.set(clientKey, arrivalOf.size);
      const answer = admit(req, clientKey, now);
      if (answer.status === 'admitted') admittedOrder.push(arrivalOf.get(clientKey)!);
      return answer;
    };
    const reloads: { before: number; after: number }[] = [];
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const client = async (i: number) => {
      const key = randomBytes(32).toString('base64url');
      const headers = { [CLIENT_KEY_HEADER]: key };
      let place: string | undefined;
      let reloaded = false;
      const deadline = Date.now() + SURGE_MS_MAX;
      while (Date.now() < deadline) {
        const r = await post(receptionUrl + RECEPTION_PATHS.admit, { scope: 'volunteer', ...(place ? { place } : {}) }, headers);
        const answer = r.body as unknown as AdmitResponse;
        if (answer.status === 'waiting') {
          if (i >= CLIENTS / 2 && i < CLIENTS / 2 + DESERTERS) return 'deserted';
          if (i >= CLIENTS - RELOADERS && !reloaded) {
            // A reload: the page forgets everything but the place it stored, and asks again.
            reloaded = true;
            const again = (await post(receptionUrl + RECEPTION_PATHS.admit, { scope: 'volunteer', place: answer.place }, headers)).body as unknown as AdmitResponse;
            if (again.status === 'waiting') reloads.push({ before: answer.position, after: again.position });
            if (again.status === 'admitted') Object.assign(answer, again);
          }
          if (answer.status === 'waiting') {
            place = answer.place;
            await sleep(answer.retryAfterMs);
            continue;
          }
        }
        if (answer.status !== 'admitted') throw new Error(`unexpected answer ${JSON.stringify(r.body)}`);
        if (i < NO_SHOWS) return 'no-show';
        const claim = await post(answer.node.url + RECEPTION_PATHS.admission, { ticket: answer.ticket, scope: 'volunteer' }, headers);
        if (claim.status !== 201) throw new Error(`claim refused: ${JSON.stringify(claim.body)}`);
        await sleep(SESSION_MS);
        await send(answer.node.url + RECEPTION_PATHS.admission, { method: 'DELETE', headers: { ...headers, [ADMISSION_HEADER]: claim.body.admission as string } });
        return 'served';
      }
      throw new Error(`client ${i} was not admitted within ${SURGE_MS_MAX} ms`);
    };

    // Everyone arrives at once (in index order, as their first requests go out).
    const outcomes = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));

    expect(outcomes.filter((o) => o === 'deserted')).toHaveLength(DESERTERS);
    expect(outcomes.filter((o) => o === 'served')).toHaveLength(CLIENTS - DESERTERS - NO_SHOWS);
    // Capacity: never exceeded, and no node had to refuse a ticket for being full.
    for (const [i, n] of nodes.entries()) {
      expect(n.peak).toBeGreaterThan(0);
      expect(n.peak).toBeLessThanOrEqual(CAPACITIES[i]!);
      expect(n.takeReport().refused['node-full'] ?? 0).toBe(0);
    }
    // Arrival order: a client is admitted only when everyone still waiting before it fits in
    // the free slots, so it can overtake at most (total capacity) earlier arrivals.
    const tolerance = CAPACITIES.reduce((s, c) => s + c, 0);
    let worst = 0;
    for (const [k, arrival] of admittedOrder.entries()) {
      const overtaken = admittedOrder.slice(k + 1).filter((a) => a < arrival).length;
      worst = Math.max(worst, overtaken);
    }
    console.log(`surge: ${CLIENTS} clients, worst overtaking ${worst} (tolerance ${tolerance}), ${reloads.length} reloads`);
    expect(worst).toBeLessThanOrEqual(tolerance);
    // A reload never loses the place (the line only moves forward).
    expect(reloads.length).toBeGreaterThan(0);
    for (const r of reloads) expect(r.after).toBeLessThanOrEqual(r.before);
    // Abandoned tickets and places were freed: nothing is pending or waiting at the end.
    await expect.poll(() => reception.status().nodes.reduce((s, n) => s + n.pending, 0), { timeout: TICKET_TTL_MS * 3, interval: 50 }).toBe(0);
    expect(reception.status().waiting).toBe(0);
  }, SURGE_MS_MAX + 30_000);
});
