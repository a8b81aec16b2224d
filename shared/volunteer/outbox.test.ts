/**
 * @module Tests of the outbox against answers the real server rarely gives on demand
 * (msw intercepts fetch): retries with backoff on 5xx, a drop with a note on 4xx and on a
 * closed unit, waiting out the network and sending on `kick(true)`, and the bounds.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../api/client.ts';
import { OUTBOX_ENTRIES_MAX, OUTBOX_ENTRY_AGE_MS_MAX, OUTBOX_SUBMIT_ATTEMPTS_MAX } from '../limits.ts';
import { Outbox, memoryOutboxStore, type OutboxEvent } from './outbox.ts';

const BASE = 'http://edge.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Answers each submit with the next of `answers` (the last one repeats); counts calls per lease. */
function answering(answers: ((leaseId: number) => Response)[]) {
  const calls: number[] = [];
  server.use(
    http.put(`${BASE}/api/work/leases/:id/result`, ({ params }) => {
      const leaseId = Number(params.id);
      calls.push(leaseId);
      return answers[Math.min(calls.length - 1, answers.length - 1)]!(leaseId);
    }),
  );
  return calls;
}

const ok = (outcome = 'valid', creditedPoints = 3) => (leaseId: number) => HttpResponse.json({ leaseId, outcome, creditedPoints });
const problem = (status: number, title: string) => () =>
  HttpResponse.json({ type: '/problems/x', title, status }, { status, headers: { 'content-type': 'application/problem+json' } });

function setup(options: { now?: () => number } = {}) {
  const events: OutboxEvent[] = [];
  const waiters: { test: (e: OutboxEvent) => boolean; resolve: (e: OutboxEvent) => void }[] = [];
  const store = memoryOutboxStore();
  const outbox = new Outbox({
    api: createApiClient({ baseUrl: BASE, token: 'v_x.secret' }),
    store,
    backoff: () => 1,
    ...options,
    onEvent(e) {
      events.push(e);
      for (const w of [...waiters]) if (w.test(e)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(e);
    },
  });
  const next = (test: (e: OutboxEvent) => boolean) => new Promise<OutboxEvent>((resolve) => waiters.push({ test, resolve }));
  return { outbox, store, events, next };
}

const entry = (leaseId: number, computedAt = Date.now()) => ({ leaseId, unitId: leaseId * 10, jobId: 'j', costPoints: 3, output: new Uint8Array([leaseId]), computedAt });

describe('Outbox', () => {
  it('sends results oldest first and forgets each once acknowledged', async () => {
    const calls = answering([ok()]);
    const { outbox, store, next } = setup();
    const sent = next((e) => e.type === 'sent' && e.size === 0);
    const t = Date.now();
    await outbox.add(entry(2, t - 2));
    await outbox.add(entry(1, t - 1));
    await sent;
    await outbox.drained();
    expect(calls.slice(0, 1)).toEqual([2]);
    expect(new Set(calls)).toEqual(new Set([1, 2]));
    expect(await store.list()).toEqual([]);
  });

  it('retries a 503 with backoff, then sends', async () => {
    const calls = answering([problem(503, 'Busy'), problem(503, 'Busy'), ok()]);
    const { outbox, events, next } = setup();
    const sent = next((e) => e.type === 'sent');
    await outbox.add(entry(7));
    expect(await sent).toMatchObject({ leaseId: 7, outcome: 'valid', creditedPoints: 3 });
    expect(calls).toEqual([7, 7, 7]);
    expect(events.filter((e) => e.type === 'retrying')).toHaveLength(2);
  });

  it('drops a result the server refuses (409) with a note, without retrying it', async () => {
    const calls = answering([problem(409, 'This lease no longer takes results')]);
    const { outbox, store, next } = setup();
    const dropped = next((e) => e.type === 'dropped');
    await outbox.add(entry(5));
    expect(await dropped).toMatchObject({ leaseId: 5, reason: 'refused', detail: expect.stringContaining('no longer takes results') });
    await outbox.drained();
    expect(calls).toEqual([5]);
    expect(await store.list()).toEqual([]);
  });

  it('notes a result whose unit closed meanwhile (taken, not credited) and moves on', async () => {
    answering([ok('unit_closed', 0)]);
    const { outbox, next } = setup();
    const dropped = next((e) => e.type === 'dropped');
    await outbox.add(entry(9));
    expect(await dropped).toMatchObject({ leaseId: 9, reason: 'unit_closed' });
  });

  it(`gives up after ${OUTBOX_SUBMIT_ATTEMPTS_MAX} answered failures`, async () => {
    const calls = answering([problem(500, 'Oops')]);
    const { outbox, next } = setup();
    const dropped = next((e) => e.type === 'dropped');
    await outbox.add(entry(3));
    expect(await dropped).toMatchObject({ reason: 'attempts' });
    expect(calls).toHaveLength(OUTBOX_SUBMIT_ATTEMPTS_MAX);
  });

  it('waits out a network failure, keeping the result, and sends when kicked', async () => {
    let online = false;
    server.use(
      http.put(`${BASE}/api/work/leases/:id/result`, ({ params }) => (online ? ok()(Number(params.id)) : HttpResponse.error())),
    );
    const { outbox, store, next } = setup();
    // A long backoff: only the kick can bring the result out in this test's time.
    (outbox as unknown as { options: { backoff: () => number } }).options.backoff = () => 3_600_000;
    const offline = next((e) => e.type === 'retrying' && e.offline);
    await outbox.add(entry(4));
    await offline;
    expect((await store.list()).map((e) => e.leaseId)).toEqual([4]);
    online = true;
    const sent = next((e) => e.type === 'sent');
    outbox.kick(true);
    expect(await sent).toMatchObject({ leaseId: 4 });
    outbox.close();
  });

  it('drops a result too old to matter', async () => {
    const calls = answering([ok()]);
    const { outbox, next } = setup();
    const dropped = next((e) => e.type === 'dropped');
    await outbox.add(entry(8, Date.now() - OUTBOX_ENTRY_AGE_MS_MAX - 1));
    expect(await dropped).toMatchObject({ reason: 'expired' });
    expect(calls).toEqual([]);
  });

  it('reports full at its bound and resumes sending stored entries after a reload', async () => {
    server.use(http.put(`${BASE}/api/work/leases/:id/result`, () => HttpResponse.error()));
    const first = setup();
    (first.outbox as unknown as { options: { backoff: () => number } }).options.backoff = () => 3_600_000;
    for (let i = 1; i <= OUTBOX_ENTRIES_MAX; i++) await first.outbox.add(entry(i));
    expect(first.outbox.full).toBe(true);
    first.outbox.close();
    // The "reload": a new outbox over the same store sends everything.
    answering([ok()]);
    const second = new Outbox({ api: createApiClient({ baseUrl: BASE, token: 'v_x.secret' }), store: first.store, backoff: () => 1 });
    await second.load();
    expect(second.size).toBe(OUTBOX_ENTRIES_MAX);
    await second.drained();
    expect(await first.store.list()).toEqual([]);
  });
});
