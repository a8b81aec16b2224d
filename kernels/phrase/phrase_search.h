/*
 * The search half of phrase.c (included by it, after the unit and the LM): per sentence the
 * span table and future costs, the stacks (recombination chains, min-heaps of (estimate,
 * slot)), the phrase LM scores on both LM paths, and the n-best output. The same rules and
 * operation order as assembly/ (options.ts, search.ts, phraselm.ts, finish.ts).
 */

typedef struct {
  const unit_t *u;
  hyp_t *hyps;
  uint32_t *heap;
  int32_t *buckets;
  uint32_t nb_mask;
  uint32_t counts[SENT_MAX + 1];
  uint32_t span_first[SENT_MAX * SPAN_COLS], span_end[SENT_MAX * SPAN_COLS];
  double span_static[SENT_MAX * SPAN_COLS], span_ub[SENT_MAX * SPAN_COLS];
  double fc[(SENT_MAX + 1) * (SENT_MAX + 1)];
  uint32_t hist[HIST_WORDS];
  double state_bow[ORDER_MAX + 1], bow_a[ORDER_MAX + 1], bow_b[ORDER_MAX + 1];
  uint32_t flags_by_len[ORDER_MAX + 1];
  uint32_t closed_from;
} search_t;

static void prepare_sentence(search_t *z, uint32_t n, uint32_t first, uint32_t count) {
  const unit_t *u = z->u;
  memset(z->span_end, 0, (size_t)n * SPAN_COLS * sizeof(uint32_t));
  size_t w = (size_t)n + 1;
  for (size_t c = 0; c < w * w; c++) z->fc[c] = -INFINITY;
  for (uint32_t q = first; q < first + count; q++) {
    uint32_t s = opt_start(u, q), e = opt_end(u, q);
    size_t cell = (size_t)s * SPAN_COLS + e - s;
    if (z->span_end[cell] == 0) {
      z->span_first[cell] = q;
      z->span_static[cell] = u->st[q];
      z->span_ub[cell] = u->ub[q];
    }
    z->span_end[cell] = q + 1;
    if (u->st[q] > z->span_static[cell]) z->span_static[cell] = u->st[q];
    if (u->ub[q] > z->span_ub[cell]) z->span_ub[cell] = u->ub[q];
    if (u->est[q] > z->fc[s * w + e]) z->fc[s * w + e] = u->est[q];
  }
  for (size_t len = 1; len <= n; len++) {
    for (size_t i = 0; i + len <= n; i++) {
      size_t j = i + len;
      double v = z->fc[i * w + j];
      for (size_t k = i + 1; k < j; k++) {
        double c = z->fc[i * w + k] + z->fc[k * w + j];
        if (c > v) v = c;
      }
      z->fc[i * w + j] = v;
    }
  }
}

static inline double future_of(const search_t *z, uint64_t cov, uint32_t n) {
  size_t w = (size_t)n + 1;
  uint64_t open = n == 64 ? ~cov : ~cov & ((1ull << n) - 1);
  double f = 0;
  while (open != 0) {
    size_t a = (size_t)__builtin_ctzll(open);
    size_t b = a + (size_t)__builtin_ctzll(~(open >> a));
    f = f + z->fc[a * w + b];
    open = b >= 64 ? 0 : open & (~0ull << b);
  }
  return f;
}

static inline uint32_t load_state(search_t *z, const hyp_t *h) {
  memcpy(z->hist, h->w, 4 * (size_t)h->st_len);
  return h->st_len;
}

static void prepare_context(search_t *z, uint32_t st_len) {
  if (!z->u->closed) return;
  for (uint32_t l = 1; l <= st_len; l++) z->state_bow[l] = context_bow(z->u, z->hist + st_len - l, l);
}

