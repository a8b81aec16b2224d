/*
 * Phrase-based translation decoding in C: the native baseline of the phrase kernel. Same
 * algorithm, same byte layout (shared/kernels/phrase.codec.ts), the same checks in the same
 * order, tie-breaking and floating-point operation order as assembly/index.ts (fixed in its
 * module comment), so its output bytes are identical. Build with -ffp-contract=off: a fused
 * multiply-add would round differently.
 *
 *   gcc -O3 -ffp-contract=off -o bench/out/phrase kernels/phrase/phrase.c
 *   bench/out/phrase INPUT OUTPUT [RUNS]
 *
 * The command line is the shared bench harness's (../native/bench_main.h): each of RUNS runs
 * parses the unit and builds its LM table, as the kernel's init does, then decodes; exit 2 on
 * a refused input.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER 88
#define NONE 0xffffffffu
#define BOS 0u
#define EOS 1u
#define SENT_MAX 64
#define SRC_LEN_MAX 7
#define TGT_LEN_MAX 7
#define FEATURES_MAX 8
#define EXTRA 4
#define ORDER_MAX 5
#define BEAM_MAX 1024
#define NBEST_MAX 32
#define DIST_MAX 16
#define OPTIONS_MAX 16384
#define IDS_MAX (1u << 20)
#define VALUE_MAX 1e12
#define SPAN_COLS (SRC_LEN_MAX + 1)
#define HIST_WORDS (ORDER_MAX - 1 + TGT_LEN_MAX + 1)
#define SEED 0x811c9dc5u
#define G_ENTRY 1u
#define G_CONTEXT 2u
#define CANONICAL_NAN 0x7ff8000000000000ull

typedef struct {
  double logp, bow;
  uint32_t len, flags, w[5], pad;
} gram_t;

typedef struct {
  double score, est, fut;
  uint64_t cov;
  uint32_t w[4], st_len, last;
  int32_t back;
  uint32_t opt, sig;
  int32_t next;
  uint32_t heap_pos, pad;
} hyp_t;

typedef struct {
  /* The header. */
  uint32_t s, f, n_order, l, beam, dlimit, nbest, o, t, max_len, max_id;
  uint64_t words;
  double unk, wlm, wword, wphrase, wdist;
  const double *wtm, *scores, *logp, *bow;
  const uint32_t *lens, *counts, *heads, *tgt, *lm_ids;
  /* The LM. */
  uint64_t *slots;
  uint32_t mask, records;
  gram_t *grams;
  double *uni_lp, *uni_bow, *max_lp, bow_max;
  unsigned char *uni_flags;
  int closed;
  /* Per option. */
  double *st, *est, *ub;
  uint32_t *tgt_at;
} unit_t;

static int is_finite(double v) { return v - v == 0; }
static int in_range(double v) { return is_finite(v) && fabs(v) <= VALUE_MAX; }
static uint32_t opt_start(const unit_t *u, uint32_t o) { return u->heads[o] & 0xff; }
static uint32_t opt_end(const unit_t *u, uint32_t o) { return (u->heads[o] >> 8) & 0xff; }
static uint32_t opt_len(const unit_t *u, uint32_t o) { return (u->heads[o] >> 16) & 0xff; }

static inline uint32_t mix(uint32_t h, uint32_t id) {
  h = (h ^ id) * 0x9e3779b1u;
  return h ^ (h >> 15);
}
static inline uint32_t finish(uint32_t h, uint32_t len) {
  h = (h ^ len) * 0x85ebca77u;
  return h ^ (h >> 13);
}
/* Folded newest first, as assembly/lm.ts. */
static inline uint32_t hash_of(const uint32_t *seq, uint32_t len) {
  uint32_t h = SEED;
  for (int k = (int)len - 1; k >= 0; k--) h = mix(h, seq[k]);
  return finish(h, len);
}

static inline gram_t *find(const unit_t *u, const uint32_t *seq, uint32_t len, uint32_t hash) {
  uint32_t i = hash & u->mask;
  for (uint64_t slot = u->slots[i]; slot != 0; slot = u->slots[i]) {
    if ((uint32_t)(slot >> 32) == hash) {
      gram_t *g = &u->grams[(uint32_t)slot - 1];
      if (g->len == len && memcmp(g->w, seq, 4 * (size_t)len) == 0) return g;
    }
    i = (i + 1) & u->mask;
  }
  return NULL;
}

