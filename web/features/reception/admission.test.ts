/**
 * The browser's admission client against reception and a node played by msw (fetch
 * intercepted): the states the real server can't easily produce on demand — reception
 * answering 503, a dropped connection, a node refusing every ticket — and the place in line
 * kept across a reload.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RECEPTION_UNREACHABLE_RETRIES_MAX, TICKET_CLAIMS_PER_ADMISSION_MAX } from '../../../shared/limits.ts';
import { ADMISSION_HEADER, RECEPTION_PATHS, type AdmitResponse } from '../../../shared/reception/schemas.ts';
import { Admission } from './admission.ts';
import { admissionStore, type KeyValueStorage } from './admission-store.ts';
import type { WaitingState } from './waiting-state.ts';

const RECEPTION = 'http://reception.test';
const NODE = 'http://node.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function memoryStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

const waiting = (position: number, place = `place-${position}`): AdmitResponse => ({
  status: 'waiting',
  place,
  position,
  estimate: { lowMs: 1_000, highMs: 3_000, known: position < 3 },
  retryAfterMs: 1,
});
const admitted: AdmitResponse = { status: 'admitted', node: { id: 'n1', url: NODE }, ticket: 'ticket-1', expiresAt: Date.now() + 30_000 };

/** Reception answering `answers` in turn (the last one repeats); records the places sent. */
function reception(answers: (AdmitResponse | 'drop' | 503)[], places: (string | undefined)[] = []) {
  let i = 0;
  return http.post(`${RECEPTION}${RECEPTION_PATHS.admit}`, async ({ request }) => {
    places.push(((await request.json()) as { place?: string }).place);
    const a = answers[Math.min(i++, answers.length - 1)]!;
    if (a === 'drop') return HttpResponse.error();
    if (a === 503) return HttpResponse.json({ type: '/problems/unavailable', title: 'Unavailable', status: 503 }, { status: 503 });
    return HttpResponse.json(a, { status: a.status === 'waiting' ? 202 : 200 });
  });
}

const nodeOk = [
  http.post(`${NODE}${RECEPTION_PATHS.admission}`, () => HttpResponse.json({ admission: 'adm-1', scope: 'jobs', expiresAt: Date.now() + 60_000 }, { status: 201 })),
  http.get(`${NODE}/api/thing`, ({ request }) => HttpResponse.json({ admission: request.headers.get(ADMISSION_HEADER) })),
];

function admissionWith(storage = memoryStorage()) {
  const states: WaitingState[] = [];
  const a = new Admission({ scope: 'jobs', receptionUrl: RECEPTION, store: admissionStore(storage), delay: async () => undefined, random: () => 0 });
  a.subscribe((s) => states.push(s));
  return { a, states, storage };
}