/* assembly/phraselm.ts's phraseLm: the general path, or the closed LM's shortest-first scans. */
static double phrase_lm(search_t *z, uint32_t st_len, uint32_t q) {
  const unit_t *u = z->u;
  uint32_t len = opt_len(u, q), keep = u->n_order - 1;
  const uint32_t *words = u->tgt + u->tgt_at[q];
  double lm = 0;
  if (!u->closed) {
    for (uint32_t i = 0; i < len; i++) {
      uint32_t end = st_len + i;
      z->hist[end] = words[i];
      uint32_t ctx = end < keep ? end : keep;
      lm = lm + lp(u, z->hist + end - ctx, ctx);
    }
    return lm;
  }
  double *bows = z->state_bow, *next = z->bow_a;
  uint32_t known = st_len, m = 0;
  for (uint32_t i = 0; i < len; i++) {
    uint32_t end = st_len + i, w = words[i];
    z->hist[end] = w;
    uint32_t k = end < keep ? end : keep;
    m = 0;
    double logp = 0;
    uint32_t uf = u->uni_flags[w];
    if (uf & G_ENTRY) {
      m = 1;
      next[1] = u->uni_bow[w];
      z->flags_by_len[1] = uf;
      uint32_t h = mix(SEED, w);
      for (uint32_t l = 2; l <= k + 1; l++) {
        const uint32_t *at = z->hist + end + 1 - l;
        h = mix(h, at[0]);
        const gram_t *e = find(u, at, l, finish(h, l));
        if (!e) break;
        m = l;
        logp = e->logp;
        next[l] = e->bow;
        z->flags_by_len[l] = e->flags;
      }
    }
    double acc = 0;
    uint32_t low = m > 1 ? m : 1;
    for (uint32_t l = k < known ? k : known; l >= low; l--) acc = acc + bows[l];
    lm = lm + (m > 1 ? acc + logp : acc + u->uni_lp[w]);
    bows = next;
    next = next == z->bow_a ? z->bow_b : z->bow_a;
    known = m;
  }
  uint32_t total = st_len + len;
  if (len == 0) {
    z->closed_from = 0;
  } else {
    uint32_t l = total < keep ? total : keep;
    if (m < l) l = m;
    while (l > 0 && (z->flags_by_len[l] & G_CONTEXT) == 0 && bows[l] == 0) l--;
    z->closed_from = total - l;
  }
  return lm;
}

static inline uint32_t state_start(search_t *z, uint32_t st_len, uint32_t total) {
  if (z->u->closed) return z->closed_from;
  return total == st_len ? 0 : minimise(z->u, z->hist, total);
}

static inline uint32_t state_sig(uint64_t cov, const uint32_t *words, uint32_t len, uint32_t last) {
  uint32_t h = ((uint32_t)cov ^ 0x9e3779b1u) * 0x85ebca77u;
  h = (h ^ (uint32_t)(cov >> 32) ^ (h >> 15)) * 0xc2b2ae3du;
  for (uint32_t k = 0; k < len; k++) h = (h ^ words[k] ^ (h >> 13)) * 0x27d4eb2fu;
  h = (h ^ (len << 8) ^ last ^ (h >> 16)) * 0x165667b1u;
  return h ^ (h >> 15);
}

static inline int worse(const search_t *z, uint32_t a, uint32_t b) {
  double ea = z->hyps[a].est, eb = z->hyps[b].est;
  return ea < eb || (ea == eb && a < b);
}

static inline void heap_swap(search_t *z, uint32_t *heap, uint32_t i, uint32_t j) {
  uint32_t a = heap[i], b = heap[j];
  heap[i] = b;
  heap[j] = a;
  z->hyps[b].heap_pos = i;
  z->hyps[a].heap_pos = j;
}

static void sift_up(search_t *z, uint32_t *heap, uint32_t i) {
  while (i > 0) {
    uint32_t p = (i - 1) >> 1;
    if (!worse(z, heap[i], heap[p])) break;
    heap_swap(z, heap, i, p);
    i = p;
  }
}

