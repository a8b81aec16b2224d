/**
 * Determinism across realms for the fast_align kernel (`align@1`): the module the edge serves,
 * run in Chromium through the kernel ABI, gives byte-identical outputs (equal SHA-256) to the
 * same module in Node and to the TypeScript reference, on seeded random units (both modes,
 * NULL on and off, dense and hashed tables, λ up to 700) and on the units the edge's driver
 * (shared/translation/align-em.ts) makes of a synthetic corpus: a first E-step round, a second
 * with the trained table and a moved tension, and a Viterbi round.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { bytesToBase64, sha256Hex } from '../../shared/base64.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { ALIGN_DEFAULT_PARAMS, encodeAlignIteration, nextTension, sumAlignIteration } from '../../shared/translation/align-em.ts';
import { readCorpus } from '../../shared/translation/corpus.ts';
import { normalize, prepareCorpus, uniformTable } from '../../shared/translation/em.ts';
import { randomAlignUnit } from '../../kernels/align/random-unit.ts';
import { alignReference } from '../../kernels/align/reference.ts';
import { makeTestApp } from '../../edge/testing.ts';
import { syntheticCorpus, toTsv } from '../translation/synthetic.ts';
import { useServerAndBrowser } from './harness.ts';

const ctx = useServerAndBrowser();

/** Work units (sentence pairs) per `step` call in both realms: several calls per unit. */
const STEP_BUDGET = 7;

/** SHA-256 of each case's output, the kernel driven through its ABI (shared/kernels/abi.ts) in the page's realm. */
function chromiumHashes(page: Page, url: string, cases: Record<string, Uint8Array>): Promise<Record<string, string>> {
  return page.evaluate(
    async ({ url, cases, budget }) => {
      const module = await WebAssembly.compileStreaming(fetch(url));
      const out: Record<string, string> = {};
      for (const [name, b64] of Object.entries(cases)) {
        const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const inst = await WebAssembly.instantiate(module, { env: { abort: () => { throw new Error('abort'); } } });
        const k = inst.exports as Record<string, CallableFunction> & { memory: WebAssembly.Memory };
        const ptr = k.input_alloc!(bytes.length) as number;
        new Uint8Array(k.memory.buffer, ptr, bytes.length).set(bytes);
        if (k.init!() !== 0) throw new Error(`init refused ${name}`);
        while (k.step!(budget) === 1);
        const output = new Uint8Array(k.memory.buffer, k.output_ptr!() as number, k.output_len!() as number).slice();
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', output));
        out[name] = Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join('');
      }
      return out;
    },
    { url, cases: Object.fromEntries(Object.entries(cases).map(([k, v]) => [k, bytesToBase64(v)])), budget: STEP_BUDGET },
  );
}

/** Units of the edge's driver: two E-step rounds (the second trained, its tension stepped) and a Viterbi round. */
function driverCases(): Record<string, Uint8Array> {
  const read = readCorpus({ tsv: toTsv(syntheticCorpus({ seed: 9, pairs: 900 }).pairs) }, 'en', 'fr');
  if (read.status !== 'ok') throw new Error(read.detail);
  const prep = prepareCorpus(read.corpus, 400, true);
  if ('tooLarge' in prep) throw new Error(prep.tooLarge);
  const first = encodeAlignIteration(prep, uniformTable(prep), new Float64Array(0), ALIGN_DEFAULT_PARAMS, 'estep');
  const sum = sumAlignIteration(prep, first.map(alignReference));
  const params = { ...ALIGN_DEFAULT_PARAMS, tension: nextTension(ALIGN_DEFAULT_PARAMS.tension, sum) };
  const t = normalize(prep, sum.counts);
  const history = Float64Array.from([params.tension, sum.logLikelihood]);
  const second = encodeAlignIteration(prep, t, history, params, 'estep');
  const viterbi = encodeAlignIteration(prep, t, history, params, 'viterbi');
  return { first0: first[0]!, first2: first[2]!, second1: second[1]!, viterbi0: viterbi[0]!, viterbi2: viterbi[2]! };
}

/** Seeded random units over both modes, NULL on and off, dense and hashed tables. */
function randomCases(): Record<string, Uint8Array> {
  const cases: Record<string, Uint8Array> = {};
  for (const mode of ['estep', 'viterbi'] as const) {
    for (const withNull of [true, false]) {
      for (const hashed of [false, true]) cases[`${mode}-${withNull ? 'null' : 'nonull'}-${hashed ? 'hashed' : 'dense'}`] = randomAlignUnit(hashed ? 71 : 72, { mode, withNull, hashed, carry: 2 });
    }
  }
  return cases;
}

describe('align kernel determinism, Node vs Chromium', () => {
  it('gives the same output hashes in both realms and as the reference', async () => {
    const { kernels } = await makeTestApp();
    const entry = kernels.entries.get('align@1')!;
    expect(entry, 'align@1 is in the manifest (npm run build:kernels)').toBeDefined();
    const cases = { ...driverCases(), ...randomCases() };
    const node: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(cases)) {
      const output = await runKernel(entry.module, bytes, { budget: STEP_BUDGET });
      node[name] = await sha256Hex(output);
      expect(await sha256Hex(alignReference(bytes)), name).toBe(node[name]);
    }
    const page = await ctx.browser.newPage();
    await page.goto(`${ctx.server.url}/`);
    expect(await chromiumHashes(page, entry.url, cases)).toEqual(node);
    expect(new Set(Object.values(node)).size).toBe(Object.keys(cases).length);
  });
});
