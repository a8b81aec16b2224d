/**
 * Determinism across realms: the kernel module the edge serves, run in Chromium, gives
 * byte-identical outputs (equal SHA-256) to the same module run in Node.
 */
import { describe, expect, it } from 'vitest';
import { bytesToBase64, sha256Hex } from '../../shared/base64.ts';
import { encodeL96Input } from '../../shared/kernels/lorenz96.codec.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { makeTestApp } from '../../edge/testing.ts';
import { useServerAndBrowser } from './harness.ts';

const ctx = useServerAndBrowser();

function input(n: number, m: number, steps: number, snapEvery: number, dt: number, forcing: number, seed: number): Uint8Array {
  const x0 = new Float64Array(n * m).map((_, i) => forcing + Math.sin(seed * 1000 + i) * 1e-3);
  return encodeL96Input({ n, m, steps, snapEvery, dt, forcing, x0 });
}

const CASES = {
  classic: input(40, 3, 2000, 500, 0.01, 8, 1),
  tiny: input(4, 2, 333, 111, 0.05, 3.5, 2),
  odd: input(37, 1, 1000, 1000, 0.005, 12, 3),
  overflow: input(8, 2, 200, 50, 0.1, 1e300, 4),
};

describe('kernel determinism, Node vs Chromium', () => {
  it('hashes identically in both realms', async () => {
    const { kernels } = await makeTestApp();
    const entry = kernels.entries.get('lorenz96@1')!;
    const node: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(CASES)) node[name] = await sha256Hex(await runKernel(entry.module, bytes));

    const page = await ctx.browser.newPage();
    await page.goto(`${ctx.server.url}/`);
    // Drives the kernel ABI (shared/kernels/abi.ts) directly in the page's realm.
    const chromium = await page.evaluate(
      async ({ url, cases }) => {
        const module = await WebAssembly.compileStreaming(fetch(url));
        const out: Record<string, string> = {};
        for (const [name, b64] of Object.entries(cases)) {
          const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
          const inst = await WebAssembly.instantiate(module, { env: { abort: () => { throw new Error('abort'); } } });
          const k = inst.exports as Record<string, CallableFunction> & { memory: WebAssembly.Memory };
          const ptr = k.input_alloc!(bytes.length) as number;
          new Uint8Array(k.memory.buffer, ptr, bytes.length).set(bytes);
          if (k.init!() !== 0) throw new Error(`init refused ${name}`);
          while (k.step!(5000) === 1);
          const output = new Uint8Array(k.memory.buffer, k.output_ptr!() as number, k.output_len!() as number).slice();
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', output));
          out[name] = Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join('');
        }
        return out;
      },
      { url: entry.url, cases: Object.fromEntries(Object.entries(CASES).map(([k, v]) => [k, bytesToBase64(v)])) },
    );
    expect(chromium).toEqual(node);
    expect(new Set(Object.values(node)).size).toBe(4);
  });
});