static gram_t *find_or_add(unit_t *u, const uint32_t *seq, uint32_t len) {
  uint32_t hash = hash_of(seq, len);
  gram_t *g = find(u, seq, len, hash);
  if (g) return g;
  uint32_t i = hash & u->mask;
  while (u->slots[i] != 0) i = (i + 1) & u->mask;
  uint32_t r = u->records++;
  u->slots[i] = ((uint64_t)hash << 32) | (uint64_t)(r + 1);
  g = &u->grams[r];
  memset(g, 0, sizeof *g);
  g->len = len;
  memcpy(g->w, seq, 4 * (size_t)len);
  return g;
}

static const uint32_t *entry_words(const unit_t *u, uint32_t k, uint32_t *len) {
  const uint32_t *row = u->lm_ids + (size_t)k * u->n_order;
  uint32_t pad = 0;
  while (row[pad] == NONE) pad++;
  *len = u->n_order - pad;
  return row + pad;
}

static double context_bow(const unit_t *u, const uint32_t *seq, uint32_t len) {
  if (len == 1) return u->uni_bow[seq[0]];
  const gram_t *c = find(u, seq, len, hash_of(seq, len));
  return c ? c->bow : 0;
}

/* log p(w | the ctx words at seq), w at seq[ctx] (assembly/lm.ts's lp). */
static double lp(const unit_t *u, const uint32_t *seq, uint32_t ctx) {
  double acc = 0;
  for (uint32_t j = 0; j < ctx; j++) {
    uint32_t len = ctx - j + 1;
    const gram_t *e = find(u, seq + j, len, hash_of(seq + j, len));
    if (e && (e->flags & G_ENTRY)) return acc + e->logp;
    acc = acc + context_bow(u, seq + j, len - 1);
  }
  return acc + u->uni_lp[seq[ctx]];
}

static int droppable(const unit_t *u, const uint32_t *seq, uint32_t len) {
  if (len == 1) return (u->uni_flags[seq[0]] & G_CONTEXT) == 0 && u->uni_bow[seq[0]] == 0;
  const gram_t *c = find(u, seq, len, hash_of(seq, len));
  return !c || ((c->flags & G_CONTEXT) == 0 && c->bow == 0);
}

static uint32_t minimise(const unit_t *u, const uint32_t *hist, uint32_t total) {
  uint32_t keep = u->n_order - 1;
  uint32_t from = total > keep ? total - keep : 0;
  while (from < total && droppable(u, hist + from, total - from)) from++;
  return from;
}

/* The header, the sentences and options, the values, in assembly/unit.ts's order; 0 or the code. */
static int check(const unsigned char *in, size_t len, unit_t *u) {
  if (len < HEADER) return -1;
  const uint32_t *h = (const uint32_t *)in;
  if (h[0] != 1) return -2;
  u->s = h[1]; u->f = h[2]; u->n_order = h[3]; u->l = h[4]; u->beam = h[5]; u->dlimit = h[6]; u->nbest = h[7]; u->o = h[8]; u->t = h[9];
  if (u->f < 1 || u->f > FEATURES_MAX) return -3;
  if (u->n_order < 1 || u->n_order > ORDER_MAX) return -4;
  if (u->beam < 1 || u->beam > BEAM_MAX) return -5;
  if (u->dlimit > DIST_MAX) return -6;
  if (u->nbest < 1 || u->nbest > NBEST_MAX) return -7;
  if (h[10] != 0 || h[11] != 0) return -8;
  uint64_t F = u->f, O = u->o, L = u->l, S = u->s;
  if ((uint64_t)HEADER + 8 * F + 8 * O * F + 16 * L + 8 * S + 4 * O + 4 * (uint64_t)u->t + 4 * L * u->n_order != len) return -9;
  const double *w = (const double *)(in + 48);
  u->unk = w[0]; u->wlm = w[1]; u->wword = w[2]; u->wphrase = w[3]; u->wdist = w[4];
  u->wtm = (const double *)(in + HEADER);
  if (!in_range(u->unk) || !in_range(u->wlm) || !in_range(u->wword) || !in_range(u->wphrase) || !in_range(u->wdist)) return -10;
  for (uint32_t k = 0; k < u->f; k++) if (!in_range(u->wtm[k])) return -10;
  u->scores = u->wtm + F;
  u->logp = u->scores + O * F;
  u->bow = u->logp + L;
  u->lens = (const uint32_t *)(u->bow + L);
  u->counts = u->lens + S;
  u->heads = u->counts + S;
  u->tgt = u->heads + O;
  u->lm_ids = u->tgt + u->t;
  u->words = 0; u->max_len = 0; u->max_id = 1;
  for (uint32_t i = 0; i < u->s; i++) {
    if (u->lens[i] > SENT_MAX) return -11;
    u->words += u->lens[i];
    if (u->lens[i] > u->max_len) u->max_len = u->lens[i];
  }
  uint64_t total = 0;
  for (uint32_t i = 0; i < u->s; i++) {
    if (u->counts[i] > OPTIONS_MAX) return -12;
    total += u->counts[i];
  }
  if (total != O) return -12;
  uint64_t targets = 0;
  for (uint32_t i = 0, o = 0; i < u->s; i++) {
    uint32_t n = u->lens[i];
    uint64_t single = 0;
    for (uint32_t q = 0; q < u->counts[i]; q++, o++) {
      uint32_t s = opt_start(u, o), e = opt_end(u, o), l = opt_len(u, o);
      if ((u->heads[o] >> 24) != 0) return -13;
      if (s >= e || e > n) return -14;
      if (e - s > SRC_LEN_MAX) return -15;
      if (l > TGT_LEN_MAX) return -16;
      if (q > 0 && (s < opt_start(u, o - 1) || (s == opt_start(u, o - 1) && e < opt_end(u, o - 1)))) return -17;
      targets += l;
      if (e == s + 1) single |= 1ull << s;
    }
    uint64_t all = n == 64 ? ~0ull : (1ull << n) - 1;
    if (single != all) return -18;
  }
  if (targets != u->t) return -19;
  for (uint32_t k = 0; k < u->t; k++) {
    if (u->tgt[k] <= 1 || u->tgt[k] >= IDS_MAX) return -20;
    if (u->tgt[k] > u->max_id) u->max_id = u->tgt[k];
  }
  for (uint64_t k = 0; k < O * F; k++) if (!in_range(u->scores[k])) return -21;
  for (uint32_t k = 0; k < u->l; k++) {
    const uint32_t *row = u->lm_ids + (size_t)k * u->n_order;
    uint32_t pad = 0;
    while (pad < u->n_order && row[pad] == NONE) pad++;
    if (pad == u->n_order) return -22;
    for (uint32_t i = pad; i < u->n_order; i++) {
      if (row[i] >= IDS_MAX) return -22;
      if (row[i] > u->max_id) u->max_id = row[i];
    }
    if (!in_range(u->logp[k]) || !in_range(u->bow[k])) return -22;
  }
  return 0;
}

