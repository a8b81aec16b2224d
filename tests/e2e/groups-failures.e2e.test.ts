/**
 * A group's seats and failure paths in real Chromium against the real server (issue 16,
 * "Must show" 2, 3, 4, 5, 6, 8): seats of a pool billed per approved seat — the (N+1)-th
 * claim refused, the same volunteer twice counted once, a busy decline not billed, the bill
 * the approved seats, the rest released; a peer that closes its tab, and one whose browser is killed, mid-unit — the
 * host sees it gone within the named bound, its units go back and are computed elsewhere,
 * nothing is credited twice and no unit ever has two live replicas inside the group; a host
 * that closes its tab — its peers fall back to the server's work loop and the group's units
 * are reissued; a host that flips one byte of the kernel — the Chromium peer refuses it,
 * nothing runs, its pool seat is not billed; and a 1 MiB input and a 4 MiB output cross a
 * Chromium data channel in 64 KiB frames.
 */
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../shared/api/client.ts';
import { groupCreation, hostApi } from '../../shared/groups/client.ts';
import { GroupHost } from '../../shared/groups/host.ts';
import { GROUP_SILENCE_MS } from '../../shared/groups/protocol.ts';
import { GROUP_SEAT_PRICE_MINOR } from '../../shared/groups/schemas.ts';
import { channelOpened, completeDescription } from '../../shared/groups/rtc.ts';
import { FramedChannel, GROUP_FRAME_BYTES, type WireMessage } from '../../shared/groups/wire.ts';
import { UNIT_INPUT_BYTES_MAX, UNIT_OUTPUT_BYTES_MAX } from '../../shared/limits.ts';
import { createKernelSource } from '../../shared/volunteer/kernel-source.ts';
import { nodePeerConnections } from '../../edge/node-worker/rtc.ts';
import { topUpForTests } from '../../edge/testing.ts';
import { apiCustomer, createGroup, g, JOB_DONE_MS_MAX, KERNEL_READY_MS_MAX, newPage, openInvite, peerRows, ui, useGroupsE2E, volunteerTokenOf } from './groups-harness.ts';
import { CHROMIUM_PATH, chromiumArgs, newWebRtcContext, spawnWorker } from './harness.ts';

useGroupsE2E();

/** Units of a second or more each in Chromium, so a peer can be caught mid-unit. */
const LONG_JOB = { kind: 'lorenz96', params: { n: 96, steps: 400_000, snapEvery: 400_000, members: 12, membersPerUnit: 1, seed: 21 } } as const;
/** Beyond the silence bound, for the host to mark the peer and its page to show it. */
const GONE_SLACK_MS = 5_000;

/** Reads the edge's SQLite file (the suite's server runs on its default embedded database). */
function db<T>(sql: string, ...args: unknown[]): T[] {
  const d = new Database(g.server.databaseUrl, { readonly: true, fileMustExist: true });
  try {
    return d.prepare(sql).all(...args) as T[];
  } finally {
    d.close();
  }
}

/** Units with more than one live (not timed out) replica inside group `groupId`: must be none. */
const doubled = (groupId: string) => db(`select unit_id from replicas where origin = ? and state <> 'timed_out' group by unit_id having count(*) > 1`, `group:${groupId}`);

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await Promise.resolve(s()).catch(() => undefined);
});

/** A Node volunteer working with the server: the quorum partner from outside the group. */
function partner() {
  const w = spawnWorker(['--server', g.server.url, '--threads', '1', '--identity', join(mkdtempSync(join(tmpdir(), 'group-partner-')), 'id.json')]);
  stops.push(() => w.child.kill('SIGTERM'));
}

/** A host page with a group of `seats` and peers joined in their own contexts, all with the kernel. */
async function groupWithPeers(seats: number) {
  const host = await newPage('webrtc');
  stops.push(() => host.page.context().close());
  await host.page.goto(`${g.server.url}/volunteer`);
  const { link, groupId } = await createGroup(host.page, seats);
  const peers = [];
  for (let i = 0; i < seats; i++) {
    const p = await newPage('webrtc');
    stops.push(() => p.page.context().close());
    await openInvite(p.page, link);
    await p.page.getByTestId('join-button').click();
    peers.push(p);
  }
  for (const { page } of peers) await expect.poll(() => page.getByTestId('join-kernel').getAttribute('data-origin'), { timeout: KERNEL_READY_MS_MAX, interval: 100 }).toBe('channel');
  return { host, peers, groupId, link };
}

