/**
 * @module Groups (DESIGN.md, "Groups"; issue 16): one browser hosts a kernel for its peers
 * over WebRTC, and the server is needed at the start and the end only. The request and
 * response shapes of the group routes, their bounds, and the canonical message a peer signs
 * for each of its results, so the browser signs exactly the bytes the edge verifies.
 */
import { z } from 'zod';
import { LeaseSchema, SubmitResultsAnswerSchema } from '../api/schemas.ts';
import { PRICE_MINOR_PER_POINT, UNIT_OUTPUT_BYTES_MAX } from '../limits.ts';

/**
 * Seats of one group: a classroom or an office floor. A host browser keeps one data channel
 * per peer open and feeds each from its own tab, so a star much wider than this would make
 * the host the bottleneck it is meant to remove.
 */
export const GROUP_SEATS_MAX = 32;
/** Shortest group: less than this is no time to gather peers. */
export const GROUP_TTL_MS_MIN = 60_000;
/**
 * Longest group: two days, a weekend's run. Its pool's seat holds live this long plus a
 * grace (edge/groups/billing.ts), under the ledger's one-week bound on any hold.
 */
export const GROUP_TTL_MS_MAX = 2 * 24 * 3_600_000;
/**
 * Longest session description relayed (offer or answer). Without trickle ICE one SDP carries
 * every candidate; Chromium's with one data channel and a few dozen candidates is 2–6 KB.
 */
export const GROUP_SDP_CHARS_MAX = 16_384;
/**
 * Price of one seat, minor units: a seat is one device running the customer's own job for up
 * to the group's life, which the operator does not pay volunteers for; what the operator
 * sells is the coordination (leases, validation, the server's checks). Priced as 100 points
 * of work, what one device computes in a few minutes, so a pool of a classroom costs about
 * as much as a small job run by volunteers.
 */
export const GROUP_SEAT_PRICE_MINOR = 100 * PRICE_MINOR_PER_POINT;
/** Units one group lease hands out: a batch the group can work through without the server for a while. */
export const GROUP_LEASE_UNITS_MAX = 64;
/**
 * Leases a peer's leave gives back in one call (POST /api/seats/{groupId}/leave), so one
 * transaction's work stays bounded: four full group leases. A peer holding more (its host
 * leased far ahead) calls again while the answer is this many.
 */
export const GROUP_RELEASED_MAX = 4 * GROUP_LEASE_UNITS_MAX;
/** Results one upload carries, so one request's transactions stay few and short. */
export const GROUP_RESULTS_BATCH_MAX = 16;
/** Largest output one uploaded result carries, as a unit's (the bound of the work protocol). */
export const GROUP_RESULT_OUTPUT_BYTES_MAX = UNIT_OUTPUT_BYTES_MAX;

/** Base64url of 32 bytes (an Ed25519 public key or a 256-bit code), no padding. */
const BASE64URL_32 = /^[A-Za-z0-9_-]{43}$/;
/** Base64url of 64 bytes (an Ed25519 signature), no padding. */
const BASE64URL_64 = /^[A-Za-z0-9_-]{86}$/;
/** A SHA-256 in lower-case hex, as {@link groupResultMessage} carries it. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A volunteer group: `seats` peers, open for `ttlMs`, running kernel `kernel` (its newest version). */
export const CreateGroupRequestSchema = z.strictObject({
  seats: z.int().min(1).max(GROUP_SEATS_MAX),
  ttlMs: z.int().min(GROUP_TTL_MS_MIN).max(GROUP_TTL_MS_MAX),
  kernel: z.string().min(1).max(64),
});
export type CreateGroupRequest = z.output<typeof CreateGroupRequestSchema>;

/**
 * A private pool for one of the customer's running jobs. `billing`: `seat` charges each
 * approved seat (not declined), `notice` each reception notice. `quorum` (optional, at most
 * the job's): the quorum of the job's units the pool computes; the customer bears the risk
 * of a lower one.
 */
export const CreatePoolRequestSchema = z.strictObject({
  jobId: z.string().min(1).max(64),
  seats: z.int().min(1).max(GROUP_SEATS_MAX),
  ttlMs: z.int().min(GROUP_TTL_MS_MIN).max(GROUP_TTL_MS_MAX),
  billing: z.enum(['seat', 'notice']),
  quorum: z.int().min(1).max(6).optional(),
});
export type CreatePoolRequest = z.output<typeof CreatePoolRequestSchema>;

export const GroupKernelSchema = z.object({ id: z.string(), version: z.int(), sha256: z.string() });

/** STUN/TURN servers one deployment may name for its groups: a couple of each is plenty. */
export const GROUP_ICE_SERVERS_MAX = 4;
/**
 * A STUN or TURN server for a group's peer connections, as `RTCIceServer` takes it. The
 * operator's setting (`GROUP_ICE_SERVERS`, JSON), none by default: a group on one network
 * (a classroom, an office) connects by its host candidates alone.
 */
export const IceServerSchema = z.strictObject({
  urls: z.union([z.string().regex(/^(stun|stuns|turn|turns):/).max(200), z.array(z.string().regex(/^(stun|stuns|turn|turns):/).max(200)).min(1).max(4)]),
  username: z.string().max(200).optional(),
  credential: z.string().max(200).optional(),
});
export const IceServersSchema = z.array(IceServerSchema).max(GROUP_ICE_SERVERS_MAX);
export type IceServer = z.output<typeof IceServerSchema>;

