import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKernelRegistry, refuseReason } from './registry.ts';
import { KERNELS_DIST } from '../testing.ts';

/** A minimal module importing one function `env.<name>` of type () → (). */
function moduleImporting(name: string): Uint8Array {
  const field = [...new TextEncoder().encode(name)];
  const imports = [0x01, 0x03, 0x65, 0x6e, 0x76, field.length, ...field, 0x00, 0x00];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, imports.length, ...imports]);
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('kernel registry', () => {
  it('refuses a module that imports anything but env.abort', async () => {
    const bytes = moduleImporting('fetch');
    expect(await refuseReason(bytes, sha(bytes))).toEqual({ reason: 'forbidden_import: imports env.fetch (function)' });
  });

  it('refuses a module without the kernel ABI exports', async () => {
    const bytes = moduleImporting('abort');
    expect(await refuseReason(bytes, sha(bytes))).toEqual({ reason: 'missing_export: memory' });
  });

  it('refuses bytes that do not match the manifest hash', async () => {
    const bytes = moduleImporting('abort');
    const verdict = await refuseReason(bytes, '0'.repeat(64));
    expect('reason' in verdict && verdict.reason).toMatch(/^sha256 is [0-9a-f]{64}, the manifest says 0+$/);
  });

  it('offers the built kernels and leaves a forbidden one out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kernels-'));
    const good = await loadKernelRegistry(KERNELS_DIST);
    expect([...good.entries.keys()]).toContain('lorenz96@1');
    expect(good.refused).toEqual([]);
    const evil = moduleImporting('fetch');
    writeFileSync(join(dir, 'evil-1.wasm'), evil);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ kernels: [{ id: 'evil', version: 1, title: 'Evil', workUnit: 'x', file: 'evil-1.wasm', sha256: sha(evil), bytes: evil.length }] }));
    const mixed = await loadKernelRegistry(dir);
    expect(mixed.entries.size).toBe(0);
    expect(mixed.refused).toEqual([{ file: 'evil-1.wasm', reason: 'forbidden_import: imports env.fetch (function)' }]);
  });
});