/** Units a peer page computed for its group. */
const unitsOf = async (page: import('playwright-core').Page) => Number(await page.getByTestId('join-units').getAttribute('data-units'));

describe('peers that vanish mid-unit', () => {
  it('a peer closes its tab mid-unit: gone within the bound, its unit computed elsewhere, nothing credited twice (must show 3, 6)', async () => {
    const { host, peers, groupId } = await groupWithPeers(2);
    const customer = await apiCustomer();
    const job = await customer.createJob(LONG_JOB);
    stops.push(() => customer.cancelJob(job.id));
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];
    // A is computing (its units are in flight at the host) when its tab closes.
    await expect.poll(async () => (await peerRows(host.page)).map((r) => r.state), ui).toEqual(['ready', 'ready']);
    await expect.poll(() => a.page.getByTestId('join-state').getAttribute('data-state'), ui).toBe('computing');
    const aToken = await volunteerTokenOf(a.page);
    const aDone = await unitsOf(a.page);
    const closedAt = Date.now();
    await a.page.close();
    await expect.poll(async () => (await peerRows(host.page)).filter((r) => r.state === 'gone').length, { timeout: GROUP_SILENCE_MS + GONE_SLACK_MS, interval: 100 }).toBe(1);
    expect(Date.now() - closedAt).toBeLessThan(GROUP_SILENCE_MS + GONE_SLACK_MS);
    // Its units went back at once: B and the partner finish the job.
    partner();
    await expect.poll(async () => (await customer.job(job.id)).status, { timeout: JOB_DONE_MS_MAX * 2, interval: 500 }).toBe('completed');
    expect(await unitsOf(b.page)).toBeGreaterThan(0);
    // A is credited at most for what it returned before it left; no unit had two replicas inside the group.
    const meA = await createApiClient({ baseUrl: g.server.url, token: aToken }).me();
    expect(meA.resultsValid + meA.resultsPending).toBeLessThanOrEqual(aDone);
    expect(doubled(groupId)).toEqual([]);
    expect(db<{ n: number }>("select count(*) as n from replicas where origin = ? and state = 'leased'", `group:${groupId}`)[0]!.n).toBe(0);
  }, 240_000);

  it("a peer's browser is killed mid-unit: the host sees it gone within the bound and releases its units (must show 3)", async () => {
    const host = await newPage('webrtc');
    stops.push(() => host.page.context().close());
    await host.page.goto(`${g.server.url}/volunteer`);
    const { link, groupId } = await createGroup(host.page, 1);
    // The peer's own Chromium process, so it can be killed outright.
    const server = await chromium.launchServer({ executablePath: CHROMIUM_PATH, args: chromiumArgs({ webrtc: true }) });
    stops.push(() => server.kill());
    const other = await chromium.connect(server.wsEndpoint());
    const page = await (await newWebRtcContext(other)).newPage();
    await openInvite(page, link);
    await page.getByTestId('join-button').click();
    await expect.poll(() => page.getByTestId('join-kernel').getAttribute('data-origin'), { timeout: KERNEL_READY_MS_MAX, interval: 100 }).toBe('channel');
    const customer = await apiCustomer();
    const job = await customer.createJob(LONG_JOB);
    stops.push(() => customer.cancelJob(job.id));
    await expect.poll(() => page.getByTestId('join-state').getAttribute('data-state'), ui).toBe('computing');
    const killedAt = Date.now();
    server.process().kill('SIGKILL');
    await expect.poll(async () => (await peerRows(host.page)).map((r) => r.state), { timeout: GROUP_SILENCE_MS + GONE_SLACK_MS, interval: 100 }).toEqual(['gone']);
    expect(Date.now() - killedAt).toBeLessThan(GROUP_SILENCE_MS + GONE_SLACK_MS);
    // Released on the server, not left to the group lease's two hours.
    await expect.poll(() => db<{ n: number }>("select count(*) as n from replicas where origin = ? and state = 'leased'", `group:${groupId}`)[0]!.n, ui).toBe(0);
  }, 120_000);
});

