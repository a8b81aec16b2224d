import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readBytes, readJson } from './body.ts';
import { onError } from './problem.ts';

const app = new Hono();
app.onError(onError);
app.post('/json', async (c) => c.json(await readJson(c, z.object({ name: z.string() }), undefined, 64)));
app.put('/bytes', async (c) => c.json({ length: (await readBytes(c, 100)).byteLength }));
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const port = (server.address() as AddressInfo).port;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `chunks` over real HTTP, chunked (no Content-Length) unless `length` is given. */
function send(method: string, path: string, type: string, chunks: Buffer[], length?: number): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': type };
    if (length !== undefined) headers['content-length'] = length;
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown> }));
    });
    // The server may answer (and close) before the whole body is sent: that is the point.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('request bodies on the Node server (read from the socket)', () => {
  it('parses a body within its bound, sent with or without Content-Length', async () => {
    const json = Buffer.from(JSON.stringify({ name: 'Ada' }));
    expect(await send('POST', '/json', 'application/json', [json], json.length)).toEqual({ status: 200, body: { name: 'Ada' } });
    expect(await send('POST', '/json', 'application/json', [json.subarray(0, 5), json.subarray(5)])).toEqual({ status: 200, body: { name: 'Ada' } });
    expect(await send('PUT', '/bytes', 'application/octet-stream', [Buffer.alloc(60), Buffer.alloc(40)])).toEqual({ status: 200, body: { length: 100 } });
  });

  it('refuses a body over its bound by Content-Length, and a chunked one once it passes the bound', async () => {
    const declared = await send('PUT', '/bytes', 'application/octet-stream', [Buffer.alloc(101)], 101);
    expect(declared).toMatchObject({ status: 413, body: { type: '/problems/body-too-large' } });
    const chunked = await send('PUT', '/bytes', 'application/octet-stream', [Buffer.alloc(80), Buffer.alloc(80), Buffer.alloc(80)]);
    expect(chunked).toMatchObject({ status: 413, body: { type: '/problems/body-too-large' } });
    const json = await send('POST', '/json', 'application/json', [Buffer.from(`{"name":"${'x'.repeat(100)}"}`)]);
    expect(json).toMatchObject({ status: 413, body: { type: '/problems/body-too-large' } });
  });
});
