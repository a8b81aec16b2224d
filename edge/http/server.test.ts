/**
 * @module The edge's server bounds with real sockets on loopback (issue 15, finding 4), with
 * small bounds given through `limits` so nothing waits for the real ones: a client that sends
 * its headers a line at a time, and one that sends its body a byte at a time, are cut; a
 * normal client is served; one network origin holds at most its connections (127.0.0.2 and
 * 127.0.0.3 are one /24, 127.0.1.2 another); a long response outlives the request bound.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Hono } from 'hono';
import { streamText } from 'hono/streaming';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from './body.ts';
import { onError } from './problem.ts';
import { serveEdge, type ServerLimits } from './server.ts';

/** Interval of the test's slow writers: far slower than any bound's rate, far below vitest's timeout. */
const DRIP_MS = 40;

function testApp() {
  const app = new Hono();
  app.onError(onError);
  app.get('/api/health', (c) => c.json({ ok: true }));
  app.post('/echo', async (c) => c.json({ bytes: (await readBody(c, 1 << 20, 'a body')).byteLength }));
  app.get('/stream', (c) =>
    streamText(c, async (s) => {
      for (let i = 0; i < 5; i++) {
        await s.write(`chunk ${i}\n`);
        await s.sleep(100);
      }
    }),
  );
  return app;
}

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function start(limits: Partial<ServerLimits>): Promise<{ server: Server; port: number }> {
  const server = serveEdge({ fetch: testApp().fetch, port: 0, hostname: '127.0.0.1', limits });
  servers.push(server);
  if (!server.listening) await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

async function open(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  sockets.push(socket);
  await once(socket, 'connect');
  return socket;
}

/** Writes `parts` one per DRIP_MS until the server closes the socket; resolves with what the server sent. */
function dripUntilClosed(socket: Socket, parts: () => string): Promise<string> {
  let received = '';
  socket.on('data', (d) => (received += d));
  socket.on('error', () => undefined);
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(parts());
  }, DRIP_MS);
  return new Promise((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(received);
    }),
  );
}

/** One request on a fresh socket from `localAddress`: the response's status line, or `closed`. */
async function statusLine(port: number, localAddress: string): Promise<string> {
  const socket = await open(port, localAddress);
  let received = '';
  socket.on('data', (d) => (received += d));
  socket.on('error', () => undefined);
  socket.write('GET /api/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  await once(socket, 'close');
  return received === '' ? 'closed' : received.split('\r\n')[0]!;
}

describe('serveEdge bounds', () => {
  it('cuts a client that sends its headers a line at a time', async () => {
    const { port } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 60_000, connectionsCheckMs: 50 });
    const socket = await open(port);
    socket.write('GET /api/health HTTP/1.1\r\nHost: t\r\n');
    let n = 0;
    const received = await dripUntilClosed(socket, () => `X-Slow-${n++}: 1\r\n`);
    // Node answers 408 before it closes; either way the connection is gone.
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
    expect(n).toBeGreaterThan(0);
  });

  it('cuts a client that sends its body a byte at a time, long before the whole-request bound', async () => {
    const { port } = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 120_000, connectionsCheckMs: 50, bodyRateGraceMs: 300, bodyRateMinBytesPerS: 1024 });
    const socket = await open(port);
    socket.write('POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n');
    let sent = 0;
    const received = await dripUntilClosed(socket, () => (sent++, 'x'));
    expect(received).toBe('');
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(100_000);
  });

  it('serves a normal client, a full-speed body and a response that streams past the request bound', async () => {
    const { port } = await start({ headersTimeoutMs: 100, requestTimeoutMs: 200, connectionsCheckMs: 20, bodyRateGraceMs: 100, bodyRateMinBytesPerS: 1024 });
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/api/health`)).json()).toEqual({ ok: true });
    const body = new Uint8Array(512 * 1024);
    const echoed = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
    expect(await echoed.json()).toEqual({ bytes: body.byteLength });
    // Five chunks 100 ms apart: the response lasts about 500 ms, past the 200 ms request bound.
    const streamed = await (await fetch(`${base}/stream`)).text();
    expect(streamed.trim().split('\n')).toEqual(['chunk 0', 'chunk 1', 'chunk 2', 'chunk 3', 'chunk 4']);
  });

  it('holds one origin to its connections, counting 127.0.0.2 and 127.0.0.3 as one /24', async () => {
    const { server, port } = await start({ headersTimeoutMs: 60_000, requestTimeoutMs: 120_000, connectionsPerOriginMax: 2 });
    const held = [await open(port, '127.0.0.2'), await open(port, '127.0.0.2')];
    // The server counts a connection when it accepts it: wait until it has both.
    for (let i = 0; i < 100 && (await new Promise<number>((r) => server.getConnections((_e, n) => r(n)))) < 2; i++) await new Promise((r) => setImmediate(r));
    expect(await statusLine(port, '127.0.0.3')).toBe('closed');
    expect(await statusLine(port, '127.0.1.2')).toBe('HTTP/1.1 200 OK');
    held[0]!.destroy();
    // Once the server has seen it close, the origin has room again.
    for (let i = 0; i < 100 && (await new Promise<number>((r) => server.getConnections((_e, n) => r(n)))) > 1; i++) await new Promise((r) => setImmediate(r));
    expect(await statusLine(port, '127.0.0.3')).toBe('HTTP/1.1 200 OK');
  });
});
