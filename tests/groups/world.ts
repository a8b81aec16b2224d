/**
 * @module What the Node group suites share: a real edge process, volunteers and customers
 * on it, and hosts and peers over real WebRTC (node-datachannel, bound to loopback) whose
 * API clients a test may wrap to play a host that cheats.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createApiClient } from '../../shared/api/client.ts';
import { groupCreation, hostApi, seatApi, type HostApi } from '../../shared/groups/client.ts';
import { GroupHost, type HostEvent } from '../../shared/groups/host.ts';
import { GroupPeer, type PeerEvent, type PeerOutcome } from '../../shared/groups/peer.ts';
import type { CreatedGroup } from '../../shared/groups/schemas.ts';
import { createKernelSource, type KernelCache } from '../../shared/volunteer/kernel-source.ts';
import { topUpForTests } from '../../edge/testing.ts';
import { createThreadExecutor } from '../../edge/node-worker/executor.ts';
import { nodePeerConnections } from '../../edge/node-worker/rtc.ts';
import { startServer, type RunningServer } from '../e2e/harness.ts';

export const rtc = nodePeerConnections('127.0.0.1');

/** A real edge for the calling suite; what each test starts on it is stopped after that test. */
export function useGroupWorld(env: Record<string, string> = {}) {
  const ctx = {} as { server: RunningServer };
  const cleanups: (() => unknown)[] = [];
  beforeAll(async () => {
    ctx.server = await startServer(env);
  });
  // Each test's hosts, peers and threads stop after it, so the next test's group meets no leftover group.
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  });
  afterAll(async () => {
    await ctx.server?.stop();
  });
  const url = () => ctx.server.url;

  async function volunteer() {
    const v = await createApiClient({ baseUrl: url() }).createVolunteer();
    return { ...v, api: createApiClient({ baseUrl: url(), token: v.token }) };
  }

  /** A customer that paid (so volunteers on this machine's network earn) with one running job. */
  async function customerWithJob(params: Record<string, number>) {
    const { apiKey } = await createApiClient({ baseUrl: url() }).createCustomer('Group test');
    const api = createApiClient({ baseUrl: url(), token: apiKey });
    await topUpForTests(api);
    const job = await api.createJob({ kind: 'lorenz96', params });
    // Cancelled after the test, so the next test's groups meet only their own job's units.
    cleanups.push(() => api.cancelJob(job.id));
    return { apiKey, api, job };
  }

  /** A peer with its own thread and kernel cache (`cache`: share one to stand for one device). */
  function startPeer(token: string, invite: string, cache?: KernelCache) {
    const executor = createThreadExecutor();
    cleanups.push(() => executor.close());
    const events: PeerEvent[] = [];
    const peer = new GroupPeer({ seats: seatApi({ baseUrl: url(), token }), invite, executors: [executor], cache, createPeerConnection: rtc, onEvent: (e) => events.push(e) });
    const outcome: Promise<PeerOutcome> = peer.run();
    cleanups.push(() => peer.stop());
    return { peer, outcome, events };
  }

  /**
   * Hosts `group` in this process. `wrap` may replace the host's API client (a cheating
   * host), `kernelBytes` the kernel it passes on.
   */
  async function startHost(kind: 'groups' | 'pools', token: string, group: CreatedGroup, opts: { wrap?: (api: HostApi) => HostApi; kernelBytes?: (real: Uint8Array) => Uint8Array } = {}) {
    const kernels = createKernelSource({ api: createApiClient({ baseUrl: url(), token }), baseUrl: url() });
    const api = hostApi(kind, { baseUrl: url(), token });
    const events: HostEvent[] = [];
    const host = new GroupHost({
      api: opts.wrap ? opts.wrap(api) : api,
      groupId: group.groupId,
      kernelBytes: async () => (opts.kernelBytes ?? ((b) => b))(await kernels.bytes(group.kernel)),
      createPeerConnection: rtc,
      onEvent: (e) => events.push(e),
    });
    cleanups.push(() => host.stop());
    await host.start();
    return { host, events };
  }

  const createGroup = (token: string, seats: number) => groupCreation({ baseUrl: url(), token }).createGroup({ seats, ttlMs: 600_000, kernel: 'lorenz96' });

  return { ctx, url, cleanups, volunteer, customerWithJob, startPeer, startHost, createGroup };
}
