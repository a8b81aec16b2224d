/**
 * A group whose server goes away mid-run, over real WebRTC in Node against a real edge that
 * is stopped and started again on the same port and database: the peers finish the units
 * they hold, the host keeps their results (its outbox) and uploads them once the server is
 * back, and the job completes. A file of its own: it restarts its server.
 */
import { describe, expect, it } from 'vitest';
import { groupCreation } from '../../shared/groups/client.ts';
import { startServer } from '../e2e/harness.ts';
import { useGroupWorld } from './world.ts';

/** How long a group needs to reach the state the test waits for. */
const GROUP_STATE_MS_MAX = 30_000;
const poll = { timeout: GROUP_STATE_MS_MAX, interval: 100 };
/** Units of about 0.3 s each in Node, so the peers hold some when the server goes. */
const LONG_UNITS = { n: 128, steps: 400_000, snapEvery: 400_000, members: 24, membersPerUnit: 1, seed: 9 };

const w = useGroupWorld();

describe('a server that goes away', () => {
  it('mid-run: the group finishes its batch, the results wait at the host and go up once the server is back', async () => {
    const { api: customer, apiKey, job } = await w.customerWithJob(LONG_UNITS);
    const pool = await groupCreation({ baseUrl: w.url(), token: apiKey }).createPool({ jobId: job.id, seats: 2, ttlMs: 600_000, billing: 'notice', quorum: 1 });
    const { host, events } = await w.startHost('pools', apiKey, pool);
    const [a, b] = [await w.volunteer(), await w.volunteer()];
    const pa = w.startPeer(a.token, pool.invite);
    const pb = w.startPeer(b.token, pool.invite);
    // Both computing; otherwise what each side saw, for the failure message.
    const started = () => ([pa, pb].every((p) => p.events.some((e) => e.type === 'unit_started')) ? 'both' : JSON.stringify({ host: host.peerViews, events: events.filter((e) => e.type !== 'status' && e.type !== 'peers').slice(-5), a: pa.events.slice(0, 4), b: pb.events.slice(0, 4) }));
    await expect.poll(started, poll).toBe('both');
    const { databaseUrl, url } = w.ctx.server;
    await w.ctx.server.stop();
    // Without the server the peers go on with what they hold, and the host keeps their results.
    await expect.poll(() => events.some((e) => e.type === 'outbox' && e.offline) && host.outboxSize > 0, poll).toBe(true);
    expect([pa, pb].flatMap((p) => p.events).filter((e) => e.type === 'unit_done').length).toBeGreaterThan(0);
    const heldWhileAway = host.outboxSize;
    w.ctx.server = await startServer({ PORT: new URL(url).port, DATABASE_URL: databaseUrl });
    // Back: the kept results go up (backoff bounded), and the group finishes the job.
    await expect.poll(async () => (await customer.job(job.id)).status, { timeout: 120_000, interval: 500 }).toBe('completed');
    expect(events.filter((e) => e.type === 'sent').length).toBeGreaterThanOrEqual(heldWhileAway);
    expect(host.outboxSize).toBe(0);
  }, 180_000);
});
