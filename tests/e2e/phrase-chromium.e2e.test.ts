/**
 * Determinism across realms for the phrase-based decoder (`phrase@1`): the module the edge
 * serves, run in Chromium through the kernel ABI, gives byte-identical outputs (equal SHA-256)
 * to the same module in Node and to the TypeScript reference, on seeded random units over both
 * LM paths (closed Kneser–Ney-like LMs and LMs with missing prefixes), LM orders 1 to 5, beams
 * 1 to 100, monotone to distortion limit 16, 64-word sentences and n-best lists of 32.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { bytesToBase64, sha256Hex } from '../../shared/base64.ts';
import { encodePhraseInput } from '../../shared/kernels/phrase.codec.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { randomPhraseUnit } from '../../kernels/phrase/random-unit.ts';
import { phraseReference } from '../../kernels/phrase/reference.ts';
import { makeTestApp } from '../../edge/testing.ts';
import { useServerAndBrowser } from './harness.ts';

const ctx = useServerAndBrowser();

/** Work units (stacks) per `step` call in both realms: several calls per sentence. */
const STEP_BUDGET = 3;

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

/** Seeded random units over the kernel's settings. */
function cases(): Record<string, Uint8Array> {
  const unit = (seed: number, s: Parameters<typeof randomPhraseUnit>[1]) => encodePhraseInput(randomPhraseUnit(seed, s));
  return {
    closed4: unit(31, { sentences: 4, minLen: 20, maxLen: 40, tgt: 400, features: 4, lmOrder: 4, beam: 100, distortionLimit: 6, nbest: 32, translations: 10, closedLm: true }),
    open3: unit(32, { sentences: 5, maxLen: 16, tgt: 60, features: 4, lmOrder: 3, beam: 16, distortionLimit: 4, nbest: 8 }),
    monotone1: unit(33, { sentences: 3, maxLen: 12, tgt: 30, features: 1, lmOrder: 1, beam: 1, distortionLimit: 0, nbest: 1 }),
    long5: unit(34, { sentences: 2, minLen: 60, maxLen: 64, tgt: 120, features: 8, lmOrder: 5, beam: 24, distortionLimit: 16, nbest: 5, closedLm: true }),
  };
}

describe('phrase kernel determinism, Node vs Chromium', () => {
  it('gives the same output hashes in both realms and as the reference', async () => {
    const { kernels } = await makeTestApp();
    const entry = kernels.entries.get('phrase@1')!;
    expect(entry).toBeDefined();
    const inputs = cases();
    const node: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(inputs)) {
      const output = await runKernel(entry.module, bytes, { budget: STEP_BUDGET });
      expect(output, name).toEqual(phraseReference(bytes));
      node[name] = await sha256Hex(output);
    }
    const page = await ctx.browser.newPage();
    await page.goto(`${ctx.server.url}/`);
    expect(await chromiumHashes(page, entry.url, inputs)).toEqual(node);
    expect(new Set(Object.values(node)).size).toBe(Object.keys(inputs).length);
  });
});
