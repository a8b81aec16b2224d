/**
 * @module Builds every kernel (`kernels/<name>/kernel.json` + `assembly/index.ts`) with the
 * AssemblyScript compiler's release target into `kernels/dist/<id>-<version>.wasm`, refuses
 * any module that breaks the kernel ABI, and writes `kernels/dist/manifest.json`.
 *
 *   npx tsx kernels/build.ts [--force]
 *
 * A module newer than all its sources (its kernel folder, this file, the compiler) is
 * reused, so rebuilds are fast; the manifest is rewritten every time.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, rename, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { sha256Hex } from '../shared/base64.ts';
import { checkKernelModule } from '../shared/kernels/abi.ts';
import {
  KERNEL_MANIFEST_FILE,
  KernelDescriptorSchema,
  type KernelDescriptor,
  type KernelManifest,
  type KernelManifestEntry,
} from './manifest.ts';

/** Where the kernel folders live, and where the build goes by default. */
export const KERNELS_DIR = import.meta.dirname;
export const KERNELS_DIST = join(KERNELS_DIR, 'dist');

/** Options for {@link buildKernels}. */
export interface BuildKernelsOptions {
  /** Folder holding one folder per kernel. @default KERNELS_DIR */
  kernelsDir?: string;
  /** Output folder. @default KERNELS_DIST */
  distDir?: string;
  /** Recompile even when a module is newer than its sources. @default false */
  force?: boolean;
  /** Progress lines. @default console.log */
  log?: (line: string) => void;
}

/** Latest modification time (ms) of the files under `path`, recursively. */
async function latestMtimeMs(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const name of await readdir(path)) latest = Math.max(latest, await latestMtimeMs(join(path, name)));
  return latest;
}

/** AssemblyScript every kernel imports (kernels/common/assembly): not a kernel itself. */
const COMMON_DIR = 'common';

/**
 * Constants a kernel shares with the code that calls it, compiled into the kernel from
 * shared/ (`shared/kernels/<folder>.codes.ts`, imported through `<folder>/codes.ts`):
 * shared/ imports nothing from kernels/, so they live there.
 */
const sharedCodesOf = (folder: string): string => join(dirname(folder), '..', 'shared', 'kernels', `${basename(folder)}.codes.ts`);

/** The kernel folders under `kernelsDir`: those with a kernel.json, by name. */
async function kernelFolders(kernelsDir: string): Promise<string[]> {
  const names = (await readdir(kernelsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  return names.filter((name) => existsSync(join(kernelsDir, name, 'kernel.json'))).sort();
}

/** What asc.thread.mjs posts back. */
interface AscReply {
  error: string | null;
  stdout: string;
  stderr: string;
}

/** Runs the AssemblyScript compiler on one kernel's release target; throws with its diagnostics. */
async function compile(folder: string, outFile: string, log: (line: string) => void): Promise<void> {
  const args = ['--config', join(folder, 'asconfig.json'), '--target', 'release', '--outFile', outFile, '--noColors'];
  // execArgv [] keeps tsx out of the thread (see asc.thread.mjs).
  const worker = new Worker(new URL('./asc.thread.mjs', import.meta.url), { execArgv: [], workerData: { args } });
  const reply = await new Promise<AscReply>((resolveReply, reject) => {
    worker.once('message', resolveReply);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the compiler thread exited with code ${code} before replying`)));
  });
  await worker.terminate();
  if (reply.error) throw new Error(`asc failed for ${folder}: ${reply.error}\n${reply.stderr}${reply.stdout}`);
  // Warnings do not fail the build, but nobody should have to look for them.
  if (reply.stderr.trim()) log(reply.stderr.trim());
}

/** Builds (or reuses) one kernel's module, checks it against the ABI and describes it. */
async function buildOne(folder: string, distDir: string, force: boolean, log: (line: string) => void): Promise<KernelManifestEntry> {
  const descriptor: KernelDescriptor = KernelDescriptorSchema.parse(JSON.parse(await readFile(join(folder, 'kernel.json'), 'utf8')));
  const file = `${descriptor.id}-${descriptor.version}.wasm`;
  const outFile = join(distDir, file);
  // Reinstalling the compiler (another version, say) rewrites its package.json.
  const compiler = createRequire(import.meta.url).resolve('assemblyscript/package.json');
  // Code every kernel compiles in (kernels/common), and its constants in shared/, count as its sources too.
  const common = join(dirname(folder), COMMON_DIR);
  const sharedCodes = sharedCodesOf(folder);
  const sources = [folder, ...[common, sharedCodes].filter((path) => existsSync(path)), fileURLToPath(import.meta.url), fileURLToPath(new URL('./asc.thread.mjs', import.meta.url)), compiler];
  const sourcesMtimeMs = Math.max(...(await Promise.all(sources.map(latestMtimeMs))));
  const fresh = !force && existsSync(outFile) && (await stat(outFile)).mtimeMs > sourcesMtimeMs;
  if (fresh) {
    log(`kernels: ${file} is up to date`);
  } else {
    const started = performance.now();
    await compile(folder, outFile, log);
    log(`kernels: compiled ${file} in ${Math.round(performance.now() - started)} ms`);
  }
  const bytes = new Uint8Array(await readFile(outFile));
  const check = checkKernelModule(await WebAssembly.compile(bytes));
  if (check.status !== 'ok') {
    // Remove it, or the next build would find it fresh and skip the compiler.
    await rm(outFile, { force: true });
    throw new Error(`${file} breaks the kernel ABI (${check.status}: ${check.detail}); see shared/kernels/abi.ts`);
  }
  return { ...descriptor, file, sha256: await sha256Hex(bytes), bytes: bytes.byteLength };
}

/**
 * Builds every kernel and writes the manifest; returns it. Throws on a compile error, an ABI
 * violation or two kernels claiming one `id@version`.
 * @example
 * const manifest = await buildKernels({ force: true });
 */
export async function buildKernels(options: BuildKernelsOptions = {}): Promise<KernelManifest> {
  const kernelsDir = resolve(options.kernelsDir ?? KERNELS_DIR);
  const distDir = resolve(options.distDir ?? KERNELS_DIST);
  const log = options.log ?? ((line: string) => console.log(line));
  await mkdir(distDir, { recursive: true });
  const kernels: KernelManifestEntry[] = [];
  for (const name of await kernelFolders(kernelsDir)) {
    const entry = await buildOne(join(kernelsDir, name), distDir, options.force ?? false, log);
    if (kernels.some((k) => k.file === entry.file)) throw new Error(`two kernels claim ${entry.id}@${entry.version}`);
    kernels.push(entry);
  }
  const manifest: KernelManifest = { kernels };
  // Write then rename, so a reader (the edge, a parallel test) never sees half a manifest.
  const target = join(distDir, KERNEL_MANIFEST_FILE);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temp, target);
  return manifest;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildKernels({ force: process.argv.includes('--force') }).then(
    (m) => console.log(`kernels: wrote ${KERNEL_MANIFEST_FILE} (${m.kernels.map((k) => `${k.id}@${k.version}`).join(', ')})`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
