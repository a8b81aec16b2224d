/**
 * Determinism across realms: the kernel module the edge serves, run in Chromium, gives
 * byte-identical outputs (equal SHA-256) to the same module run in Node (Lorenz-96, and the
 * translation decoder on random units and on units the translate job's splitter made, and the
 * IBM Model 1 E-step on units the training job's splitter and its next iteration made).
 */
import { describe, expect, it } from 'vitest';
import { bytesToBase64, sha256Hex } from '../../shared/base64.ts';
import { encodeDecodeInput } from '../../shared/kernels/decode.codec.ts';
import { encodeL96Input } from '../../shared/kernels/lorenz96.codec.ts';
import { TranslateParamsSchema, planTranslation, splitTranslation } from '../../shared/jobs/translate.ts';
import { randomDecodeUnit } from '../../kernels/decode/random-unit.ts';
import { documentOf, lexiconModel } from '../translation/lexicon-model.ts';
import { syntheticCorpus, toTsv } from '../translation/synthetic.ts';
import { Ibm1ParamsSchema, nextIbm1, splitIbm1 } from '../../shared/jobs/ibm1.ts';
import { ibm1Reference } from '../../kernels/ibm1/reference.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { makeTestApp } from '../../edge/testing.ts';
import { useServerAndBrowser } from './harness.ts';
import type { Page } from 'playwright-core';

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

/** SHA-256 of each case's output, the kernel driven through its ABI (shared/kernels/abi.ts) in the page's realm. */
function chromiumHashes(page: Page, url: string, cases: Record<string, Uint8Array>): Promise<Record<string, string>> {
  return page.evaluate(
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
    { url, cases: Object.fromEntries(Object.entries(cases).map(([k, v]) => [k, bytesToBase64(v)])) },
  );
}

/** Decoding units: random ones, and the translate splitter's units of a synthetic document. */
function decodeCases(): Record<string, Uint8Array> {
  const corpus = syntheticCorpus({ seed: 5, pairs: 1500 });
  const model = lexiconModel(corpus);
  const p = TranslateParamsSchema.parse({ model: 'j_x', document: documentOf(corpus.heldOut(40).pairs.map((x) => x.src), 8), format: 'text' });
  const units = splitTranslation({ ...p, plan: planTranslation(p, model) }, model);
  return {
    random: encodeDecodeInput(randomDecodeUnit(1, 10, 40, 60, 8, 4)),
    wide: encodeDecodeInput(randomDecodeUnit(3, 4, 30, 50, 64, 6, 64)),
    job0: units[0]!.input,
    job1: units[1]!.input,
  };
}

describe('kernel determinism, Node vs Chromium', () => {
  it('hashes identically in both realms', async () => {
    const { kernels } = await makeTestApp();
    const entry = kernels.entries.get('lorenz96@1')!;
    const node: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(CASES)) node[name] = await sha256Hex(await runKernel(entry.module, bytes));
    const page = await ctx.browser.newPage();
    await page.goto(`${ctx.server.url}/`);
    expect(await chromiumHashes(page, entry.url, CASES)).toEqual(node);
    expect(new Set(Object.values(node)).size).toBe(4);
  });

  it('decodes translation units hash-identically in both realms', async () => {
    const { kernels } = await makeTestApp();
    const entry = kernels.entries.get('decode@1')!;
    const cases = decodeCases();
    const node: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(cases)) node[name] = await sha256Hex(await runKernel(entry.module, bytes, { budget: 3 }));
    const page = await ctx.browser.newPage();
    await page.goto(`${ctx.server.url}/`);
    expect(await chromiumHashes(page, entry.url, cases)).toEqual(node);
    expect(new Set(Object.values(node)).size).toBe(4);
  });

  it('runs IBM Model 1 E-step units hash-identically in both realms', async () => {
    const { kernels } = await makeTestApp();
    const entry = kernels.entries.get('ibm1@1')!;
    const corpus = syntheticCorpus({ seed: 9, pairs: 1200 });
    const p = Ibm1ParamsSchema.parse({ srcLang: 'en', tgtLang: 'fr', corpus: { tsv: toTsv(corpus.pairs) }, shardPairs: 500, minGain: 0 });
    const first = splitIbm1(p).map((u) => u.input);
    // The second iteration's units carry a trained (non-uniform) table and a likelihood history.
    const second = nextIbm1(p, first.map((u) => ibm1Reference(u)), 0)!.map((u) => u.input);
    const hashed = second[1]!.slice();
    new DataView(hashed.buffer).setUint32(12, 60_000, true);
    new DataView(hashed.buffer).setUint32(16, 60_000, true);
    const cases = { first0: first[0]!, first2: first[2]!, second0: second[0]!, second1: second[1]!, hashed };
    const node: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(cases)) node[name] = await sha256Hex(await runKernel(entry.module, bytes, { budget: 7 }));
    const page = await ctx.browser.newPage();
    await page.goto(`${ctx.server.url}/`);
    expect(await chromiumHashes(page, entry.url, cases)).toEqual(node);
    // The hashed table (a sparse vocabulary space) gives the dense table's bytes.
    expect(node.hashed).toBe(node.second1);
    expect(new Set(Object.values(node)).size).toBe(4);
  });
});