static void sift_down(search_t *z, uint32_t *heap, uint32_t cnt, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1;
    if (l >= cnt) return;
    uint32_t c = l;
    if (l + 1 < cnt && worse(z, heap[l + 1], heap[l])) c = l + 1;
    if (!worse(z, heap[c], heap[i])) return;
    heap_swap(z, heap, i, c);
    i = c;
  }
}

static int32_t *bucket_of(search_t *z, uint32_t t, uint32_t sig) { return &z->buckets[(size_t)t * (z->nb_mask + 1) + (sig & z->nb_mask)]; }

static void place(search_t *z, uint32_t t, uint32_t r, double sc, double fut, double est, uint64_t cov, uint32_t from, uint32_t to, uint32_t last, int32_t back, uint32_t q, uint32_t sig) {
  hyp_t *h = &z->hyps[r];
  h->score = sc; h->est = est; h->fut = fut; h->cov = cov;
  h->st_len = to - from;
  memcpy(h->w, z->hist + from, 4 * (size_t)(to - from));
  h->last = last; h->back = back; h->opt = q; h->sig = sig;
  int32_t *bucket = bucket_of(z, t, sig);
  h->next = *bucket;
  *bucket = (int32_t)r;
}

static void insert(search_t *z, uint32_t t, double sc, double fut, double est, uint64_t cov, uint32_t from, uint32_t to, uint32_t last, int32_t back, uint32_t q) {
  const uint32_t b = z->u->beam, len = to - from;
  const uint32_t sig = state_sig(cov, z->hist + from, len, last);
  uint32_t *heap = z->heap + (size_t)t * b;
  const uint32_t cnt = z->counts[t];
  for (int32_t r = *bucket_of(z, t, sig); r >= 0; r = z->hyps[r].next) {
    hyp_t *h = &z->hyps[r];
    if (h->sig == sig && h->cov == cov && h->last == last && h->st_len == len && memcmp(h->w, z->hist + from, 4 * (size_t)len) == 0) {
      if (sc > h->score) {
        h->score = sc;
        h->est = sc + h->fut;
        h->back = back;
        h->opt = q;
        sift_down(z, heap, cnt, h->heap_pos);
      }
      return;
    }
  }
  if (cnt < b) {
    uint32_t r = t * b + cnt;
    place(z, t, r, sc, fut, est, cov, from, to, last, back, q, sig);
    heap[cnt] = r;
    z->hyps[r].heap_pos = cnt;
    z->counts[t] = cnt + 1;
    sift_up(z, heap, cnt);
  } else {
    uint32_t r = heap[0];
    int32_t *old = bucket_of(z, t, z->hyps[r].sig);
    if (*old == (int32_t)r) *old = z->hyps[r].next;
    else {
      int32_t p = *old;
      while (z->hyps[p].next != (int32_t)r) p = z->hyps[p].next;
      z->hyps[p].next = z->hyps[r].next;
    }
    place(z, t, r, sc, fut, est, cov, from, to, last, back, q, sig);
    sift_down(z, heap, cnt, 0);
  }
}

static inline double worst_est(const search_t *z, uint32_t t) { return z->hyps[z->heap[(size_t)t * z->u->beam]].est; }

