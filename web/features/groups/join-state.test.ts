/**
 * @module Tests of the join page's state: a session's phases from the peer's events, its
 * ends, the invite read from a link or a pasted code, and refused claims worded by problem.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/api/client.ts';
import type { PeerEvent } from '../../../shared/groups/peer.ts';
import { claimError, initialJoinView, inviteOf, reduceJoin, type JoinAction, type JoinView } from './join-state.ts';

const seat = { groupId: 'g_1', seatId: 4, kernel: { id: 'lorenz96', version: 1, sha256: 'aa' }, expiresAt: 9, iceServers: [] };
const run = (actions: JoinAction[], from: JoinView = initialJoinView) => actions.reduce(reduceJoin, from);
const ev = (event: PeerEvent): JoinAction => ({ type: 'event', event });
const CODE = 'A'.repeat(40) + '_-9';

describe('the join page state', () => {
  it('goes from Join through the seat, the channel and the kernel to computing, counting units', () => {
    const v = run([
      { type: 'join' },
      ev({ type: 'seat', seat }),
      ev({ type: 'connected', ms: 300 }),
      ev({ type: 'kernel', origin: 'channel', bytes: 4096, ms: 400 }),
      ev({ type: 'unit_started', leaseId: 1, unitId: 1 }),
      ev({ type: 'unit_started', leaseId: 2, unitId: 2 }),
      ev({ type: 'unit_done', leaseId: 1, unitId: 1, kernelMs: 5 }),
      ev({ type: 'unit_failed', leaseId: 2, message: 'trap' }),
    ]);
    expect(v).toMatchObject({ phase: 'computing', seat: { groupId: 'g_1', seatId: 4 }, kernel: { origin: 'channel', bytes: 4096 }, unitsDone: 1, unitsFailed: 1, unitsRunning: 0 });
  });

  it('stays idle without Join: events of no session change nothing', () => {
    expect(run([ev({ type: 'seat', seat }), ev({ type: 'unit_started', leaseId: 1, unitId: 1 })])).toEqual(initialJoinView);
  });

  it('ends in the outcome of the session and ignores events after it', () => {
    const joined = run([{ type: 'join' }, ev({ type: 'seat', seat })]);
    expect(run([{ type: 'outcome', outcome: { kind: 'fallback', reason: 'connect_timeout', released: 0 } }], joined)).toMatchObject({ phase: 'fallback', fallback: 'connect_timeout' });
    expect(run([{ type: 'outcome', outcome: { kind: 'refused', reason: 'hash' } }], joined)).toMatchObject({ phase: 'refused', reason: 'hash' });
    const ended = run([{ type: 'outcome', outcome: { kind: 'stopped' } }, ev({ type: 'unit_started', leaseId: 1, unitId: 1 })], joined);
    expect(ended).toMatchObject({ phase: 'stopped', unitsRunning: 0 });
    const withKernel = run([ev({ type: 'kernel', origin: 'cache', bytes: 0, ms: 1 }), { type: 'outcome', outcome: { kind: 'declined' } }], joined);
    expect(withKernel).toMatchObject({ phase: 'declined', received: true });
  });

  it('declines before Join without a session, and not once joined', () => {
    expect(run([{ type: 'decline-unjoined' }])).toMatchObject({ phase: 'declined', received: false });
    expect(run([{ type: 'join' }, { type: 'decline-unjoined' }]).phase).toBe('claiming');
  });

  it('reads the invite from a link’s fragment or a pasted code, and nothing else', () => {
    expect(inviteOf(`https://example.org/join#${CODE}`)).toBe(CODE);
    expect(inviteOf(`#${CODE}`)).toBe(CODE);
    expect(inviteOf(`  ${CODE} `)).toBe(CODE);
    expect(inviteOf('')).toBeUndefined();
    expect(inviteOf(`#${CODE}x`)).toBeUndefined();
    expect(inviteOf('https://example.org/join#short')).toBeUndefined();
  });

  it('words a refused claim by its problem type', () => {
    const refusal = (slug: string, status = 409) => new ApiError({ type: `/problems/${slug}`, title: slug, status });
    expect(claimError(refusal('group-full'))).toEqual({ kind: 'full' });
    expect(claimError(refusal('group-closed'))).toEqual({ kind: 'closed' });
    expect(claimError(refusal('group-not-found', 404))).toEqual({ kind: 'notFound' });
    expect(claimError(refusal('group-own-seat'))).toEqual({ kind: 'own' });
    expect(claimError(new Error('Failed to fetch'))).toMatchObject({ kind: 'other', text: expect.stringContaining('Could not reach the server') });
  });
});
