/**
 * @module The edge's HTTP server: the app on @hono/node-server, with every bound a slow or
 * greedy client meets in one place (issue 15, finding 4: a client sending one header line a
 * second, or one body byte a second, held its connection for good).
 *
 * - Headers must be complete within SERVER_HEADERS_TIMEOUT_MS (Node answers 408 and closes).
 * - A whole request, body included, within SERVER_REQUEST_TIMEOUT_MS (the same).
 * - A body must arrive at SERVER_BODY_RATE_MIN_BYTES_PER_S on average once
 *   SERVER_BODY_RATE_GRACE_MS have passed, else the connection is closed: a byte a second is
 *   cut after the grace, not after the whole-request bound.
 * - An idle kept-alive connection closes after SERVER_KEEP_ALIVE_TIMEOUT_MS.
 * - One network origin (edge/http/origin.ts: IPv4 /24, IPv6 /48) holds at most
 *   SERVER_CONNECTIONS_PER_ORIGIN_MAX connections; more are closed as they open. Connections
 *   from a trusted proxy (TRUST_PROXY) are not counted: they carry many clients, and the
 *   proxy bounds its own.
 *
 * Long-lived responses are not cut: the request bounds end when the request has been
 * received, so a progress stream (`GET /api/jobs/:id/events`, bounded per customer in
 * edge/jobs/progress.ts) stays open while the server writes to it.
 */
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { originOf } from './origin.ts';

/** Time for a request's headers to arrive: they are a few hundred bytes; ten seconds is ample on any link. */
export const SERVER_HEADERS_TIMEOUT_MS = 10_000;
/**
 * Time for a whole request, body included: a training job's body may have 32 MiB
 * (TRAINING_JOB_BODY_BYTES_MAX), five minutes of upload at about 110 KB/s.
 */
export const SERVER_REQUEST_TIMEOUT_MS = 300_000;
/** An idle kept-alive connection is closed after this long (Node's default; named so it is chosen). */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * How often connections are checked against the header, request and body-rate bounds; Node's
 * default (30 s) would let a bound be overrun by that much.
 */
export const SERVER_CONNECTIONS_CHECK_MS = 1_000;
/** Least average rate of a request body, bytes per second, once its grace has passed: the slowest real link does ten times more. */
export const SERVER_BODY_RATE_MIN_BYTES_PER_S = 1024;
/** Time a body may take before its rate is judged (a client may pause after its headers). */
export const SERVER_BODY_RATE_GRACE_MS = 10_000;
/**
 * Connections one network origin may hold open at once. A browser opens at most six per host
 * (HTTP/1.1), a household or office shares an origin, and the Node volunteer worker keeps one
 * or two each: 64 leaves room for all of them, and a slowloris from one network holds no more.
 */
export const SERVER_CONNECTIONS_PER_ORIGIN_MAX = 64;
/** Connections the server holds open at once, all origins (each costs a socket and its buffers). */
export const SERVER_CONNECTIONS_MAX = 10_000;

/** The bounds {@link serveEdge} applies; tests give small ones. */
export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connectionsCheckMs: number;
  bodyRateMinBytesPerS: number;
  bodyRateGraceMs: number;
  connectionsPerOriginMax: number;
  connectionsMax: number;
}

/** The bounds the edge runs with. */
export const SERVER_LIMITS: Readonly<ServerLimits> = {
  headersTimeoutMs: SERVER_HEADERS_TIMEOUT_MS,
  requestTimeoutMs: SERVER_REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: SERVER_KEEP_ALIVE_TIMEOUT_MS,
  connectionsCheckMs: SERVER_CONNECTIONS_CHECK_MS,
  bodyRateMinBytesPerS: SERVER_BODY_RATE_MIN_BYTES_PER_S,
  bodyRateGraceMs: SERVER_BODY_RATE_GRACE_MS,
  connectionsPerOriginMax: SERVER_CONNECTIONS_PER_ORIGIN_MAX,
  connectionsMax: SERVER_CONNECTIONS_MAX,
};

/** Options of {@link serveEdge}. */
export interface ServeEdgeOptions {
  /** The app's `fetch` (`app.fetch`). */
  fetch: Parameters<typeof serve>[0]['fetch'];
  port: number;
  hostname?: string;
  /** Proxies (TRUST_PROXY) whose connections are not bounded per origin. @default none */
  trustedProxies?: ReadonlySet<string>;
  /** @default SERVER_LIMITS */
  limits?: Partial<ServerLimits>;
}

/** A body being received, to judge its rate. */
interface Receiving {
  socket: Socket;
  startedAt: number;
  bytesAtStart: number;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, as origin.ts compares proxies. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/**
 * Serves `fetch` on `port` with the edge's bounds; `listening` is called once it listens.
 * @example
 * const server = serveEdge({ fetch: app.fetch, port: 8787, hostname: '127.0.0.1', trustedProxies }, (info) => console.log(info.port));
 */
export function serveEdge(options: ServeEdgeOptions, listening?: (info: AddressInfo) => void): Server {
  const limits: ServerLimits = { ...SERVER_LIMITS, ...options.limits };
  const trusted = options.trustedProxies ?? new Set<string>();
  const server = serve(
    {
      fetch: options.fetch,
      port: options.port,
      hostname: options.hostname,
      serverOptions: {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: limits.connectionsCheckMs,
      },
    },
    listening,
  ) as Server;
  server.maxConnections = limits.connectionsMax;

  const perOrigin = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress === undefined ? undefined : unmapped(socket.remoteAddress);
    if (address === undefined || trusted.has(address)) return;
    const origin = originOf(address) ?? address;
    const open = perOrigin.get(origin) ?? 0;
    if (open >= limits.connectionsPerOriginMax) {
      socket.destroy();
      return;
    }
    perOrigin.set(origin, open + 1);
    socket.once('close', () => {
      const left = (perOrigin.get(origin) ?? 1) - 1;
      if (left > 0) perOrigin.set(origin, left);
      else perOrigin.delete(origin);
    });
  });

  // Bodies being received, judged on the connection check's beat.
  const receiving = new Set<Receiving>();
  server.on('request', (req: IncomingMessage) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody || req.complete) return;
    const r: Receiving = { socket: req.socket, startedAt: performance.now(), bytesAtStart: req.socket.bytesRead };
    receiving.add(r);
    const done = () => receiving.delete(r);
    req.once('end', done);
    req.once('close', done);
  });
  const rateCheck = setInterval(() => {
    const now = performance.now();
    for (const r of receiving) {
      const elapsedMs = now - r.startedAt;
      if (elapsedMs < limits.bodyRateGraceMs) continue;
      const bytes = r.socket.bytesRead - r.bytesAtStart;
      if ((bytes * 1000) / elapsedMs < limits.bodyRateMinBytesPerS) {
        receiving.delete(r);
        r.socket.destroy();
      }
    }
  }, limits.connectionsCheckMs);
  rateCheck.unref();
  server.once('close', () => clearInterval(rateCheck));
  return server;
}
