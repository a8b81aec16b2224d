/**
 * @module The framing of a group's data channel (issue 16): one message is a small JSON
 * header and an optional body of bytes (a kernel, a unit's input, a result), cut into frames
 * of at most {@link GROUP_FRAME_BYTES}. Chromium refuses data channel messages over 256 KiB
 * and units reach 1 MiB in and 4 MiB out, so nothing larger ever goes to `send`. Sending
 * waits while the channel's buffer is above {@link GROUP_BUFFERED_HIGH_BYTES} (backpressure
 * through `bufferedamountlow`), and one message's frames are never interleaved with
 * another's. The channel is reliable and ordered, so a frame needs no sequence number:
 *
 *   first frame:  [0x01][u32 header length H][u32 body length B][H bytes of header JSON][body bytes…]
 *   next frames:  [0x02][body bytes…]
 *
 * (u32 big-endian.) A receiver refuses (closes the channel on) anything else: a header or
 * body over its bound, a continuation without a start, a start inside a message, more body
 * than announced, or text frames. The same code runs in the browser and in Node
 * (node-datachannel's W3C polyfill).
 */
import { UNIT_OUTPUT_BYTES_MAX } from '../limits.ts';

/** Largest frame handed to `send`: well under Chromium's 256 KiB message limit, as the issue asks. */
export const GROUP_FRAME_BYTES = 64 * 1024;
/** Largest message header (JSON): headers carry ids, hashes and a signature, never data. */
export const GROUP_HEADER_BYTES_MAX = 4 * 1024;
/**
 * Largest message body: a unit's output (4 MiB) is the largest thing a channel carries; a
 * kernel module is far smaller (the built-in ones are tens of KiB).
 */
export const GROUP_BODY_BYTES_MAX = UNIT_OUTPUT_BYTES_MAX;
/** Sending pauses while more than this waits in the channel's buffer… */
export const GROUP_BUFFERED_HIGH_BYTES = 1024 * 1024;
/** …and resumes when the buffer has drained below this (`bufferedAmountLowThreshold`). */
export const GROUP_BUFFERED_LOW_BYTES = 256 * 1024;

const START = 1;
const MORE = 2;
/** Bytes of the first frame's fixed prefix: kind, header length, body length. */
const START_PREFIX = 9;

/** The part of a W3C `RTCDataChannel` the framing uses (the browser's, or node-datachannel's polyfill). */
export interface DataChannelLike {
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType: string;
  send(data: ArrayBuffer): void;
  close(): void;
  addEventListener(type: string, listener: (e: Event) => void): void;
  removeEventListener(type: string, listener: (e: Event) => void): void;
}

/** One message: a JSON header (an object with a `t` type tag) and an optional body. */
export interface WireMessage {
  header: Record<string, unknown> & { t: string };
  body?: Uint8Array;
}

/** Why the channel was given up. */
export class WireError extends Error {
  override name = 'WireError';
}

/** Cuts a message into frames of at most GROUP_FRAME_BYTES, each a fresh ArrayBuffer. */
export function encodeFrames(msg: WireMessage): ArrayBuffer[] {
  const header = new TextEncoder().encode(JSON.stringify(msg.header));
  const body = msg.body ?? new Uint8Array(0);
  if (header.byteLength > GROUP_HEADER_BYTES_MAX) throw new WireError(`a message header of ${header.byteLength} bytes is over ${GROUP_HEADER_BYTES_MAX}`);
  if (body.byteLength > GROUP_BODY_BYTES_MAX) throw new WireError(`a message body of ${body.byteLength} bytes is over ${GROUP_BODY_BYTES_MAX}`);
  const frames: ArrayBuffer[] = [];
  const firstBody = Math.min(body.byteLength, GROUP_FRAME_BYTES - START_PREFIX - header.byteLength);
  const first = new Uint8Array(START_PREFIX + header.byteLength + firstBody);
  const view = new DataView(first.buffer);
  view.setUint8(0, START);
  view.setUint32(1, header.byteLength);
  view.setUint32(5, body.byteLength);
  first.set(header, START_PREFIX);
  first.set(body.subarray(0, firstBody), START_PREFIX + header.byteLength);
  frames.push(first.buffer);
  for (let at = firstBody; at < body.byteLength; at += GROUP_FRAME_BYTES - 1) {
    const part = body.subarray(at, Math.min(body.byteLength, at + GROUP_FRAME_BYTES - 1));
    const frame = new Uint8Array(1 + part.byteLength);
    frame[0] = MORE;
    frame.set(part, 1);
    frames.push(frame.buffer);
  }
  return frames;
}

/** Reassembles frames into messages; throws WireError on the first frame that breaks the format. */
export class FrameDecoder {
  private current: { header: WireMessage['header']; body: Uint8Array; filled: number } | undefined;

