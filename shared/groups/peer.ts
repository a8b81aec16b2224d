/**
 * @module A group's peer (issue 16), the same in a browser tab and in Node: it claims a seat
 * with an invite and its public key, answers the host's offer, checks the kernel the host
 * sends against the sha256 the SERVER gave at the claim (then the ABI), sends its reception
 * notice, and computes the units the host hands it, each result signed with its own key.
 * Nothing computes before {@link GroupPeer.run} (the page calls it on Join). It ends in one
 * of a few outcomes the caller acts on: `fallback` (the channel did not open within
 * GROUP_CONNECT_TIMEOUT_MS, or the host went away or stopped hosting: work with the server
 * directly; the group's leases this peer held are released first so they are reissued at
 * once), `refused` (the kernel did not match: its seat is declined, unbilled, nothing ran),
 * `declined` or `stopped`.
 */
import { ApiError } from '../api/client.ts';
import { sha256Hex } from '../base64.ts';
import { compileChecked, KernelRefusedError, type KernelCache } from '../volunteer/kernel-source.ts';
import type { UnitExecutor } from '../volunteer/work-loop.ts';
import type { SeatApi } from './client.ts';
import { GROUP_CONNECT_TIMEOUT_MS, GROUP_SILENCE_MS, HostMessageSchema, type HostMessage, type PeerMessage } from './protocol.ts';
import { channelOpened, closeGracefully, closeQuietly, completeDescription, pollSignal, watchConnection, type PeerConnectionFactory } from './rtc.ts';
import type { Seat } from './schemas.ts';
import { newPeerKey, signGroupResult, type PeerKey } from './signing.ts';
import { FramedChannel, type WireMessage } from './wire.ts';

/** Units waiting on a peer beyond those computing: the host keeps two per slot in flight, so this bounds a host that floods. */
export const PEER_QUEUED_UNITS_MAX = 64;

/** How a peer's group session ended. */
export type PeerOutcome =
  | { kind: 'fallback'; reason: FallbackReason; released: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'declined' }
  | { kind: 'stopped' };

/** Why a peer works with the server directly: no channel in time, the host vanished, or it stopped hosting. */
export type FallbackReason = 'connect_timeout' | 'host_gone' | 'host_left';

export type PeerEvent =
  | { type: 'seat'; seat: Seat }
  | { type: 'connected'; ms: number }
  | { type: 'kernel'; origin: 'cache' | 'channel'; bytes: number; ms: number }
  | { type: 'unit_started'; leaseId: number; unitId: number }
  | { type: 'unit_done'; leaseId: number; unitId: number; kernelMs: number }
  | { type: 'unit_failed'; leaseId: number; message: string };

