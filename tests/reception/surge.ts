/**
 * @module A surge of clients against reception and nodes with set capacities, all over HTTP
 * on loopback in this process (reception and each node on a port of their own; nodes report
 * their load on a timer). Used by the surge test (which asserts) and the reception bench
 * (which measures). Clients arrive at once, wait when told, some reload, some take a ticket
 * and never claim it; each admitted client holds its slot for `sessionMs`, then ends it.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { ADMISSION_HEADER, CLIENT_KEY_HEADER, RECEPTION_PATHS, type AdmitResponse } from '../../shared/reception/schemas.ts';
import { onError } from '../../edge/http/problem.ts';
import { NodeAdmissions } from '../../edge/reception/node.ts';
import { Reception } from '../../edge/reception/reception.ts';
import { startReporting } from '../../edge/reception/reporter.ts';
import { nodeRoutes, receptionRoutes } from '../../edge/reception/routes.ts';
import { randomKeyring } from '../../edge/reception/tickets.ts';

export interface SurgeOptions {
  clients: number;
  capacities: number[];
  sessionMs: number;
  noShows: number;
  reloaders: number;
  ticketTtlMs: number;
  abandonMs: number;
  reportMs: number;
  /** Wall-clock bound for one client to be served. */
  clientMsMax: number;
}

export interface SurgeResult {
  outcomes: ('served' | 'no-show')[];
  /** Arrival ranks (as reception saw them) in the order clients were admitted. */
  admittedOrder: number[];
  reloads: { before: number; after: number }[];
  nodes: NodeAdmissions[];
  reception: Reception;
  /** Round-trip time of every admission request, ms. */
  admitMs: number[];
  /** How long each served client waited between arriving and being admitted, ms. */
  waitedMs: number[];
  stop(): Promise<void>;
}

/** Attempts of one request that the loopback refused (a surge overflows the listen backlog), as a page would retry. */
const NETWORK_ATTEMPTS_MAX = 8;
/** How long reception may take to hear from every node at the start. */
const NODES_LIVE_MS_MAX = 5_000;

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSurge(o: SurgeOptions): Promise<SurgeResult> {
  const servers: ServerType[] = [];
  const stops: (() => void)[] = [];
  const listen = async (app: Hono) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    servers.push(server);
    await new Promise<void>((r) => server.once('listening', () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const stop = async () => {
    for (const s of stops) s();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  };

  const ring = randomKeyring();
  const reportKey = randomBytes(16).toString('hex');
  const reception = new Reception({ ring, ticketTtlMs: o.ticketTtlMs, abandonMs: o.abandonMs, retryMinMs: 250, retryMaxMs: 2_000 });
  const receptionApp = new Hono();
  receptionApp.onError(onError);
  receptionApp.route('/', receptionRoutes(reception, reportKey));
  const receptionUrl = await listen(receptionApp);

  const nodes: NodeAdmissions[] = [];
  for (const [i, capacity] of o.capacities.entries()) {
    const app = new Hono();
    app.onError(onError);
    const node = new NodeAdmissions({ node: `n${i}`, url: 'http://unset', capacity, ring });
    app.route('/', nodeRoutes(node));
    Object.assign(node.options, { url: await listen(app) });
    nodes.push(node);
    stops.push(startReporting(node, { receptionUrl, reportKey, intervalMs: o.reportMs }));
  }
  const liveBy = Date.now() + NODES_LIVE_MS_MAX;
  while (reception.status().nodes.filter((n) => n.live).length < nodes.length) {
    if (Date.now() > liveBy) throw new Error('reception did not hear from every node');
    await sleep(20);
  }

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
  const reloads: SurgeResult['reloads'] = [];
  const admitMs: number[] = [];
  const waitedMs: number[] = [];

  const client = async (i: number): Promise<'served' | 'no-show'> => {
    const key = randomBytes(32).toString('base64url');
    const headers = { [CLIENT_KEY_HEADER]: key };
    const ask = async (place?: string) => {
      const t0 = performance.now();
      const r = await post(receptionUrl + RECEPTION_PATHS.admit, { scope: 'volunteer', ...(place ? { place } : {}) }, headers);
      admitMs.push(performance.now() - t0);
      return r.body as unknown as AdmitResponse;
    };
    const arrived = performance.now();
    let place: string | undefined;
    let reloaded = false;
    const deadline = Date.now() + o.clientMsMax;
    while (Date.now() < deadline) {
      let answer = await ask(place);
      if (answer.status === 'waiting' && i >= o.clients - o.reloaders && !reloaded) {
        // A reload: the page forgets everything but the place it stored, and asks again.
        reloaded = true;
        const before = answer.position;
        answer = await ask(answer.place);
        if (answer.status === 'waiting') reloads.push({ before, after: answer.position });
      }
      if (answer.status === 'waiting') {
        place = answer.place;
        await sleep(answer.retryAfterMs);
        continue;
      }
      waitedMs.push(performance.now() - arrived);
      if (i < o.noShows) return 'no-show';
      const claim = await post(answer.node.url + RECEPTION_PATHS.admission, { ticket: answer.ticket, scope: 'volunteer' }, headers);
      if (claim.status !== 201) throw new Error(`claim refused: ${JSON.stringify(claim.body)}`);
      await sleep(o.sessionMs);
      await send(answer.node.url + RECEPTION_PATHS.admission, { method: 'DELETE', headers: { ...headers, [ADMISSION_HEADER]: claim.body.admission as string } });
      return 'served';
    }
    throw new Error(`client ${i} was not admitted within ${o.clientMsMax} ms`);
  };

  try {
    // Everyone arrives at once (in index order, as their first requests go out).
    const outcomes = await Promise.all(Array.from({ length: o.clients }, (_, i) => client(i)));
    return { outcomes, admittedOrder, reloads, nodes, reception, admitMs, waitedMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The most earlier arrivals any admitted client overtook. */
export function worstOvertaking(admittedOrder: number[]): number {
  let worst = 0;
  for (const [k, arrival] of admittedOrder.entries()) {
    let overtaken = 0;
    for (let j = k + 1; j < admittedOrder.length; j++) if (admittedOrder[j]! < arrival) overtaken++;
    worst = Math.max(worst, overtaken);
  }
  return worst;
}
