/*
 * Energy-balance-model ensemble in C: the native baseline of bench/ebm.ts. Same algorithm,
 * same byte layout (shared/kernels/ebm.codec.ts) and the same floating-point operation order
 * as assembly/index.ts (fixed there), so its output bytes are identical. Build with
 * -ffp-contract=off: a fused multiply-add would round differently.
 *
 *   gcc -O3 -ffp-contract=off -o bench/out/ebm kernels/ebm/ebm.c
 *   bench/out/ebm INPUT OUTPUT [RUNS]
 *
 * Runs the unit RUNS times (default 1), prints each run's wall time in nanoseconds on its
 * own line, and writes the output bytes of the last run. Exit 2 on a refused input.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER 72
#define PARAMS 9
#define DIAGNOSTICS 5
#define FLAG_ICE 1u
#define FLAG_PROFILE 2u
#define CANONICAL_NAN 0x7ff8000000000000ull

typedef struct {
  uint32_t n, m, max_steps;
  int ice, profile;
  double dt, heat_capacity, tolerance, s2, a2, ramp_w;
  const double *params; /* m x PARAMS */
} unit_t;

typedef struct {
  double *k, *p2, *s, *cp, *inv, *g, *aw, *ai, *t, *d;
} work_t;

static void canonical_store(double *dst, double v) {
  uint64_t bits;
  memcpy(&bits, &v, 8);
  if (v != v) bits = CANONICAL_NAN;
  memcpy(dst, &bits, 8);
}

static void build_grid(const unit_t *u, work_t *w) {
  uint32_t n = u->n;
  double dx = 1.0 / (double)n;
  for (uint32_t i = 0; i < n; i++) {
    double x = ((double)i + 0.5) * dx;
    double p2 = (3.0 * x * x - 1.0) * 0.5;
    w->p2[i] = p2;
    w->s[i] = 1.0 + u->s2 * p2;
    double k = 0.0;
    if (i < n - 1) {
      double xf = (double)(i + 1) * dx;
      k = (1.0 - xf * xf) / (dx * dx);
    }
    w->k[i] = k;
  }
}

/* Absorbed sunlight in cell i at temperature t; see assembly/index.ts. */
static inline double absorbed(int ice, const double *restrict aw, const double *restrict ai, uint32_t i, double t,
                              double t_lo, double t_hi, double h) {
  if (!ice || t >= t_hi) return aw[i];
  return t <= t_lo ? ai[i] : ai[i] + (aw[i] - ai[i]) * ((t - t_lo) * h);
}

static void run_member(const unit_t *u, work_t *w, uint32_t j, double *out) {
  uint32_t n = u->n, last = n - 1;
  const double *p = u->params + (size_t)j * PARAMS;
  double a = p[0], b = p[1], diff = p[2], q = p[3] * 0.25, albedo_warm = p[4], co_ice = 1.0 - p[5];
  double t_freeze = p[6], fa = p[7] - a, t_init = p[8];
  double cdt = u->heat_capacity / u->dt, cdt_b = cdt + b;
  double *restrict cp = w->cp, *restrict inv = w->inv, *restrict g = w->g, *restrict aw = w->aw,
                   *restrict ai = w->ai, *restrict t = w->t, *restrict d = w->d;
  double cp_prev = 0.0, k_prev = 0.0;
  for (uint32_t i = 0; i < n; i++) {
    double lo = -(diff * k_prev), k_i = w->k[i], up = -(diff * k_i);
    double diag = cdt_b - lo - up;
    double iv = 1.0 / (i == 0 ? diag : diag - lo * cp_prev);
    cp_prev = up * iv;
    inv[i] = iv;
    cp[i] = cp_prev;
    g[i] = lo * iv;
    double qs = q * w->s[i];
    aw[i] = qs * (1.0 - (albedo_warm + u->a2 * w->p2[i]));
    ai[i] = qs * co_ice;
    t[i] = t_init;
    k_prev = k_i;
  }
  double t_lo = t_freeze - u->ramp_w, t_hi = t_freeze + u->ramp_w;
  double h = u->ramp_w > 0 ? 1.0 / (2.0 * u->ramp_w) : 0.0;
  int ice = u->ice, converged = 0;
  uint32_t steps = 0;
  double residual = 0.0;
  while (steps < u->max_steps) {
    steps++;
    double ti = t[0];
    double dd = (cdt * ti + absorbed(ice, aw, ai, 0, ti, t_lo, t_hi, h) + fa) * inv[0];
    d[0] = dd;
    for (uint32_t i = 1; i <= last; i++) {
      ti = t[i];
      double r = cdt * ti + absorbed(ice, aw, ai, i, ti, t_lo, t_hi, h) + fa;
      dd = r * inv[i] - g[i] * dd;
      d[i] = dd;
    }
    double next = dd;
    double delta = fabs(next - t[last]);
    t[last] = next;
    for (int32_t i = (int32_t)last - 1; i >= 0; i--) {
      next = d[i] - cp[i] * next;
      double change = fabs(next - t[i]);
      delta = change > delta ? change : delta;
      t[i] = next;
    }
    residual = cdt * delta;
    if (residual < u->tolerance) {
      converged = 1;
      break;
    }
  }

  double sum = 0.0;
  for (uint32_t i = 0; i < n; i++) sum += t[i];
  double mean = sum / (double)n;
  double dx = 1.0 / (double)n, edge = 1.0;
  for (uint32_t i = 0; i < n; i++) {
    if (t[i] < t_freeze) {
      edge = i == 0 ? 0.0 : ((double)(i - 1) + 0.5) * dx + ((t[i - 1] - t_freeze) / (t[i - 1] - t[i])) * dx;
      break;
    }
  }
  double *o = out + (size_t)j * DIAGNOSTICS;
  canonical_store(o, mean);
  canonical_store(o + 1, edge);
  o[2] = !isfinite(mean) ? -1.0 : converged ? 1.0 : 0.0;
  o[3] = (double)steps;
  canonical_store(o + 4, residual);
  if (u->profile) {
    double *prof = out + (size_t)u->m * DIAGNOSTICS + (size_t)j * n;
    for (uint32_t i = 0; i < n; i++) canonical_store(prof + i, t[i]);
  }
}

