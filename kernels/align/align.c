/*
 * fast_align (IBM Model 2 with a diagonal prior, Dyer et al. 2013) in C: the native baseline
 * of the bench and the third implementation the tests compare. Same algorithm, same byte
 * layout (shared/kernels/align.codec.ts), same checks in the same order and the same
 * floating-point operation order as assembly/index.ts (fixed there), with the same fdlibm
 * exp and log written out, so its output bytes are identical. Build with -ffp-contract=off:
 * a fused multiply-add would round differently.
 *
 *   gcc -O3 -ffp-contract=off -o bench/out/align kernels/align/align.c
 *   bench/out/align INPUT OUTPUT [RUNS]
 *
 * The log is the ibm1 kernel's (kernels/ibm1/ibm1.c, fdlibm e_log.c): C has no module to
 * import it from, so it is written out again here, line for line the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER 48
#define FLAG_NULL 1u
#define FLAG_VITERBI 2u
#define TENSION_MAX 700.0
#define ESTEP_HEAD 4
#define CANONICAL_NAN 0x7ff8000000000000ull
#define HASH_MUL 0x9e3779b1u
#define EXP_MASK 0x7ff0000000000000ull
#define EXP_ONE 0x3ff0000000000000ull
#define LN2 6.93147180559945286227e-1
#define MISSING 0xffffffffu
#define DENSE_CELLS_PER_ENTRY 16ull

static inline uint64_t bits_of(double x) { uint64_t b; memcpy(&b, &x, 8); return b; }
static inline double of_bits(uint64_t b) { double x; memcpy(&x, &b, 8); return x; }
static inline uint32_t u32_at(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline double f64_at(const unsigned char *p) { double v; memcpy(&v, p, 8); return v; }

/* fdlibm e_log.c (Sun Microsystems, 1993), as kernels/ibm1/ibm1.c writes it. */
static double fdlog(double x) {
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10, two54 = 1.80143985094819840000e+16;
  const double lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01, lg3 = 2.857142874366239149e-01,
               lg4 = 2.222219843214978396e-01, lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01,
               lg7 = 1.479819860511658591e-01;
  int32_t hx = (int32_t)(bits_of(x) >> 32);
  uint32_t lx = (uint32_t)bits_of(x);
  int32_t k = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) == 0) return -1.0 / 0.0;
    if (hx < 0) return 0.0 / 0.0;
    k -= 54;
    x *= two54;
    hx = (int32_t)(bits_of(x) >> 32);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  int32_t i0 = (hx + 0x95f64) & 0x100000;
  x = of_bits(((uint64_t)(uint32_t)(hx | (i0 ^ 0x3ff00000)) << 32) | (bits_of(x) & 0xffffffffull));
  k += i0 >> 20;
  double f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0) {
      if (k == 0) return 0;
      double dk0 = (double)k;
      return dk0 * ln2_hi + dk0 * ln2_lo;
    }
    double r0 = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - r0;
    double dk1 = (double)k;
    return dk1 * ln2_hi - ((r0 - dk1 * ln2_lo) - f);
  }
  double s = f / (2.0 + f), dk = (double)k, z = s * s;
  int32_t i = hx - 0x6147a;
  double w = z * z;
  int32_t j = 0x6b851 - hx;
  double t1 = w * (lg2 + w * (lg4 + w * lg6));
  double t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)));
  i |= j;
  double r = t2 + t1;
  if (i > 0) {
    double hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + r));
    return dk * ln2_hi - ((hfsq - (s * (hfsq + r) + dk * ln2_lo)) - f);
  }
  if (k == 0) return f - s * (f - r);
  return dk * ln2_hi - ((s * (f - r) - dk * ln2_lo) - f);
}

