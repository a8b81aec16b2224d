/**
 * @module A kernel's speed where volunteers run it: in Debian's Chromium (headless, its own
 * V8, newer than Node's), timed from `init` to the last `step` on instances made and filled
 * before the clock starts, as `kernelOnlyNs` (bench/native.ts) does in Node. A timed sample of
 * short runs holds {@link RUNS_PER_SAMPLE} instances back to back, so Chromium's coarse
 * `performance.now()` (100 µs outside cross-origin isolation) stays under 1 % of it; the
 * output comes back too, so the bench checks it against the reference.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KERNELS_DIST } from '../kernels/build.ts';
import { base64ToBytes, bytesToBase64 } from '../shared/base64.ts';
import { CHROMIUM_PATH, launchChromium } from '../tests/e2e/harness.ts';
import type { Measured } from './native.ts';

/** Instances run back to back in one timed sample (for runs of a few milliseconds). */
const RUNS_PER_SAMPLE = 10;
/** Untimed runs first, so the hot functions are tiered up to optimised code. */
const WARMUP_RUNS = 5;

export interface ChromiumRunOptions {
  /** Timed samples; the best is kept. */
  samples: number;
  /** @default RUNS_PER_SAMPLE (1 for runs of a second) */
  perSample?: number;
  /** @default WARMUP_RUNS */
  warmup?: number;
}

/**
 * The best per-run time of `kernel` (its build in kernels/dist) on `input` over
 * `samples` samples in Chromium; undefined (with the reason printed) when there is no Chromium.
 */
export async function chromiumKernelOnly(kernel: string, version: number, input: Uint8Array, options: ChromiumRunOptions): Promise<Measured | undefined> {
  if (!existsSync(CHROMIUM_PATH)) {
    console.log(`  Chromium: skipped, ${CHROMIUM_PATH} is missing (tests/ensure-chromium.sh installs it)`);
    return undefined;
  }
  const wasm = readFileSync(join(KERNELS_DIST, `${kernel}-${version}.wasm`));
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext()).newPage();
    // tsx compiles with esbuild's keepNames, which wraps functions in a `__name` helper the page lacks.
    await page.evaluate('globalThis.__name = (f) => f');
    const answer = await page.evaluate(
      async ({ wasm, input, samples, perSample, warmup }) => {
        const decode = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const module = await WebAssembly.compile(decode(wasm));
        const bytes = decode(input);
        type K = Record<string, CallableFunction> & { memory: WebAssembly.Memory };
        const fresh = async (): Promise<K> => {
          const k = (await WebAssembly.instantiate(module, { env: { abort: () => { throw new Error('abort'); } } })).exports as K;
          const ptr = k.input_alloc!(bytes.length) as number;
          new Uint8Array(k.memory.buffer, ptr, bytes.length).set(bytes);
          return k;
        };
        const run = (k: K) => {
          if (k.init!() !== 0) throw new Error('init refused the bench unit');
          while (k.step!(Number.MAX_SAFE_INTEGER) === 1);
        };
        for (let i = 0; i < warmup; i++) run(await fresh());
        let bestMs = Infinity;
        let last: K | undefined;
        for (let s = 0; s < samples; s++) {
          const ks: K[] = [];
          for (let i = 0; i < perSample; i++) ks.push(await fresh());
          const t0 = performance.now();
          for (const k of ks) run(k);
          bestMs = Math.min(bestMs, (performance.now() - t0) / perSample);
          last = ks[ks.length - 1];
        }
        const out = new Uint8Array(last!.memory.buffer, last!.output_ptr!() as number, last!.output_len!() as number);
        let bin = '';
        for (let i = 0; i < out.length; i += 0x8000) bin += String.fromCharCode(...out.subarray(i, i + 0x8000));
        return { bestMs, output: btoa(bin), version: navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium' };
      },
      { wasm: bytesToBase64(wasm), input: bytesToBase64(input), samples: options.samples, perSample: options.perSample ?? RUNS_PER_SAMPLE, warmup: options.warmup ?? WARMUP_RUNS },
    );
    return { name: `AS in ${answer.version}`, bestNs: answer.bestMs * 1e6, output: base64ToBytes(answer.output) };
  } finally {
    await browser.close();
  }
}
