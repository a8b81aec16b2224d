/**
 * @module Vite configuration of the web app: `index.html` at the repository root loads
 * `web/main.tsx`; the build goes to `dist/web`, which the edge serves. In development the
 * API and kernel paths are proxied to a locally running edge.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const edge = `http://127.0.0.1:${process.env.EDGE_PORT ?? 8787}`;

/**
 * Vite 8 transforms TS/TSX with Oxc, whose JSX import source defaults to React; the
 * tsconfig that names Preact does not cover web/, so name it here, for the transform and
 * for the dev server's dependency scan (which has its own transform options).
 */
const jsx = { runtime: 'automatic', importSource: 'preact' } as const;

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx },
  optimizeDeps: {
    // Only the app's page is an entry (the root also holds dist/ and other HTML).
    entries: ['index.html'],
    rolldownOptions: { transform: { jsx } },
  },
  build: {
    outDir: 'dist/web',
    emptyOutDir: true,
  },
  worker: {
    format: 'es',
  },
  server: {
    proxy: {
      '/api': edge,
      '/kernels': edge,
    },
  },
});
