import { describe, expect, it } from 'vitest';
import { decodeL96Input, decodeL96Output, encodeL96Input, l96InputBytes, l96OutputBytes } from './lorenz96.codec.ts';

describe('Lorenz-96 codec', () => {
  it('round-trips an input exactly, including awkward doubles', () => {
    const x0 = new Float64Array([0.1, -0, 5e-324, 1.7976931348623157e308, Math.PI, -2.5, 8, 1e-8]);
    const u = { n: 4, m: 2, steps: 30, snapEvery: 10, dt: 0.01, forcing: 8, x0 };
    const bytes = encodeL96Input(u);
    expect(bytes.byteLength).toBe(l96InputBytes(4, 2));
    const back = decodeL96Input(bytes);
    expect(back).toEqual({ ...u, x0: back.x0 });
    expect(Object.is(back.x0[1], -0)).toBe(true);
    expect(Array.from(back.x0)).toEqual(Array.from(x0));
  });

  it('refuses inputs of the wrong layout or size', () => {
    const bytes = encodeL96Input({ n: 4, m: 1, steps: 1, snapEvery: 1, dt: 0.1, forcing: 1, x0: new Float64Array(4) });
    expect(() => decodeL96Input(bytes.subarray(0, bytes.length - 1))).toThrow(/wrong size/);
    const other = bytes.slice();
    other[0] = 2;
    expect(() => decodeL96Input(other)).toThrow(/layout/);
    expect(() => encodeL96Input({ n: 4, m: 2, steps: 1, snapEvery: 1, dt: 0.1, forcing: 1, x0: new Float64Array(4) })).toThrow(RangeError);
  });

  it('splits outputs into snapshots and diagnostics', () => {
    const n = 5, m = 2, steps = 6, snapEvery = 3;
    const values = new Float64Array(l96OutputBytes(n, m, steps, snapEvery) / 8).map((_, i) => i);
    const out = decodeL96Output(new Uint8Array(values.buffer), n, m, steps, snapEvery);
    expect(out.snapshots.length).toBe(m * 2 * n);
    expect(Array.from(out.diagnostics)).toEqual([20, 21, 22, 23, 24, 25]);
    expect(() => decodeL96Output(new Uint8Array(8), n, m, steps, snapEvery)).toThrow(/wrong size/);
  });
});
