/**
 * @module What a group's host and its peers say over their data channel (issue 16), and the
 * timing bounds both sides keep. The host offers the kernel (`hello`); the peer says whether
 * it keeps that kernel already (`have`) and, once it has checked the bytes against the
 * SERVER's sha256 (never the host's word) and sent its reception notice, that it is `ready`
 * with some worker slots. The host then sends `unit`s (body: the input) and the peer answers
 * each with a signed `result` (body: the output) or `failed`. `ping`/`pong` every
 * {@link GROUP_HEARTBEAT_MS}; either side says `bye` when it leaves on purpose. Every header
 * is parsed with the schemas below: anything else closes the channel.
 */
import { z } from 'zod';
import { WORKERS_PER_TAB_MAX } from '../limits.ts';
import { GroupKernelSchema } from './schemas.ts';

/** The host pings each peer this often; the peer answers at once (its page thread is free: kernels run in workers). */
export const GROUP_HEARTBEAT_MS = 2_000;
/**
 * A side that heard nothing from the other for this long takes it as gone: three heartbeats.
 * A closed tab does not fire the channel's `close` in Chromium and `connectionstatechange`
 * reaches `disconnected` only after ~5 s, so silence is the faster signal.
 */
export const GROUP_SILENCE_MS = 3 * GROUP_HEARTBEAT_MS;
/**
 * From the seat claim to an open channel (the host's offer, ICE, DTLS): past this a peer
 * works with the server directly instead. On loopback a channel opens in under a second;
 * the host looks for new seats every {@link GROUP_STATUS_POLL_MS}.
 */
export const GROUP_CONNECT_TIMEOUT_MS = 15_000;
/** Longest wait for ICE gathering to complete (no trickle: the one offer or answer carries every candidate). */
export const GROUP_ICE_GATHER_MS = 5_000;
/** How often a side asks the server for the offer or answer it waits for. */
export const GROUP_SIGNAL_POLL_MS = 250;
/** How often the host reads its group (new seats, declines) while a seat is free or a peer not connected. */
export const GROUP_STATUS_POLL_MS = 1_000;
/** …and once every seat is taken by a connected peer: only declines are left to notice. */
export const GROUP_STATUS_IDLE_POLL_MS = 10_000;
/**
 * Units the host keeps in flight per worker slot of a peer (one computing, the rest queued
 * at the peer), so the group works through a batch without asking the server for each unit.
 * Not more: units queued at one peer are its own (leased to its identity), so at a job's end
 * or when a peer joins late, others may idle while they wait there.
 */
export const GROUP_UNITS_PER_SLOT = 4;
/**
 * The host leases again only when the units in flight fell to this share of what its peers
 * can hold, and then fills them up: one lease request per several units, not one per unit.
 */
export const GROUP_LEASE_REFILL_SHARE = 0.5;
/** Longest a result waits at the host before it goes up, unless a full batch (GROUP_RESULTS_BATCH_MAX) is ready sooner. */
export const GROUP_UPLOAD_DELAY_MS = 3_000;

const leaseId = z.int().positive();
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** Host → peer. */
export const HostMessageSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('hello'), groupId: z.string().max(64), seatId: z.int(), kernel: GroupKernelSchema }),
  /** Body: the kernel module's bytes. */
  z.strictObject({ t: z.literal('kernel') }),
  /** Body: the unit's input. */
  z.strictObject({ t: z.literal('unit'), leaseId, unitId: z.int(), jobId: z.string().max(64), outputBytes: z.int().nonnegative(), deadline: z.int() }),
  z.strictObject({ t: z.literal('cancel'), leaseId }),
  z.strictObject({ t: z.literal('ping'), n: z.int() }),
  z.strictObject({ t: z.literal('bye'), reason: z.string().max(200) }),
]);
export type HostMessage = z.output<typeof HostMessageSchema>;

/** Peer → host. */
export const PeerMessageSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('have'), kernel: z.boolean() }),
  z.strictObject({ t: z.literal('ready'), slots: z.int().min(1).max(WORKERS_PER_TAB_MAX) }),
  z.strictObject({ t: z.literal('refuse'), reason: z.string().max(500) }),
  /** Body: the output. `signature`: the peer's Ed25519 signature over groupResultMessage(…). */
  z.strictObject({ t: z.literal('result'), leaseId, inputSha256: hex64, signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/) }),
  z.strictObject({ t: z.literal('failed'), leaseId, message: z.string().max(500) }),
  z.strictObject({ t: z.literal('pong'), n: z.int() }),
  z.strictObject({ t: z.literal('bye'), reason: z.string().max(200) }),
]);
export type PeerMessage = z.output<typeof PeerMessageSchema>;
