/**
 * @module The phrase-based training form's model (`phrase-train`): its text values, the job
 * description they make, and every problem keyed by the input that holds it, checked with the
 * server's own `PhraseTrainParamsSchema` and corpus reader (`readCorpus`). Bounds and defaults
 * are read from the schema, never restated, so the help text states what the server enforces.
 *
 * Keys are the schema paths that name inputs (`srcLang`, `corpus`, `dev`, `lmOrder` …), in
 * the order the form shows them, so the first key is the input to focus.
 */
import { PHRASE_DEV_PAIRS_MAX, PhraseTrainParamsSchema, type PhraseTrainParams } from '../../../shared/jobs/phrase-train.ts';
import { readCorpus, type CorpusRead, type CorpusText } from '../../../shared/translation/corpus.ts';
import { isSupportedLanguage } from '../../../shared/translation/tokenize.ts';
import { issueMessage } from '../customer/ebm-fields.ts';
import { corpusTextOf, type CorpusInputState } from './corpus-source.ts';

/** The numeric settings the form shows, with what they do; bounds and defaults come from the schema. */
export const PHRASE_SETTINGS = [
  {
    name: 'alignIterations',
    label: 'Alignment iterations',
    help: 'Expectation-maximisation iterations of the word aligner (IBM Model 2 with a diagonal prior, Dyer et al. 2013), both directions in each.',
  },
  {
    name: 'tuningRounds',
    label: 'Tuning rounds',
    help: 'Each round decodes the development set and lets MERT (Och 2003) choose the next weights; 0 keeps the starting weights.',
  },
  { name: 'maxPhraseLength', label: 'Longest phrase (words)', help: 'The longest phrase pair taken from the aligned corpus.' },
  { name: 'lmOrder', label: 'Language model order (n-gram)', help: 'n of the target-side language model (modified Kneser–Ney).' },
] as const;
export type PhraseSettingName = (typeof PHRASE_SETTINGS)[number]['name'] | 'devPairs';

/** The inputs in the order the form shows them: the first with an error is focused. */
export const PHRASE_FIELD_ORDER = ['srcLang', 'tgtLang', 'corpus', 'dev', 'devPairs', ...PHRASE_SETTINGS.map((s) => s.name)] as const;

const shape = PhraseTrainParamsSchema.shape;

/** A setting's bounds and default, as the schema has them. */
export function settingBounds(name: PhraseSettingName): { min: number; max: number; default: number } {
  const field = shape[name];
  const inner = field.unwrap();
  return { min: inner.minValue ?? Number.NaN, max: inner.maxValue ?? Number.NaN, default: field.def.defaultValue as number };
}

/** A setting's help line with its bounds: "… 1–20, default 5." */
export function settingHelp(name: PhraseSettingName, help: string): string {
  const b = settingBounds(name);
  return `${help} ${b.min}–${b.max}, default ${b.default}.`;
}

/** The form's values as typed. */
export interface PhraseFormValues {
  srcLang: string;
  tgtLang: string;
  settings: Record<PhraseSettingName, string>;
}

/** The schema's defaults, and the language pair the word-model form starts with. */
export function phraseDefaultValues(): PhraseFormValues {
  const settings = {} as Record<PhraseSettingName, string>;
  for (const name of [...PHRASE_SETTINGS.map((s) => s.name), 'devPairs'] as const) settings[name] = String(settingBounds(name).default);
  return { srcLang: 'de', tgtLang: 'en', settings };
}

/** Text to number; an empty field means "the default" (undefined, filled by the schema). */
function toNumber(text: string): number | undefined {
  const t = text.trim();
  return t === '' ? undefined : Number(t);
}

/** A message as a sentence: capital first, full stop last. */
function sentence(m: string): string {
  return `${m.charAt(0).toUpperCase()}${m.slice(1)}${/[.!?]$/.test(m) ? '' : '.'}`;
}

/** The corpus read, once both languages are ones the server tokenises (else nothing to read yet). */
export function readWhenLanguagesOk(text: CorpusText | undefined, srcLang: string, tgtLang: string): CorpusRead | undefined {
  return text && isSupportedLanguage(srcLang) && isSupportedLanguage(tgtLang) ? readCorpus(text, srcLang, tgtLang) : undefined;
}

/** What the check needs: the values, both corpus inputs, and their reads (the form memoises `readWhenLanguagesOk`). */
export interface PhraseCheckInput {
  values: PhraseFormValues;
  corpus: CorpusInputState;
  dev: CorpusInputState;
  corpusRead: CorpusRead | undefined;
  devRead: CorpusRead | undefined;
}

export type PhraseFormCheck =
  | { status: 'ok'; params: PhraseTrainParams; request: Record<string, unknown>; heldOut: number | undefined }
  | { status: 'invalid'; errors: Record<string, string> };

