/*
 * Translation decoding in C: the native baseline of bench/translation-decode.ts. Same
 * algorithm, same byte layout (shared/kernels/decode.codec.ts), the same tie-breaking and
 * floating-point operation order as assembly/index.ts (fixed in its module comment), so its
 * output bytes are identical. Build with -ffp-contract=off: a fused multiply-add would round
 * differently.
 *
 *   gcc -O3 -ffp-contract=off -o bench/out/decode kernels/decode/decode.c
 *   bench/out/decode INPUT OUTPUT [RUNS]
 *
 * The command line is the shared bench harness's (../native/bench_main.h): each of RUNS runs
 * parses the unit and builds its LM table, as the kernel's init does, then decodes; exit 2 on
 * a refused input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER 64
#define NONE 0xffffffffu
#define BOS 0u
#define EOS 1u
#define SENTENCE_MAX 64
#define BEAM_MAX 256
#define DISTORTION_MAX 16
#define TARGET_IDS_MAX (1u << 20)
#define CANONICAL_NAN 0x7ff8000000000000ull

typedef struct {
  double score, future;
  uint64_t cov;
  uint32_t w1, w2;
  int32_t last, back;
  uint32_t opt, pad;
} hyp_t;

typedef struct {
  uint32_t w1, w2, w3, pad;
  double logp, bow;
} lm_t;

typedef struct {
  uint32_t t1, t2;
  double score;
} opt_t;

typedef struct {
  uint32_t s, v, o, l, beam, dlimit, max_len;
  uint64_t words;
  double lmw, wp, dw, unk;
  const uint32_t *lens, *wordv, *starts;
  const opt_t *opts;
  const lm_t *lm;
  uint32_t *tab;
  uint32_t mask;
  double *fw;
  double *uni_lp, *uni_bow;
  unsigned char *uni_has;
  double *opt_ub; /* per option: lambda * (highest log p of its first / second target) + wp */
  double *type_ub; /* per source type: the highest score, first and second bound of its options */
  int bounded;    /* lambda >= 0 and every backoff weight <= 0 (see assembly/tables.ts) */
} unit_t;

static int finite(double v) { return v - v == 0; }

static inline uint32_t hash3(uint32_t a, uint32_t b, uint32_t c) {
  uint32_t h = a * 0x9e3779b1u;
  h = (h ^ b) * 0x85ebca77u;
  h = (h ^ c) * 0xc2b2ae3du;
  return h ^ (h >> 16);
}

static inline const lm_t *find(const unit_t *u, uint32_t a, uint32_t b, uint32_t c) {
  uint32_t i = hash3(a, b, c) & u->mask;
  for (;;) {
    uint32_t slot = u->tab[i];
    if (slot == 0) return NULL;
    const lm_t *e = &u->lm[slot - 1];
    if (e->w1 == a && e->w2 == b && e->w3 == c) return e;
    i = (i + 1) & u->mask;
  }
}

/* bow(a b) if held (else 0); 0 when a is NONE. */
static inline double context_bow(const unit_t *u, uint32_t a, uint32_t b) {
  if (a == NONE) return 0;
  const lm_t *c = find(u, NONE, a, b);
  return c ? c->bow : 0;
}

static inline double context_all(const unit_t *u, double bo_ab, uint32_t b) {
  return u->uni_has[b] ? bo_ab + u->uni_bow[b] : bo_ab;
}

/* log p(w | a b) with the context's backoff weights given (see assembly/index.ts). */
static inline double lm_in(const unit_t *u, uint32_t a, uint32_t b, uint32_t w, double bo_ab, double bo_all) {
  const lm_t *e = find(u, a, b, w);
  if (e) return e->logp;
  if (a != NONE) {
    e = find(u, NONE, b, w);
    if (e) return bo_ab + e->logp;
  }
  return bo_all + u->uni_lp[w];
}

static double lm(const unit_t *u, uint32_t a, uint32_t b, uint32_t w) {
  double bo_ab = context_bow(u, a, b);
  return lm_in(u, a, b, w, bo_ab, context_all(u, bo_ab, b));
}

static double unigram(const unit_t *u, uint32_t w) { return u->uni_lp[w]; }

