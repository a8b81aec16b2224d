/**
 * `npm run worker -- --join INVITE` against a real edge, with a host in this process: the
 * Node worker claims a seat, takes the kernel over the channel, computes the group's units
 * (credited to it once the job completes with a partner from outside the group), keeps the
 * kernel in a file so a second group sends it zero kernel bytes, goes on with the server when
 * its host stops, and exits with its named codes when the host's kernel or the seat claim is
 * refused.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CLAIM_REFUSED, EXIT_KERNEL_REFUSED } from '../../edge/node-worker/join.ts';
import { spawnWorker } from '../e2e/harness.ts';
import { useGroupWorld } from './world.ts';

/** How long the group and its partner may take to finish the job. */
const JOB_DONE_MS_MAX = 60_000;
/** How long a spawned worker may take to reach a state (tsx start, seat claim, ICE, kernel). */
const WORKER_STATE_MS_MAX = 30_000;
const poll = { timeout: WORKER_STATE_MS_MAX, interval: 100 };
const UNITS = { n: 24, steps: 300, snapEvery: 100, members: 8, membersPerUnit: 2, seed: 5 };

const w = useGroupWorld();

/** A volunteer identity file in a directory of its own: the worker keeps its kernels next to it. */
async function identity() {
  const v = await w.volunteer();
  const dir = mkdtempSync(join(tmpdir(), 'join-worker-'));
  const file = join(dir, 'identity.json');
  writeFileSync(file, JSON.stringify({ volunteerId: v.volunteerId, token: v.token }), { mode: 0o600 });
  return { ...v, dir, file };
}

function joinWorker(file: string, invite: string) {
  const worker = spawnWorker(['--server', w.url(), '--join', invite, '--threads', '1', '--identity', file, '--bind', '127.0.0.1']);
  w.cleanups.push(() => worker.child.kill('SIGTERM'));
  return { ...worker, exited: exitCode(worker.child) };
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('npm run worker -- --join', () => {
  it('computes the group’s units, is credited for them, reuses its kept kernel in a second group, and goes on with the server when the host stops', async () => {
    const { api: customer, job } = await w.customerWithJob(UNITS);
    const hostV = await w.volunteer();
    const group = await w.createGroup(hostV.token, 1);
    const { host } = await w.startHost('groups', hostV.token, group);
    const peer = await identity();
    const worker = joinWorker(peer.file, group.invite);

    // The worker computes for the group before any partner exists: its units came over the channel.
    await expect.poll(() => host.peerViews[0]?.unitsDone ?? 0, poll).toBeGreaterThan(0);
    expect(host.peerViews[0]!.kernelBytesSent).toBeGreaterThan(0);
    expect(worker.output()).toMatch(/seat \d+ claimed in group/);
    expect(worker.output()).toContain('connected to the host');
    expect(worker.output()).toContain('kernel ready from the channel');
    expect(worker.output()).toMatch(/unit \d+ \(lease \d+\) computed for the group/);

    // The quorum partner comes from outside the group.
    const partner = spawnWorker(['--server', w.url(), '--threads', '1', '--identity', join(mkdtempSync(join(tmpdir(), 'join-partner-')), 'identity.json')]);
    w.cleanups.push(() => partner.child.kill('SIGTERM'));
    await expect.poll(async () => (await customer.job(job.id)).status, { timeout: JOB_DONE_MS_MAX, interval: 250 }).toBe('completed');
    await host.drained();
    const [me, hostMe] = await Promise.all([peer.api.me(), hostV.api.me()]);
    expect(me.resultsValid).toBeGreaterThan(0);
    expect(me.points).toBeGreaterThan(0);
    expect(hostMe).toMatchObject({ points: 0, resultsValid: 0 });
    partner.child.kill('SIGTERM');

    // The host stops: the worker goes on with the server's own work loop, and computes a new job there.
    await host.stop();
    await expect.poll(() => worker.output(), poll).toContain('the host stopped hosting');
    await expect.poll(() => worker.output(), poll).toContain('volunteering 1 thread(s)');
    await w.customerWithJob({ ...UNITS, seed: 6 });
    await expect.poll(() => worker.output(), { ...poll, timeout: JOB_DONE_MS_MAX }).toMatch(/lease \d+: \w+.*\(units 1,/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(readdirSync(join(peer.dir, 'kernels')).filter((n) => n.endsWith('.wasm'))).toHaveLength(1);

    // A second group: the same worker directory keeps the kernel, so none of its bytes cross the channel.
    const second = await w.createGroup(hostV.token, 1);
    const { host: host2 } = await w.startHost('groups', hostV.token, second);
    const again = joinWorker(peer.file, second.invite);
    await expect.poll(() => host2.peerViews[0]?.state, poll).toBe('ready');
    expect(host2.peerViews[0]!.kernelBytesSent).toBe(0);
    expect(again.output()).toContain('kernel ready from the cache (0 bytes sent)');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, JOB_DONE_MS_MAX * 2 + 4 * WORKER_STATE_MS_MAX);

  it('exits with EXIT_KERNEL_REFUSED when the host passes on an altered kernel, keeping nothing of it', async () => {
    await w.customerWithJob({ ...UNITS, seed: 7 });
    const hostV = await w.volunteer();
    const group = await w.createGroup(hostV.token, 1);
    const { host } = await w.startHost('groups', hostV.token, group, {
      kernelBytes: (real) => {
        const bad = real.slice();
        bad[bad.length - 1]! ^= 1;
        return bad;
      },
    });
    const peer = await identity();
    const worker = joinWorker(peer.file, group.invite);
    expect(await worker.exited, worker.output()).toBe(EXIT_KERNEL_REFUSED);
    expect(worker.output()).toContain("the host's kernel was refused");
    expect(worker.output()).not.toMatch(/computed for the group/);
    expect(host.peerViews[0]).toMatchObject({ state: 'refused', unitsDone: 0 });
    expect(readdirSync(peer.dir)).toEqual(['identity.json']);
    expect((await peer.api.me()).resultsValid).toBe(0);
  }, 2 * WORKER_STATE_MS_MAX);

  it('exits with EXIT_CLAIM_REFUSED when the server refuses the seat claim', async () => {
    const peer = await identity();
    const worker = joinWorker(peer.file, 'A'.repeat(43));
    expect(await worker.exited).toBe(EXIT_CLAIM_REFUSED);
    expect(worker.output()).toContain('the seat could not be claimed');
  }, WORKER_STATE_MS_MAX);
});