describe('a host that goes away', () => {
  it("closes its tab: its peers fall back to the server's work loop and the group's units are reissued (must show 4)", async () => {
    const { host, peers, groupId } = await groupWithPeers(2);
    const customer = await apiCustomer();
    const job = await customer.createJob(LONG_JOB);
    stops.push(() => customer.cancelJob(job.id));
    for (const { page } of peers) await expect.poll(() => page.getByTestId('join-state').getAttribute('data-state'), ui).toBe('computing');
    await host.page.close();
    for (const { page } of peers) {
      await expect.poll(() => page.getByTestId('join-state').getAttribute('data-state'), { timeout: GROUP_SILENCE_MS + GONE_SLACK_MS, interval: 100 }).toBe('fallback');
      expect(await page.getByTestId('join-state').getAttribute('data-fallback')).toMatch(/^host_(gone|left)$/);
    }
    // What the group held went back at once (each peer gave up its leases), and the peers go on directly.
    await expect.poll(() => db<{ n: number }>("select count(*) as n from replicas where origin = ? and state = 'leased'", `group:${groupId}`)[0]!.n, ui).toBe(0);
    partner();
    for (const { page } of peers) await expect.poll(async () => Number(await page.getByTestId('join-direct-units').getAttribute('data-units')), { timeout: JOB_DONE_MS_MAX, interval: 250 }).toBeGreaterThan(0);
    for (const { page } of peers) await page.getByTestId('join-direct-stop').click();
  }, 180_000);
});

describe('a host that cheats', () => {
  it('flips one byte of the kernel: the Chromium peer refuses, nothing runs, its pool seat is not billed (must show 2)', async () => {
    const { apiKey: key } = await createApiClient({ baseUrl: g.server.url }).createCustomer('Cheated');
    const owner = createApiClient({ baseUrl: g.server.url, token: key });
    await topUpForTests(owner);
    const job = await owner.createJob({ kind: 'lorenz96', params: { n: 16, steps: 200, snapEvery: 100, members: 4, membersPerUnit: 2, seed: 2 } });
    stops.push(() => owner.cancelJob(job.id));
    const pool = await groupCreation({ baseUrl: g.server.url, token: key }).createPool({ jobId: job.id, seats: 1, ttlMs: 600_000, billing: 'notice', quorum: 1 });
    const kernels = createKernelSource({ api: owner, baseUrl: g.server.url });
    // The cheating host runs in Node, over the same protocol as the page's.
    const host = new GroupHost({
      api: hostApi('pools', { baseUrl: g.server.url, token: key }),
      groupId: pool.groupId,
      kernelBytes: async () => {
        const bytes = (await kernels.bytes(pool.kernel)).slice();
        bytes[bytes.length >> 1]! ^= 0x01;
        return bytes;
      },
      createPeerConnection: nodePeerConnections('127.0.0.1'),
    });
    stops.push(() => host.stop());
    await host.start();
    const peer = await newPage('webrtc');
    stops.push(() => peer.page.context().close());
    await openInvite(peer.page, `${g.server.url}/join#${pool.invite}`);
    await peer.page.getByTestId('join-button').click();
    await expect.poll(() => peer.page.getByTestId('join-state').getAttribute('data-state'), { timeout: KERNEL_READY_MS_MAX, interval: 100 }).toBe('refused');
    expect(await peer.page.getByTestId('join-state').textContent()).toMatch(/did not match|refused/i);
    expect(await unitsOf(peer.page)).toBe(0);
    await host.close();
    const invoice = await owner.jobInvoice(job.id);
    expect(invoice.pools).toEqual([expect.objectContaining({ seatsCharged: 0, amountMinor: 0, open: false })]);
    expect((await owner.balance()).heldMinor).toBe(invoice.status === 'held' ? invoice.heldMinor : 0);
    expect(peer.errors).toEqual([]);
  }, 60_000);
});