  /** Takes one frame; returns the message it completed, if any. */
  push(frame: Uint8Array): WireMessage | undefined {
    if (frame.byteLength === 0 || frame.byteLength > GROUP_FRAME_BYTES) throw new WireError(`a frame of ${frame.byteLength} bytes (1 to ${GROUP_FRAME_BYTES} expected)`);
    if (frame[0] === START) {
      if (this.current) throw new WireError('a new message began before the last one ended');
      if (frame.byteLength < START_PREFIX) throw new WireError('a first frame shorter than its prefix');
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      const headerBytes = view.getUint32(1);
      const bodyBytes = view.getUint32(5);
      if (headerBytes > GROUP_HEADER_BYTES_MAX || START_PREFIX + headerBytes > frame.byteLength) throw new WireError(`a header of ${headerBytes} bytes`);
      if (bodyBytes > GROUP_BODY_BYTES_MAX) throw new WireError(`a body of ${bodyBytes} bytes is over ${GROUP_BODY_BYTES_MAX}`);
      let header: unknown;
      try {
        header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(START_PREFIX, START_PREFIX + headerBytes)));
      } catch {
        throw new WireError('a header that is not JSON');
      }
      if (typeof header !== 'object' || header === null || Array.isArray(header) || typeof (header as { t?: unknown }).t !== 'string') throw new WireError('a header without a type');
      this.current = { header: header as WireMessage['header'], body: new Uint8Array(bodyBytes), filled: 0 };
      return this.fill(frame.subarray(START_PREFIX + headerBytes));
    }
    if (frame[0] === MORE) {
      if (!this.current) throw new WireError('a continuation frame outside a message');
      return this.fill(frame.subarray(1));
    }
    throw new WireError(`a frame of unknown kind ${frame[0]}`);
  }

  private fill(part: Uint8Array): WireMessage | undefined {
    const c = this.current!;
    if (c.filled + part.byteLength > c.body.byteLength) throw new WireError('more body bytes than the message announced');
    c.body.set(part, c.filled);
    c.filled += part.byteLength;
    if (c.filled < c.body.byteLength) return undefined;
    this.current = undefined;
    return c.body.byteLength > 0 ? { header: c.header, body: c.body } : { header: c.header };
  }
}

/** Counters of one channel, for the page and the bench. */
export interface WireStats {
  messagesSent: number;
  bytesSent: number;
  framesSent: number;
  messagesReceived: number;
  bytesReceived: number;
}

/**
 * A data channel that carries {@link WireMessage}s: `send` resolves once the last frame is
 * handed to the channel (after waiting out backpressure), `onMessage` gets each complete
 * message, `onClose` once when the channel closes or breaks the format (then it is closed).
 */
export class FramedChannel {
  readonly stats: WireStats = { messagesSent: 0, bytesSent: 0, framesSent: 0, messagesReceived: 0, bytesReceived: 0 };
  private readonly decoder = new FrameDecoder();
  private sending: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly drained = new Set<() => void>();
  onMessage: (msg: WireMessage) => void = () => undefined;
  onClose: (reason: string) => void = () => undefined;

  constructor(readonly channel: DataChannelLike) {
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = GROUP_BUFFERED_LOW_BYTES;
    channel.addEventListener('message', this.receive);
    channel.addEventListener('bufferedamountlow', this.wake);
    channel.addEventListener('close', this.closedByPeer);
    channel.addEventListener('error', this.closedByPeer);
  }

  get open(): boolean {
    return !this.closed && this.channel.readyState === 'open';
  }

  private readonly wake = () => {
    for (const w of [...this.drained]) w();
  };

  private readonly closedByPeer = () => this.shut('the channel closed');

  private readonly receive = (e: Event) => {
    if (this.closed) return;
    const data = (e as MessageEvent).data as unknown;
    const frame = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
    if (!frame) return this.shut('a text frame on a binary channel');
    try {
      const msg = this.decoder.push(frame);
      this.stats.bytesReceived += frame.byteLength;
      if (!msg) return;
      this.stats.messagesReceived++;
      this.onMessage(msg);
    } catch (err) {
      this.shut(err instanceof WireError ? `protocol: ${err.message}` : String(err));
    }
  };

  /** Sends one message after those already queued; rejects if the channel closes first. */
  send(msg: WireMessage): Promise<void> {
    const frames = encodeFrames(msg);
    const next = this.sending.then(async () => {
      for (const frame of frames) {
        while (!this.closed && this.channel.bufferedAmount > GROUP_BUFFERED_HIGH_BYTES) await this.lowWater();
        if (this.closed || this.channel.readyState !== 'open') throw new WireError('the channel is closed');
        this.channel.send(frame);
        this.stats.framesSent++;
        this.stats.bytesSent += frame.byteLength;
      }
      this.stats.messagesSent++;
    });
    // A failed send does not block the ones after it (they fail on their own if closed).
    this.sending = next.catch(() => undefined);
    return next;
  }

  private lowWater(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.drained.delete(done);
        resolve();
      };
      this.drained.add(done);
    });
  }

  /** Stops reading and sending without closing the channel (its owner closes it, gracefully). */
  detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.removeEventListener('message', this.receive);
    this.channel.removeEventListener('bufferedamountlow', this.wake);
    this.channel.removeEventListener('close', this.closedByPeer);
    this.channel.removeEventListener('error', this.closedByPeer);
    this.wake();
  }

  /** Closes the channel (idempotent); `onClose` is told why once. */
  shut(reason: string): void {
    if (this.closed) return;
    this.detach();
    try {
      this.channel.close();
    } catch {
      // already closed
    }
    this.onClose(reason);
  }
}
