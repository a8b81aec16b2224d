/**
 * @module The license command line (`npm run license -- …`, entry edge/cli/license.ts):
 * verifies keys offline with given public keys, or with keys fetched once from a server
 * (and saved for later offline use), and makes signing keys for LICENSE_SIGNING_KEY.
 * Exit status: 0 valid, 1 refused (the reason is printed), 2 usage error or keys unreadable.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { bytesToBase64 } from '../../shared/base64.ts';
import { LICENSE_PATHS, PublicKeysResponseSchema, type PublicKeysResponse } from '../../shared/license/api.ts';
import { base64urlToBytes, bytesToBase64url } from '../../shared/license/base64url.ts';
import { ED25519_PUBLIC_KEY_BYTES, kidOf } from '../../shared/license/format.ts';
import { exportPkcs8, generateLicenseSigningKey } from '../../shared/license/sign.ts';
import { describeVerification, verifyLicenseKey, type LicensePublicKeys } from '../../shared/license/verify.ts';

/** Exit statuses of the CLI. */
export const EXIT = { valid: 0, refused: 1, usage: 2 } as const;

/** How long `--server` waits for the public keys. */
const SERVER_FETCH_TIMEOUT_MS = 10_000;

export const USAGE = `usage:
  npm run license -- verify KEY [--public-key=BASE64URL]... [--public-keys FILE] [--server URL [--save FILE]]
  npm run license -- keygen

verify   checks KEY offline against the given public keys; --server fetches them once from
         URL${LICENSE_PATHS.publicKeys}, --save writes them to FILE for later --public-keys use.
         Write --public-key=KEY with '=': a base64url key may start with '-'.
         Exit 0 when valid, 1 when refused (reason printed), 2 on usage errors or when
         the keys can't be read or fetched.
keygen   prints a fresh Ed25519 private key (PKCS #8, base64) for LICENSE_SIGNING_KEY;
         its kid and public key go to stderr.

Key format: SC1-<base64url(canonical JSON payload)>.<base64url(Ed25519 signature)>;
whitespace inside a key is ignored, so wrapped keys can be pasted as they are.`;

/** Where the CLI reads, writes and prints; tests may replace any of it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  now(): number;
  fetch: typeof fetch;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  now: Date.now,
  fetch: globalThis.fetch,
};

class UsageError extends Error {}

/**
 * Runs the CLI on its arguments (without `node` and the script) and returns the exit status.
 * @example
 * process.exitCode = await runLicenseCli(process.argv.slice(2));
 */
export async function runLicenseCli(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === 'verify') return await verify(rest, io);
    if (command === 'keygen') return await keygen(rest, io);
    throw new UsageError(command === undefined || command === 'help' || command === '--help' ? '' : `unknown command '${command}'`);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) io.err(`error: ${err.message}`);
    io.err(USAGE);
    return EXIT.usage;
  }
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOrUsage({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      'public-key': { type: 'string', multiple: true },
      'public-keys': { type: 'string' },
      server: { type: 'string' },
      save: { type: 'string' },
    },
  } as const);
  if (positionals.length !== 1) throw new UsageError('verify takes exactly one KEY');
  if (values.save !== undefined && values.server === undefined) throw new UsageError('--save needs --server');
  const keys: LicensePublicKeys = {};
  for (const text of values['public-key'] ?? []) {
    const raw = base64urlToBytes(text);
    if (!raw || raw.length !== ED25519_PUBLIC_KEY_BYTES) throw new UsageError(`--public-key takes a raw ${ED25519_PUBLIC_KEY_BYTES}-byte Ed25519 key in base64url`);
    keys[await kidOf(raw)] = raw;
  }
  if (values['public-keys'] !== undefined) addKeys(keys, await readKeysFile(values['public-keys']));
  if (values.server !== undefined) {
    const fetched = await fetchKeys(values.server, io);
    addKeys(keys, fetched);
    if (values.save !== undefined) {
      await writeFile(values.save, `${JSON.stringify(fetched, null, 2)}\n`);
      io.err(`saved ${fetched.keys.length} public key(s) to ${values.save}`);
    }
  }
  if (Object.keys(keys).length === 0) throw new UsageError('give the public key(s): --public-key, --public-keys or --server');

  const r = await verifyLicenseKey(positionals[0]!, keys, io.now());
  io.out(`status: ${r.status}`);
  if (r.status !== 'valid') io.out(`reason: ${describeVerification(r)}`);
  const payload = 'payload' in r ? r.payload : 'claimed' in r ? r.claimed : undefined;
  if (payload) {
    const label = 'payload' in r ? 'payload' : 'claimed payload (NOT verified)';
    const dates = { issued: new Date(payload.iat * 1000).toISOString(), expires: payload.exp === null ? 'never' : new Date(payload.exp * 1000).toISOString() };
    io.out(`${label}: ${JSON.stringify({ ...payload, ...dates }, null, 2)}`);
  }
  return r.status === 'valid' ? EXIT.valid : EXIT.refused;
}

async function keygen(args: string[], io: CliIo): Promise<number> {
  parseOrUsage({ args, allowPositionals: false, strict: true, options: {} });
  const key = await generateLicenseSigningKey();
  io.out(bytesToBase64(await exportPkcs8(key)));
  io.err(`kid ${key.kid}, public key ${bytesToBase64url(key.publicKey)}; set the line above as LICENSE_SIGNING_KEY`);
  return EXIT.valid;
}

function parseOrUsage<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function addKeys(into: LicensePublicKeys, list: PublicKeysResponse): void {
  for (const k of list.keys) into[k.kid] = base64urlToBytes(k.publicKey)!;
}

async function readKeysFile(file: string): Promise<PublicKeysResponse> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseKeys(text, file);
}

function parseKeys(text: string, source: string): PublicKeysResponse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${source} is not JSON`);
  }
  const parsed = PublicKeysResponseSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${source} does not hold { keys: [{ kid, publicKey }] }`);
  return parsed.data;
}

async function fetchKeys(server: string, io: CliIo): Promise<PublicKeysResponse> {
  let url: URL;
  try {
    url = new URL(LICENSE_PATHS.publicKeys, server);
  } catch {
    throw new UsageError(`--server takes a URL, got '${server}'`);
  }
  let res: Response;
  try {
    res = await io.fetch(url, { signal: AbortSignal.timeout(SERVER_FETCH_TIMEOUT_MS) });
  } catch (err) {
    throw new UsageError(`cannot fetch ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new UsageError(`${url} answered ${res.status}`);
  return parseKeys(await res.text(), String(url));
}