export interface GroupPeerOptions {
  seats: SeatApi;
  invite: string;
  /** One per worker slot; the peer runs as many units at once. */
  executors: readonly UnitExecutor[];
  /** Kernels kept from earlier groups (and the peer's own work): reused with zero bytes sent. */
  cache?: KernelCache;
  createPeerConnection: PeerConnectionFactory;
  /** STUN/TURN servers; by default those the server names with the seat (GROUP_ICE_SERVERS, none unless set). */
  iceServers?: RTCIceServer[];
  /** The seat's signing key; a new non-extractable one by default. */
  key?: PeerKey;
  connectTimeoutMs?: number;
  onEvent?: (e: PeerEvent) => void;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class GroupPeer {
  private seat: Seat | undefined;
  private pc: RTCPeerConnection | undefined;
  private wire: FramedChannel | undefined;
  private key: PeerKey | undefined;
  private module: WebAssembly.Module | undefined;
  private noticed = false;
  private readonly queue: { msg: Extract<HostMessage, { t: 'unit' }>; input: Uint8Array }[] = [];
  private readonly running = new Map<number, UnitExecutor>();
  private readonly idle: UnitExecutor[];
  private finish: ((o: PeerOutcome) => void) | undefined;
  private done = false;
  private lastHeard = 0;
  private silenceTimer: ReturnType<typeof setInterval> | undefined;
  private readonly abort = new AbortController();
  private lastSend: Promise<void> = Promise.resolve();
  /** Decline or Stop pressed before the seat claim answered: acted on when it does. */
  private exitRequested: 'declined' | 'stopped' | undefined;

  constructor(private readonly options: GroupPeerOptions) {
    this.idle = [...options.executors];
  }

  /** The seat, once claimed. */
  get claimed(): Seat | undefined {
    return this.seat;
  }

  /** Claims a seat and works in the group until it ends; resolves with how it ended. Refusals of the claim are thrown (ApiError). */
  async run(): Promise<PeerOutcome> {
    const started = Date.now();
    const { seats, options } = { seats: this.options.seats, options: this.options };
    this.key = options.key ?? (await newPeerKey());
    const seat = await seats.claim(options.invite, this.key.publicKey);
    this.seat = seat;
    options.onEvent?.({ type: 'seat', seat });
    const early = this.exitRequested;
    if (early) {
      // Declined or stopped while the claim was on its way: the seat goes back at once, unbilled.
      this.done = true;
      await seats.decline(seat.groupId).catch(() => undefined);
      return { kind: early };
    }
    const outcome = new Promise<PeerOutcome>((resolve) => (this.finish = resolve));
    void this.connect(seat, started).catch((err: unknown) => void this.fallback('connect_timeout', describe(err)));
    return outcome;
  }

  /**
   * Answers the host's offers until a channel opens or `until` passes. The host makes a new
   * offer when its attempt failed (GROUP_OFFERS_PER_SEAT_MAX), so while one attempt waits for
   * its channel the peer keeps looking for a newer offer and switches to it.
   */
  private async connect(seat: Seat, started: number): Promise<void> {
    const until = started + (this.options.connectTimeoutMs ?? GROUP_CONNECT_TIMEOUT_MS);
    const readOffer = () => this.options.seats.offer(seat.groupId);
    let offer = await pollSignal(readOffer, until, this.abort.signal);
    let ch: RTCDataChannel | undefined;
    let pc: RTCPeerConnection | undefined;
    while (!this.done && offer !== undefined) {
      if (pc) closeQuietly(pc);
      pc = this.options.createPeerConnection({ iceServers: this.options.iceServers ?? seat.iceServers });
      this.pc = pc;
      const attempt = pc;
      const channel = new Promise<RTCDataChannel>((resolve) => attempt.addEventListener('datachannel', (e) => resolve((e as RTCDataChannelEvent).channel), { once: true }));
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      await this.options.seats.answer(seat.groupId, await completeDescription(pc, 'answer'));
      const newer = new AbortController();
      const next = pollSignal(readOffer, until, AbortSignal.any([this.abort.signal, newer.signal])).then((sdp) => ({ offer: sdp }));
      const opened = channel.then(async (c) => ((await channelOpened(c, until)) ? { channel: c } : { offer: undefined }));
      const r: { channel?: RTCDataChannel; offer?: string } = await Promise.race([opened, next]);
      newer.abort();
      ch = r.channel;
      if (ch) break;
      offer = r.offer;
    }
    if (this.done) return;
    if (!ch || !pc) return void this.fallback('connect_timeout', 'no channel to the host opened in time');
    this.options.onEvent?.({ type: 'connected', ms: Date.now() - started });
    const wire = new FramedChannel(ch);
    this.wire = wire;
    this.lastHeard = Date.now();
    wire.onMessage = (m) => this.receive(m, started);
    wire.onClose = () => void this.fallback('host_gone', 'the channel closed');
    watchConnection(pc, () => void this.fallback('host_gone', 'the connection to the host was lost'));
    this.silenceTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > GROUP_SILENCE_MS) void this.fallback('host_gone', 'the host went silent');
    }, GROUP_SILENCE_MS / 3);
  }

  /** Sends in order; the channel closes only after the last send was handed to it (a bye, a refusal). */
  private send(msg: PeerMessage, body?: Uint8Array): void {
    if (!this.wire) return;
    this.lastSend = this.wire.send(body ? { header: msg, body } : { header: msg }).catch(() => undefined);
  }

  private receive(raw: WireMessage, started: number): void {
    this.lastHeard = Date.now();
    const parsed = HostMessageSchema.safeParse(raw.header);
    if (!parsed.success) return void this.fallback('host_gone', `the host sent a malformed ${raw.header.t}`);
    const msg = parsed.data;
    switch (msg.t) {
      case 'ping':
        return this.send({ t: 'pong', n: msg.n });
      case 'hello':
        return void this.hello(started).catch((err: unknown) => void this.fallback('host_gone', describe(err)));
      case 'kernel':
        return void this.kernel(raw.body ?? new Uint8Array(0), started).catch((err: unknown) => void this.fallback('host_gone', describe(err)));
      case 'unit':
        if (!this.module || this.queue.length >= PEER_QUEUED_UNITS_MAX) return this.send({ t: 'failed', leaseId: msg.leaseId, message: this.module ? 'too many units queued' : 'no kernel yet' });
        this.queue.push({ msg, input: raw.body ?? new Uint8Array(0) });
        return this.pump();
      case 'cancel': {
        const i = this.queue.findIndex((q) => q.msg.leaseId === msg.leaseId);
        if (i >= 0) this.queue.splice(i, 1);
        this.running.get(msg.leaseId)?.cancel();
        return;
      }
      case 'bye':
        return void this.fallback('host_left', msg.reason);
    }
  }

  /** The host offers the kernel: the cache may have it already (zero bytes sent). */
  private async hello(started: number): Promise<void> {
    const ref = this.seat!.kernel;
    const kept = await this.options.cache?.get(ref).catch(() => undefined);
    if (kept) {
      try {
        this.module = await compileChecked(ref, kept);
        this.send({ t: 'have', kernel: true });
        await this.ready(kept.byteLength, 'cache', started);
        return;
      } catch {
        await this.options.cache?.delete(ref).catch(() => undefined);
      }
    }
    this.send({ t: 'have', kernel: false });
  }

  private async kernel(bytes: Uint8Array, started: number): Promise<void> {
    if (this.module) return;
    const ref = this.seat!.kernel;
    try {
      // The server's hash, from the seat claim: never the host's word.
      this.module = await compileChecked(ref, bytes);
    } catch (err) {
      const reason = err instanceof KernelRefusedError ? err.message : `the kernel was refused: ${describe(err)}`;
      this.send({ t: 'refuse', reason });
      // Ended now, before the host closes on the refusal (which would read as the host gone).
      this.teardown();
      // Not received: the seat goes back unbilled.
      await this.options.seats.decline(this.seat!.groupId).catch(() => undefined);
      return this.finish?.({ kind: 'refused', reason });
    }
    await this.options.cache?.put(ref, bytes).catch(() => undefined);
    await this.ready(bytes.byteLength, 'channel', started);
  }

  private async ready(bytes: number, origin: 'cache' | 'channel', started: number): Promise<void> {
    await this.options.seats.notice(this.seat!.groupId);
    this.noticed = true;
    this.options.onEvent?.({ type: 'kernel', origin, bytes: origin === 'cache' ? 0 : bytes, ms: Date.now() - started });
    this.send({ t: 'ready', slots: this.options.executors.length });
  }

  /** Starts queued units on idle slots. */
  private pump(): void {
    while (!this.done && this.idle.length > 0 && this.queue.length > 0) {
      const ex = this.idle.pop()!;
      const { msg, input } = this.queue.shift()!;
      this.running.set(msg.leaseId, ex);
      void this.compute(ex, msg, input).finally(() => {
        this.running.delete(msg.leaseId);
        this.idle.push(ex);
        this.pump();
      });
    }
  }

  private async compute(ex: UnitExecutor, msg: Extract<HostMessage, { t: 'unit' }>, input: Uint8Array): Promise<void> {
    this.options.onEvent?.({ type: 'unit_started', leaseId: msg.leaseId, unitId: msg.unitId });
    const inputSha256 = await sha256Hex(input);
    try {
      const { output, stats } = await ex.run({ module: this.module!, input }, {});
      if (this.done) return;
      const signature = await signGroupResult(this.key!, this.seat!.groupId, msg.leaseId, inputSha256, output);
      this.send({ t: 'result', leaseId: msg.leaseId, inputSha256, signature }, output);
      this.options.onEvent?.({ type: 'unit_done', leaseId: msg.leaseId, unitId: msg.unitId, kernelMs: stats.kernelMs });
    } catch (err) {
      if (this.done) return;
      const message = describe(err).slice(0, 500);
      this.send({ t: 'failed', leaseId: msg.leaseId, message });
      this.options.onEvent?.({ type: 'unit_failed', leaseId: msg.leaseId, message });
    }
  }

  /** Works with the server directly from now on: the group's leases this peer held are released first. */
  private async fallback(reason: FallbackReason, _detail: string): Promise<void> {
    if (this.done) return;
    this.teardown();
    const groupId = this.seat!.groupId;
    let released = 0;
    if (!this.noticed) {
      // Never received the kernel: the seat goes back, unbilled.
      await this.options.seats.decline(groupId).catch(() => undefined);
    } else {
      released = await this.options.seats
        .leave(groupId)
        .then((r) => r.released)
        .catch(() => 0);
    }
    this.finish?.({ kind: 'fallback', reason, released });
  }

  /** The peer declines (busy): before the kernel arrived the seat goes back unbilled; after, it leaves the group. */
  async decline(): Promise<void> {
    if (this.done) return;
    if (!this.seat) return void (this.exitRequested ??= 'declined');
    this.send({ t: 'bye', reason: 'declined' });
    const groupId = this.seat.groupId;
    this.teardown();
    if (!this.noticed) await this.options.seats.decline(groupId).catch((err: unknown) => (err instanceof ApiError ? undefined : Promise.reject(err)));
    else await this.options.seats.leave(groupId).catch(() => undefined);
    this.finish?.({ kind: 'declined' });
  }

  /**
   * Stops computing for the group (the page's Stop): units in progress are cancelled and
   * released; a seat that never received the kernel goes back unbilled, as a decline.
   */
  async stop(): Promise<void> {
    if (this.done) return;
    if (!this.seat) return void (this.exitRequested ??= 'stopped');
    this.send({ t: 'bye', reason: 'stopped' });
    const groupId = this.seat.groupId;
    this.teardown();
    if (this.noticed) await this.options.seats.leave(groupId).catch(() => undefined);
    else await this.options.seats.decline(groupId).catch(() => undefined);
    this.finish?.({ kind: 'stopped' });
  }

  private teardown(): void {
    this.done = true;
    this.abort.abort();
    clearInterval(this.silenceTimer);
    this.queue.length = 0;
    for (const ex of this.running.values()) ex.cancel();
    // The last messages (bye, refuse) are handed to the channel before it closes; close() still delivers them.
    const wire = this.wire;
    const pc = this.pc;
    void this.lastSend.finally(() => {
      wire?.detach();
      if (pc) void closeGracefully(pc, wire?.channel as RTCDataChannel | undefined).catch(() => undefined);
    });
  }
}