/** A group as created: the invite code is shown this once (only its hash is kept). */
export const CreatedGroupSchema = z.object({
  groupId: z.string(),
  invite: z.string(),
  seatsLeft: z.int(),
  kernel: GroupKernelSchema,
  expiresAt: z.int(),
  /** The deployment's STUN/TURN servers for the group's connections (none by default). */
  iceServers: IceServersSchema.default([]),
});
export type CreatedGroup = z.output<typeof CreatedGroupSchema>;

/** A group as its host sees it: seats left and each peer's state. */
export const GroupStatusSchema = z.object({
  groupId: z.string(),
  kind: z.enum(['volunteer', 'pool']),
  seats: z.int(),
  seatsLeft: z.int(),
  kernel: GroupKernelSchema,
  expiresAt: z.int(),
  closed: z.boolean(),
  iceServers: IceServersSchema.default([]),
  peers: z.array(z.object({ seatId: z.int(), state: z.enum(['claimed', 'declined']), received: z.boolean() })),
});
export type GroupStatus = z.output<typeof GroupStatusSchema>;

/** A peer claims a seat with the invite code and its Ed25519 public key (raw 32 bytes, base64url). */
export const ClaimSeatRequestSchema = z.strictObject({
  invite: z.string().regex(BASE64URL_32),
  publicKey: z.string().regex(BASE64URL_32),
});

/** A claimed seat: the kernel's sha256 comes from the server, so the peer never takes the host's word for it. */
export const SeatSchema = z.object({ groupId: z.string(), seatId: z.int(), kernel: GroupKernelSchema, expiresAt: z.int(), iceServers: IceServersSchema.default([]) });
export type Seat = z.output<typeof SeatSchema>;

/** An offer or answer SDP (no trickle: one of each per seat). */
export const SignalRequestSchema = z.strictObject({ sdp: z.string().min(1).max(GROUP_SDP_CHARS_MAX) });
export const SignalSchema = z.object({ sdp: z.string() });

/**
 * The host asks for up to `max` units for the group's peers; with `seats`, only for those
 * seats (the peers connected to it and ready), so no unit goes to a peer it cannot reach.
 */
export const GroupLeaseRequestSchema = z.strictObject({
  max: z.int().min(1).max(GROUP_LEASE_UNITS_MAX).default(1),
  seats: z.array(z.int().positive()).min(1).max(GROUP_SEATS_MAX).optional(),
});
/** A group lease: each unit leased to one peer (its seat), for the host to hand over. */
export const GroupLeaseResponseSchema = z.object({
  leases: z.array(LeaseSchema.extend({ seatId: z.int() })),
  retryAfterMs: z.int().optional(),
});
export type GroupLeaseResponse = z.output<typeof GroupLeaseResponseSchema>;

/**
 * Results the host uploads on its peers' behalf, each signed by its peer
 * ({@link groupResultMessage}). `inputSha256`: the SHA-256 of the input bytes the peer
 * computed on, as the peer signed it; the server compares it with the unit's real input, so
 * a host that altered an input is found out and its peer is not blamed for the output.
 */
export const GroupResultsRequestSchema = z.strictObject({
  results: z
    .array(
      z.strictObject({
        leaseId: z.int().positive(),
        inputSha256: z.string().regex(SHA256_HEX),
        output: z.base64().max(Math.ceil(GROUP_RESULT_OUTPUT_BYTES_MAX / 3) * 4),
        signature: z.string().regex(BASE64URL_64),
      }),
    )
    .min(1)
    .max(GROUP_RESULTS_BATCH_MAX),
});
export const GroupResultsResponseSchema = z.object({ results: z.array(SubmitResultsAnswerSchema) });

/**
 * Leases of the group given back before they are done (the host's peer left mid-unit, or a
 * peer gave up on its host): each becomes `timed_out` as an expired lease does, so its unit
 * can be leased again at once, with no penalty for anyone. At most a lease's worth of units.
 */
export const GroupReleaseRequestSchema = z.strictObject({
  leaseIds: z.array(z.int().positive()).min(1).max(GROUP_LEASE_UNITS_MAX),
});
export type GroupReleaseRequest = z.output<typeof GroupReleaseRequestSchema>;
/** How many of the named (or the peer's) leases were released; the others were not the group's or not leased any more. */
export const GroupReleasedSchema = z.object({ released: z.int() });
export type GroupReleased = z.output<typeof GroupReleasedSchema>;

/**
 * The exact text a peer signs (Ed25519, RFC 8032, over its UTF-8 bytes) for its output of a
 * lease: a fixed label, the group, the lease, the SHA-256 of the input bytes it computed on
 * and the SHA-256 of its output, hashes in lower-case hex, one per line, no line break at
 * the end. Binding the group and the lease stops a host replaying a signature on another
 * lease; the output's hash stops it altering the bytes; the input's hash shows whether the
 * host handed the peer the unit's real input (if not, the peer is not blamed).
 * @example
 * const msg = new TextEncoder().encode(groupResultMessage('g_x', 42, inputSha256hex, outputSha256hex));
 * const sig = await crypto.subtle.sign('Ed25519', keyPair.privateKey, msg);
 */
export function groupResultMessage(groupId: string, leaseId: number, inputSha256Hex: string, outputSha256Hex: string): string {
  return `sparecycles-group-result\n${groupId}\n${leaseId}\n${inputSha256Hex}\n${outputSha256Hex}`;
}
