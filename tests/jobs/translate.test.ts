/**
 * @module The translate job kind without the edge: plan, split, decode every unit with the
 * kernel's TypeScript reference, assimilate. With a model made from the synthetic lexicon
 * (tests/translation/lexicon-model.ts), held-out sentences must reach a stated BLEU, the
 * document's structure must survive, and unknown words must pass through as written.
 */
import { describe, expect, it } from 'vitest';
import { decodeReference } from '../../kernels/decode/reference.ts';
import { documentOf, lexiconModel } from '../translation/lexicon-model.ts';
import { syntheticCorpus } from '../translation/synthetic.ts';
import { TRANSLATE_SENTENCES_PER_UNIT, UNIT_INPUT_BYTES_MAX } from '../../shared/limits.ts';
import { mulberry32 } from '../../shared/random.ts';
import { corpusBleu } from '../../shared/translation/bleu.ts';
import type { TranslationModel } from '../../shared/translation/model.ts';
import { assimilateTranslate } from '../../shared/jobs/translate-result.ts';
import { TranslateParamsSchema, casedTokens, planTranslation, splitTranslation } from '../../shared/jobs/translate.ts';

const corpus = syntheticCorpus({ seed: 7, pairs: 3000 });
const model = lexiconModel(corpus);

function translate(document: string, format: 'text' | 'markdown', m: TranslationModel = model) {
  const p = TranslateParamsSchema.parse({ model: 'j_x', document, format });
  const stored = { ...p, plan: planTranslation(p, m) };
  const units = splitTranslation(stored, m);
  return { units, result: assimilateTranslate(stored, units.map((u) => decodeReference(u.input)), TRANSLATE_SENTENCES_PER_UNIT) };
}

/**
 * BLEU bound for the lexicon model on 200 held-out sentences, its LM counted on 3000 pairs
 * (measured 66.1 with the job's weights; the word-level trigram LM is what limits reordering,
 * and more pairs raise it). Monotone decoding (distortion weight 1) lands near 5.
 */
const LEXICON_BLEU_MIN = 55;

describe('translate job kind', () => {
  it(`translates held-out synthetic sentences to BLEU ≥ ${LEXICON_BLEU_MIN} with the lexicon model`, () => {
    const held = corpus.heldOut(200).pairs;
    const { result, units } = translate(documentOf(held.map((p) => p.src), 5), 'text');
    expect(units.length).toBe(Math.ceil(200 / TRANSLATE_SENTENCES_PER_UNIT));
    const hyp = result.segments.map((s) => s.tgt.join(' '));
    const bleu = corpusBleu(hyp, [held.map((p) => p.tgt)]);
    console.log(`lexicon-model BLEU on 200 held-out sentences: ${bleu.score.toFixed(2)}`);
    expect(bleu.score).toBeGreaterThanOrEqual(LEXICON_BLEU_MIN);
    // Every target word is aligned to a source token of its own segment.
    for (const s of result.segments) for (const j of s.align) expect(j).toBeLessThan(s.src.length);
  });

  it('keeps the Markdown structure, passes unknown words through as written, and capitalises sentence starts', () => {
    const [a, b] = corpus.heldOut(2).pairs;
    const heading = a!.src.replace(/ \.$/, '').replace(/^./, (c) => c.toUpperCase());
    const doc = `# ${heading}\n\n- Zyxwq ${b!.src}\n\n\`\`\`\nkeep this\n\`\`\`\n`;
    const { result } = translate(doc, 'markdown');
    const lines = result.document.split('\n');
    expect(lines[0]).toMatch(/^# \S/);
    expect(lines[2]).toMatch(/^- /);
    // The unknown word passes through as written; it started the sentence, so nothing else is capitalised.
    expect(lines[2]).toMatch(/^- /);
    expect(lines[2]!.match(/\p{Lu}\p{Ll}*/gu)).toEqual(['Zyxwq']);
    expect(result.document).toContain('```\nkeep this\n```\n');
    // The heading's words are mostly the held-out target's (the lexicon's words, in some order).
    const ref = a!.tgt.replace(/ \.$/, '').split(' ');
    const got = lines[0]!.slice(2).toLowerCase().split(' ');
    expect(got.filter((w) => ref.includes(w)).length).toBeGreaterThanOrEqual(Math.ceil(0.7 * ref.length));
    expect(lines[0]![2]).toBe(lines[0]![2]!.toUpperCase());
  });

  it('cuts a sentence longer than the kernel takes into pieces and puts their alignments back in place', () => {
    const words = corpus.heldOut(30).pairs.flatMap((p) => p.src.split(' ').filter((w) => w !== '.'));
    const long = `${words.slice(0, 150).join(' ')}.`;
    const { result, units } = translate(long, 'text');
    expect(result.segments).toHaveLength(1);
    const seg = result.segments[0]!;
    expect(seg.src).toHaveLength(151);
    // Three decoder sentences (64 + 64 + 23 tokens), in one unit; every source index in range, and the last piece's too.
    expect(units).toHaveLength(1);
    expect(units[0]!.members).toBe(3);
    expect(Math.max(...seg.align)).toBeGreaterThanOrEqual(128);
    for (const j of seg.align) expect(j).toBeLessThan(151);
  });

  it('prunes the LM entries of a unit that would pass UNIT_INPUT_BYTES_MAX, keeping the lower orders', () => {
    // The lexicon model with 60,000 made-up trigrams over the target words these sentences reach: ~1.5 MB of entries.
    const held = corpus.heldOut(16).pairs;
    const rand = mulberry32(5);
    const reached = [...new Set(held.flatMap((p) => p.src.split(' ').flatMap((w) => model.table[model.srcVocab.indexOf(w)]!.tgt)))].filter((t) => t > 1);
    const pick = () => reached[Math.floor(rand() * reached.length)]!;
    const extra = Array.from({ length: 60_000 }, () => [pick(), pick(), pick(), 1]);
    const seen = new Set<string>();
    const entries = [...model.lm.entries, ...extra].filter((e) => {
      const k = e.slice(0, -1).join(',');
      return !seen.has(k) && (seen.add(k), true);
    });
    const big: TranslationModel = { ...model, lm: { order: 3, entries } };
    const { units, result } = translate(documentOf(held.map((p) => p.src), 16), 'text', big);
    expect(units).toHaveLength(1);
    expect(units[0]!.input.byteLength).toBeLessThanOrEqual(UNIT_INPUT_BYTES_MAX);
    expect(units[0]!.input.byteLength).toBeGreaterThan(UNIT_INPUT_BYTES_MAX - 64 * 1024);
    expect(result.segments).toHaveLength(16);
  });

  it('recovers the original spelling of tokens', () => {
    expect(casedTokens('Hello, WORLD of Ünïcode.', 'en')).toEqual(['Hello', ',', 'WORLD', 'of', 'Ünïcode', '.']);
  });

  it('refuses empty, oversize and non-UTF-8 documents in the schema', () => {
    const bad = (document: string) => TranslateParamsSchema.safeParse({ model: 'j_x', document, format: 'text' }).success;
    expect(bad('  \n ')).toBe(false);
    expect(bad('x'.repeat(40 * 1024))).toBe(false);
    expect(bad('broken \uFFFD bytes')).toBe(false);
    expect(bad('lone \uD800 surrogate')).toBe(false);
    expect(bad('fine 😀 text')).toBe(true);
  });
});
