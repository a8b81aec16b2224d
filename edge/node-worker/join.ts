/**
 * @module `npm run worker -- --join INVITE`: the Node volunteer as a group's peer (issue 16).
 * It claims a seat with the invite, connects to the host over node-datachannel, takes the
 * kernel from its file cache or over the channel (checked against the server's sha256), and
 * computes the units the host hands it on its worker threads, printing each step. How the
 * group ended decides what the worker does next ({@link afterGroup}): after a `fallback` (no
 * channel in time, the host gone or stopped) it works with the server directly, as
 * `npm run worker` does; after a refusal, a decline or a stop it exits.
 */
import { ApiError, type ApiClientOptions } from '../../shared/api/client.ts';
import { seatApi } from '../../shared/groups/client.ts';
import { GroupPeer, type PeerEvent, type PeerOutcome } from '../../shared/groups/peer.ts';
import type { PeerConnectionFactory } from '../../shared/groups/rtc.ts';
import type { KernelCache } from '../../shared/volunteer/kernel-source.ts';
import type { UnitExecutor } from '../../shared/volunteer/work-loop.ts';

/** Exit code when the host's kernel did not match the server's hash (or the ABI): nothing ran, the seat went back unbilled. */
export const EXIT_KERNEL_REFUSED = 3;
/** Exit code when the server refused the seat claim (unknown or expired invite, no seat left, the host's own invite). */
export const EXIT_CLAIM_REFUSED = 4;

/** How a join ended: the peer's outcome, or a claim the server refused. */
export type JoinOutcome = PeerOutcome | { kind: 'claim_refused'; reason: string };

export interface JoinOptions {
  /** Where the seat routes are and the volunteer's token (the worker's own client options). */
  api: ApiClientOptions;
  invite: string;
  /** One per `--threads` slot. */
  executors: readonly UnitExecutor[];
  cache: KernelCache;
  /** node-datachannel's (rtc.ts), loaded by the caller only for `--join`, so a plain worker never loads the native module. */
  createPeerConnection: PeerConnectionFactory;
  log?: (line: string) => void;
  error?: (line: string) => void;
}

/** The line printed for a peer event (units started are printed only with WORKER_DEBUG). */
export function describeEvent(e: PeerEvent, unitsDone: number): string | undefined {
  switch (e.type) {
    case 'seat':
      return `seat ${e.seat.seatId} claimed in group ${e.seat.groupId}: kernel ${e.seat.kernel.id}@${e.seat.kernel.version} (sha256 ${e.seat.kernel.sha256.slice(0, 12)}… from the server)`;
    case 'connected':
      return `connected to the host in ${e.ms} ms`;
    case 'kernel':
      return e.origin === 'cache'
        ? `kernel ready from the cache (0 bytes sent) in ${e.ms} ms`
        : `kernel ready from the channel (${e.bytes} bytes, sha256 matches the server's) in ${e.ms} ms`;
    case 'unit_done':
      return `unit ${e.unitId} (lease ${e.leaseId}) computed for the group in ${Math.round(e.kernelMs)} ms (units ${unitsDone})`;
    case 'unit_failed':
      return `lease ${e.leaseId} failed: ${e.message}`;
    case 'unit_started':
      return process.env.WORKER_DEBUG ? `unit ${e.unitId} (lease ${e.leaseId}) started` : undefined;
  }
}

/**
 * Claims a seat and works in the group; `outcome` settles when the group is over for this
 * worker. `peer.stop()` leaves it (Ctrl-C).
 * @example
 * const { outcome } = joinGroup({ api: { baseUrl, token }, invite, executors, cache, createPeerConnection: nodePeerConnections('127.0.0.1') });
 * const next = afterGroup(await outcome);
 */
export function joinGroup(options: JoinOptions): { peer: GroupPeer; outcome: Promise<JoinOutcome> } {
  const log = options.log ?? ((line: string) => console.log(line));
  const error = options.error ?? ((line: string) => console.error(line));
  let units = 0;
  const peer = new GroupPeer({
    seats: seatApi(options.api),
    invite: options.invite,
    executors: options.executors,
    cache: options.cache,
    createPeerConnection: options.createPeerConnection,
    onEvent(e) {
      if (e.type === 'unit_done') units++;
      const line = describeEvent(e, units);
      if (line) (e.type === 'unit_failed' ? error : log)(line);
    },
  });
  const outcome = peer.run().catch((err: unknown): JoinOutcome => {
    // The server's refusal of the claim is an answer; anything else (the server away) is too, with its message.
    if (err instanceof ApiError) return { kind: 'claim_refused', reason: err.message };
    return { kind: 'claim_refused', reason: `the server could not be reached: ${err instanceof Error ? err.message : String(err)}` };
  });
  return { peer, outcome };
}

/** What the worker does after the group: go on with the server, or exit with a code and a message. */
export type AfterGroup = { next: 'server'; message: string } | { next: 'exit'; code: number; message: string };

/** How the worker acts on a join's outcome. */
export function afterGroup(outcome: JoinOutcome): AfterGroup {
  switch (outcome.kind) {
    case 'fallback': {
      const why = { connect_timeout: 'the channel to the host did not open in time', host_gone: 'the host went away', host_left: 'the host stopped hosting' }[outcome.reason];
      const released = outcome.released > 0 ? ` (${outcome.released} of the group's units given back to the server)` : '';
      return { next: 'server', message: `${why}${released}: working with the server directly` };
    }
    case 'refused':
      return { next: 'exit', code: EXIT_KERNEL_REFUSED, message: `the host's kernel was refused, nothing ran and the seat was given back: ${outcome.reason}` };
    case 'claim_refused':
      return { next: 'exit', code: EXIT_CLAIM_REFUSED, message: `the seat could not be claimed: ${outcome.reason}` };
    case 'declined':
      return { next: 'exit', code: 0, message: 'left the group (declined)' };
    case 'stopped':
      return { next: 'exit', code: 0, message: 'left the group (stopped)' };
  }
}
