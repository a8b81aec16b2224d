/**
 * @module The Node worker's kernel cache (issue 16): kernel bytes kept as files
 * `<id>@<version>#<sha256>.wasm` in one directory next to the worker's identity, so a second
 * group (or a restarted worker) reuses a kernel with zero bytes sent. It implements the same
 * {@link KernelCache} as the browser's IndexedDB one: storing a version forgets the other
 * versions of that kernel id, and at most {@link NODE_KERNELS_KEPT_MAX} kernels are kept (the
 * least recently used go first). The cache trusts nothing it reads back: its callers check
 * the bytes against the server's sha256 and the ABI, so a damaged file is only a miss.
 */
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KernelCache, KernelRef } from '../../shared/volunteer/kernel-source.ts';

/**
 * Kernels kept on disk. A volunteer runs a handful of kernels (one per job kind, a version
 * or two of each); this many covers them with room for customer kernels, and bounds the
 * directory however many groups the worker joins.
 */
export const NODE_KERNELS_KEPT_MAX = 16;
/**
 * A kept file larger than this is not read (and is removed): kernels are a few KiB to a few
 * MiB, and a stray large file must not be loaded whole into memory.
 */
export const NODE_KERNEL_FILE_BYTES_MAX = 16 * 1024 * 1024;

const SUFFIX = '.wasm';
/** Kernel ids are short names (`lorenz96`, `ebm`); anything else is not written as a file name. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The file name of `ref`, or undefined when its fields could not name a file safely (then it is never kept). */
function fileOf(ref: KernelRef): string | undefined {
  if (!SAFE_ID.test(ref.id) || !Number.isInteger(ref.version) || ref.version < 0 || !SHA256_HEX.test(ref.sha256)) return undefined;
  return `${ref.id}@${ref.version}#${ref.sha256}${SUFFIX}`;
}

/** The kernel id a kept file belongs to. */
const idOfFile = (name: string) => name.slice(0, name.indexOf('@'));

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * A {@link KernelCache} in directory `dir` (made on first store).
 * @example
 * const cache = fileKernelCache(join(dirname(identityFile), 'kernels'));
 * const peer = new GroupPeer({ …, cache });
 */
export function fileKernelCache(dir: string, keptMax = NODE_KERNELS_KEPT_MAX): KernelCache {
  async function kept(): Promise<{ name: string; usedAt: number }[]> {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith(SUFFIX) && n.includes('@'));
    } catch (err) {
      if (missing(err)) return [];
      throw err;
    }
    const files = await Promise.all(names.map(async (name) => ({ name, usedAt: await stat(join(dir, name)).then((s) => s.mtimeMs, () => 0) })));
    return files.sort((a, b) => b.usedAt - a.usedAt);
  }

  return {
    async get(ref) {
      const name = fileOf(ref);
      if (!name) return undefined;
      const path = join(dir, name);
      try {
        if ((await stat(path)).size > NODE_KERNEL_FILE_BYTES_MAX) {
          await rm(path, { force: true });
          return undefined;
        }
        const bytes = new Uint8Array(await readFile(path));
        // Marks it used, so the least recently used kernel is the one dropped at the bound.
        const now = new Date();
        await utimes(path, now, now).catch(() => undefined);
        return bytes;
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
    },
    async put(ref, bytes) {
      const name = fileOf(ref);
      if (!name || bytes.byteLength > NODE_KERNEL_FILE_BYTES_MAX) return;
      await mkdir(dir, { recursive: true });
      // Written aside and renamed: a reader never sees half a file.
      const temp = join(dir, `.${name}.${process.pid}.tmp`);
      await writeFile(temp, bytes);
      await rename(temp, join(dir, name));
      const others = await kept();
      const drop = others.filter((f) => f.name !== name && idOfFile(f.name) === ref.id);
      const rest = others.filter((f) => f.name === name || idOfFile(f.name) !== ref.id);
      drop.push(...rest.filter((f) => f.name !== name).slice(Math.max(0, keptMax - 1)));
      await Promise.all(drop.map((f) => rm(join(dir, f.name), { force: true })));
    },
    async delete(ref) {
      const name = fileOf(ref);
      if (name) await rm(join(dir, name), { force: true });
    },
  };
}
