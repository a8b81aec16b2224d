/**
 * @module Progress streams (`GET /api/jobs/:id/events`) through the real server on loopback,
 * on SQLite and PostgreSQL (issue 15, finding 6): a stream outlives the server's request
 * bound (they are long-lived on purpose); a customer holds at most
 * JOB_EVENT_STREAMS_PER_CUSTOMER_MAX open, the next is refused 429 with Retry-After while
 * another customer still gets one, and closing a stream gives its place back.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Problem } from '../../shared/api/schemas.ts';
import { serveEdge } from '../http/server.ts';
import { closeDialectApps, makeDialectApp, testDialects } from '../testing.ts';
import { JOB_EVENT_STREAMS_PER_CUSTOMER_MAX } from './progress.ts';

const dialects = await testDialects('progress streams');
const EBM = { cells: 40, membersPerUnit: 3, sampling: { method: 'lhs', members: 12, seed: 5 } } as const;
/** Bound of the poll for a released place (the server notices a closed stream at its next write). */
const POLLS_MAX = 500;

const servers: Server[] = [];
const aborts: AbortController[] = [];
afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
  await closeDialectApps();
});

/** Reads the stream until `events` progress events have come. */
async function readEvents(body: ReadableStream<Uint8Array>, events: number): Promise<string> {
  const reader = body.getReader();
  let text = '';
  while ((text.match(/event: progress/g) ?? []).length < events) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text;
}

describe.each(dialects)('progress streams on %s', (dialect) => {
  it('outlive the request bound, and are bounded per customer (429), each closed one giving its place back', async () => {
    const t = await makeDialectApp(dialect);
    // The request bound is 200 ms here; a progress event comes every second.
    const server = serveEdge({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1', limits: { headersTimeoutMs: 100, requestTimeoutMs: 200, connectionsCheckMs: 20 } });
    servers.push(server);
    if (!server.listening) await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { apiKey } = await t.client().createCustomer('Watcher');
    const job = await t.client(apiKey).createJob({ kind: 'ebm', params: EBM });
    const other = (await t.client().createCustomer('Other')).apiKey;

    const stream = async (key: string) => {
      const abort = new AbortController();
      aborts.push(abort);
      const res = await fetch(`${base}/api/jobs/${job.id}/events`, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
      return { res, abort };
    };
    const open = [];
    for (let i = 0; i < JOB_EVENT_STREAMS_PER_CUSTOMER_MAX; i++) {
      const s = await stream(apiKey);
      expect(s.res.status).toBe(200);
      expect(await readEvents(s.res.body!, 1)).toContain('"status":"running"');
      open.push(s);
    }
    // The first stream is still written to after the request bound.
    expect(await readEvents(open[0]!.res.body!, 1)).toContain('event: progress');

    const refused = await stream(apiKey);
    expect(refused.res.status).toBe(429);
    expect(refused.res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await refused.res.json()) as Problem).toMatchObject({ type: '/problems/too-many-progress-streams', status: 429 });
    // Another customer's bound is their own.
    const theirs = await t.client(other).createJob({ kind: 'ebm', params: EBM });
    const abort = new AbortController();
    aborts.push(abort);
    expect((await fetch(`${base}/api/jobs/${theirs.id}/events`, { headers: { authorization: `Bearer ${other}` }, signal: abort.signal })).status).toBe(200);

    open[0]!.abort.abort();
    let again = await stream(apiKey);
    for (let i = 0; i < POLLS_MAX && again.res.status === 429; i++) {
      await new Promise((r) => setTimeout(r, 10));
      again = await stream(apiKey);
    }
    expect(again.res.status).toBe(200);
  });
});