static void expand_stack(search_t *z, uint32_t t, uint32_t n) {
  const unit_t *u = z->u;
  const uint32_t b = u->beam, d = u->dlimit;
  const double lw = u->wlm, dw = u->wdist;
  const int bounded = lw >= 0;
  const uint32_t cnt = z->counts[t];
  for (uint32_t k = 0; k < cnt; k++) {
    const uint32_t hi = t * b + k;
    const hyp_t *h = &z->hyps[hi];
    const uint64_t cov = h->cov;
    const uint32_t last = h->last;
    const double score = h->score;
    const uint32_t st_len = load_state(z, h);
    prepare_context(z, st_len);
    const uint32_t f = (uint32_t)__builtin_ctzll(~cov);
    uint32_t s_hi = last + d;
    const uint32_t reach = f + (d > 1 ? d : 1) - 1;
    if (reach < s_hi) s_hi = reach;
    if (n - 1 < s_hi) s_hi = n - 1;
    const uint32_t s_lo = last > f + d ? last - d : f;
    for (uint32_t s = s_lo; s <= s_hi; s++) {
      if ((cov >> s) & 1) continue;
      const uint32_t jump = s > last ? s - last : last - s;
      const double base = score + dw * (double)jump;
      uint64_t ncov = cov;
      const uint32_t e_hi = s + SRC_LEN_MAX < n ? s + SRC_LEN_MAX : n;
      for (uint32_t e = s + 1; e <= e_hi; e++) {
        if ((cov >> (e - 1)) & 1) break;
        if (s != f && e - f > d) break;
        ncov |= 1ull << (e - 1);
        const size_t cell = (size_t)s * SPAN_COLS + e - s;
        const uint32_t q1 = z->span_end[cell];
        if (q1 == 0) continue;
        const uint32_t tt = t + e - s;
        const double fut = future_of(z, ncov, n);
        if (bounded && z->counts[tt] == b) {
          const double ub = base + z->span_static[cell] + lw * z->span_ub[cell];
          if (!(ub + fut > worst_est(z, tt))) continue;
        }
        for (uint32_t q = z->span_first[cell]; q < q1; q++) {
          double sc = base + u->st[q];
          if (bounded && z->counts[tt] == b) {
            const double ub = sc + lw * u->ub[q];
            if (!(ub + fut > worst_est(z, tt))) continue;
          }
          sc = sc + lw * phrase_lm(z, st_len, q);
          const double est = sc + fut;
          if (z->counts[tt] == b && !(est > worst_est(z, tt))) continue;
          const uint32_t total = st_len + opt_len(u, q);
          insert(z, tt, sc, fut, est, ncov, state_start(z, st_len, total), total, e, (int32_t)hi, q);
        }
      }
    }
  }
}

static double end_lp(search_t *z, const hyp_t *h) {
  uint32_t len = load_state(z, h);
  z->hist[len] = EOS;
  return lp(z->u, z->hist, len);
}

static void store_canonical(unsigned char *p, double v) {
  uint64_t bits;
  memcpy(&bits, &v, 8);
  if (v != v) bits = CANONICAL_NAN;
  memcpy(p, &bits, 8);
}

static void write_candidate(search_t *z, uint32_t r, double score, unsigned char *p) {
  const unit_t *u = z->u;
  int32_t path[SENT_MAX];
  uint32_t phrases = 0;
  for (int32_t h = (int32_t)r; z->hyps[h].back >= 0; h = z->hyps[h].back) phrases++;
  uint32_t at = phrases;
  for (int32_t h = (int32_t)r; z->hyps[h].back >= 0; h = z->hyps[h].back) path[--at] = h;
  store_canonical(p, score);
  unsigned char *feats = p + 8;
  for (uint32_t k = 0; k < u->f; k++) {
    double f = 0;
    for (uint32_t i = 0; i < phrases; i++) f = f + u->scores[(size_t)z->hyps[path[i]].opt * u->f + k];
    store_canonical(feats + 8 * k, f);
  }
  double lm = 0;
  uint32_t words = 0, dist = 0, prev_end = 0;
  unsigned char *words_at = feats + 8 * ((size_t)u->f + EXTRA) + 8;
  for (uint32_t i = 0; i < phrases; i++) {
    const hyp_t *h = &z->hyps[path[i]];
    uint32_t q = h->opt;
    uint32_t st_len = load_state(z, &z->hyps[h->back]);
    prepare_context(z, st_len);
    lm = lm + phrase_lm(z, st_len, q);
    uint32_t s = opt_start(u, q), e = opt_end(u, q), len = opt_len(u, q);
    dist += s > prev_end ? s - prev_end : prev_end - s;
    prev_end = e;
    for (uint32_t j = 0; j < len; j++) {
      unsigned char *w = words_at + 8 * (size_t)(words + j);
      uint32_t id = u->tgt[u->tgt_at[q] + j];
      uint16_t ss = (uint16_t)s, ee = (uint16_t)e;
      memcpy(w, &id, 4);
      memcpy(w + 4, &ss, 2);
      memcpy(w + 6, &ee, 2);
    }
    words += len;
  }
  lm = lm + end_lp(z, &z->hyps[r]);
  store_canonical(feats + 8 * u->f, lm);
  store_canonical(feats + 8 * (u->f + 1), (double)words);
  store_canonical(feats + 8 * (u->f + 2), (double)phrases);
  store_canonical(feats + 8 * (u->f + 3), (double)dist);
  memcpy(feats + 8 * ((size_t)u->f + EXTRA), &words, 4);
}