/* The LM table, unigrams, closedness and bounds (assembly/lm.ts's buildLm); 0, -23 or -24. */
static int build_lm(unit_t *u) {
  size_t ids = (size_t)u->max_id + 1;
  uint32_t cap = 16;
  while ((uint64_t)cap < 4ull * u->l) cap <<= 1;
  u->mask = cap - 1;
  u->slots = calloc(cap, sizeof(uint64_t));
  u->grams = malloc((2 * (size_t)u->l + 1) * sizeof(gram_t));
  u->uni_lp = malloc(ids * sizeof(double));
  u->uni_bow = calloc(ids, sizeof(double));
  u->max_lp = malloc(ids * sizeof(double));
  u->uni_flags = calloc(ids, 1);
  if (!u->slots || !u->grams || !u->uni_lp || !u->uni_bow || !u->max_lp || !u->uni_flags) return -24;
  for (size_t w = 0; w < ids; w++) u->uni_lp[w] = u->unk;
  u->records = 0;
  for (uint32_t k = 0; k < u->l; k++) {
    uint32_t len;
    const uint32_t *seq = entry_words(u, k, &len);
    if (len == 1) {
      if (u->uni_flags[seq[0]] & G_ENTRY) return -23;
      u->uni_flags[seq[0]] |= G_ENTRY;
      u->uni_lp[seq[0]] = u->logp[k];
      u->uni_bow[seq[0]] = u->bow[k];
      continue;
    }
    gram_t *g = find_or_add(u, seq, len);
    if (g->flags & G_ENTRY) return -23;
    g->flags |= G_ENTRY;
    g->logp = u->logp[k];
    g->bow = u->bow[k];
  }
  for (uint32_t k = 0; k < u->l; k++) {
    uint32_t len;
    const uint32_t *seq = entry_words(u, k, &len);
    if (len == 2) u->uni_flags[seq[0]] |= G_CONTEXT;
    else if (len > 2) find_or_add(u, seq, len - 1)->flags |= G_CONTEXT;
  }
  u->closed = 1;
  for (uint32_t r = 0; r < u->records && u->closed; r++) u->closed = (u->grams[r].flags & G_ENTRY) != 0;
  for (uint32_t k = 0; k < u->l && u->closed; k++) {
    uint32_t len;
    const uint32_t *seq = entry_words(u, k, &len);
    if (len == 2 && !(u->uni_flags[seq[1]] & G_ENTRY)) u->closed = 0;
    if (len > 2) {
      const gram_t *g = find(u, seq + 1, len - 1, hash_of(seq + 1, len - 1));
      if (!g || !(g->flags & G_ENTRY)) u->closed = 0;
    }
  }
  memcpy(u->max_lp, u->uni_lp, ids * sizeof(double));
  u->bow_max = 0;
  for (uint32_t k = 0; k < u->l; k++) {
    uint32_t len;
    const uint32_t *seq = entry_words(u, k, &len);
    if (u->logp[k] > u->max_lp[seq[len - 1]]) u->max_lp[seq[len - 1]] = u->logp[k];
    if (u->bow[k] > u->bow_max) u->bow_max = u->bow[k];
  }
  return 0;
}

