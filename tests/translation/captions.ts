/**
 * @module A small French–English corpus of image captions in real language, generated for the
 * tests (written for this project, so it may be shipped): a subject, what it does and where,
 * with French grammar as it is — gender agreement of articles and adjectives, adjectives
 * after the noun ("un chapeau noir" / "a black hat"), contractions ("au parc", "à la plage"),
 * elision ("l'eau"), and verbs of several words on one side only ("est assis" / "sits").
 * Captions are cased and punctuated as Multi30k's are ("Un homme … .").
 */

interface Noun {
  fr: string;
  en: string;
  /** Grammatical gender of the French noun. */
  f: boolean;
}

const SUBJECTS: Noun[] = [
  { fr: 'homme', en: 'man', f: false },
  { fr: 'femme', en: 'woman', f: true },
  { fr: 'garçon', en: 'boy', f: false },
  { fr: 'fille', en: 'girl', f: true },
  { fr: 'chien', en: 'dog', f: false },
  { fr: 'enfant', en: 'child', f: false },
];
const COLOURS = [
  { fr: ['rouge', 'rouge'], en: 'red' },
  { fr: ['noir', 'noire'], en: 'black' },
  { fr: ['bleu', 'bleue'], en: 'blue' },
  { fr: ['blanc', 'blanche'], en: 'white' },
  { fr: ['vert', 'verte'], en: 'green' },
];
const CLOTHES: Noun[] = [
  { fr: 'chapeau', en: 'hat', f: false },
  { fr: 'chemise', en: 'shirt', f: true },
  { fr: 'veste', en: 'jacket', f: true },
  { fr: 'manteau', en: 'coat', f: false },
];
/** What the subject does: French and English, the French sometimes longer (`est assis` / `sits`). */
const ACTIONS: { fr: (f: boolean) => string; en: string }[] = [
  { fr: () => 'marche', en: 'walks' },
  { fr: () => 'court', en: 'runs' },
  { fr: () => 'joue', en: 'plays' },
  { fr: (f) => (f ? 'est assise' : 'est assis'), en: 'sits' },
  { fr: () => 'attend', en: 'waits' },
  { fr: () => 'regarde le ciel', en: 'looks at the sky' },
];
const PLACES = [
  { fr: 'dans la rue', en: 'in the street' },
  { fr: 'au parc', en: 'in the park' },
  { fr: 'à la plage', en: 'on the beach' },
  { fr: "près de l'eau", en: 'near the water' },
  { fr: 'devant la maison', en: 'in front of the house' },
  { fr: 'sous un arbre', en: 'under a tree' },
];

/** A deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** One caption pair: French and English. */
export interface CaptionPair {
  fr: string;
  en: string;
}

/** `count` distinct caption pairs from `seed`, each of the shapes the module comment lists. */
export function captions(count: number, seed: number): CaptionPair[] {
  const r = rng(seed);
  const seen = new Set<string>();
  const out: CaptionPair[] = [];
  // Bounded: the grammar has thousands of distinct captions; a seed that repeats gives up.
  for (let tries = 0; out.length < count && tries < count * 20; tries++) {
    const s = pick(r, SUBJECTS);
    const a = pick(r, ACTIONS);
    const p = pick(r, PLACES);
    let fr = `${s.f ? 'une' : 'un'} ${s.fr}`;
    let en = `a ${s.en}`;
    if (s.fr !== 'chien' && r() < 0.6) {
      const c = pick(r, CLOTHES);
      const col = pick(r, COLOURS);
      fr += ` avec ${c.f ? 'une' : 'un'} ${c.fr} ${col.fr[c.f ? 1 : 0]}`;
      en += ` in a ${col.en} ${c.en}`;
    }
    fr += ` ${a.fr(s.f)} ${p.fr} .`;
    en += ` ${a.en} ${p.en} .`;
    const pair = { fr: cap(fr).replace(' .', '.'), en: cap(en).replace(' .', '.') };
    if (seen.has(pair.fr)) continue;
    seen.add(pair.fr);
    out.push(pair);
  }
  return out;
}