/** Sentence pairs held out of a corpus of `pairs` for tuning without a dev set (the edge holds out at most half). */
export function heldOutPairs(pairs: number, devPairs: number): number {
  return Math.min(devPairs, Math.floor(pairs / 2));
}

/**
 * The job's `params` the form describes (not yet validated). `holdOut`: no development set is
 * chosen, so pairs are held out of the corpus; otherwise `devPairs` means nothing (and its
 * input is hidden), so it is not sent.
 */
export function phraseRequestParams(v: PhraseFormValues, corpus: CorpusText | undefined, dev: CorpusText | undefined, holdOut: boolean): Record<string, unknown> {
  const settings: Record<string, number | undefined> = {};
  for (const s of PHRASE_SETTINGS) settings[s.name] = toNumber(v.settings[s.name]);
  const held = holdOut ? { devPairs: toNumber(v.settings.devPairs) } : {};
  return { srcLang: v.srcLang, tgtLang: v.tgtLang, corpus, ...(dev ? { dev } : {}), ...held, ...settings };
}

/** Problems of the languages, the corpus and the dev set the schema alone does not see. */
function corpusErrors(input: PhraseCheckInput, devPairs: number | undefined): Record<string, string> {
  const { values, corpus, dev, corpusRead, devRead } = input;
  const errors: Record<string, string> = {};
  for (const key of ['srcLang', 'tgtLang'] as const) {
    const lang = values[key];
    if (lang === '') errors[key] = 'Required: a BCP 47 language tag such as en, de or ja.';
    else if (!isSupportedLanguage(lang)) errors[key] = `'${lang.slice(0, 40)}' is not a language tag this server can tokenise (BCP 47, e.g. en, de, ja, zh-Hant).`;
  }
  if (corpus.fileError) errors.corpus = corpus.fileError;
  else if (!corpusTextOf(corpus)) errors.corpus = corpus.source === 'two' ? 'Upload both the source and the target text.' : 'Paste or upload the corpus.';
  else if (corpusRead && corpusRead.status !== 'ok') errors.corpus = sentence(corpusRead.detail);
  else if (corpusRead && dev.source === 'none' && heldOutPairs(corpusRead.corpus.pairs, devPairs ?? settingBounds('devPairs').default) < 1) {
    errors.corpus = 'The corpus needs at least 2 sentence pairs to hold one out for tuning, or give a development set.';
  }
  if (dev.source !== 'none') {
    if (dev.fileError) errors.dev = dev.fileError;
    else if (!corpusTextOf(dev)) errors.dev = dev.source === 'two' ? 'Upload both sides of the development set, or choose none.' : 'Paste or upload the development set, or choose none.';
    else if (devRead && devRead.status !== 'ok') errors.dev = sentence(devRead.detail);
    else if (devRead && devRead.corpus.pairs > PHRASE_DEV_PAIRS_MAX) {
      errors.dev = `A development set has at most ${PHRASE_DEV_PAIRS_MAX} sentence pairs (PHRASE_DEV_PAIRS_MAX); this one has ${devRead.corpus.pairs}.`;
    }
  }
  return errors;
}

/** Validates the whole form at once; every problem keyed by its input, in the form's order. */
export function checkPhraseValues(input: PhraseCheckInput): PhraseFormCheck {
  const corpus = corpusTextOf(input.corpus);
  const dev = input.dev.source === 'none' ? undefined : corpusTextOf(input.dev);
  const request = phraseRequestParams(input.values, corpus, dev, input.dev.source === 'none');
  const parsed = PhraseTrainParamsSchema.safeParse(request);
  const found = corpusErrors(input, toNumber(input.values.settings.devPairs));
  if (!parsed.success) {
    // The corpus inputs' own messages say more than the schema's union message; they come first.
    for (const issue of parsed.error.issues) found[String(issue.path[0] ?? 'form')] ??= issueMessage(issue);
  }
  if (Object.keys(found).length > 0 || !parsed.success) {
    const errors: Record<string, string> = {};
    for (const key of [...PHRASE_FIELD_ORDER, ...Object.keys(found)]) if (found[key] !== undefined) errors[key] ??= found[key]!;
    return { status: 'invalid', errors };
  }
  const read = input.corpusRead;
  // The reads are the caller's: a corpus not read (yet) is not a valid one.
  if (read?.status !== 'ok' || (dev !== undefined && input.devRead?.status !== 'ok')) return { status: 'invalid', errors: { [read?.status !== 'ok' ? 'corpus' : 'dev']: 'Not read yet.' } };
  const heldOut = dev === undefined ? heldOutPairs(read.corpus.pairs, parsed.data.devPairs) : undefined;
  return { status: 'ok', params: parsed.data, request, heldOut };
}
