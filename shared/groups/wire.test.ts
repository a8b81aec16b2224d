/**
 * The data channel framing: every message survives the trip whatever its size, no frame is
 * over 64 KiB, a malformed stream is refused, and sending waits out backpressure (a real
 * WebRTC channel: tests/groups/node-channel.test.ts and the Chromium group suites).
 */
import { describe, expect, it } from 'vitest';
import { UNIT_INPUT_BYTES_MAX, UNIT_OUTPUT_BYTES_MAX } from '../limits.ts';
import { encodeFrames, FrameDecoder, FramedChannel, GROUP_BUFFERED_HIGH_BYTES, GROUP_FRAME_BYTES, WireError, type DataChannelLike, type WireMessage } from './wire.ts';

const bytes = (n: number, seed = 7) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};
/** Byte equality (vitest's deep equality walks a 4 MiB array element by element, for seconds). */
const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function roundTrip(msg: WireMessage): WireMessage[] {
  const d = new FrameDecoder();
  const out: WireMessage[] = [];
  for (const f of encodeFrames(msg)) {
    expect(f.byteLength).toBeLessThanOrEqual(GROUP_FRAME_BYTES);
    const m = d.push(new Uint8Array(f));
    if (m) out.push(m);
  }
  return out;
}

describe('framing', () => {
  it.each([0, 1, GROUP_FRAME_BYTES - 40, GROUP_FRAME_BYTES, 3 * GROUP_FRAME_BYTES + 5, UNIT_INPUT_BYTES_MAX, UNIT_OUTPUT_BYTES_MAX])('carries a body of %i bytes in frames of at most 64 KiB', (n) => {
    const body = bytes(n);
    const [m, ...rest] = roundTrip({ header: { t: 'unit', leaseId: 3 }, body });
    expect(rest).toEqual([]);
    expect(m!.header).toEqual({ t: 'unit', leaseId: 3 });
    expect(same(m!.body ?? new Uint8Array(0), body)).toBe(true);
  });

  it('delivers messages one after another from one stream', () => {
    const d = new FrameDecoder();
    const got = [...encodeFrames({ header: { t: 'a' }, body: bytes(100_000) }), ...encodeFrames({ header: { t: 'b' } })].map((f) => d.push(new Uint8Array(f))).filter(Boolean);
    expect(got.map((m) => m!.header.t)).toEqual(['a', 'b']);
  });

  it('refuses bodies and headers over their bounds when sending', () => {
    expect(() => encodeFrames({ header: { t: 'x' }, body: new Uint8Array(UNIT_OUTPUT_BYTES_MAX + 1) })).toThrow(WireError);
    expect(() => encodeFrames({ header: { t: 'x', pad: 'y'.repeat(5000) } })).toThrow(WireError);
  });

  it.each([
    ['an empty frame', [new Uint8Array(0)]],
    ['an unknown kind', [Uint8Array.of(9, 1, 2)]],
    ['a continuation outside a message', [Uint8Array.of(2, 1, 2)]],
    ['a header that is not JSON', [Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0, 0, 0x7b, 0x7b)]],
    ['a header without a type', [Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0, 0, 0x7b, 0x7d)]],
    ['a body announced over the bound', [Uint8Array.of(1, 0, 0, 0, 8, 0x7f, 0, 0, 0, ...new TextEncoder().encode('{"t":"x"}').subarray(0, 8))]],
    ['more body than announced', [new Uint8Array(encodeFrames({ header: { t: 'x' }, body: bytes(70_000) })[0]!), new Uint8Array(70_000 - 60_000)]],
    ['a new message inside one', [new Uint8Array(encodeFrames({ header: { t: 'x' }, body: bytes(70_000) })[0]!), new Uint8Array(encodeFrames({ header: { t: 'y' } })[0]!)]],
  ])('refuses %s', (_name, frames) => {
    const d = new FrameDecoder();
    expect(() => {
      for (const f of frames) d.push(f);
    }).toThrow(WireError);
  });
});

/** A data channel that only buffers: its buffer drains when the test says so. */
function fakeChannel() {
  const listeners = new Map<string, Set<(e: Event) => void>>();
  const sent: ArrayBuffer[] = [];
  const ch: DataChannelLike & { sent: ArrayBuffer[]; buffered: number; drain(): void; closed: boolean } = {
    readyState: 'open',
    bufferedAmountLowThreshold: 0,
    binaryType: 'blob',
    sent,
    buffered: 0,
    closed: false,
    get bufferedAmount() {
      return this.buffered;
    },
    send(data) {
      sent.push(data);
      this.buffered += data.byteLength;
    },
    close() {
      this.closed = true;
    },
    addEventListener: (t, l) => void (listeners.get(t) ?? listeners.set(t, new Set()).get(t)!).add(l),
    removeEventListener: (t, l) => void listeners.get(t)?.delete(l),
    drain() {
      this.buffered = 0;
      for (const l of listeners.get('bufferedamountlow') ?? []) l(new Event('bufferedamountlow'));
    },
  };
  return ch;
}

describe('FramedChannel', () => {
  it('stops sending above the high-water mark and resumes on bufferedamountlow', async () => {
    const ch = fakeChannel();
    const wire = new FramedChannel(ch);
    const body = bytes(4 * GROUP_BUFFERED_HIGH_BYTES);
    let done = false;
    const sending = wire.send({ header: { t: 'result' }, body }).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    // Sent up to just past the mark, then waits.
    const first = ch.sent.length;
    expect(ch.buffered).toBeGreaterThan(GROUP_BUFFERED_HIGH_BYTES);
    expect(ch.buffered).toBeLessThanOrEqual(GROUP_BUFFERED_HIGH_BYTES + GROUP_FRAME_BYTES);
    expect(done).toBe(false);
    while (!done) {
      ch.drain();
      await new Promise((r) => setImmediate(r));
    }
    await sending;
    expect(ch.sent.length).toBeGreaterThan(first);
    const d = new FrameDecoder();
    const got = ch.sent.map((f) => d.push(new Uint8Array(f))).filter(Boolean);
    expect(same(got[0]!.body, body)).toBe(true);
  });

  it('closes the channel on a malformed frame and says why', () => {
    const ch = fakeChannel();
    const wire = new FramedChannel(ch);
    let reason = '';
    wire.onClose = (r) => (reason = r);
    // Deliver a frame the way a channel does.
    const msg = new MessageEvent('message', { data: Uint8Array.of(2, 0).buffer });
    (wire as unknown as { receive: (e: Event) => void }).receive(msg);
    expect(ch.closed).toBe(true);
    expect(reason).toMatch(/protocol/);
  });
});