/* Parses and checks the unit like the kernel's init; 0 or the kernel's negative code. */
static int parse(const unsigned char *in, size_t len, unit_t *u) {
  if (len < HEADER) return -1;
  const uint32_t *h = (const uint32_t *)in;
  if (h[0] != 1) return -2;
  u->s = h[1]; u->v = h[2]; u->o = h[3]; u->l = h[4]; u->beam = h[5]; u->dlimit = h[6];
  if (u->beam < 1 || u->beam > BEAM_MAX) return -3;
  if (u->dlimit > DISTORTION_MAX) return -4;
  if (h[7] != 0) return -5;
  const double *f = (const double *)(in + 32);
  u->lmw = f[0]; u->wp = f[1]; u->dw = f[2]; u->unk = f[3];
  if (!finite(u->lmw) || !finite(u->wp) || !finite(u->dw) || !finite(u->unk)) return -13;
  if ((uint64_t)HEADER + 4ull * u->s > len) return -6;
  u->lens = (const uint32_t *)(in + HEADER);
  uint64_t words = 0;
  u->max_len = 0;
  for (uint32_t i = 0; i < u->s; i++) {
    if (u->lens[i] > SENTENCE_MAX) return -7;
    words += u->lens[i];
    if (u->lens[i] > u->max_len) u->max_len = u->lens[i];
  }
  uint64_t opt_at = ((uint64_t)HEADER + 4 * ((uint64_t)u->s + words + u->v + 1) + 7) & ~7ull;
  if (opt_at + 16ull * u->o + 32ull * u->l != len) return -6;
  u->words = words;
  u->wordv = u->lens + u->s;
  u->starts = u->wordv + words;
  u->opts = (const opt_t *)(in + opt_at);
  u->lm = (const lm_t *)(in + opt_at + 16ull * u->o);
  for (uint64_t i = 0; i < words; i++) if (u->wordv[i] >= u->v) return -8;
  if (u->starts[0] != 0 || u->starts[u->v] != u->o) return -9;
  for (uint32_t v = 0; v < u->v; v++) if (u->starts[v + 1] <= u->starts[v]) return -9;
  for (uint32_t o = 0; o < u->o; o++) {
    const opt_t *p = &u->opts[o];
    if (p->t1 == NONE && p->t2 != NONE) return -10;
    if (p->t1 == BOS || p->t1 == EOS || p->t2 == BOS || p->t2 == EOS || !finite(p->score)) return -10;
  }
  uint32_t max_t = EOS;
  for (uint32_t o = 0; o < u->o; o++) {
    if (u->opts[o].t1 != NONE && u->opts[o].t1 > max_t) max_t = u->opts[o].t1;
    if (u->opts[o].t2 != NONE && u->opts[o].t2 > max_t) max_t = u->opts[o].t2;
  }
  for (uint32_t k = 0; k < u->l; k++) {
    const uint32_t w[3] = {u->lm[k].w1, u->lm[k].w2, u->lm[k].w3};
    for (int i = 0; i < 3; i++) if (w[i] != NONE && w[i] > max_t) max_t = w[i];
  }
  if (max_t >= TARGET_IDS_MAX) return -17;
  uint32_t cap = 16;
  while ((uint64_t)cap < 2ull * u->l) cap <<= 1;
  u->tab = calloc(cap, sizeof(uint32_t));
  u->fw = malloc((u->v ? u->v : 1) * sizeof(double));
  size_t ids = (size_t)max_t + 1;
  u->uni_lp = malloc(ids * sizeof(double));
  u->uni_bow = malloc(ids * sizeof(double));
  u->uni_has = calloc(ids, 1);
  if (!u->tab || !u->fw || !u->uni_lp || !u->uni_bow || !u->uni_has) return -14;
  u->mask = cap - 1;
  for (uint32_t k = 0; k < u->l; k++) {
    const lm_t *e = &u->lm[k];
    if (e->w3 == NONE || (e->w1 != NONE && e->w2 == NONE) || e->pad != 0) return -11;
    if (!finite(e->logp) || !finite(e->bow)) return -11;
    uint32_t i = hash3(e->w1, e->w2, e->w3) & u->mask;
    while (u->tab[i] != 0) {
      const lm_t *g = &u->lm[u->tab[i] - 1];
      if (g->w1 == e->w1 && g->w2 == e->w2 && g->w3 == e->w3) return -12;
      i = (i + 1) & u->mask;
    }
    u->tab[i] = k + 1;
  }
  for (size_t w = 0; w < ids; w++) u->uni_lp[w] = u->unk;
  for (uint32_t k = 0; k < u->l; k++) {
    const lm_t *e = &u->lm[k];
    if (e->w1 != NONE || e->w2 != NONE) continue;
    u->uni_lp[e->w3] = e->logp;
    u->uni_bow[e->w3] = e->bow;
    u->uni_has[e->w3] = 1;
  }
  u->bounded = u->lmw >= 0;
  for (uint32_t k = 0; k < u->l && u->bounded; k++) u->bounded = u->lm[k].bow <= 0;
  double *max_lp = malloc(ids * sizeof(double));
  u->opt_ub = malloc(2 * (u->o ? u->o : 1) * sizeof(double));
  if (!max_lp || !u->opt_ub) return -14;
  for (size_t w = 0; w < ids; w++) max_lp[w] = u->uni_lp[w];
  for (uint32_t k = 0; k < u->l; k++) if (u->lm[k].logp > max_lp[u->lm[k].w3]) max_lp[u->lm[k].w3] = u->lm[k].logp;
  for (uint32_t o = 0; o < u->o; o++) {
    u->opt_ub[2 * o] = u->opts[o].t1 != NONE ? u->lmw * max_lp[u->opts[o].t1] + u->wp : 0;
    u->opt_ub[2 * o + 1] = u->opts[o].t2 != NONE ? u->lmw * max_lp[u->opts[o].t2] + u->wp : 0;
  }
  free(max_lp);
  /* A bound for all of a type's options at once, as assembly/tables.ts builds it. */
  u->type_ub = malloc(3 * (u->v ? u->v : 1) * sizeof(double));
  if (!u->type_ub) return -14;
  for (uint32_t v = 0; v < u->v; v++) {
    uint32_t o0 = u->starts[v];
    double ms = u->opts[o0].score, m1 = u->opt_ub[2 * o0], m2 = u->opt_ub[2 * o0 + 1];
    for (uint32_t o = o0 + 1; o < u->starts[v + 1]; o++) {
      if (u->opts[o].score > ms) ms = u->opts[o].score;
      if (u->opt_ub[2 * o] > m1) m1 = u->opt_ub[2 * o];
      if (u->opt_ub[2 * o + 1] > m2) m2 = u->opt_ub[2 * o + 1];
    }
    u->type_ub[3 * v] = ms, u->type_ub[3 * v + 1] = m1, u->type_ub[3 * v + 2] = m2;
  }
  for (uint32_t v = 0; v < u->v; v++) {
    double best = 0;
    for (uint32_t o = u->starts[v]; o < u->starts[v + 1]; o++) {
      const opt_t *p = &u->opts[o];
      double e = p->score;
      if (p->t1 != NONE) e = e + (u->lmw * unigram(u, p->t1) + u->wp);
      if (p->t2 != NONE) e = e + (u->lmw * unigram(u, p->t2) + u->wp);
      if (o == u->starts[v] || e > best) best = e;
    }
    u->fw[v] = best;
  }
  return 0;
}