/* fdlibm e_exp.c's algorithm, as assembly/exp.ts writes it (scaling by 2^k as a product). */
static double fdexp(double x) {
  const double o_threshold = 7.09782712893383973096e+02, u_threshold = -7.45133219101941108420e+02;
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10, inv_ln2 = 1.44269504088896338700e+00;
  const double p1 = 1.66666666666666019037e-01, p2 = -2.77777777770155933842e-03, p3 = 6.61375632143793436117e-05,
               p4 = -1.65339022054652515390e-06, p5 = 4.13813679705723846039e-08;
  const double huge = 1.0e+300, twom1000 = 9.33263618503218878990e-302, two1023 = 8.98846567431157953865e+307;
  uint64_t bits = bits_of(x);
  uint32_t hx = (uint32_t)(bits >> 32);
  int32_t xsb = (int32_t)(hx >> 31);
  hx &= 0x7fffffff;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | (uint32_t)bits) != 0) return x + x;
      return xsb == 0 ? x : 0.0;
    }
    if (x > o_threshold) return huge * huge;
    if (x < u_threshold) return twom1000 * twom1000;
  }
  double hi = 0, lo = 0;
  int32_t k = 0;
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      hi = xsb == 0 ? x - ln2_hi : x + ln2_hi;
      lo = xsb == 0 ? ln2_lo : -ln2_lo;
      k = 1 - xsb - xsb;
    } else {
      k = (int32_t)(inv_ln2 * x + (xsb == 0 ? 0.5 : -0.5));
      double tk = (double)k;
      hi = x - tk * ln2_hi;
      lo = tk * ln2_lo;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    return 1.0 + x;
  }
  double t = x * x;
  double c = x - t * (p1 + t * (p2 + t * (p3 + t * (p4 + t * p5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  double y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * two1023;
    return y * of_bits((uint64_t)(0x3ff + k) << 52);
  }
  return y * of_bits((uint64_t)(0x3ff + k + 1000) << 52) * twom1000;
}

static inline void store_canonical(double *at, double v) { *at = v != v ? of_bits(CANONICAL_NAN) : v; }

/* One unit, start to end; 0 or the kernel's refusal code. `out` has the kernel's output size. */
static int run(const unsigned char *in, size_t len, double *out) {
  if (len < HEADER) return -1;
  if (u32_at(in) != 1) return -2;
  uint32_t flags = u32_at(in + 4);
  if (flags & ~(FLAG_NULL | FLAG_VITERBI)) return -3;
  int with_null = (flags & FLAG_NULL) != 0, viterbi = (flags & FLAG_VITERBI) != 0;
  double lambda = f64_at(in + 32), p0 = f64_at(in + 40);
  if (!(lambda >= 0 && lambda <= TENSION_MAX)) return -16;
  if (!(p0 >= 0 && p0 <= 1)) return -17;
  uint32_t pairs = u32_at(in + 8), src_types = u32_at(in + 12), tgt_types = u32_at(in + 16);
  uint32_t entries = u32_at(in + 20), carry = u32_at(in + 24), tokens = u32_at(in + 28);
  if ((uint64_t)HEADER + 8ull * carry + 12ull * entries + 4ull * pairs + 2ull * tokens != len) return -4;
  if (pairs == 0) return -5;
  if (src_types > 0xffff || tgt_types > 0xffff) return -15;
  const double *t = (const double *)(in + HEADER + 8 * (size_t)carry);
  const uint16_t *e_src = (const uint16_t *)(t + entries), *e_tgt = e_src + entries, *lens = e_tgt + entries;
  const uint16_t *tok = lens + 2 * (size_t)pairs;
  uint64_t sum = 0;
  uint32_t longest = 0;
  for (uint32_t p = 0; p < pairs; p++) {
    uint32_t l = lens[2 * p], m = lens[2 * p + 1];
    if (l == 0 || m == 0) return -6;
    sum += (uint64_t)l + m;
    if (l > longest) longest = l;
  }
  if (sum != tokens) return -6;
  for (size_t p = 0, at = 0; p < pairs; p++) {
    for (uint32_t i = 0; i < lens[2 * p]; i++, at++) if (tok[at] >= src_types || (with_null && tok[at] == 0)) return -7;
    for (uint32_t j = 0; j < lens[2 * p + 1]; j++, at++) if (tok[at] >= tgt_types) return -7;
  }
  for (uint32_t e = 0; e < entries; e++) {
    double v = t[e];
    if (!(v == v) || v - v != 0 || v < 0) return -11;
    if (e_src[e] >= src_types || e_tgt[e] >= tgt_types) return -8;
  }
  /* The entry table, as the kernel's: dense u32 cells holding the entry's index, or hashed u64
     slots (key src*T + tgt + 1 in the low half, the entry in the high half). */
  uint64_t cells = (uint64_t)src_types * tgt_types;
  int dense = cells <= DENSE_CELLS_PER_ENTRY * (uint64_t)entries;
  unsigned bits = 4;
  while ((1ull << bits) < 2ull * entries) bits++;
  uint32_t slots = 1u << bits, mask = slots - 1, shift = 32 - bits, T = tgt_types;
  uint32_t *cell = dense ? malloc(4 * (cells ? cells : 1)) : NULL;
  uint64_t *table = dense ? NULL : calloc(slots, 8);
  size_t n_max = (size_t)longest + 1;
  uint32_t *base = malloc(4 * n_max), *ent = malloc(4 * n_max);
  double *h = malloc(8 * n_max), *w = malloc(8 * n_max), *a = malloc(8 * n_max);
  double *counts = calloc(entries ? entries : 1, 8);
  if ((dense ? !cell : !table) || !base || !ent || !h || !w || !a || !counts) return -12;
  int code = 0;
  if (dense) {
    memset(cell, 0xff, 4 * cells);
    for (uint32_t e = 0; e < entries && code == 0; e++) {
      uint32_t *c = cell + ((size_t)e_src[e] * T + e_tgt[e]);
      if (*c != MISSING) code = -9;
      *c = e;
    }
  } else {
    for (uint32_t e = 0; e < entries && code == 0; e++) {
      uint32_t key = (uint32_t)e_src[e] * T + e_tgt[e] + 1, hh = (key * HASH_MUL) >> shift;
      for (; (uint32_t)table[hh] != 0; hh = (hh + 1) & mask) if ((uint32_t)table[hh] == key) { code = -9; break; }
      table[hh] = ((uint64_t)e << 32) | key;
    }
  }
  for (uint32_t c = 0; c < carry; c++) store_canonical(out + c, f64_at(in + HEADER + 8 * (size_t)c));
  uint16_t *links = (uint16_t *)(out + carry + 1);
  const uint16_t *src = tok;
  double q = with_null ? 1.0 - p0 : 1.0, ll = 0, emp = 0, mod = 0;
  for (uint32_t p = 0; p < pairs && code == 0; p++) {
    size_t n = lens[2 * p], m = lens[2 * p + 1];
    const uint16_t *tgt = src + n;
    base[0] = 0;
    for (size_t i = 1; i <= n; i++) base[i] = (uint32_t)src[i - 1] * T;
    double fn = (double)n, fm = (double)m, nm = fn * fm, prod = 1;
    int64_t exps = 0;
    for (size_t j = 1; j <= m && code == 0; j++) {
      uint32_t f = tgt[j - 1];
      double fj = (double)j, z = 0;
      for (size_t i = 1; i <= n; i++) {
        double d = (double)i * fm - fj * fn;
        h[i] = (d < 0 ? -d : d) / nm;
        w[i] = fdexp(-(lambda * h[i]));
        z += w[i];
      }
      double s = q / z, denom = 0;
      for (size_t i = with_null ? 0 : 1; i <= n; i++) {
        uint32_t at;
        if (dense) {
          at = cell[base[i] + f];
        } else {
          uint32_t key = base[i] + f + 1, hh = (key * HASH_MUL) >> shift;
          uint64_t slot = table[hh];
          while ((uint32_t)slot != key && (uint32_t)slot != 0) slot = table[hh = (hh + 1) & mask];
          at = (uint32_t)slot == key ? (uint32_t)(slot >> 32) : MISSING;
        }
        if (at == MISSING) { code = -10; break; }
        ent[i] = at;
        a[i] = i == 0 ? p0 * t[at] : (w[i] * s) * t[at];
        denom += a[i];
      }
      if (code) break;
      if (viterbi) {
        size_t best = with_null ? 0 : 1;
        for (size_t i = best + 1; i <= n; i++) if (a[i] > a[best]) best = i;
        *links++ = (uint16_t)best;
        continue;
      }
      double inv = 1.0 / denom, p_null = 0, zh = 0;
      if (with_null) {
        p_null = a[0] * inv;
        counts[ent[0]] += p_null;
      }
      for (size_t i = 1; i <= n; i++) {
        double pi = a[i] * inv;
        counts[ent[i]] += pi;
        emp += pi * h[i];
        zh += w[i] * h[i];
      }
      mod += (1.0 - p_null) * (zh / z);
      prod *= denom;
      uint64_t b = bits_of(prod), e = b & EXP_MASK;
      if (e != 0 && e != EXP_MASK) {
        exps += (int64_t)(e >> 52) - 1023;
        prod = of_bits((b & ~EXP_MASK) | EXP_ONE);
      }
    }
    if (!viterbi) ll += fdlog(prod) + (double)exps * LN2;
    src = tgt + m;
  }
  if (code == 0) {
    if (viterbi) {
      out[carry] = (double)pairs;
      /* Zero u16s up to a multiple of 8 bytes (`out` is 8-aligned). */
      while ((uintptr_t)links & 7) *links++ = 0;
    } else {
      store_canonical(out + carry, ll);
      out[carry + 1] = (double)pairs;
      store_canonical(out + carry + 2, emp);
      store_canonical(out + carry + 3, mod);
      for (uint32_t e = 0; e < entries; e++) store_canonical(out + carry + ESTEP_HEAD + e, counts[e]);
    }
  }
  free(cell);
  free(table);
  free(base);
  free(ent);
  free(h);
  free(w);
  free(a);
  free(counts);
  return code;
}

/* The bench harness's hooks (../native/bench_main.h): every run goes from input to output. */
typedef struct {
  const unsigned char *in;
  size_t len;
} kernel_state_t;

static int kernel_setup(const unsigned char *in, size_t len, kernel_state_t *s, double **out, size_t *out_count) {
  if (len < HEADER) return -1;
  s->in = in;
  s->len = len;
  uint32_t carry = u32_at(in + 24), entries = u32_at(in + 20), pairs = u32_at(in + 8);
  uint64_t targets = 0;
  if (u32_at(in + 4) & FLAG_VITERBI) {
    /* Target tokens, when the lengths lie inside the input (run() refuses it otherwise). */
    uint64_t lens_at = HEADER + 8ull * carry + 12ull * entries;
    if (lens_at + 4ull * pairs <= len)
      for (uint32_t p = 0; p < pairs; p++) targets += (uint16_t)(in[lens_at + 4 * p + 2] | in[lens_at + 4 * p + 3] << 8);
    *out_count = (size_t)carry + 1 + (size_t)((targets + 3) / 4);
  } else {
    *out_count = (size_t)carry + ESTEP_HEAD + entries;
  }
  *out = calloc(*out_count ? *out_count : 1, 8);
  return 0;
}

static int kernel_run(kernel_state_t *s, double *out) { return run(s->in, s->len, out); }

#include "../native/bench_main.h"
