/**
 * @module The kernel build on throw-away kernels: it compiles, describes and reuses a good
 * one, and refuses (and deletes) one that imports more than `env.abort`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../shared/base64.ts';
import { buildKernels } from './build.ts';
import { loadKernelManifest, loadKernelModule } from './manifest.ts';

const ABI_STUBS = `
export function init(): i32 { return 0; }
export function step(budget: f64): i32 { return 0; }
export function work_done(): f64 { return 0; }
export function work_total(): f64 { return 0; }
export function output_ptr(): usize { return 0; }
export function output_len(): usize { return 0; }
`;

/** Writes kernel folder `id` under `root` with the given extra AssemblyScript source. */
function writeKernel(root: string, id: string, source: string): void {
  const dir = join(root, id);
  mkdirSync(join(dir, 'assembly'), { recursive: true });
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify({ id, version: 1, title: id, workUnit: 'calls' }));
  writeFileSync(
    join(dir, 'asconfig.json'),
    JSON.stringify({ entries: ['assembly/index.ts'], targets: { release: { optimizeLevel: 3, noAssert: true } }, options: { runtime: 'stub' } }),
  );
  writeFileSync(join(dir, 'assembly', 'index.ts'), source + ABI_STUBS);
}

describe('buildKernels', () => {
  it('compiles a kernel, describes it in the manifest, and reuses it while fresh', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kernels-'));
    const distDir = join(root, 'dist');
    writeKernel(root, 'tiny', 'export function input_alloc(len: usize): usize { return 0; }');
    const lines: string[] = [];
    const first = await buildKernels({ kernelsDir: root, distDir, log: (l) => lines.push(l) });
    const bytes = readFileSync(join(distDir, 'tiny-1.wasm'));
    expect(first).toEqual({
      kernels: [{ id: 'tiny', version: 1, title: 'tiny', workUnit: 'calls', file: 'tiny-1.wasm', sha256: await sha256Hex(bytes), bytes: bytes.byteLength }],
    });
    expect(await loadKernelManifest(distDir)).toEqual(first);
    await expect(loadKernelModule(distDir, 'tiny', 1)).resolves.toBeInstanceOf(WebAssembly.Module);
    await expect(loadKernelModule(distDir, 'tiny', 2)).rejects.toThrow(/not in/);

    const again = await buildKernels({ kernelsDir: root, distDir, log: (l) => lines.push(l) });
    expect(again).toEqual(first);
    expect(lines.filter((l) => l.startsWith('kernels:'))).toEqual([expect.stringMatching(/compiled tiny-1\.wasm/), 'kernels: tiny-1.wasm is up to date']);
  });

  it('refuses a kernel that imports anything but env.abort, and leaves no module behind', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kernels-'));
    const distDir = join(root, 'dist');
    writeKernel(
      root,
      'evil',
      '@external("env", "fetch") declare function fetch(): void;\nexport function input_alloc(len: usize): usize { fetch(); return 0; }',
    );
    await expect(buildKernels({ kernelsDir: root, distDir, log: () => {} })).rejects.toThrow(
      'evil-1.wasm breaks the kernel ABI (forbidden_import: imports env.fetch (function))',
    );
    expect(existsSync(join(distDir, 'evil-1.wasm'))).toBe(false);
  });
});