/* A 32-bit signature of a hypothesis state: stacks scan these before comparing whole states. */
static inline uint32_t signature(uint64_t cov, uint32_t w1, uint32_t w2, int32_t last) {
  uint32_t h = (uint32_t)cov * 0x9e3779b1u;
  h = (h ^ (uint32_t)(cov >> 32)) * 0x85ebca77u;
  h = (h ^ w1) * 0xc2b2ae3du;
  h = (h ^ w2) * 0x27d4eb2fu;
  h = (h ^ (uint32_t)last) * 0x165667b1u;
  return h ^ (h >> 15);
}

static void run(const unit_t *u, hyp_t *hyps, uint32_t *sigs, double *ests, uint32_t *counts, unsigned char *out) {
  const uint32_t b = u->beam;
  const uint32_t *words = u->wordv;
  unsigned char *o = out;
  for (uint32_t si = 0; si < u->s; si++) {
    const uint32_t n = u->lens[si];
    memset(counts, 0, (n + 1) * sizeof(uint32_t));
    double future = 0;
    for (uint32_t j = 0; j < n; j++) future += u->fw[words[j]];
    hyps[0] = (hyp_t){0, future, 0, NONE, BOS, -1, -1, 0, 0};
    counts[0] = 1;
    for (uint32_t s = 0; s < n; s++) {
      const uint32_t cnt = counts[s];
      const size_t next = (size_t)(s + 1) * b;
      hyp_t *nb = hyps + next;
      uint32_t *nsig = sigs + next;
      double *nest = ests + next;
      uint32_t ncnt = counts[s + 1];
      int32_t worst_k = -1;
      double worst_e = 0;
      for (uint32_t k = 0; k < cnt; k++) {
        const uint32_t hi = s * b + k;
        const hyp_t h = hyps[hi];
        const double bo_ab = context_bow(u, h.w1, h.w2);
        const double bo_all = context_all(u, bo_ab, h.w2);
        const uint32_t first = (uint32_t)__builtin_ctzll(~h.cov);
        const uint32_t end = first + u->dlimit < n - 1 ? first + u->dlimit : n - 1;
        for (uint32_t j = first; j <= end; j++) {
          if ((h.cov >> j) & 1) continue;
          const uint32_t type = words[j];
          int32_t jump = (int32_t)j - (h.last + 1);
          if (jump < 0) jump = -jump;
          const double fut = h.future - u->fw[type];
          const uint64_t nc = h.cov | (1ull << j);
          /* Every option of the type at once (assembly/stack.ts): a NaN bound skips nothing. */
          if (u->bounded && ncnt == b) {
            if (worst_k < 0) {
              worst_k = 0;
              worst_e = nest[0];
              for (uint32_t q = 1; q < ncnt; q++) {
                if (nest[q] < worst_e) {
                  worst_e = nest[q];
                  worst_k = (int32_t)q;
                }
              }
            }
            const double *tu = u->type_ub + 3 * (size_t)type;
            double g = h.score + tu[0];
            g = g - u->dw * (double)jump;
            g = g + tu[1];
            g = g + tu[2];
            if (g + fut <= worst_e) continue;
          }
          for (uint32_t oi = u->starts[type]; oi < u->starts[type + 1]; oi++) {
            const opt_t *p = &u->opts[oi];
            double sc = h.score + p->score;
            sc = sc - u->dw * (double)jump;
            /* The bound of assembly/stack.ts: dropped before the LM when it cannot beat the worst. */
            if (u->bounded && ncnt == b && p->t1 != NONE) {
              double ub = sc + u->opt_ub[2 * oi];
              if (p->t2 != NONE) ub = ub + u->opt_ub[2 * oi + 1];
              if (worst_k < 0) {
                worst_k = 0;
                worst_e = nest[0];
                for (uint32_t q = 1; q < ncnt; q++) {
                  if (nest[q] < worst_e) {
                    worst_e = nest[q];
                    worst_k = (int32_t)q;
                  }
                }
              }
              if (!(ub + fut > worst_e)) continue;
            }
            uint32_t w1 = h.w1, w2 = h.w2;
            if (p->t1 != NONE) {
              sc = sc + (u->lmw * lm_in(u, w1, w2, p->t1, bo_ab, bo_all) + u->wp);
              w1 = w2;
              w2 = p->t1;
            }
            if (p->t2 != NONE) {
              const double bo2 = context_bow(u, w1, w2);
              sc = sc + (u->lmw * lm_in(u, w1, w2, p->t2, bo2, context_all(u, bo2, w2)) + u->wp);
              w1 = w2;
              w2 = p->t2;
            }
            /* A full stack refuses an extension not better than its worst estimate at once. */
            const double est = sc + fut;
            if (ncnt == b) {
              if (worst_k < 0) {
                worst_k = 0;
                worst_e = nest[0];
                for (uint32_t q = 1; q < ncnt; q++) {
                  if (nest[q] < worst_e) {
                    worst_e = nest[q];
                    worst_k = (int32_t)q;
                  }
                }
              }
              if (!(est > worst_e)) continue;
            }
            const uint32_t sig = signature(nc, w1, w2, (int32_t)j);
            int32_t same = -1;
            for (uint32_t q = 0; q < ncnt; q++) {
              if (nsig[q] != sig) continue;
              const hyp_t *r = &nb[q];
              if (r->cov == nc && r->w1 == w1 && r->w2 == w2 && r->last == (int32_t)j) {
                same = (int32_t)q;
                break;
              }
            }
            if (same >= 0) {
              hyp_t *r = &nb[same];
              if (sc > r->score) {
                r->score = sc;
                r->back = (int32_t)hi;
                r->opt = oi;
                nest[same] = sc + r->future;
                /* Another slot now above the worst leaves the worst where it was. */
                if (same == worst_k || !(nest[same] > worst_e)) worst_k = -1;
              }
              continue;
            }
            uint32_t slot = ncnt;
            if (ncnt < b) ncnt++;
            else slot = (uint32_t)worst_k;
            worst_k = -1;
            nb[slot] = (hyp_t){sc, fut, nc, w1, w2, (int32_t)j, (int32_t)hi, oi, 0};
            nsig[slot] = sig;
            nest[slot] = est;
          }
        }
      }
      counts[s + 1] = ncnt;
    }
    uint32_t best = 0;
    double best_score = 0;
    for (uint32_t k = 0; k < counts[n]; k++) {
      const hyp_t *p = &hyps[(size_t)n * b + k];
      double f = p->score + u->lmw * lm(u, p->w1, p->w2, EOS);
      if (k == 0 || f > best_score) {
        best_score = f;
        best = k;
      }
    }
    int32_t path[SENTENCE_MAX];
    int32_t hi = (int32_t)(n * b + best);
    for (int32_t s = (int32_t)n - 1; s >= 0; s--) {
      path[s] = hi;
      hi = hyps[hi].back;
    }
    uint64_t bits;
    memcpy(&bits, &best_score, 8);
    if (best_score != best_score) bits = CANONICAL_NAN;
    memset(o, 0, 16 + 16 * (size_t)n);
    memcpy(o, &bits, 8);
    uint32_t m = 0;
    for (uint32_t s = 0; s < n; s++) {
      const hyp_t *h = &hyps[path[s]];
      const opt_t *p = &u->opts[h->opt];
      uint32_t src = (uint32_t)h->last;
      uint32_t *slot = (uint32_t *)(o + 16);
      if (p->t1 != NONE) { slot[2 * m] = p->t1; slot[2 * m + 1] = src; m++; }
      if (p->t2 != NONE) { slot[2 * m] = p->t2; slot[2 * m + 1] = src; m++; }
    }
    memcpy(o + 8, &m, 4);
    o += 16 + 16 * (size_t)n;
    words += n;
  }
}

