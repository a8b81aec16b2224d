/**
 * @module The kernels this edge offers: read from the build's manifest, each module checked
 * against its announced sha256 and against the ABI (only `env.abort` may be imported) before
 * it is offered. A module that fails is refused and reported, never served. The routes
 * that serve them are kernels.routes.ts.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KernelInfo } from '../../shared/api/schemas.ts';
import { checkKernelModule } from '../../shared/kernels/abi.ts';
import { loadKernelManifest } from '../../kernels/manifest.ts';

/** A kernel the edge has checked and offers. */
export interface KernelEntry extends KernelInfo {
  file: string;
  bytesOnDisk: Uint8Array;
  module: WebAssembly.Module;
}

export interface KernelRegistry {
  /** Offered kernels by `id@version`. */
  entries: Map<string, KernelEntry>;
  /** Modules that were refused, with the reason. */
  refused: { file: string; reason: string }[];
}

export const kernelKey = (id: string, version: number) => `${id}@${version}`;

/** Why one module bytes cannot be offered, or `undefined` when it can. */
export async function refuseReason(bytes: Uint8Array, sha256: string): Promise<{ reason: string } | { module: WebAssembly.Module }> {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) return { reason: `sha256 is ${actual}, the manifest says ${sha256}` };
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (err) {
    return { reason: `does not compile: ${(err as Error).message}` };
  }
  const check = checkKernelModule(module);
  if (check.status !== 'ok') return { reason: `${check.status}: ${check.detail}` };
  return { module };
}

/** Loads and checks every kernel in `distDir/manifest.json`. */
export async function loadKernelRegistry(distDir: string): Promise<KernelRegistry> {
  const manifest = await loadKernelManifest(distDir);
  const registry: KernelRegistry = { entries: new Map(), refused: [] };
  for (const k of manifest.kernels) {
    const bytes = new Uint8Array(await readFile(join(distDir, k.file)));
    const verdict = await refuseReason(bytes, k.sha256);
    if ('reason' in verdict) {
      registry.refused.push({ file: k.file, reason: verdict.reason });
      console.error(`[edge] kernel ${k.file} refused: ${verdict.reason}`);
      continue;
    }
    registry.entries.set(kernelKey(k.id, k.version), {
      id: k.id,
      version: k.version,
      title: k.title,
      sha256: k.sha256,
      bytes: bytes.byteLength,
      url: `/kernels/${k.file}`,
      file: k.file,
      bytesOnDisk: bytes,
      module: verdict.module,
    });
  }
  return registry;
}
