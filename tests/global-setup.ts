/**
 * @module Builds the kernels once before any suite runs, when the build is missing (so a
 * bare `npx vitest` works; `npm test` has built them already).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export async function setup(): Promise<void> {
  if (!existsSync(join(import.meta.dirname, '..', 'kernels', 'dist', 'manifest.json'))) {
    const { buildKernels } = await import('../kernels/build.ts');
    await buildKernels();
  }
}
