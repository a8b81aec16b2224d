/**
 * @module Tests of the phrase-based training form's model: help and defaults state the
 * schema's bounds, every invalid input is reported at once under its own name and in the
 * form's order, the corpus reader's own wording reaches the corpus inputs, and the pairs held
 * out for tuning without a development set.
 */
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../../shared/translation/corpus.ts';
import { corpusTextOf, emptyCorpusInput, type CorpusInputState } from './corpus-source.ts';
import { checkPhraseValues, phraseDefaultValues, readWhenLanguagesOk, settingHelp, type PhraseFormValues } from './phrase-fields.ts';

const tsvInput = (tsv: string): CorpusInputState => ({ ...emptyCorpusInput('tsv'), tsv });
const pairsTsv = (n: number) => Array.from({ length: n }, (_, k) => `haus ${k}\thouse ${k}`).join('\n');

/** Checks as the form does: the reads made from the inputs with the form's languages. */
function check(values: PhraseFormValues, corpus: CorpusInputState, dev: CorpusInputState = emptyCorpusInput('none')) {
  const read = (s: CorpusInputState) => readWhenLanguagesOk(s.source === 'none' ? undefined : corpusTextOf(s), values.srcLang, values.tgtLang);
  return checkPhraseValues({ values, corpus, dev, corpusRead: read(corpus), devRead: read(dev) });
}

describe('phrase-based training form model', () => {
  it('starts from the schema defaults and states each bound in the help', () => {
    // shared/jobs/phrase-train.ts: alignIterations 1–20 (5), tuningRounds 0–10 (5), maxPhraseLength 1–7 (5), lmOrder 2–5 (4), devPairs 1–3000 (500).
    expect(phraseDefaultValues().settings).toEqual({ alignIterations: '5', tuningRounds: '5', maxPhraseLength: '5', lmOrder: '4', devPairs: '500' });
    expect(settingHelp('alignIterations', 'EM.')).toBe('EM. 1–20, default 5.');
    expect(settingHelp('tuningRounds', 'MERT.')).toBe('MERT. 0–10, default 5.');
    expect(settingHelp('maxPhraseLength', 'P.')).toBe('P. 1–7, default 5.');
    expect(settingHelp('lmOrder', 'LM.')).toBe('LM. 2–5, default 4.');
    expect(settingHelp('devPairs', 'D.')).toBe('D. 1–3000, default 500.');
  });

  it('reports every invalid input at once, under its name, in the order the form shows them', () => {
    const values: PhraseFormValues = {
      srcLang: 'qq',
      tgtLang: '',
      settings: { alignIterations: '0', tuningRounds: '11', maxPhraseLength: '2.5', lmOrder: 'x', devPairs: '0' },
    };
    const result = check(values, emptyCorpusInput('tsv'), emptyCorpusInput('tsv'));
    expect(result.status).toBe('invalid');
    if (result.status !== 'invalid') return;
    // devPairs is not sent with a dev set, so its 0 is no error.
    expect(Object.keys(result.errors)).toEqual(['srcLang', 'tgtLang', 'corpus', 'dev', 'alignIterations', 'tuningRounds', 'maxPhraseLength', 'lmOrder']);
    expect(result.errors).toMatchObject({
      srcLang: expect.stringMatching(/^'qq' is not a language tag/),
      tgtLang: 'Required: a BCP 47 language tag such as en, de or ja.',
      corpus: 'Paste or upload the corpus.',
      dev: 'Paste or upload the development set, or choose none.',
      alignIterations: 'Must be at least 1.',
      tuningRounds: 'Must be at most 10.',
      maxPhraseLength: 'Must be a whole number.',
      lmOrder: 'Must be a number.',
    });
  });

  it('puts the corpus reader’s refusals on the corpus and the dev set, and a file error before them', () => {
    const values = phraseDefaultValues();
    const noTab = check(values, tsvInput('das Haus\tthe house\ndas Buch the book\n'));
    expect(noTab.status === 'invalid' && noTab.errors.corpus).toMatch(/^Line 2 of the TSV/);
    const twoFiles: CorpusInputState = { source: 'two', tsv: '', files: { source: { name: 's', text: 'a\nb\nc\n' }, target: { name: 't', text: 'x\ny\n' } } };
    const mismatch = check(values, tsvInput(pairsTsv(4)), twoFiles);
    expect(mismatch.status === 'invalid' && mismatch.errors).toEqual({ dev: expect.stringMatching(/3 lines and the target text 2/) });
    const half = check(values, { source: 'two', tsv: '', files: { source: { name: 's', text: 'a\n' } } });
    expect(half.status === 'invalid' && half.errors.corpus).toBe('Upload both the source and the target text.');
    const badFile = check(values, { ...tsvInput('das Haus\tthe house\n'), fileError: 'x.tsv is not UTF-8 text; save it as UTF-8 and upload it again.' });
    expect(badFile.status === 'invalid' && badFile.errors.corpus).toMatch(/^x\.tsv is not UTF-8/);
  });

  it('holds out the last devPairs pairs, at most half the corpus, when no dev set is given', () => {
    const values = phraseDefaultValues();
    // 5 pairs, devPairs 500: floor(5 / 2) = 2 held out.
    expect(check(values, tsvInput(pairsTsv(5)))).toMatchObject({ status: 'ok', heldOut: 2, params: { devPairs: 500, alignIterations: 5, lmOrder: 4 } });
    // devPairs 1: 1 held out of 5.
    const one = { ...values, settings: { ...values.settings, devPairs: '1' } };
    expect(check(one, tsvInput(pairsTsv(5)))).toMatchObject({ status: 'ok', heldOut: 1 });
    // One pair: nothing can be held out (floor(1 / 2) = 0).
    const single = check(values, tsvInput(pairsTsv(1)));
    expect(single.status === 'invalid' && single.errors).toEqual({ corpus: 'The corpus needs at least 2 sentence pairs to hold one out for tuning, or give a development set.' });
    // …but one pair trains with a dev set of its own.
    const withDev = check(values, tsvInput(pairsTsv(1)), tsvInput(pairsTsv(2)));
    expect(withDev).toMatchObject({ status: 'ok', heldOut: undefined });
    expect(withDev.status === 'ok' && withDev.request).not.toHaveProperty('devPairs');
    expect(withDev.status === 'ok' && withDev.params.dev).toEqual({ tsv: pairsTsv(2) });
  });

  it('refuses a development set of more than 3000 pairs (PHRASE_DEV_PAIRS_MAX)', () => {
    const values = phraseDefaultValues();
    expect(readCorpus({ tsv: pairsTsv(3001) }, 'de', 'en')).toMatchObject({ status: 'ok', corpus: { pairs: 3001 } });
    const big = check(values, tsvInput(pairsTsv(4)), tsvInput(pairsTsv(3001)));
    expect(big.status === 'invalid' && big.errors).toEqual({ dev: 'A development set has at most 3000 sentence pairs (PHRASE_DEV_PAIRS_MAX); this one has 3001.' });
    expect(check(values, tsvInput(pairsTsv(4)), tsvInput(pairsTsv(3000))).status).toBe('ok');
  });

  it('gives a corpus only when its input has one', () => {
    expect(corpusTextOf(emptyCorpusInput('tsv'))).toBeUndefined();
    expect(corpusTextOf({ ...emptyCorpusInput('none'), tsv: 'a\tb' })).toBeUndefined();
    expect(corpusTextOf(tsvInput('a\tb'))).toEqual({ tsv: 'a\tb' });
  });
});