static size_t finish_sentence(search_t *z, uint32_t n, uint32_t width, unsigned char *out, double *fin, unsigned char *taken) {
  const unit_t *u = z->u;
  const uint32_t cnt = z->counts[n], base = n * u->beam;
  for (uint32_t k = 0; k < cnt; k++) {
    fin[k] = z->hyps[base + k].score + u->wlm * end_lp(z, &z->hyps[base + k]);
    taken[k] = 0;
  }
  const uint32_t c = cnt < u->nbest ? cnt : u->nbest;
  const size_t slot = candidate_bytes(u, width);
  memcpy(out, &c, 4);
  memcpy(out + 4, &width, 4);
  for (uint32_t idx = 0; idx < c; idx++) {
    int32_t best = -1;
    double best_fin = 0;
    for (uint32_t k = 0; k < cnt; k++) {
      if (taken[k]) continue;
      if (best < 0 || fin[k] > best_fin) {
        best = (int32_t)k;
        best_fin = fin[k];
      }
    }
    taken[best] = 1;
    write_candidate(z, base + (uint32_t)best, best_fin, out + 8 + idx * slot);
  }
  return 8 + u->nbest * slot;
}

/* Decodes every sentence of a parsed unit into `out` (zeroed, the output's size); 0 or -24. */
static int decode_unit(const unit_t *u, unsigned char *out) {
  search_t *z = calloc(1, sizeof(search_t));
  uint32_t nb = 1;
  while (nb < 2 * u->beam) nb <<= 1;
  size_t slots = ((size_t)u->max_len + 1) * u->beam;
  if (z) {
    z->u = u;
    z->nb_mask = nb - 1;
    z->hyps = malloc(slots * sizeof(hyp_t));
    z->heap = malloc(slots * sizeof(uint32_t));
    z->buckets = malloc(((size_t)u->max_len + 1) * nb * sizeof(int32_t));
  }
  double *fin = malloc(u->beam * sizeof(double));
  unsigned char *taken = malloc(u->beam);
  int code = z && z->hyps && z->heap && z->buckets && fin && taken ? 0 : -24;
  for (uint32_t i = 0, first = 0; i < u->s && code == 0; first += u->counts[i], i++) {
    const uint32_t n = u->lens[i];
    prepare_sentence(z, n, first, u->counts[i]);
    memset(z->counts, 0, sizeof z->counts);
    memset(z->buckets, 0xff, ((size_t)n + 1) * nb * sizeof(int32_t));
    z->hist[0] = BOS;
    const double fut = future_of(z, 0, n);
    const uint32_t from = minimise(u, z->hist, 1);
    place(z, 0, 0, 0, fut, 0 + fut, 0, from, 1, 0, -1, 0, state_sig(0, z->hist + from, 1 - from, 0));
    z->heap[0] = 0;
    z->hyps[0].heap_pos = 0;
    z->counts[0] = 1;
    for (uint32_t t = 0; t < n; t++) expand_stack(z, t, n);
    out += finish_sentence(z, n, sentence_width(u, n, first, u->counts[i]), out, fin, taken);
  }
  if (z) {
    free(z->hyps);
    free(z->heap);
    free(z->buckets);
  }
  free(z);
  free(fin);
  free(taken);
  return code;
}