/* The bench harness's hooks (../native/bench_main.h): each run parses the unit and builds its
 * LM table and bounds, as the kernel's init does, then decodes; setup checks the unit once and
 * allocates the work buffers and the output (bytes, in the harness's f64 buffer). */
typedef struct {
  const unsigned char *in;
  size_t len;
  hyp_t *hyps;
  uint32_t *sigs;
  double *ests;
  uint32_t *counts;
} kernel_state_t;

static void unit_free(unit_t *u) {
  free(u->tab);
  free(u->fw);
  free(u->uni_lp);
  free(u->uni_bow);
  free(u->uni_has);
  free(u->opt_ub);
  free(u->type_ub);
}

static int kernel_setup(const unsigned char *in, size_t len, kernel_state_t *s, double **out, size_t *out_count) {
  unit_t u = {0};
  int code = parse(in, len, &u);
  unit_free(&u);
  if (code != 0) return code;
  s->in = in;
  s->len = len;
  size_t slots = ((size_t)u.max_len + 1) * u.beam;
  s->hyps = malloc(slots * sizeof(hyp_t));
  s->sigs = malloc(slots * sizeof(uint32_t));
  s->ests = malloc(slots * sizeof(double));
  s->counts = malloc((SENTENCE_MAX + 1) * sizeof(uint32_t));
  *out_count = 2 * (size_t)u.s + 2 * (size_t)u.words;
  *out = s->hyps && s->sigs && s->ests && s->counts ? malloc(*out_count ? *out_count * 8 : 8) : NULL;
  return 0;
}

static int kernel_run(kernel_state_t *s, double *out) {
  unit_t u = {0};
  int code = parse(s->in, s->len, &u);
  if (code == 0) run(&u, s->hyps, s->sigs, s->ests, s->counts, (unsigned char *)out);
  unit_free(&u);
  return code;
}

#include "../native/bench_main.h"
