import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{edge,shared,kernels,web,tests}/**/*.test.{ts,tsx}'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // End-to-end suites start servers and browsers; keep the 2-core machine from thrashing.
    maxWorkers: 2,
  },
});