describe('admission in the browser (msw)', () => {
  it('waits in line with its place kept in storage, then is admitted once with a chime due', async () => {
    const places: (string | undefined)[] = [];
    server.use(reception([waiting(2), waiting(1), admitted], places), ...nodeOk);
    const { a, states, storage } = admissionWith();
    const seen: (string | null)[] = [];
    a.subscribe((s) => s.phase === 'waiting' && seen.push(storage.map.get('sparecycles.reception.place.jobs') ?? null));
    const res = await a.fetch('/api/thing');
    expect(await res.json()).toEqual({ admission: 'adm-1' });
    expect(states.map((s) => `${s.phase}:${s.position ?? ''}`)).toEqual(['asking:', 'waiting:2', 'waiting:1', 'admitted:']);
    expect(states[2]).toMatchObject({ firstPosition: 2, estimate: { known: true } });
    expect(places).toEqual([undefined, 'place-2', 'place-1']);
    expect(JSON.parse(seen.at(-1)!)).toEqual({ place: 'place-1', firstPosition: 2 });
    expect(storage.map.has('sparecycles.reception.place.jobs')).toBe(false);
    expect(a.state.chimeDue).toBe(true);
    a.chimed();
    expect(a.state.chimeDue).toBe(false);
  });

  it('after a reload, asks with the kept place and keeps the progress bar’s length', async () => {
    const storage = memoryStorage();
    admissionStore(storage).keepPlace('jobs', { place: 'kept-place', firstPosition: 5 });
    const key = admissionStore(storage).clientKey();
    const places: (string | undefined)[] = [];
    server.use(reception([waiting(3), admitted], places), ...nodeOk);
    const { a, states } = admissionWith(storage);
    await a.fetch('/api/thing');
    expect(places[0]).toBe('kept-place');
    expect(states.find((s) => s.phase === 'waiting')).toMatchObject({ position: 3, firstPosition: 5 });
    expect(admissionStore(storage).clientKey()).toBe(key);
  });

  it('reception answering 503: asks again with backoff, a bounded number of times, then says it is unreachable', async () => {
    const places: (string | undefined)[] = [];
    server.use(reception([503], places), ...nodeOk);
    const { a, states } = admissionWith();
    await expect(a.fetch('/api/thing')).rejects.toMatchObject({ name: 'AdmissionError', reason: 'reception-unreachable', status: 503 });
    expect(places).toHaveLength(RECEPTION_UNREACHABLE_RETRIES_MAX + 1);
    const failures = states.filter((s) => s.phase === 'failed');
    expect(failures).toHaveLength(RECEPTION_UNREACHABLE_RETRIES_MAX + 1);
    expect(failures.slice(0, -1).every((s) => s.retryAt !== undefined)).toBe(true);
    expect(a.state).toMatchObject({ phase: 'failed', failure: 'reception-unreachable', retryAt: undefined });
  });

  it('a dropped connection is shown as unreachable, and the page gets in when reception is back', async () => {
    server.use(reception(['drop', waiting(0), admitted]), ...nodeOk);
    const { a, states } = admissionWith();
    expect((await a.fetch('/api/thing')).status).toBe(200);
    expect(states.map((s) => s.phase)).toEqual(['asking', 'failed', 'asking', 'waiting', 'admitted']);
    expect(states[1]).toMatchObject({ failure: 'reception-unreachable' });
  });

  it('a node refusing every ticket: stops after a bounded number of tickets and says so, without asking again', async () => {
    const places: (string | undefined)[] = [];
    let claims = 0;
    server.use(
      reception([admitted], places),
      http.post(`${NODE}${RECEPTION_PATHS.admission}`, () => {
        claims++;
        return HttpResponse.json({ type: '/problems/ticket-wrong-client', title: 'Ticket for another client', status: 403 }, { status: 403, headers: { 'content-type': 'application/problem+json' } });
      }),
    );
    const { a } = admissionWith();
    await expect(a.fetch('/api/thing')).rejects.toMatchObject({ name: 'AdmissionError', reason: 'ticket-refused' });
    expect(claims).toBe(TICKET_CLAIMS_PER_ADMISSION_MAX);
    expect(places).toHaveLength(TICKET_CLAIMS_PER_ADMISSION_MAX);
    expect(a.state).toMatchObject({ phase: 'failed', failure: 'ticket-refused' });
    expect(a.state.detail).toContain('ticket-wrong-client');
  });

  it('end() while in line (the visitor pressed Stop) leaves the line: gives the place up, asks no more, the request ends as a cancel', async () => {
    const places: (string | undefined)[] = [];
    const left: unknown[] = [];
    server.use(
      reception([waiting(4)], places),
      ...nodeOk,
      http.post(`${RECEPTION}${RECEPTION_PATHS.leave}`, async ({ request }) => {
        left.push(await request.json());
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { a, storage } = admissionWith();
    const firstWait = new Promise<void>((resolve) => a.subscribe((s) => s.phase === 'waiting' && resolve()));
    const request = a.fetch('/api/thing');
    await firstWait;
    await a.end();
    await expect(request).rejects.toMatchObject({ name: 'AbortError' });
    const asked = places.length;
    await new Promise((r) => setTimeout(r, 50)); // several retry intervals (1 ms each) of the server above
    expect(places.length).toBe(asked);
    expect(left).toEqual([{ place: 'place-4' }]);
    expect(storage.map.has('sparecycles.reception.place.jobs')).toBe(false);
    expect(a.state.phase).toBe('idle');
  });

  it('end() during the backoff before asking an unreachable reception again: asks no more', async () => {
    const places: (string | undefined)[] = [];
    server.use(reception([503], places), ...nodeOk);
    let release: () => void = () => undefined;
    const a = new Admission({
      scope: 'jobs',
      receptionUrl: RECEPTION,
      store: admissionStore(memoryStorage()),
      delay: () => new Promise<void>((resolve) => (release = resolve)),
    });
    const request = a.fetch('/api/thing');
    await expect.poll(() => a.state.phase).toBe('failed');
    await a.end();
    release();
    await expect(request).rejects.toMatchObject({ name: 'AbortError' });
    expect(places).toHaveLength(1);
  });

  it('end() gives the admission back on its node', async () => {
    const ended: (string | null)[] = [];
    server.use(
      reception([admitted]),
      ...nodeOk,
      http.delete(`${NODE}${RECEPTION_PATHS.admission}`, ({ request }) => {
        ended.push(request.headers.get(ADMISSION_HEADER));
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const { a } = admissionWith();
    await a.fetch('/api/thing');
    await a.end();
    expect(ended).toEqual(['adm-1']);
    expect(a.state.phase).toBe('idle');
  });
});
