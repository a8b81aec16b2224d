/**
 * @module Decoding bench (issue 8, part B): sentences per second of the translation decoder
 * in Node — AssemblyScript through the worker runtime (a fresh instance per run, init
 * included, as a volunteer runs a unit), the plain TypeScript reference and the C build of
 * the same algorithm (parsing and the LM table included in its timed runs) — on the first unit
 * the translate job's splitter makes for a synthetic document (16 sentences, beam 32, window
 * 5), best of several alternating rounds; the three outputs must be byte-identical, or the
 * bench fails. Run from bench/translation.ts (`npm run bench -- translation`), or alone:
 *
 *   npx tsx bench/translation-decode.ts
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { TranslateParamsSchema, planTranslation, splitTranslation } from '../shared/jobs/translate.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { KERNELS_DIST, buildKernels } from '../kernels/build.ts';
import { loadKernelModule } from '../kernels/manifest.ts';
import { decodeReference } from '../kernels/decode/reference.ts';
import { documentOf, lexiconModel } from '../tests/translation/lexicon-model.ts';
import { syntheticCorpus } from '../tests/translation/synthetic.ts';
import { bestOf, kernelOnlyNs, measureC, reportChromium, reportRatios, type Measured } from './native.ts';
import { chromiumKernelOnly } from './chromium-kernel.ts';

const RUNS = 5;
const ROUNDS = 4;

const better = (a: Measured | undefined, b: Measured) => (a && a.bestNs <= b.bestNs ? a : b);

/** Prints the decoder's sentences/s for AS, TS and C side by side, and their ratios. */
export async function decodeSpeed(): Promise<void> {
  const module = await loadKernelModule(KERNELS_DIST, 'decode', 1);
  const corpus = syntheticCorpus({ seed: 8, pairs: 5000 });
  const model = lexiconModel(corpus);
  const p = TranslateParamsSchema.parse({ model: 'bench', document: documentOf(corpus.heldOut(64).pairs.map((x) => x.src), 8), format: 'text' });
  const [unit] = splitTranslation({ ...p, plan: planTranslation(p, model) }, model);
  const input = unit!.input;
  const sentences = unit!.members;
  let as: Measured | undefined;
  let ts: Measured | undefined;
  let c: Measured | undefined;
  // Alternating rounds, so a slow moment of the machine does not land on one build only.
  for (let r = 0; r < ROUNDS; r++) {
    as = better(as, await bestOf('AssemblyScript (Node)', RUNS, () => runKernel(module, input, { budget: 1e9 })));
    ts = better(ts, await bestOf('TypeScript reference', RUNS, () => decodeReference(input)));
    const cr = measureC('decode', input, RUNS);
    if (cr) c = better(c, cr);
  }
  const rows = [as!, ts!, ...(c ? [c] : [])];
  console.log(`\ndecoding: one unit of ${sentences} sentences (${input.byteLength} input bytes), beam 32, best of ${ROUNDS}×${RUNS}`);
  for (const m of rows) console.log(`  ${m.name.padEnd(24)} ${(sentences / (m.bestNs / 1e9)).toFixed(0).padStart(8)} sentences/s   ${(m.bestNs / 1e6).toFixed(2).padStart(8)} ms/unit`);
  reportRatios(rows, as!, ts!, c);
  const kernelNs = await kernelOnlyNs(module, input, ROUNDS * RUNS);
  console.log(`AS kernel only (init + steps; instance made and input copied untimed): ${(kernelNs / 1e6).toFixed(2)} ms${c ? `, AS / C ${(c.bestNs / kernelNs).toFixed(2)}` : ''}`);
  reportChromium(await chromiumKernelOnly('decode', 1, input, { samples: ROUNDS * RUNS }), ts!, c);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await buildKernels({ log: () => {} });
  await decodeSpeed();
}
