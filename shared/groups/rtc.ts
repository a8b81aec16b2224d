/**
 * @module The WebRTC plumbing a group's host and peers share (issue 16): raw
 * `RTCPeerConnection`s, no trickle ICE (a side waits for gathering to complete, bounded, so
 * one offer and one answer per seat carry every candidate), signalling polled from our own
 * API, and the watch that decides a connection is gone. STUN/TURN servers are an optional
 * setting, off by default: the star works on one network (a classroom, an office).
 */
import { ApiError } from '../api/client.ts';
import { delay } from '../volunteer/retry.ts';
import { GROUP_ICE_GATHER_MS, GROUP_SIGNAL_POLL_MS } from './protocol.ts';

/** Longest wait for a channel's last messages (a bye, a refusal) to leave before the connection closes. */
export const GROUP_CLOSE_GRACE_MS = 1_000;

/** Makes a peer connection: the browser's constructor, or node-datachannel's polyfill in Node. */
export type PeerConnectionFactory = (config: RTCConfiguration) => RTCPeerConnection;

/** The channel's label: one reliable, ordered channel per peer. */
export const GROUP_CHANNEL_LABEL = 'sparecycles-group';

/** Resolves when `pc` finished gathering ICE candidates, or after `ms` (then the description has those found so far). */
export function iceGathered(pc: RTCPeerConnection, ms = GROUP_ICE_GATHER_MS): Promise<void> {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, ms);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** The local description once ICE gathering is over (no trickle). */
export async function completeDescription(pc: RTCPeerConnection, kind: 'offer' | 'answer'): Promise<string> {
  await pc.setLocalDescription(kind === 'offer' ? await pc.createOffer() : await pc.createAnswer());
  await iceGathered(pc);
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error(`no local ${kind} was made`);
  return sdp;
}

/** Whether the server answered that the signal is not there yet (404 signal-not-found). */
const notYet = (err: unknown) => err instanceof ApiError && err.status === 404 && err.problem.type.endsWith('/signal-not-found');

/**
 * Asks `read` every GROUP_SIGNAL_POLL_MS until the server has the signal; `undefined` when
 * `until` (epoch ms) passes or `signal` aborts first. Other errors are thrown.
 */
export async function pollSignal(read: () => Promise<{ sdp: string }>, until: number, signal?: AbortSignal): Promise<string | undefined> {
  while (Date.now() < until && !signal?.aborted) {
    try {
      return (await read()).sdp;
    } catch (err) {
      if (!notYet(err)) throw err;
    }
    await delay(Math.min(GROUP_SIGNAL_POLL_MS, Math.max(0, until - Date.now())), signal).catch(() => undefined);
  }
  return undefined;
}

/** Resolves true when `channel` opens, false when it closes or `until` passes first. */
export function channelOpened(channel: RTCDataChannel, until: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (channel.readyState === 'open') return resolve(true);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      channel.removeEventListener('open', opened);
      channel.removeEventListener('close', closed);
      resolve(ok);
    };
    const opened = () => finish(true);
    const closed = () => finish(false);
    const timer = setTimeout(() => finish(false), Math.max(0, until - Date.now()));
    channel.addEventListener('open', opened);
    channel.addEventListener('close', closed);
  });
}

/**
 * Calls `gone` once when the connection is `disconnected`, `failed` or `closed` (a closed
 * tab fires no `close` on the channel in Chromium; the connection state changes instead).
 */
export function watchConnection(pc: RTCPeerConnection, gone: (state: string) => void): () => void {
  let told = false;
  const check = () => {
    const s = pc.connectionState;
    if (!told && (s === 'disconnected' || s === 'failed' || s === 'closed')) {
      told = true;
      gone(s);
    }
  };
  pc.addEventListener('connectionstatechange', check);
  return () => pc.removeEventListener('connectionstatechange', check);
}

/**
 * Closes `pc` once the other side closed `channel`, or after GROUP_CLOSE_GRACE_MS: a side
 * that leaves with a last message (a bye, a refusal of a kernel) lets the other read it and
 * close first. Closing at once can drop that message, and a channel's `close` event may be
 * dispatched before messages that arrived ahead of it.
 */
export async function closeGracefully(pc: RTCPeerConnection, channel: RTCDataChannel | undefined): Promise<void> {
  if (channel && channel.readyState !== 'closed') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, GROUP_CLOSE_GRACE_MS);
      function done() {
        clearTimeout(timer);
        channel!.removeEventListener('close', done);
        resolve();
      }
      channel.addEventListener('close', done);
    });
    try {
      channel.close();
    } catch {
      // closed meanwhile by the other side
    }
  }
  closeQuietly(pc);
}

/** Closes `pc`; one already torn down (node-datachannel throws then) is left as it is. */
export function closeQuietly(pc: RTCPeerConnection): void {
  try {
    pc.close();
  } catch {
    // closed meanwhile
  }
}
