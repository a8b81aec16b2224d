import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileKernelCache, NODE_KERNEL_FILE_BYTES_MAX } from './kernel-cache.ts';

const sha = (c: string) => c.repeat(64);
const ref = (id: string, version: number, s: string) => ({ id, version, sha256: sha(s) });
const dir = () => join(mkdtempSync(join(tmpdir(), 'kernel-cache-')), 'kernels');

describe('fileKernelCache', () => {
  it('keeps bytes by id, version and hash, and misses on anything else', async () => {
    const d = dir();
    const cache = fileKernelCache(d);
    expect(await cache.get(ref('lorenz96', 1, 'a'))).toBeUndefined();
    await cache.put(ref('lorenz96', 1, 'a'), new Uint8Array([1, 2, 3]));
    expect(await cache.get(ref('lorenz96', 1, 'a'))).toEqual(new Uint8Array([1, 2, 3]));
    expect(await cache.get(ref('lorenz96', 1, 'b'))).toBeUndefined();
    expect(await cache.get(ref('lorenz96', 2, 'a'))).toBeUndefined();
    // A second cache on the same directory (a restarted worker) finds it.
    expect(await fileKernelCache(d).get(ref('lorenz96', 1, 'a'))).toEqual(new Uint8Array([1, 2, 3]));
    await cache.delete(ref('lorenz96', 1, 'a'));
    expect(await cache.get(ref('lorenz96', 1, 'a'))).toBeUndefined();
  });

  it('forgets the other versions of a kernel id when one is stored', async () => {
    const d = dir();
    const cache = fileKernelCache(d);
    await cache.put(ref('lorenz96', 1, 'a'), new Uint8Array([1]));
    await cache.put(ref('ebm', 1, 'c'), new Uint8Array([3]));
    await cache.put(ref('lorenz96', 2, 'b'), new Uint8Array([2]));
    expect(await cache.get(ref('lorenz96', 1, 'a'))).toBeUndefined();
    expect(await cache.get(ref('lorenz96', 2, 'b'))).toEqual(new Uint8Array([2]));
    expect(await cache.get(ref('ebm', 1, 'c'))).toEqual(new Uint8Array([3]));
  });

  it('keeps at most its bound, dropping the least recently used', async () => {
    const d = dir();
    const cache = fileKernelCache(d, 3);
    const ids = ['k0', 'k1', 'k2', 'k3'];
    for (const [i, id] of ids.slice(0, 3).entries()) {
      await cache.put(ref(id, 1, 'a'), new Uint8Array([i]));
      // Distinct use times, oldest first, whatever the file system's clock resolution.
      const t = new Date(Date.now() - (10 - i) * 1000);
      utimesSync(join(d, readdirSync(d).find((n) => n.startsWith(`${id}@`))!), t, t);
    }
    // k0 is read, so it is the most recently used; k1 is now the least.
    expect(await cache.get(ref('k0', 1, 'a'))).toEqual(new Uint8Array([0]));
    await cache.put(ref('k3', 1, 'a'), new Uint8Array([3]));
    expect(readdirSync(d).filter((n) => n.endsWith('.wasm'))).toHaveLength(3);
    expect(await cache.get(ref('k1', 1, 'a'))).toBeUndefined();
    for (const id of ['k0', 'k2', 'k3']) expect(await cache.get(ref(id, 1, 'a'))).toBeDefined();
  });

  it('never names a file from an id that could leave its directory', async () => {
    const d = dir();
    const cache = fileKernelCache(d);
    await cache.put(ref('../escape', 1, 'a'), new Uint8Array([1]));
    await cache.put({ id: 'k', version: 1, sha256: '../../x' }, new Uint8Array([1]));
    expect(await cache.get(ref('../escape', 1, 'a'))).toBeUndefined();
    expect(() => readdirSync(d)).toThrow();
  });

  it('does not read a kept file over its byte bound', async () => {
    const d = dir();
    const cache = fileKernelCache(d);
    await cache.put(ref('k', 1, 'a'), new Uint8Array([1]));
    const name = readdirSync(d)[0]!;
    writeFileSync(join(d, name), Buffer.alloc(NODE_KERNEL_FILE_BYTES_MAX + 1));
    expect(await cache.get(ref('k', 1, 'a'))).toBeUndefined();
    expect(readdirSync(d)).toHaveLength(0);
  });
});
