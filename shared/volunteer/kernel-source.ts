/**
 * @module Where a volunteer client gets its kernel modules: fetched once, checked against
 * the sha256 the server announced and against the ABI, compiled once and shared by every
 * slot (a `WebAssembly.Module` is passed to workers by postMessage, which shares the
 * compiled code). Bytes may be kept in a {@link KernelCache} (the browser's IndexedDB) so a
 * later visit does not download them again; cached bytes are checked like fetched ones.
 */
import type { ApiClient } from '../api/client.ts';
import type { KernelInfo, Lease } from '../api/schemas.ts';
import { sha256Hex } from '../base64.ts';
import { checkKernelModule } from '../kernels/abi.ts';

/** Which kernel a lease needs. */
export type KernelRef = Lease['kernel'];

/** Persistent storage of kernel bytes, keyed by id, version and sha256. */
export interface KernelCache {
  get(ref: KernelRef): Promise<Uint8Array | undefined>;
  /** Stores `bytes` for `ref` and forgets every other version of the same kernel id. */
  put(ref: KernelRef, bytes: Uint8Array): Promise<void>;
  delete(ref: KernelRef): Promise<void>;
}

/**
 * The module's bytes don't match the hash the server announced, or the module breaks the
 * ABI: never run it. Its `name` survives structured cloning, so branch on that.
 */
export class KernelRefusedError extends Error {
  override name = 'KernelRefusedError';
  constructor(
    readonly kernel: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where a kernel came from, for the page and the bench. */
export type KernelOrigin = 'network' | 'cache';

export interface KernelSourceOptions {
  api: ApiClient;
  /** Origin the kernel URLs are relative to; empty for same-origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  cache?: KernelCache;
  /** Told once per kernel loaded (compiled), with where its bytes came from. */
  onLoaded?: (ref: KernelRef, origin: KernelOrigin) => void;
}

/**
 * The key a kernel's bytes and compiled module are cached under: `id@version#sha256`, so a
 * rebuilt kernel with the same id and version is never served from the cache (the edge's
 * registry keys by `id@version` only, edge/kernels/registry.ts).
 */
export const kernelCacheKey = (ref: KernelRef): string => `${ref.id}@${ref.version}#${ref.sha256}`;

/** Compiles `bytes` once checked against `ref.sha256` and the ABI; throws KernelRefusedError. */
export async function compileChecked(ref: KernelRef, bytes: Uint8Array): Promise<WebAssembly.Module> {
  const name = `${ref.id}@${ref.version}`;
  const hash = await sha256Hex(bytes);
  if (hash !== ref.sha256) {
    throw new KernelRefusedError(name, `kernel ${name} refused: its bytes hash to ${hash.slice(0, 12)}…, the server announced ${ref.sha256.slice(0, 12)}…`);
  }
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new KernelRefusedError(name, `kernel ${name} refused: it does not compile (${(err as Error).message})`);
  }
  const check = checkKernelModule(module);
  if (check.status !== 'ok') throw new KernelRefusedError(name, `kernel ${name} refused: ${check.status} ${check.detail}`);
  return module;
}

/**
 * @example
 * const kernels = createKernelSource({ api, cache });
 * const module = await kernels.get(lease.kernel);
 */
export function createKernelSource(options: KernelSourceOptions) {
  const { api, cache } = options;
  const base = options.baseUrl?.replace(/\/$/, '') ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const compiled = new Map<string, Promise<WebAssembly.Module>>();
  let listing: Promise<KernelInfo[]> | undefined;

  async function info(ref: KernelRef): Promise<KernelInfo> {
    const find = (list: KernelInfo[]) => list.find((k) => k.id === ref.id && k.version === ref.version);
    listing ??= api.kernels().then((r) => r.kernels);
    let found = find(await listing.catch(() => []));
    if (!found) {
      // A new kernel version appeared since the listing was read, or the read failed.
      listing = api.kernels().then((r) => r.kernels);
      found = find(await listing);
    }
    if (!found) throw new Error(`kernel ${ref.id}@${ref.version} is not offered by the server`);
    return found;
  }

  async function fromCache(ref: KernelRef): Promise<WebAssembly.Module | undefined> {
    const bytes = await cache?.get(ref).catch(() => undefined);
    if (!bytes) return undefined;
    try {
      return await compileChecked(ref, bytes);
    } catch {
      // Damaged storage: forget the copy and download the kernel again.
      await cache?.delete(ref).catch(() => undefined);
      return undefined;
    }
  }

  async function download(ref: KernelRef): Promise<Uint8Array> {
    const { url } = await info(ref);
    const res = await doFetch(base + url);
    if (!res.ok) throw new Error(`kernel ${ref.id}@${ref.version}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  async function load(ref: KernelRef): Promise<WebAssembly.Module> {
    const cached = await fromCache(ref);
    if (cached) {
      options.onLoaded?.(ref, 'cache');
      return cached;
    }
    const bytes = await download(ref);
    const module = await compileChecked(ref, bytes);
    // A kernel not stored is downloaded again next visit: no reason to fail the unit.
    await cache?.put(ref, bytes).catch(() => undefined);
    options.onLoaded?.(ref, 'network');
    return module;
  }

  return {
    get(ref: KernelRef): Promise<WebAssembly.Module> {
      const key = kernelCacheKey(ref);
      let p = compiled.get(key);
      if (!p) {
        p = load(ref);
        compiled.set(key, p);
        // A failed load is not kept, so a later lease can try again.
        p.catch(() => compiled.delete(key));
      }
      return p;
    },
    /**
     * The module's bytes, checked like a unit's kernel (a group's host passes them on to its
     * peers, which check them again against the server's hash).
     */
    async bytes(ref: KernelRef): Promise<Uint8Array> {
      const cached = await cache?.get(ref).catch(() => undefined);
      const bytes = cached ?? (await download(ref));
      await compileChecked(ref, bytes);
      if (!cached) await cache?.put(ref, bytes).catch(() => undefined);
      return bytes;
    },
  };
}
export type KernelSource = ReturnType<typeof createKernelSource>;
