import { describe, expect, it } from 'vitest';
import type { AdmitResponse } from '../../shared/reception/schemas.ts';
import { NODE_REPORT_STALE_MS, SERVICE_SAMPLES_MIN, TICKET_TTL_MS, WAITING_ABANDON_MS } from '../../shared/limits.ts';
import { Reception } from './reception.ts';
import { randomKeyring } from './tickets.ts';

function setup(capacity = 2) {
  const clock = { now: 1_800_000_000_000 };
  const reception = new Reception({ ring: randomKeyring(), now: () => clock.now, random: () => 0.5 });
  const report = (extra: { active?: number; claimed?: string[]; serviceMs?: number[] } = {}) =>
    reception.report({ node: 'n1', url: 'http://n1', region: '', capacity, active: 0, leasesInFlight: 0, serviceMs: [], claimed: [], refused: {}, ...extra });
  const admit = (key: string, place?: string) => reception.admit({ scope: 'volunteer', ...(place ? { place } : {}) }, key);
  return { clock, reception, report, admit };
}

const waiting = (a: AdmitResponse) => {
  if (a.status !== 'waiting') throw new Error(`expected to wait, got ${a.status}`);
  return a;
};

describe('reception on a test clock', () => {
  it('frees the slots of tickets never claimed, and the places of clients who stopped asking', async () => {
    const t = setup(1);
    t.report();
    expect(t.admit('a').status).toBe('admitted');
    const b = waiting(t.admit('b'));
    const c = waiting(t.admit('c'));
    expect([b.position, c.position]).toEqual([0, 1]);
    // a never claims its ticket: when it expires its slot frees, but b is ahead of c.
    t.clock.now += TICKET_TTL_MS + 1;
    t.report();
    expect(waiting(t.admit('c', c.place)).position).toBe(1);
    // b stopped asking: after WAITING_ABANDON_MS its place is freed, and c is admitted.
    t.clock.now += WAITING_ABANDON_MS - TICKET_TTL_MS;
    t.report();
    expect(t.admit('c', c.place).status).toBe('admitted');
    expect(t.reception.status(t.clock.now).waiting).toBe(0);
  });

  it('stops admitting to a node that stopped reporting', () => {
    const t = setup(5);
    t.report();
    expect(t.admit('a').status).toBe('admitted');
    t.clock.now += NODE_REPORT_STALE_MS + 1;
    expect(t.admit('b').status).toBe('waiting');
    expect(t.reception.status(t.clock.now).nodes[0]).toMatchObject({ live: false });
    t.report();
    expect(t.admit('b').status).toBe('admitted');
  });

  it('estimates waits from measured service times, says when it cannot, and refuses forged places', () => {
    const t = setup(1);
    t.report();
    expect(t.admit('a').status).toBe('admitted');
    const unknown = waiting(t.admit('b'));
    expect(unknown.estimate.known).toBe(false);
    expect(unknown.retryAfterMs).toBeGreaterThan(0);
    t.report({ active: 1, serviceMs: Array.from({ length: SERVICE_SAMPLES_MIN }, (_, i) => 1_000 + i * 100) });
    const known = waiting(t.admit('b', unknown.place));
    expect(known.estimate.known).toBe(true);
    expect(known.estimate.lowMs).toBeGreaterThan(0);
    expect(known.estimate.highMs).toBeGreaterThanOrEqual(known.estimate.lowMs);
    // Further back in line, a longer wait.
    const later = waiting(t.admit('c'));
    expect(later.position).toBe(1);
    expect(later.estimate.lowMs).toBeGreaterThan(known.estimate.lowMs);
    expect(() => t.admit('b', known.place.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')))).toThrow(/not issued here/);
  });
});
