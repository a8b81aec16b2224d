/**
 * @module A group's host (issue 16), the same in a browser tab and in Node: it watches its
 * group for claimed seats, opens one reliable ordered data channel per peer (a star; offer
 * and answer relayed by the server, no trickle), offers the kernel (sent only to a peer that
 * does not keep it), leases batches of units for its ready peers and hands each unit to the
 * peer the server leased it to, and uploads the peers' signed results from its outbox,
 * batched, whenever the server is reachable. A peer silent for GROUP_SILENCE_MS, or whose
 * connection drops, is gone: its units are released on the server at once, so they go to
 * another peer or back to everyone. The host never computes and never signs: it cannot
 * alter a result or claim it (the server checks each peer's signature).
 */
import { ApiError } from '../api/client.ts';
import { GROUP_LEASE_UNITS_MAX, GROUP_RESULTS_BATCH_MAX, type GroupLeaseResponse, type GroupStatus } from './schemas.ts';
import { OUTBOX_BYTES_MAX, OUTBOX_ENTRY_AGE_MS_MAX } from '../limits.ts';
import { backoffMs, delay } from '../volunteer/retry.ts';
import type { HostApi, SignedResult } from './client.ts';
import {
  GROUP_CONNECT_TIMEOUT_MS,
  GROUP_HEARTBEAT_MS,
  GROUP_LEASE_REFILL_SHARE,
  GROUP_SILENCE_MS,
  GROUP_STATUS_IDLE_POLL_MS,
  GROUP_STATUS_POLL_MS,
  GROUP_UNITS_PER_SLOT,
  GROUP_UPLOAD_DELAY_MS,
  PeerMessageSchema,
  type HostMessage,
} from './protocol.ts';
import { channelOpened, closeGracefully, closeQuietly, completeDescription, GROUP_CHANNEL_LABEL, pollSignal, watchConnection, type PeerConnectionFactory } from './rtc.ts';
import { FramedChannel, type WireMessage } from './wire.ts';

/** Results the host keeps for upload: two full group leases, so a host offline for a while still finishes its batch. */
export const GROUP_OUTBOX_ENTRIES_MAX = 2 * GROUP_LEASE_UNITS_MAX;
/** Output bytes in one upload (base64 makes them 4/3 larger, under the API's 16 MiB batch bound). */
export const GROUP_UPLOAD_BYTES_MAX = 8 * 1024 * 1024;
/** Offers made to one seat in one hosting session: a peer that could not connect twice works with the server. */
export const GROUP_OFFERS_PER_SEAT_MAX = 2;
/**
 * How long one offer waits for its channel: short enough that the second offer still comes
 * within the peer's own GROUP_CONNECT_TIMEOUT_MS (the peer switches to a newer offer), long
 * against the under-a-second a channel takes to open on one network.
 */
export const GROUP_OFFER_TIMEOUT_MS = GROUP_CONNECT_TIMEOUT_MS / (GROUP_OFFERS_PER_SEAT_MAX + 1);
/** Window of the per-peer throughput shown on the host's page. */
const THROUGHPUT_WINDOW_MS = 60_000;

/** A peer's result waiting for upload. */
export interface GroupOutboxEntry extends SignedResult {
  seatId: number;
  computedAt: number;
}

/** Where the host keeps results until the server takes them: the browser's is IndexedDB, so a reload loses none. */
export interface GroupOutboxStore {
  list(): Promise<GroupOutboxEntry[]>;
  put(entry: GroupOutboxEntry): Promise<void>;
  delete(leaseId: number): Promise<void>;
}

export function memoryGroupOutbox(): GroupOutboxStore {
  const m = new Map<number, GroupOutboxEntry>();
  return { list: async () => [...m.values()], put: async (e) => void m.set(e.leaseId, e), delete: async (id) => void m.delete(id) };
}

/** What the host's page shows of a peer. */
export interface PeerView {
  seatId: number;
  state: 'connecting' | 'kernel' | 'ready' | 'refused' | 'gone' | 'failed' | 'left';
  unitsDone: number;
  unitsInFlight: number;
  unitsPerMinute: number;
  kernelBytesSent: number;
  /** Why the peer is not working (refused, gone, failed). */
  detail?: string;
}

