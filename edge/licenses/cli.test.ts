import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LICENSE_PATHS, PublicKeysResponseSchema } from '../../shared/license/api.ts';
import { generateLicenseSigningKey, importLicenseSigningKey, signLicense } from '../../shared/license/sign.ts';
import { bytesToBase64url } from '../../shared/license/base64url.ts';
import { verifyLicenseKey } from '../../shared/license/verify.ts';
import { base64ToBytes } from '../../shared/base64.ts';
import { DAY_MS } from '../../shared/limits.ts';
import { createApp } from '../app.ts';
import { openStore, type Store } from '../db/index.ts';
import { loadKernelRegistry } from '../kernels/registry.ts';
import { KERNELS_DIST } from '../testing.ts';
import { EXIT } from './cli.ts';
import { issueLicense } from './issue.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs the CLI as `npm run license` does, in a child process. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'edge/cli/license.ts', ...args], { cwd: ROOT, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let store: Store;
let server: ServerType;
let base: string;
let key: string;
let expired: string;
let publicKey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sc-license-cli-'));
  store = await openStore(':memory:');
  const app = createApp({ store, kernels: await loadKernelRegistry(KERNELS_DIST) });
  base = await new Promise<string>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}`));
  });
  const now = Date.now();
  const terms = { productId: 'p_cli', productName: 'CLI Tool', licenseeId: 'u_bob', licenseeName: 'Bob', validDays: 30, activationLimit: 1 };
  key = (await issueLicense(store.db, { ...terms, transferId: 'checkout:cli' }, now)).key;
  const stored = await store.db.selectFrom('license_signing_keys').selectAll().executeTakeFirstOrThrow();
  const signer = await importLicenseSigningKey(stored.private_key_pkcs8);
  publicKey = bytesToBase64url(signer.publicKey);
  const good = await verifyLicenseKey(key, { [signer.kid]: signer.publicKey }, now);
  if (good.status !== 'valid') throw new Error(`setup: ${good.status}`);
  const iat = Math.floor((now - 40 * DAY_MS) / 1000);
  expired = await signLicense({ ...good.payload, lic: 'lic_old', iat, exp: iat + 30 * 86_400 }, signer.privateKey);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run license -- verify', () => {
  it('exits 0 for a valid key and 1, with the reason, for refused ones', async () => {
    const other = bytesToBase64url((await generateLicenseSigningKey()).publicKey);
    const at = key.length - 5;
    const tampered = key.slice(0, at) + (key[at] === 'x' ? 'y' : 'x') + key.slice(at + 1);
    const wrapped = key.match(/.{1,50}/g)!.join('\n  ');
    const [valid, wrappedRun, changed, old, unknown, garbage] = await Promise.all([
      cli('verify', key, `--public-key=${publicKey}`),
      cli('verify', wrapped, `--public-key=${publicKey}`),
      cli('verify', tampered, `--public-key=${publicKey}`),
      cli('verify', expired, `--public-key=${publicKey}`),
      cli('verify', key, `--public-key=${other}`),
      cli('verify', 'SC1-garbage', `--public-key=${publicKey}`),
    ]);
    expect(valid).toMatchObject({ code: EXIT.valid, stdout: expect.stringContaining('status: valid') });
    expect(valid.stdout).toContain('"licensee": "u_bob"');
    expect(wrappedRun.code).toBe(EXIT.valid);
    expect(changed).toMatchObject({ code: EXIT.refused, stdout: expect.stringContaining('status: bad_signature') });
    expect(changed.stdout).toContain('NOT verified');
    expect(old).toMatchObject({ code: EXIT.refused, stdout: expect.stringMatching(/status: expired\nreason: expired at /) });
    expect(unknown).toMatchObject({ code: EXIT.refused, stdout: expect.stringContaining('status: unknown_key') });
    expect(garbage).toMatchObject({ code: EXIT.refused, stdout: expect.stringContaining('status: malformed') });
  }, 60_000);

  it('fetches the public keys from a server once, saves them, and then works offline', async () => {
    const file = join(dir, 'keys.json');
    const online = await cli('verify', key, '--server', base, '--save', file);
    expect(online).toMatchObject({ code: EXIT.valid, stdout: expect.stringContaining('status: valid') });
    const saved = PublicKeysResponseSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    expect(saved).toEqual(PublicKeysResponseSchema.parse(await (await fetch(base + LICENSE_PATHS.publicKeys)).json()));
    const offline = await cli('verify', key, '--public-keys', file);
    expect(offline.code).toBe(EXIT.valid);
    expect((await cli('verify', expired, '--public-keys', file)).code).toBe(EXIT.refused);
  }, 60_000);

  it('exits 2 on usage errors', async () => {
    const runs = await Promise.all([
      cli(),
      cli('frobnicate'),
      cli('verify'),
      cli('verify', key),
      cli('verify', key, '--public-key=abc'),
      cli('verify', key, `--public-key=${publicKey}`, '--bogus'),
      cli('verify', key, `--public-key=${publicKey}`, '--save', join(dir, 'x.json')),
      cli('verify', key, '--public-keys', join(dir, 'missing.json')),
      cli('verify', key, '--server', 'http://127.0.0.1:9'),
      cli('keygen', 'extra'),
    ]);
    for (const [i, r] of runs.entries()) {
      expect.soft(r.code, `run ${i}: ${r.stderr}`).toBe(EXIT.usage);
      expect.soft(r.stderr, `run ${i}`).toContain('usage:');
    }
  }, 60_000);
});

describe('npm run license -- keygen', () => {
  it('prints a PKCS #8 key that LICENSE_SIGNING_KEY accepts', async () => {
    const r = await cli('keygen');
    expect(r.code).toBe(EXIT.valid);
    const imported = await importLicenseSigningKey(base64ToBytes(r.stdout.trim()));
    expect(r.stderr).toContain(`kid ${imported.kid}`);
  }, 60_000);
});