describe('seats', () => {
  it('the (N+1)-th claim is refused, the same volunteer counts once, a busy decline is not billed, the bill is the approved seats (must show 5)', async () => {
    const { apiKey: key } = await createApiClient({ baseUrl: g.server.url }).createCustomer('Seats');
    const owner = createApiClient({ baseUrl: g.server.url, token: key });
    await topUpForTests(owner);
    const job = await owner.createJob({ kind: 'lorenz96', params: { n: 16, steps: 200, snapEvery: 100, members: 4, membersPerUnit: 2, seed: 6 } });
    stops.push(() => owner.cancelJob(job.id));
    const before = await owner.balance();
    const pool = await groupCreation({ baseUrl: g.server.url, token: key }).createPool({ jobId: job.id, seats: 2, ttlMs: 600_000, billing: 'seat' });
    const status = () => hostApi('pools', { baseUrl: g.server.url, token: key }).status(pool.groupId);
    const kernels = createKernelSource({ api: owner, baseUrl: g.server.url });
    const host = new GroupHost({ api: hostApi('pools', { baseUrl: g.server.url, token: key }), groupId: pool.groupId, kernelBytes: () => kernels.bytes(pool.kernel), createPeerConnection: nodePeerConnections('127.0.0.1') });
    stops.push(() => host.stop());
    await host.start();
    const link = `${g.server.url}/join#${pool.invite}`;
    const join = async (kind: 'webrtc' | 'ice-fails') => {
      const p = await newPage(kind);
      stops.push(() => p.page.context().close());
      await openInvite(p.page, link);
      await p.page.getByTestId('join-button').click();
      return p;
    };
    const kernelFromHost = (p: { page: import('playwright-core').Page }) => expect.poll(() => p.page.getByTestId('join-kernel').getAttribute('data-origin'), { timeout: KERNEL_READY_MS_MAX, interval: 100 }).toBe('channel');
    const a = await join('webrtc');
    await kernelFromHost(a);
    // B cannot connect (busy on a network without a path) and declines before it received anything.
    const b = await join('ice-fails');
    await expect.poll(() => b.page.getByTestId('join-state').getAttribute('data-state'), ui).toBe('connecting');
    expect((await status()).seatsLeft).toBe(0);
    await b.page.getByTestId('decline-button').click();
    await expect.poll(() => b.page.getByTestId('join-state').getAttribute('data-state'), ui).toBe('declined');
    await expect.poll(async () => (await status()).seatsLeft, ui).toBe(1);
    // C takes the seat B gave back; D finds none left.
    const c = await join('webrtc');
    await kernelFromHost(c);
    const d = await join('webrtc');
    await expect.poll(() => d.page.getByTestId('join-state').getAttribute('data-state'), ui).toBe('error');
    expect(await d.page.getByTestId('join-state').textContent()).toContain('This group has no seats left.');
    // A again, from a reloaded page: the same seat, counted once.
    await a.page.reload();
    await openInvite(a.page, link);
    await a.page.getByTestId('join-button').click();
    await expect.poll(() => a.page.getByTestId('join-state').getAttribute('data-state'), ui).not.toBe('claiming');
    expect(await a.page.getByTestId('join-state').getAttribute('data-state')).not.toBe('error');
    const s = await status();
    expect(s.seatsLeft).toBe(0);
    expect(s.peers.map((p) => [p.state, p.received])).toEqual([
      ['claimed', true],
      ['declined', false],
      ['claimed', true],
    ]);
    // Billed per approved seat when the pool closes: A and C, not B; the rest of the holds released.
    await host.close();
    const invoice = await owner.jobInvoice(job.id);
    expect(invoice.pools).toEqual([expect.objectContaining({ billing: 'seat', seats: 2, seatsCharged: 2, amountMinor: 2 * GROUP_SEAT_PRICE_MINOR, open: false })]);
    // Nothing of the pool stays held (the job's own hold stays until it ends).
    const after = await owner.balance();
    const jobNow = await owner.jobInvoice(job.id);
    expect(after.heldMinor).toBe(jobNow.status === 'held' ? jobNow.heldMinor : 0);
    expect(before.balanceMinor - after.balanceMinor).toBe(2 * GROUP_SEAT_PRICE_MINOR + jobNow.chargedMinor);
  }, 90_000);
});