static void run(const unit_t *u, work_t *w, double *out) {
  build_grid(u, w);
  for (uint32_t j = 0; j < u->m; j++) run_member(u, w, j, out);
}

static uint32_t u32_at(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double f64_at(const unsigned char *p) {
  uint64_t bits = 0;
  for (int i = 7; i >= 0; i--) bits = bits << 8 | p[i];
  double v;
  memcpy(&v, &bits, 8);
  return v;
}

static int positive_finite(double v) { return isfinite(v) && v > 0; }

/* The kernel's init() checks, in its order; returns the same codes (kernels/ebm/codes.ts). */
static int parse(const unsigned char *in, size_t len, unit_t *u, double **params) {
  if (len < HEADER) return -1;
  if (u32_at(in) != 1) return -2;
  u->n = u32_at(in + 4), u->m = u32_at(in + 8), u->max_steps = u32_at(in + 12);
  uint32_t flags = u32_at(in + 16);
  if (u->n < 2) return -3;
  if (u->m < 1) return -4;
  if (u->max_steps < 1) return -5;
  if (flags & ~(FLAG_ICE | FLAG_PROFILE)) return -6;
  if (u32_at(in + 20) != 0) return -7;
  if ((len - HEADER) % 72 != 0 || (uint64_t)(len - HEADER) / 72 != u->m) return -8;
  u->dt = f64_at(in + 24), u->heat_capacity = f64_at(in + 32), u->tolerance = f64_at(in + 40);
  u->s2 = f64_at(in + 48), u->a2 = f64_at(in + 56), u->ramp_w = f64_at(in + 64);
  if (!positive_finite(u->dt) || !positive_finite(u->heat_capacity) || !positive_finite(u->tolerance)) return -9;
  if (!isfinite(u->s2) || !isfinite(u->a2) || !isfinite(u->ramp_w) || u->ramp_w < 0) return -10;
  size_t count = (size_t)u->m * PARAMS;
  *params = malloc(count * sizeof(double));
  if (!*params) return -12;
  for (size_t i = 0; i < count; i++) {
    (*params)[i] = f64_at(in + HEADER + 8 * i);
    if (!isfinite((*params)[i])) return -11;
  }
  u->params = *params;
  u->ice = (flags & FLAG_ICE) != 0;
  u->profile = (flags & FLAG_PROFILE) != 0;
  return 0;
}

/* The bench harness's hooks (../native/bench_main.h): parse once, then run. */
typedef struct {
  unit_t u;
  work_t w;
} kernel_state_t;

static int kernel_setup(const unsigned char *in, size_t len, kernel_state_t *s, double **out, size_t *out_count) {
  double *params = NULL;
  int code = parse(in, len, &s->u, &params);
  if (code != 0) return code;
  *out_count = (size_t)s->u.m * (DIAGNOSTICS + (s->u.profile ? s->u.n : 0));
  double *vectors = malloc(10 * (size_t)s->u.n * sizeof(double));
  if (!vectors) return *out = NULL, 0;
  double **slots[] = {&s->w.k, &s->w.p2, &s->w.s, &s->w.cp, &s->w.inv, &s->w.g, &s->w.aw, &s->w.ai, &s->w.t, &s->w.d};
  for (int i = 0; i < 10; i++) *slots[i] = vectors + (size_t)i * s->u.n;
  *out = malloc(*out_count * sizeof(double));
  return 0;
}

static int kernel_run(kernel_state_t *s, double *out) {
  run(&s->u, &s->w, out);
  return 0;
}

#include "../native/bench_main.h"
