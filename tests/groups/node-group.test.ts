/**
 * Groups over real WebRTC in Node (node-datachannel), against a real edge process: a host
 * and two peers compute a job's units over data channels, the server validates them with a
 * quorum partner from outside the group, and the ledger credits the peers, not the host.
 */
import { describe, expect, it } from 'vitest';
import { spawnWorker } from '../e2e/harness.ts';
import { useGroupWorld } from './world.ts';

/** How long the group and its partner may take to finish the job. */
const JOB_DONE_MS_MAX = 60_000;

const w = useGroupWorld();

describe('a volunteer group over WebRTC in Node', () => {
  it('computes units through the host and credits the peers, never the host', async () => {
    const { api: customer, job } = await w.customerWithJob({ n: 24, steps: 300, snapEvery: 100, members: 8, membersPerUnit: 2, seed: 5 });
    const host = await w.volunteer();
    const group = await w.createGroup(host.token, 2);
    const { host: hosting } = await w.startHost('groups', host.token, group);
    const [a, b] = [await w.volunteer(), await w.volunteer()];
    const pa = w.startPeer(a.token, group.invite);
    const pb = w.startPeer(b.token, group.invite);
    // The quorum partner comes from outside the group: a Node volunteer working with the server.
    const partner = spawnWorker(['--server', w.url(), '--threads', '1', '--identity', `/tmp/group-partner-${group.groupId}.json`]);
    w.cleanups.push(() => partner.child.kill('SIGTERM'));

    await expect.poll(async () => (await customer.job(job.id)).status, { timeout: JOB_DONE_MS_MAX, interval: 250 }).toBe('completed');
    await hosting.drained();
    const [ma, mb, mh] = await Promise.all([a.api.me(), b.api.me(), host.api.me()]);
    // Each peer received the kernel over the channel (its bytes checked against the server's hash).
    for (const p of [pa, pb]) expect(p.events.find((e) => e.type === 'kernel'), JSON.stringify([p.events, await Promise.race([p.outcome, 'running'])])).toMatchObject({ origin: 'channel' });
    const peerValid = ma.resultsValid + mb.resultsValid;
    expect(peerValid).toBeGreaterThan(0);
    expect(ma.points + mb.points).toBeGreaterThan(0);
    expect(mh).toMatchObject({ points: 0, resultsValid: 0 });
    expect(hosting.peerViews.reduce((n, p) => n + p.unitsDone, 0)).toBeGreaterThanOrEqual(peerValid);
  }, JOB_DONE_MS_MAX + 30_000);
});