export type HostEvent =
  | { type: 'status'; status: GroupStatus }
  | { type: 'peers'; peers: PeerView[] }
  | { type: 'outbox'; waiting: number; offline: boolean }
  | { type: 'sent'; leaseId: number; seatId: number; outcome: string; creditedPoints: number }
  | { type: 'dropped'; leaseId: number; seatId: number; reason: string }
  | { type: 'released'; leaseIds: number[]; reason: string }
  | { type: 'error'; message: string };

export interface GroupHostOptions {
  api: HostApi;
  groupId: string;
  /** The kernel's bytes as the server serves them (checked against its sha256 by the caller). */
  kernelBytes: () => Promise<Uint8Array>;
  createPeerConnection: PeerConnectionFactory;
  /** STUN/TURN servers; by default those the server names with the group (GROUP_ICE_SERVERS, none unless set). */
  iceServers?: RTCIceServer[];
  store?: GroupOutboxStore;
  onEvent?: (e: HostEvent) => void;
}

type Unit = GroupLeaseResponse['leases'][number];

interface Peer {
  view: PeerView;
  pc: RTCPeerConnection;
  channel?: RTCDataChannel;
  wire?: FramedChannel;
  slots: number;
  inFlight: Map<number, Unit>;
  doneAt: number[];
  lastHeard: number;
  stopWatch?: () => void;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class GroupHost {
  private readonly peers = new Map<number, Peer>();
  private readonly offers = new Map<number, number>();
  private readonly outbox: GroupOutboxStore;
  private readonly waiting = new Map<number, { bytes: number; computedAt: number }>();
  private kernel: Promise<Uint8Array> | undefined;
  private stopped = false;
  private leasing = false;
  private leaseNotBefore = 0;
  private uploading = false;
  private uploadFailures = 0;
  private uploadNotBefore = 0;
  private timers: ReturnType<typeof setInterval>[] = [];
  private pingN = 0;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private uploadTimer: ReturnType<typeof setTimeout> | undefined;
  private iceServers: RTCIceServer[] = [];
  private readonly abort = new AbortController();

  constructor(private readonly options: GroupHostOptions) {
    this.outbox = options.store ?? memoryGroupOutbox();
  }

  /** Starts hosting: results kept from an earlier session go out first. */
  async start(): Promise<void> {
    for (const e of await this.outbox.list()) this.waiting.set(e.leaseId, { bytes: e.output.byteLength, computedAt: e.computedAt });
    this.kickUpload(true);
    this.timers.push(setInterval(() => this.heartbeat(), GROUP_HEARTBEAT_MS));
    await this.pollLoop();
  }

  /** Reads the group now, then again in GROUP_STATUS_POLL_MS, or GROUP_STATUS_IDLE_POLL_MS once every seat has its peer connected. */
  private async pollLoop(): Promise<void> {
    let settled = false;
    try {
      settled = await this.poll();
    } catch (err) {
      this.emit({ type: 'error', message: `reading the group failed: ${describe(err)}` });
    } finally {
      // The next read is always scheduled, whatever this one met.
      if (!this.stopped) this.pollTimer = setTimeout(() => void this.pollLoop(), settled ? GROUP_STATUS_IDLE_POLL_MS : GROUP_STATUS_POLL_MS);
    }
  }

  /** Offers seat `seatId` a channel, at most GROUP_OFFERS_PER_SEAT_MAX times in this session. */
  private offer(seatId: number): void {
    const made = this.offers.get(seatId) ?? 0;
    if (this.stopped || made >= GROUP_OFFERS_PER_SEAT_MAX) return;
    this.offers.set(seatId, made + 1);
    void this.connect(seatId);
  }

  /** The peers as the page shows them. */
  get peerViews(): PeerView[] {
    const now = Date.now();
    return [...this.peers.values()].map((p) => ({ ...p.view, unitsInFlight: p.inFlight.size, unitsPerMinute: p.doneAt.filter((t) => now - t < THROUGHPUT_WINDOW_MS).length * (60_000 / THROUGHPUT_WINDOW_MS) }));
  }

  /** Results not yet taken by the server. */
  get outboxSize(): number {
    return this.waiting.size;
  }

  private emit(e: HostEvent): void {
    this.options.onEvent?.(e);
  }

  private changed(): void {
    this.emit({ type: 'peers', peers: this.peerViews });
  }

  /** Reads the group, offers new seats a channel; true when every seat has a connected peer. */
  private async poll(): Promise<boolean> {
    if (this.stopped) return false;
    let status: GroupStatus;
    try {
      status = await this.options.api.status(this.options.groupId);
    } catch (err) {
      this.emit({ type: 'error', message: `reading the group failed: ${describe(err)}` });
      return false;
    }
    this.emit({ type: 'status', status });
    this.iceServers = this.options.iceServers ?? status.iceServers;
    for (const s of status.peers) {
      const peer = this.peers.get(s.seatId);
      if (s.state === 'declined') {
        if (peer && peer.view.state !== 'refused') this.gone(peer, 'left', 'the peer declined');
        continue;
      }
      const live = peer && (peer.view.state === 'connecting' || peer.view.state === 'kernel' || peer.view.state === 'ready');
      // A seat is offered a channel when new, and again when its connection never opened; a
      // peer that was connected and went away has fallen back to the server (or closed).
      if (!live && !status.closed && (!peer || peer.view.state === 'failed')) this.offer(s.seatId);
    }
    this.feed();
    const claimed = status.peers.filter((p) => p.state === 'claimed');
    return status.seatsLeft === 0 && claimed.every((p) => this.peers.get(p.seatId)?.view.state === 'ready');
  }

  private async connect(seatId: number): Promise<void> {
    const { api, groupId } = this.options;
    const pc = this.options.createPeerConnection({ iceServers: this.iceServers });
    const peer: Peer = { view: { seatId, state: 'connecting', unitsDone: 0, unitsInFlight: 0, unitsPerMinute: 0, kernelBytesSent: 0 }, pc, slots: 0, inFlight: new Map(), doneAt: [], lastHeard: Date.now() };
    this.peers.set(seatId, peer);
    this.changed();
    const until = Date.now() + GROUP_OFFER_TIMEOUT_MS;
    try {
      const channel = pc.createDataChannel(GROUP_CHANNEL_LABEL, { ordered: true });
      await api.offer(groupId, seatId, await completeDescription(pc, 'offer'));
      const answer = await pollSignal(() => api.answer(groupId, seatId), until, this.abort.signal);
      if (answer === undefined) return this.failed(peer, 'the peer sent no answer in time');
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      if (!(await channelOpened(channel, until))) return this.failed(peer, 'the channel did not open in time');
      if (this.stopped || this.peers.get(seatId) !== peer) return closeQuietly(pc);
      const wire = new FramedChannel(channel);
      peer.channel = channel;
      peer.wire = wire;
      peer.lastHeard = Date.now();
      peer.view.state = 'kernel';
      wire.onMessage = (m) => void this.receive(peer, m);
      wire.onClose = (reason) => this.gone(peer, 'gone', reason);
      peer.stopWatch = watchConnection(pc, (s) => this.gone(peer, 'gone', `the connection is ${s}`));
      const status = await api.status(groupId);
      this.send(peer, { t: 'hello', groupId, seatId, kernel: status.kernel });
      this.changed();
    } catch (err) {
      this.failed(peer, describe(err));
    }
  }

  /** An attempt to connect a seat failed: the next offer goes out at once (the peer switches to it). */
  private failed(peer: Peer, detail: string): void {
    if (this.peers.get(peer.view.seatId) !== peer) return;
    this.gone(peer, 'failed', detail);
    this.offer(peer.view.seatId);
  }

  private send(peer: Peer, msg: HostMessage, body?: Uint8Array): Promise<void> {
    if (!peer.wire) return Promise.resolve();
    return peer.wire.send(body ? { header: msg, body } : { header: msg }).catch(() => undefined);
  }

  private async receive(peer: Peer, raw: WireMessage): Promise<void> {
    peer.lastHeard = Date.now();
    const parsed = PeerMessageSchema.safeParse(raw.header);
    if (!parsed.success) return this.gone(peer, 'gone', `the peer sent a malformed ${raw.header.t}`);
    const msg = parsed.data;
    switch (msg.t) {
      case 'pong':
        return;
      case 'have':
        if (msg.kernel) return;
        try {
          this.kernel ??= this.options.kernelBytes();
          const bytes = await this.kernel;
          peer.view.kernelBytesSent += bytes.byteLength;
          await this.send(peer, { t: 'kernel' }, bytes);
        } catch (err) {
          this.kernel = undefined;
          this.gone(peer, 'failed', `the kernel could not be read: ${describe(err)}`);
        }
        return this.changed();
      case 'ready':
        peer.slots = msg.slots;
        peer.view.state = 'ready';
        this.changed();
        return this.feed();
      case 'refuse':
        return this.gone(peer, 'refused', msg.reason);
      case 'bye':
        return this.gone(peer, 'left', msg.reason);
      case 'failed': {
        const unit = peer.inFlight.get(msg.leaseId);
        if (!unit) return;
        peer.inFlight.delete(msg.leaseId);
        await this.release([msg.leaseId], `the peer's kernel failed: ${msg.message}`);
        return this.feed();
      }
      case 'result': {
        const unit = peer.inFlight.get(msg.leaseId);
        if (!unit) return;
        peer.inFlight.delete(msg.leaseId);
        peer.view.unitsDone++;
        // Only the throughput window's results are kept (oldest first), so the list stays as long as a minute's work.
        const now = Date.now();
        peer.doneAt.push(now);
        while (peer.doneAt.length > 0 && now - peer.doneAt[0]! >= THROUGHPUT_WINDOW_MS) peer.doneAt.shift();
        const output = raw.body ?? new Uint8Array(0);
        const entry: GroupOutboxEntry = { leaseId: msg.leaseId, seatId: peer.view.seatId, output, inputSha256: msg.inputSha256, signature: msg.signature, computedAt: Date.now() };
        try {
          await this.outbox.put(entry);
          this.waiting.set(entry.leaseId, { bytes: output.byteLength, computedAt: entry.computedAt });
        } catch (err) {
          this.emit({ type: 'error', message: `keeping a result failed: ${describe(err)}` });
        }
        this.changed();
        this.kickUpload();
        return this.feed();
      }
    }
  }

  private heartbeat(): void {
    const now = Date.now();
    for (const peer of this.peers.values()) {
      if (!peer.wire || (peer.view.state !== 'ready' && peer.view.state !== 'kernel')) continue;
      if (now - peer.lastHeard > GROUP_SILENCE_MS) this.gone(peer, 'gone', 'the peer went silent');
      else this.send(peer, { t: 'ping', n: ++this.pingN });
    }
  }

  /** A peer is out: its units are released on the server so they are computed elsewhere at once. */
  private gone(peer: Peer, state: 'gone' | 'failed' | 'refused' | 'left', detail: string): void {
    if (peer.view.state === 'gone' || peer.view.state === 'failed' || peer.view.state === 'refused' || peer.view.state === 'left') return;
    peer.view.state = state;
    peer.view.detail = detail;
    peer.stopWatch?.();
    peer.wire?.shut(detail);
    closeQuietly(peer.pc);
    const leaseIds = [...peer.inFlight.keys()];
    peer.inFlight.clear();
    if (leaseIds.length > 0) void this.release(leaseIds, detail);
    this.changed();
  }

  private async release(leaseIds: number[], reason: string): Promise<void> {
    try {
      for (let i = 0; i < leaseIds.length; i += GROUP_LEASE_UNITS_MAX) await this.options.api.release(this.options.groupId, leaseIds.slice(i, i + GROUP_LEASE_UNITS_MAX));
      this.emit({ type: 'released', leaseIds, reason });
    } catch (err) {
      // The leases expire on their own (GROUP_LEASE_TTL_MS) if the server cannot be told now.
      this.emit({ type: 'error', message: `releasing ${leaseIds.length} units failed: ${describe(err)}` });
    }
  }

  private outboxBytes(): number {
    let n = 0;
    for (const w of this.waiting.values()) n += w.bytes;
    return n;
  }

  /** Leases units for the ready peers' free slots (one lease request at a time) and hands each to its peer. */
  private feed(): void {
    if (this.stopped || this.leasing || Date.now() < this.leaseNotBefore) return;
    if (this.waiting.size >= GROUP_OUTBOX_ENTRIES_MAX || this.outboxBytes() >= OUTBOX_BYTES_MAX) return;
    let free = 0;
    let capacity = 0;
    const seats: number[] = [];
    for (const p of this.peers.values()) {
      if (p.view.state !== 'ready') continue;
      const room = Math.max(0, p.slots * GROUP_UNITS_PER_SLOT - p.inFlight.size);
      capacity += p.slots * GROUP_UNITS_PER_SLOT;
      free += room;
      if (room > 0) seats.push(p.view.seatId);
    }
    // Refill only once the peers' queues ran half empty (or a peer has none at all): a lease per batch, not per unit.
    const starving = [...this.peers.values()].some((p) => p.view.state === 'ready' && p.inFlight.size === 0);
    if (!starving && capacity - free > capacity * GROUP_LEASE_REFILL_SHARE) return;
    const max = Math.min(free, GROUP_LEASE_UNITS_MAX, GROUP_OUTBOX_ENTRIES_MAX - this.waiting.size);
    if (max <= 0) return;
    this.leasing = true;
    void this.options.api
      .lease(this.options.groupId, max, seats)
      .then(async (r) => {
        if (r.retryAfterMs !== undefined && r.leases.length === 0) this.leaseNotBefore = Date.now() + r.retryAfterMs;
        const unplaced: number[] = [];
        for (const unit of r.leases) {
          const peer = this.peers.get(unit.seatId);
          if (!peer || peer.view.state !== 'ready') {
            unplaced.push(unit.leaseId);
            continue;
          }
          peer.inFlight.set(unit.leaseId, unit);
          const input = Uint8Array.from(atob(unit.input), (c) => c.charCodeAt(0));
          void this.send(peer, { t: 'unit', leaseId: unit.leaseId, unitId: unit.unitId, jobId: unit.jobId, outputBytes: unit.outputBytes, deadline: unit.deadline }, input);
        }
        // Leased to a seat whose peer is not connected to this host: back to the server at once.
        if (unplaced.length > 0) await this.release(unplaced, 'its peer is not connected to this host');
        this.changed();
      })
      .catch((err: unknown) => {
        this.leaseNotBefore = Date.now() + backoffMs(0);
        this.emit({ type: 'error', message: `leasing units failed: ${describe(err)}` });
      })
      .finally(() => {
        this.leasing = false;
        if (Date.now() >= this.leaseNotBefore) this.feed();
        else setTimeout(() => this.feed(), this.leaseNotBefore - Date.now());
      });
  }

  /**
   * Uploads waiting results in batches; the server being away only delays them. A result
   * waits up to GROUP_UPLOAD_DELAY_MS for others to fill the batch, unless `now` (a full
   * batch, the outbox filling, the host stopping, results kept from an earlier session).
   */
  private kickUpload(now = false): void {
    if (this.uploading || this.waiting.size === 0) return;
    const oldest = Math.min(...[...this.waiting.values()].map((w) => w.computedAt));
    const due = now || this.stopped || this.waiting.size >= GROUP_RESULTS_BATCH_MAX || this.waiting.size >= GROUP_OUTBOX_ENTRIES_MAX / 2 || Date.now() - oldest >= GROUP_UPLOAD_DELAY_MS;
    if (!due) {
      clearTimeout(this.uploadTimer);
      this.uploadTimer = setTimeout(() => this.kickUpload(), oldest + GROUP_UPLOAD_DELAY_MS - Date.now());
      return;
    }
    this.uploading = true;
    void this.upload().finally(() => {
      this.uploading = false;
      if (this.waiting.size > 0) this.uploadTimer = setTimeout(() => this.kickUpload(true), Math.max(0, this.uploadNotBefore - Date.now()));
    });
  }

  private async upload(): Promise<void> {
    const { api, groupId } = this.options;
    for (;;) {
      if (Date.now() < this.uploadNotBefore) return;
      const all = (await this.outbox.list()).sort((a, b) => a.computedAt - b.computedAt || a.leaseId - b.leaseId);
      const fresh: GroupOutboxEntry[] = [];
      for (const e of all) {
        if (Date.now() - e.computedAt > OUTBOX_ENTRY_AGE_MS_MAX) await this.forget(e, 'not delivered in time');
        else fresh.push(e);
      }
      if (fresh.length === 0) return;
      const batch: GroupOutboxEntry[] = [];
      let bytes = 0;
      for (const e of fresh) {
        if (batch.length >= GROUP_RESULTS_BATCH_MAX || (batch.length > 0 && bytes + e.output.byteLength > GROUP_UPLOAD_BYTES_MAX)) break;
        batch.push(e);
        bytes += e.output.byteLength;
      }
      let answers;
      try {
        answers = (await api.results(groupId, batch)).results;
        this.uploadFailures = 0;
      } catch (err) {
        if (err instanceof ApiError && err.status < 500 && err.status !== 429) {
          for (const e of batch) await this.forget(e, describe(err));
          continue;
        }
        const wait = backoffMs(Math.min(this.uploadFailures++, 16));
        this.uploadNotBefore = Date.now() + wait;
        this.emit({ type: 'outbox', waiting: this.waiting.size, offline: !(err instanceof ApiError) });
        return;
      }
      for (const [i, e] of batch.entries()) {
        const a = answers[i];
        await this.outbox.delete(e.leaseId);
        this.waiting.delete(e.leaseId);
        if (a && 'outcome' in a) this.emit({ type: 'sent', leaseId: e.leaseId, seatId: e.seatId, outcome: a.outcome, creditedPoints: a.creditedPoints });
        else this.emit({ type: 'dropped', leaseId: e.leaseId, seatId: e.seatId, reason: a && 'problem' in a ? a.problem.title : 'no answer' });
      }
      this.emit({ type: 'outbox', waiting: this.waiting.size, offline: false });
      this.feed();
    }
  }

  private async forget(e: GroupOutboxEntry, reason: string): Promise<void> {
    await this.outbox.delete(e.leaseId);
    this.waiting.delete(e.leaseId);
    this.emit({ type: 'dropped', leaseId: e.leaseId, seatId: e.seatId, reason });
  }

  /** Resolves when every result the host holds was taken (or dropped) by the server. */
  async drained(): Promise<void> {
    while (this.waiting.size > 0) {
      this.kickUpload(true);
      await delay(Math.max(50, Math.min(1000, this.uploadNotBefore - Date.now())));
    }
  }

  /**
   * Stops hosting (the tab's Stop or its end): peers are told bye (they go back to the
   * server's work loop), units still with peers are released, results already held stay in
   * the outbox and keep uploading.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.pollTimer);
    this.kickUpload(true);
    const leaseIds: number[] = [];
    await Promise.all(
      [...this.peers.values()].map(async (p) => {
        leaseIds.push(...p.inFlight.keys());
        p.inFlight.clear();
        await this.send(p, { t: 'bye', reason: 'the host stopped' });
        p.stopWatch?.();
        p.wire?.detach();
        await closeGracefully(p.pc, p.channel);
      }),
    );
    if (leaseIds.length > 0) await this.release(leaseIds, 'the host stopped');
  }

  /** Stops, then closes the group on the server (a pool's unused seat holds are released). */
  async close(): Promise<void> {
    await this.stop();
    await this.options.api.close(this.options.groupId);
  }
}
