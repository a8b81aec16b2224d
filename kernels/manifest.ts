/**
 * @module The kernel build's output as its readers see it: `kernels/dist/manifest.json`,
 * typed and checked, and the compiled modules it names. Written by build.ts; read by the
 * edge's registry, the tests and the bench. No compiler in here, so the edge stays light.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { sha256Hex } from '../shared/base64.ts';
import { checkKernelModule } from '../shared/kernels/abi.ts';

/** `kernels/<name>/kernel.json`: what a kernel is, independent of any build. */
export const KernelDescriptorSchema = z.object({
  /** Lower-case name, also the file name stem; `id@version` identifies a kernel everywhere. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** Bumped on any change to the kernel's output bytes, so replicas of old and new never mix. */
  version: z.int().min(1),
  title: z.string().min(1),
  /** What one unit of `step(budget)` work is, e.g. `member-steps`. */
  workUnit: z.string().min(1),
});
export type KernelDescriptor = z.output<typeof KernelDescriptorSchema>;

/** One built kernel: its descriptor and the module file beside the manifest. */
export const KernelManifestEntrySchema = KernelDescriptorSchema.extend({
  /** `<id>-<version>.wasm`, relative to the manifest's directory. */
  file: z.string().regex(/^[a-z0-9-]+\.wasm$/),
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.int().min(0),
});
export type KernelManifestEntry = z.output<typeof KernelManifestEntrySchema>;

export const KernelManifestSchema = z.object({ kernels: z.array(KernelManifestEntrySchema) });
export type KernelManifest = z.output<typeof KernelManifestSchema>;

/** The manifest's file name inside the dist directory. */
export const KERNEL_MANIFEST_FILE = 'manifest.json';

/**
 * Reads and checks `distDir/manifest.json`; throws when it is missing or malformed.
 * @example
 * const { kernels } = await loadKernelManifest('kernels/dist');
 */
export async function loadKernelManifest(distDir: string): Promise<KernelManifest> {
  const text = await readFile(join(distDir, KERNEL_MANIFEST_FILE), 'utf8');
  return KernelManifestSchema.parse(JSON.parse(text));
}

/**
 * Compiles kernel `id@version` from `distDir` for Node callers (tests, bench, the edge),
 * after checking its bytes against the manifest's hash and the module against the ABI.
 * @example
 * const module = await loadKernelModule('kernels/dist', 'lorenz96', 1);
 * const output = await runKernel(module, input);
 */
export async function loadKernelModule(distDir: string, id: string, version: number): Promise<WebAssembly.Module> {
  const manifest = await loadKernelManifest(distDir);
  const entry = manifest.kernels.find((k) => k.id === id && k.version === version);
  if (!entry) throw new Error(`kernel ${id}@${version} is not in ${join(distDir, KERNEL_MANIFEST_FILE)}`);
  const bytes = new Uint8Array(await readFile(join(distDir, entry.file)));
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) throw new Error(`${entry.file} has sha256 ${actual}, the manifest says ${entry.sha256}`);
  const module = await WebAssembly.compile(bytes);
  const check = checkKernelModule(module);
  if (check.status !== 'ok') throw new Error(`${entry.file} breaks the kernel ABI: ${check.status}: ${check.detail}`);
  return module;
}