describe('large messages', () => {
  it('a 1 MiB input and a 4 MiB output cross a Chromium data channel in 64 KiB frames (must show 8)', async () => {
    // The page runs the project's own framing (shared/groups/wire.ts), bundled for the page.
    const bundle = await build({ entryPoints: [join(import.meta.dirname, '../../shared/groups/wire.ts')], bundle: true, format: 'iife', globalName: 'Wire', write: false, platform: 'browser' });
    const { page } = await newPage('webrtc');
    stops.push(() => page.context().close());
    // A blank page: the app's pages forbid inline scripts (CSP).
    await page.goto('about:blank');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    // libdatachannel, on a busy machine, now and then refuses a well-formed answer with 'Got a
    // remote candidate without ICE transport' (a known race of the library, seen once in CI);
    // the product's host offers again in that case, and so does this test, at most
    // NEGOTIATION_ATTEMPTS times, each with a fresh connection on both sides.
    const NEGOTIATION_ATTEMPTS = 3;
    const negotiate = async (): Promise<RTCDataChannel> => {
      const pc = nodePeerConnections('127.0.0.1')({ iceServers: [] });
      stops.push(() => pc.close());
      const channel = pc.createDataChannel('wire', { ordered: true });
      const offer = await completeDescription(pc, 'offer');
      const answer = await page.evaluate(
        async ({ sdp, outputBytes }) => {
          const W = (window as unknown as { Wire: typeof import('../../shared/groups/wire.ts') }).Wire;
          ((window as unknown as { keep?: RTCPeerConnection }).keep)?.close();
          const p = new RTCPeerConnection({ iceServers: [] });
          p.addEventListener('datachannel', (e) => {
            const wire = new W.FramedChannel(e.channel);
            wire.onMessage = (m) => {
              // Answers a unit with an output of its own pattern, and says how the input arrived.
              const input = m.body ?? new Uint8Array(0);
              let ok = input.byteLength > 0;
              for (let i = 0; i < input.byteLength; i++) if (input[i] !== ((i * 31 + 1) & 0xff)) ok = false;
              const out = new Uint8Array(outputBytes);
              for (let i = 0; i < out.byteLength; i++) out[i] = (i * 17 + 3) & 0xff;
              void wire.send({ header: { t: 'result', inputOk: ok, inputBytes: input.byteLength, framesReceived: wire.stats.bytesReceived }, body: out });
            };
          });
          await p.setRemoteDescription({ type: 'offer', sdp });
          await p.setLocalDescription(await p.createAnswer());
          await new Promise<void>((r) => {
            if (p.iceGatheringState === 'complete') return r();
            p.addEventListener('icegatheringstatechange', () => p.iceGatheringState === 'complete' && r());
          });
          (window as unknown as { keep: unknown }).keep = p;
          return p.localDescription!.sdp;
        },
        { sdp: offer, outputBytes: UNIT_OUTPUT_BYTES_MAX },
      );
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      expect(await channelOpened(channel, Date.now() + 10_000)).toBe(true);
      return channel;
    };
    let channel: RTCDataChannel | undefined;
    for (let attempt = 1; !channel; attempt++) {
      try {
        channel = await negotiate();
      } catch (err) {
        if (attempt >= NEGOTIATION_ATTEMPTS || !String(err).includes('without ICE transport')) throw err;
      }
    }
    const wire = new FramedChannel(channel);
    const input = new Uint8Array(UNIT_INPUT_BYTES_MAX);
    for (let i = 0; i < input.byteLength; i++) input[i] = (i * 31 + 1) & 0xff;
    const reply = new Promise<WireMessage>((r) => (wire.onMessage = r));
    await wire.send({ header: { t: 'unit' }, body: input });
    const m = await reply;
    expect(m.header).toMatchObject({ t: 'result', inputOk: true, inputBytes: UNIT_INPUT_BYTES_MAX });
    expect(m.body!.byteLength).toBe(UNIT_OUTPUT_BYTES_MAX);
    let ok = true;
    for (let i = 0; i < m.body!.byteLength; i++) if (m.body![i] !== ((i * 17 + 3) & 0xff)) ok = false;
    expect(ok).toBe(true);
    // Cut in frames no larger than 64 KiB both ways (Chromium refuses messages over 256 KiB).
    expect(wire.stats.framesSent).toBeGreaterThanOrEqual(Math.ceil(UNIT_INPUT_BYTES_MAX / GROUP_FRAME_BYTES));
    expect(wire.stats.bytesReceived).toBeGreaterThan(UNIT_OUTPUT_BYTES_MAX);
  }, 60_000);
});
