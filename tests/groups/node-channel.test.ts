/**
 * The group framing over a real WebRTC data channel (Node, node-datachannel, loopback): a
 * 1 MiB input and a 4 MiB output arrive whole, cut in frames of at most 64 KiB.
 */
import { describe, expect, it } from 'vitest';
import { nodePeerConnections } from '../../edge/node-worker/rtc.ts';
import { channelOpened, completeDescription } from '../../shared/groups/rtc.ts';
import { FramedChannel, GROUP_FRAME_BYTES, type WireMessage } from '../../shared/groups/wire.ts';
import { UNIT_INPUT_BYTES_MAX, UNIT_OUTPUT_BYTES_MAX } from '../../shared/limits.ts';

const bytes = (n: number, seed: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};
/** Byte equality (vitest's deep equality walks a 4 MiB array element by element, for seconds). */
const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('a real data channel (node-datachannel, loopback)', () => {
  it('carries a 1 MiB input and a 4 MiB output in 64 KiB frames', async () => {
    const make = nodePeerConnections('127.0.0.1');
    const a = make({});
    const b = make({});
    try {
      const ca = a.createDataChannel('t', { ordered: true });
      const cb = new Promise<RTCDataChannel>((r) => b.addEventListener('datachannel', (e) => r((e as RTCDataChannelEvent).channel)));
      await b.setRemoteDescription({ type: 'offer', sdp: await completeDescription(a, 'offer') });
      await a.setRemoteDescription({ type: 'answer', sdp: await completeDescription(b, 'answer') });
      const until = Date.now() + 10_000;
      expect(await channelOpened(ca, until)).toBe(true);
      const chB = await cb;
      expect(await channelOpened(chB, until)).toBe(true);
      const wa = new FramedChannel(ca);
      const wb = new FramedChannel(chB);
      const input = bytes(UNIT_INPUT_BYTES_MAX, 1);
      const output = bytes(UNIT_OUTPUT_BYTES_MAX, 2);
      const atB = new Promise<WireMessage>((r) => (wb.onMessage = r));
      await wa.send({ header: { t: 'unit' }, body: input });
      expect(same((await atB).body, input)).toBe(true);
      const atA = new Promise<WireMessage>((r) => (wa.onMessage = r));
      await wb.send({ header: { t: 'result' }, body: output });
      expect(same((await atA).body, output)).toBe(true);
      expect(wb.stats.framesSent).toBeGreaterThanOrEqual(Math.ceil(UNIT_OUTPUT_BYTES_MAX / GROUP_FRAME_BYTES));
    } finally {
      a.close();
      b.close();
    }
  }, 30_000);
});