/* static, est, ub and target offsets of every option (assembly/options.ts's buildOptions). */
static int build_options(unit_t *u) {
  size_t O = u->o ? u->o : 1;
  u->st = malloc(O * sizeof(double));
  u->est = malloc(O * sizeof(double));
  u->ub = malloc(O * sizeof(double));
  u->tgt_at = malloc(O * sizeof(uint32_t));
  if (!u->st || !u->est || !u->ub || !u->tgt_at) return -24;
  double bow_ub = 0;
  for (uint32_t k = 1; k < u->n_order; k++) bow_ub = bow_ub + u->bow_max;
  uint32_t at = 0;
  for (uint32_t o = 0; o < u->o; o++) {
    double tm = 0;
    for (uint32_t k = 0; k < u->f; k++) tm = tm + u->wtm[k] * u->scores[(size_t)o * u->f + k];
    uint32_t len = opt_len(u, o);
    double st = tm + u->wword * (double)len;
    st = st + u->wphrase;
    const uint32_t *words = u->tgt + at;
    double lm = 0, ub = 0;
    for (uint32_t i = 0; i < len; i++) {
      uint32_t ctx = i < u->n_order - 1 ? i : u->n_order - 1;
      lm = lm + lp(u, words + i - ctx, ctx);
      ub = ub + (bow_ub + u->max_lp[words[i]]);
    }
    u->st[o] = st;
    u->est[o] = st + u->wlm * lm;
    u->ub[o] = ub;
    u->tgt_at[o] = at;
    at += len;
  }
  return 0;
}

static void unit_free(unit_t *u) {
  free(u->slots); free(u->grams); free(u->uni_lp); free(u->uni_bow); free(u->max_lp); free(u->uni_flags);
  free(u->st); free(u->est); free(u->ub); free(u->tgt_at);
}

static int parse(const unsigned char *in, size_t len, unit_t *u) {
  int code = check(in, len, u);
  if (code == 0) code = build_lm(u);
  if (code == 0) code = build_options(u);
  return code;
}

/* W of sentence i whose options start at o (phraseSentenceWidth of the codec). */
static uint32_t sentence_width(const unit_t *u, uint32_t n, uint32_t o, uint32_t c) {
  int32_t best[SENT_MAX + 1];
  best[0] = 0;
  for (uint32_t j = 1; j <= n; j++) best[j] = -1;
  for (uint32_t q = o; q < o + c; q++) {
    int32_t from = best[opt_start(u, q)];
    if (from >= 0 && from + (int32_t)opt_len(u, q) > best[opt_end(u, q)]) best[opt_end(u, q)] = from + (int32_t)opt_len(u, q);
  }
  return (uint32_t)best[n];
}

static size_t candidate_bytes(const unit_t *u, uint32_t width) { return 8 * ((size_t)u->f + EXTRA + 2 + width); }

#include "phrase_search.h"

/* The bench harness's hooks (../native/bench_main.h): setup checks the unit once and sizes the
 * output; each run parses the unit (checks, LM table, per-option numbers) and decodes it. */
typedef struct {
  const unsigned char *in;
  size_t len;
} kernel_state_t;

static int kernel_setup(const unsigned char *in, size_t len, kernel_state_t *s, double **out, size_t *out_count) {
  unit_t u = {0};
  int code = parse(in, len, &u);
  size_t bytes = 0;
  if (code == 0)
    for (uint32_t i = 0, o = 0; i < u.s; o += u.counts[i], i++) bytes += 8 + u.nbest * candidate_bytes(&u, sentence_width(&u, u.lens[i], o, u.counts[i]));
  unit_free(&u);
  if (code != 0) return code;
  s->in = in;
  s->len = len;
  *out_count = bytes / 8;
  *out = calloc(bytes ? bytes : 8, 1);
  return 0;
}

static int kernel_run(kernel_state_t *s, double *out) {
  unit_t u = {0};
  int code = parse(s->in, s->len, &u);
  if (code == 0) code = decode_unit(&u, (unsigned char *)out);
  unit_free(&u);
  return code;
}

#include "../native/bench_main.h"
