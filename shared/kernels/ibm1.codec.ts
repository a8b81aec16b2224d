/**
 * @module Byte layout of IBM Model 1 E-step units (kernel `ibm1`, layout 1), shared by the
 * splitter on the edge, the kernel, the references and the assimilator.
 *
 * Input, little-endian:
 *   u32 layout (=1) | u32 flags | u32 pairs P | u32 source types S | u32 target types T
 *   u32 entries E | u32 carry C | u32 tokens N
 *   C × f64 carry (copied to the output unchanged: the job's state between iterations)
 *   E × f64 t(tgt | src) of each entry
 *   E × u16 entry source ids | E × u16 entry target ids   (local ids; distinct pairs)
 *   P × (u16 source length l, u16 target length m)
 *   N u16 token ids: per pair its l source ids, then its m target ids
 * flags: bit 0 = the NULL word is local source id 0 (then no sentence contains id 0).
 * Every (source, target) pair co-occurring in a sentence pair must have an entry (with
 * NULL: (0, f) for every target token f); S and T are at most 65,535 (local ids are u16:
 * a unit of at most UNIT_INPUT_BYTES_MAX has fewer entries than that, and every type has one).
 * Output, little-endian f64: C × carry | shard log-likelihood | P | E × expected counts,
 * in entry order. Every NaN is the canonical quiet NaN (see abi.ts).
 */

/** Kernel that runs E-step units, and the layout they are encoded in. */
export const IBM1_LAYOUT = 1;
export const IBM1_HEADER_BYTES = 32;
export const IBM1_FLAG_NULL = 1;
/** Carried f64 values at most (the job carries its log-likelihood history: one per iteration). */
export const IBM1_CARRY_MAX = 1024;
/** Local types per side at most (ids are u16). */
export const IBM1_LOCAL_TYPES_MAX = 0xffff;

/** The numbers one E-step unit is made of. */
export interface Ibm1UnitInput {
  withNull: boolean;
  srcTypes: number;
  tgtTypes: number;
  carry: Float64Array;
  t: Float64Array;
  entrySrc: Uint16Array;
  entryTgt: Uint16Array;
  /** Per pair: source length, target length. */
  lens: Uint16Array;
  tokens: Uint16Array;
}

/** One unit's decoded output. */
export interface Ibm1UnitOutput {
  carry: Float64Array;
  logLikelihood: number;
  pairs: number;
  /** Expected counts, entry order (a view: copy before keeping it past the bytes). */
  counts: Float64Array;
}

/** Input bytes of a unit of P pairs, N tokens, E entries and C carried values. */
export function ibm1InputBytes(carry: number, entries: number, pairs: number, tokens: number): number {
  return IBM1_HEADER_BYTES + 8 * carry + 12 * entries + 4 * pairs + 2 * tokens;
}

/** Output bytes of a unit with E entries and C carried values. */
export function ibm1OutputBytes(carry: number, entries: number): number {
  return 8 * (carry + 2 + entries);
}

/**
 * Encodes a unit.
 * @throws RangeError when the parts disagree in size or the carry is over its bound.
 */
export function encodeIbm1Input(u: Ibm1UnitInput): Uint8Array {
  const E = u.t.length;
  const P = u.lens.length / 2;
  if (u.entrySrc.length !== E || u.entryTgt.length !== E || !Number.isInteger(P)) throw new RangeError('ibm1 unit: entry or length arrays disagree');
  if (u.carry.length > IBM1_CARRY_MAX) throw new RangeError(`ibm1 unit: at most ${IBM1_CARRY_MAX} carried values`);
  const C = u.carry.length;
  const N = u.tokens.length;
  const bytes = new Uint8Array(ibm1InputBytes(C, E, P, N));
  const view = new DataView(bytes.buffer);
  [IBM1_LAYOUT, u.withNull ? IBM1_FLAG_NULL : 0, P, u.srcTypes, u.tgtTypes, E, C, N].forEach((v, i) => view.setUint32(4 * i, v, true));
  let at = IBM1_HEADER_BYTES;
  // Little-endian hosts (all this project runs on): the typed arrays' bytes are the layout.
  for (const part of [u.carry, u.t, u.entrySrc, u.entryTgt, u.lens, u.tokens]) {
    bytes.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), at);
    at += part.byteLength;
  }
  return bytes;
}

/** Copies `bytes[at, at+len)` into a fresh aligned buffer (database rows may start anywhere). */
function aligned(bytes: Uint8Array, at: number, len: number): ArrayBuffer {
  return bytes.slice(at, at + len).buffer;
}

/** Decodes a unit's input. @throws RangeError when it is not a layout 1 input of consistent size. */
export function decodeIbm1Input(bytes: Uint8Array): Ibm1UnitInput {
  if (bytes.byteLength < IBM1_HEADER_BYTES) throw new RangeError('not an ibm1 input');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [layout, flags, P, S, T, E, C, N] = Array.from({ length: 8 }, (_, i) => view.getUint32(4 * i, true)) as [number, number, number, number, number, number, number, number];
  if (layout !== IBM1_LAYOUT) throw new RangeError('not an ibm1 layout 1 input');
  if (bytes.byteLength !== ibm1InputBytes(C, E, P, N)) throw new RangeError('ibm1 input has the wrong size');
  let at = IBM1_HEADER_BYTES;
  const take = <A>(make: (b: ArrayBuffer) => A, len: number): A => {
    const a = make(aligned(bytes, at, len));
    at += len;
    return a;
  };
  return {
    withNull: (flags & IBM1_FLAG_NULL) !== 0,
    srcTypes: S,
    tgtTypes: T,
    carry: take((b) => new Float64Array(b), 8 * C),
    t: take((b) => new Float64Array(b), 8 * E),
    entrySrc: take((b) => new Uint16Array(b), 2 * E),
    entryTgt: take((b) => new Uint16Array(b), 2 * E),
    lens: take((b) => new Uint16Array(b), 4 * P),
    tokens: take((b) => new Uint16Array(b), 2 * N),
  };
}

/**
 * Decodes a unit's output, given its carry length and entry count.
 * @throws RangeError when the size is not 8·(C + 2 + E).
 */
export function decodeIbm1Output(bytes: Uint8Array, carry: number, entries: number): Ibm1UnitOutput {
  if (bytes.byteLength !== ibm1OutputBytes(carry, entries)) throw new RangeError('ibm1 output has the wrong size');
  const values = new Float64Array(aligned(bytes, 0, bytes.byteLength));
  return {
    carry: values.subarray(0, carry),
    logLikelihood: values[carry]!,
    pairs: values[carry + 1]!,
    counts: values.subarray(carry + 2),
  };
}
