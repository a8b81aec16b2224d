/*
 * Lorenz-96 ensemble in C: the native baseline of bench/kernels.ts. Same algorithm, same
 * byte layout (shared/kernels/lorenz96.codec.ts) and the same floating-point operation order
 * as assembly/index.ts (fixed there), so its output bytes are identical. Build with
 * -ffp-contract=off: a fused multiply-add would round differently.
 *
 *   gcc -O3 -ffp-contract=off -o bench/out/lorenz96 kernels/lorenz96/lorenz96.c
 *   bench/out/lorenz96 INPUT OUTPUT [RUNS]
 *
 * Runs the unit RUNS times (default 1), prints each run's wall time in nanoseconds on its
 * own line, and writes the output bytes of the last run. Exit 2 on a refused input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#define HEADER 40
#define DIAGNOSTICS 3
#define CANONICAL_NAN 0x7ff8000000000000ull

typedef struct {
  uint32_t n, m, steps, snap_every;
  double dt, forcing;
  const double *x0;
} unit_t;

static double rhs(double ym2, double ym1, double y0, double yp1, double forcing) {
  return (yp1 - ym2) * ym1 - y0 + forcing;
}

/* Consumes k = f(y)_v; see consume() in assembly/rk4.ts. Returns the running sum of x'^2. */
static inline double consume(int mode, uint32_t v, double k, double *x, double *restrict yo,
                             double *restrict acc, double c, double s) {
  if (mode == 4) {
    double xn = x[v] + c * (acc[v] + k);
    x[v] = xn;
    return s + xn * xn;
  }
  acc[v] = mode == 1 ? k : acc[v] + 2.0 * k;
  yo[v] = x[v] + c * k;
  return s;
}

/*
 * One RK4 stage (1..4) over all n variables, v ascending; the cyclic boundary v = 0, 1, n-1
 * is peeled off so the interior loop has no index arithmetic (and gcc may vectorise it).
 * Only the outputs yo and acc are restrict; y is x itself in stage 1.
 */
static inline double stage(int mode, const double *y, double *restrict yo, double *x,
                           double *restrict acc, uint32_t n, double forcing, double c) {
  double s = 0.0;
  s = consume(mode, 0, rhs(y[n - 2], y[n - 1], y[0], y[1], forcing), x, yo, acc, c, s);
  s = consume(mode, 1, rhs(y[n - 1], y[0], y[1], y[2], forcing), x, yo, acc, c, s);
  for (uint32_t v = 2; v < n - 1; v++) {
    s = consume(mode, v, rhs(y[v - 2], y[v - 1], y[v], y[v + 1], forcing), x, yo, acc, c, s);
  }
  return consume(mode, n - 1, rhs(y[n - 3], y[n - 2], y[n - 1], y[0], forcing), x, yo, acc, c, s);
}

static void canonical_store(double *dst, double v) {
  uint64_t bits;
  memcpy(&bits, &v, 8);
  if (v != v) bits = CANONICAL_NAN;
  memcpy(dst, &bits, 8);
}

static void run(const unit_t *u, double *out, double *x, double *work) {
  uint32_t n = u->n, snaps = u->steps / u->snap_every;
  double *ya = work, *yb = work + n, *acc = work + 2 * n;
  double h2 = u->dt * 0.5, h6 = u->dt / 6.0, two_n = 2.0 * n;
  for (uint32_t member = 0; member < u->m; member++) {
    memcpy(x, u->x0 + (size_t)member * n, n * sizeof(double));
    double energy_sum = 0.0;
    for (uint32_t step = 1; step <= u->steps; step++) {
      stage(1, x, ya, x, acc, n, u->forcing, h2);
      stage(2, ya, yb, x, acc, n, u->forcing, h2);
      stage(3, yb, ya, x, acc, n, u->forcing, u->dt);
      energy_sum += stage(4, ya, NULL, x, acc, n, u->forcing, h6) / two_n;
      if (step % u->snap_every == 0) {
        double *dst = out + ((size_t)member * snaps + step / u->snap_every - 1) * n;
        for (uint32_t v = 0; v < n; v++) canonical_store(dst + v, x[v]);
      }
    }
    double sum = 0.0, sum_sq = 0.0;
    for (uint32_t v = 0; v < n; v++) {
      sum += x[v];
      sum_sq += x[v] * x[v];
    }
    double *d = out + (size_t)u->m * snaps * n + (size_t)member * DIAGNOSTICS;
    canonical_store(d, sum / n);
    canonical_store(d + 1, sum_sq / two_n);
    canonical_store(d + 2, energy_sum / u->steps);
  }
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

/* The kernel's init() checks, in its order; returns the same codes (kernels/lorenz96/codes.ts). */
static int parse(const unsigned char *in, size_t len, unit_t *u, double **x0) {
  if (len < HEADER) return -1;
  if (u32_at(in) != 1) return -2;
  u->n = u32_at(in + 4), u->m = u32_at(in + 8), u->steps = u32_at(in + 12), u->snap_every = u32_at(in + 16);
  if (u->n < 4) return -3;
  if (u->m < 1) return -4;
  if (u->steps < 1) return -5;
  if (u->snap_every < 1) return -6;
  if (u->steps % u->snap_every != 0) return -7;
  if (u32_at(in + 20) != 0) return -11;
  /* n*m fits in 64 bits, 8*n*m might not: divide instead of multiplying. */
  if ((len - HEADER) % 8 != 0 || (uint64_t)(len - HEADER) / 8 != (uint64_t)u->n * u->m) return -8;
  u->dt = f64_at(in + 24), u->forcing = f64_at(in + 32);
  if (!isfinite(u->dt)) return -9;
  if (!isfinite(u->forcing)) return -10;
  size_t count = (size_t)u->n * u->m;
  *x0 = malloc(count * sizeof(double));
  if (!*x0) return -12;
  for (size_t i = 0; i < count; i++) (*x0)[i] = f64_at(in + HEADER + 8 * i);
  u->x0 = *x0;
  return 0;
}

/* The bench harness's hooks (../native/bench_main.h): parse once, then run. */
typedef struct {
  unit_t u;
  double *x, *work;
} kernel_state_t;

static int kernel_setup(const unsigned char *in, size_t len, kernel_state_t *s, double **out, size_t *out_count) {
  double *x0 = NULL;
  int code = parse(in, len, &s->u, &x0);
  if (code != 0) return code;
  *out_count = (size_t)s->u.m * ((size_t)(s->u.steps / s->u.snap_every) * s->u.n + DIAGNOSTICS);
  s->x = malloc(s->u.n * sizeof(double));
  s->work = malloc(3 * s->u.n * sizeof(double));
  *out = s->x && s->work ? malloc(*out_count * sizeof(double)) : NULL;
  return 0;
}

static int kernel_run(kernel_state_t *s, double *out) {
  run(&s->u, out, s->x, s->work);
  return 0;
}

#include "../native/bench_main.h"
