/*
 * The command-line harness every kernel's C build shares (driven by bench/native.ts):
 *
 *   BINARY INPUT OUTPUT [RUNS]
 *
 * reads the unit's input bytes (16-aligned, as a kernel's input base), lets the kernel set up
 * once, runs it RUNS times printing each run's wall time in nanoseconds (so process start-up
 * and file I/O stay out of the measure), then writes the canonical output (f64, host order).
 *
 * A kernel file defines, before including this header:
 *   typedef ... kernel_state_t;
 *   static int kernel_setup(const unsigned char *in, size_t len, kernel_state_t *s, double **out, size_t *out_count);
 *   static int kernel_run(kernel_state_t *s, double *out);
 * both returning 0, or the kernel's (negative) refusal code.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s INPUT OUTPUT [RUNS]\n", argv[0]);
    return 1;
  }
  uint16_t probe = 1;
  if (*(unsigned char *)&probe != 1) {
    fprintf(stderr, "big-endian hosts are not supported: the output is written in host order\n");
    return 1;
  }
  int runs = argc > 3 ? atoi(argv[3]) : 1;
  if (runs < 1) runs = 1;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return perror(argv[1]), 1;
  fseek(f, 0, SEEK_END);
  size_t len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *in = aligned_alloc(16, (len + 16) & ~(size_t)15);
  if (!in || fread(in, 1, len, f) != len) return perror(argv[1]), 1;
  fclose(f);

  kernel_state_t state;
  double *out = NULL;
  size_t out_count = 0;
  int code = kernel_setup(in, len, &state, &out, &out_count);
  if (code == 0 && !out) return fprintf(stderr, "out of memory\n"), 1;
  for (int r = 0; r < runs && code == 0; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    code = kernel_run(&state, out);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (code == 0) printf("%lld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec));
  }
  if (code != 0) return fprintf(stderr, "input refused (kernel code %d)\n", code), 2;
  FILE *o = fopen(argv[2], "wb");
  if (!o || fwrite(out, sizeof(double), out_count, o) != out_count) return perror(argv[2]), 1;
  fclose(o);
  return 0;
}
