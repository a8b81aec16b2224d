/**
 * @module The LM score of a phrase after a hypothesis's state, and the state it leaves (lp and
 * the minimisation of index.ts's module comment). Two ways to the same numbers:
 * - any LM: lm.ts's lp per word (longest context first), minimise for the state;
 * - a closed LM (every entry's prefix and suffix is an entry, as Kneser–Ney models are; init
 *   checks it): per word the matches are searched shortest first, stopping at the first miss
 *   (a longer match would have this one as its suffix), the records found are the next word's
 *   contexts (their backoff weights) and the candidates of the new state (KenLM's way, Heafield
 *   2011). The backoff weights are added in lp's order, longest context first; a context that is
 *   no entry adds 0, which leaves the sum as it is (the sum starts at +0, so it is never −0),
 *   so it is skipped.
 */
import { PHRASE_LM_ORDER_MAX, PHRASE_TARGET_LEN_MAX } from '../codes';
import { HASH_SEED, closed, contextBow, find, finish, lp, minimise, mix } from './lm';
import { GRAM_CONTEXT, GRAM_ENTRY, Gram, HYP_STATE, Hyp, f64At, u32At } from './layout';
import { optLen, optTgtAtP, order, tgtP, uniBowP, uniFlagsP, uniLpP } from './unit';

/** Longest history a phrase's LM reads: the state, the phrase's words, and one slot for </s>. */
const HIST_WORDS: i32 = PHRASE_LM_ORDER_MAX - 1 + PHRASE_TARGET_LEN_MAX + 1;
/** The words being scored: a state, then a phrase's words. */
export const hist = memory.data(HIST_WORDS << 2, 16);
/** Backoff weights by context length 1..N − 1: of the state's suffixes (prepareContext), of the last word's matches (a scan). */
const stateBow = memory.data((PHRASE_LM_ORDER_MAX + 1) << 3, 16);
const bowA = memory.data((PHRASE_LM_ORDER_MAX + 1) << 3, 16);
const bowB = memory.data((PHRASE_LM_ORDER_MAX + 1) << 3, 16);
/** Flags of the last word's matches by length (closed LM). */
const flagsByLen = memory.data((PHRASE_LM_ORDER_MAX + 1) << 2, 16);

/** Where the state after the last phraseLm starts in hist (closed LM). */
let closedFrom: u32 = 0;

/** Loads hypothesis h's LM state into hist; returns its length. */
@inline export function loadState(h: Hyp): u32 {
  const len = h.stLen;
  memory.copy(hist, changetype<usize>(h) + HYP_STATE, <usize>len << 2);
  return len;
}

/** The backoff weights of the suffixes of the state in hist[0, stLen), by length: once per hypothesis (closed LM). */
export function prepareContext(stLen: u32): void {
  if (!closed) return;
  for (let l: u32 = 1; l <= stLen; l++) store<f64>(stateBow + (<usize>l << 3), contextBow(hist + (<usize>(stLen - l) << 2), l));
}

/**
 * The LM log prob of option q's words after the state in hist[0, stLen) (prepareContext(stLen)
 * done), appended to hist as they are scored.
 */
export function phraseLm(stLen: u32, q: u32): f64 {
  const len = optLen(q);
  const words = tgtP + (<usize>u32At(optTgtAtP, q) << 2);
  let lm: f64 = 0;
  if (!closed) {
    const keep = order - 1;
    for (let i: u32 = 0; i < len; i++) {
      const end = stLen + i;
      store<u32>(hist + (<usize>end << 2), u32At(words, i));
      const ctx = end < keep ? end : keep;
      lm = lm + lp(hist + (<usize>(end - ctx) << 2), ctx);
    }
    return lm;
  }
  const keep = order - 1;
  let bows = stateBow;
  let next = bowA;
  let known = stLen;
  let m: u32 = 0;
  for (let i: u32 = 0; i < len; i++) {
    const end = stLen + i;
    const w = u32At(words, i);
    store<u32>(hist + (<usize>end << 2), w);
    const k = end < keep ? end : keep;
    // The matches of w, shortest first: its unigram, then one more context word at a time.
    m = 0;
    let logp: f64 = 0;
    const uf = <u32>load<u8>(uniFlagsP + <usize>w);
    if ((uf & GRAM_ENTRY) != 0) {
      m = 1;
      store<f64>(next + 8, f64At(uniBowP, w));
      store<u32>(flagsByLen + 4, uf);
      let h = mix(HASH_SEED, w);
      for (let l: u32 = 2; l <= k + 1; l++) {
        const at = hist + (<usize>(end + 1 - l) << 2);
        h = mix(h, load<u32>(at));
        const e = find(at, l, finish(h, l));
        if (e == 0) break;
        const g = changetype<Gram>(e);
        m = l;
        logp = g.logp;
        store<f64>(next + (<usize>l << 3), g.bow);
        store<u32>(flagsByLen + (<usize>l << 2), g.flags);
      }
    }
    // The backoff weights of the contexts longer than the match, longest first.
    let acc: f64 = 0;
    const low = m > 1 ? m : 1;
    for (let l = k < known ? k : known; l >= low; l--) acc = acc + f64At(bows, l);
    lm = lm + (m > 1 ? acc + logp : acc + f64At(uniLpP, w));
    bows = next;
    next = next == bowA ? bowB : bowA;
    known = m;
  }
  // The new state: its longest candidate (at most N − 1 words) that is not droppable.
  const total = stLen + len;
  if (len == 0) {
    closedFrom = 0;
  } else {
    let l = total < keep ? total : keep;
    if (m < l) l = m;
    while (l > 0 && (u32At(flagsByLen, l) & GRAM_CONTEXT) == 0 && f64At(bows, l) == 0) l--;
    closedFrom = total - l;
  }
  return lm;
}

/** Where the state after the words hist[0, total) starts, the last phraseLm having scored them after a state of stLen words. */
@inline export function stateStart(stLen: u32, total: u32): u32 {
  if (closed) return closedFrom;
  return total == stLen ? 0 : minimise(hist, total);
}
