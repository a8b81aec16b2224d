/**
 * @module The SpareCycles command line for customers: submit a job file, follow it with a
 * progress bar, download its result, read its status and invoice, cancel it, and see or
 * top up the balance. It speaks the public API (shared/api/client.ts) with the customer's
 * API key, from `--api-key` or SPARECYCLES_API_KEY.
 *
 *   npm run cli -- submit job.json --wait --out result.json
 *   npm run cli -- help
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ApiError, createApiClient, type ApiClient } from '../shared/api/client.ts';
import type { Job, JobProgress, JobStatus } from '../shared/api/schemas.ts';
import { JOB_KINDS, JOB_KIND_TITLES, JobRequestSchema } from '../shared/jobs/kinds.ts';
import { formatSeconds, progressRenderer } from './progress.ts';

/** Exit codes, documented in `help`. */
export const EXIT = { ok: 0, jobFailed: 1, usage: 2, auth: 3, payment: 4, unreachable: 5, interrupted: 130 } as const;

/** Consecutive failed attempts to follow a job's events before the CLI gives up. */
const FOLLOW_FAILURES_MAX = 8;
/** First wait after a failed attempt; doubled each time. */
const FOLLOW_BACKOFF_MS = 500;

/** The job kinds, one line each with what they compute (from the kind registry, so a new kind is listed). */
const KIND_LINES = JOB_KINDS.map((k) => `                        ${k.padEnd(14)}${JOB_KIND_TITLES[k]}`).join('\n');

const HELP = `SpareCycles command line

usage: npm run cli -- <command> [arguments] [options]

commands:
  submit FILE [--wait] [--out FILE] [--format json|csv|document]
                      submit the job described in FILE ({"kind": KIND, "params": {…}});
                      with --wait, show its progress until it ends and download the result
                      (with --out or --format); KIND is one of
${KIND_LINES}
                      a translate job names its model: {"model": "<id of a completed
                      phrase-train or ibm1-train job>", "document": "…"}
  quote FILE          price and ETA of the job in FILE, without submitting it
  status JOB          the job's status and progress (--json: the job document)
  download JOB [--out FILE] [--format json|csv|document]
                      the integrated result (to stdout without --out; the format follows
                      the file's extension unless --format says otherwise: .csv, .md or
                      .txt for a translation's document, else JSON)
  cancel JOB          cancel a running job (its valid units are charged, the rest released)
  invoice JOB         what the job costs
  balance             your balance
  topup AMOUNT --card TOKEN
                      add AMOUNT (minor units, cents) through the payment provider
  help                this text

options:
  --server URL        the server (default $SPARECYCLES_SERVER or http://127.0.0.1:8787)
  --api-key KEY       your API key (default $SPARECYCLES_API_KEY)

exit codes:
  0 done   1 the job failed, was cancelled or is not complete   2 bad arguments or job file
  3 missing or refused API key   4 payment required (balance too low, card declined)
  5 the server cannot be reached or failed   130 interrupted (the job keeps running)
`;

/** A failure with the exit code and message the user sees. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Where the CLI writes: injectable so tests can run it in-process. */
export interface CliIo {
  stdout: { write(s: string): boolean; isTTY?: boolean };
  stderr: { write(s: string): boolean; isTTY?: boolean };
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;

/** The exit code and message for an API or network failure. */
function explain(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ApiError) {
    const p = err.problem;
    const fields = p.errors?.length ? `\n${p.errors.map((e) => `  ${e.path || '(body)'}: ${e.message}`).join('\n')}` : '';
    const text = `${p.title}${p.detail ? `: ${p.detail}` : ''}${fields}`;
    if (p.status === 401 || p.status === 403) return new CliError(EXIT.auth, `the server refused the API key (${p.status}). ${text}`);
    if (p.status === 402) return new CliError(EXIT.payment, text);
    if (p.status === 409) return new CliError(EXIT.jobFailed, text);
    if (p.status >= 400 && p.status < 500) return new CliError(EXIT.usage, text);
    return new CliError(EXIT.unreachable, `the server failed (${p.status}). ${text}`);
  }
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TypeError' && /fetch failed/.test(e.message ?? '')) {
    return new CliError(EXIT.unreachable, `cannot reach the server (${e.cause?.code ?? e.cause?.message ?? 'network error'})`);
  }
  return new CliError(EXIT.unreachable, `unexpected failure: ${e?.message ?? String(err)}`);
}

/** Reads and checks a job file with the schema the server uses. */
async function readJobFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.usage, `cannot read job file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(EXIT.usage, `job file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = JobRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new CliError(EXIT.usage, `job file ${file} is not a valid job:\n${lines.join('\n')}`);
  }
  return raw;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows the job's progress events until it ends; reconnects when a stream ends (the server
 * bounds each) or fails, giving up after FOLLOW_FAILURES_MAX failures in a row.
 */
async function follow(api: ApiClient, jobId: string, io: CliIo): Promise<JobStatus> {
  const bar = progressRenderer(io.stderr);
  let failures = 0;
  try {
    for (;;) {
      let last: JobProgress | undefined;
      try {
        for await (const p of api.jobEvents(jobId)) {
          bar.update(p);
          last = p;
        }
      } catch (err) {
        const problem = err instanceof ApiError ? err.problem : undefined;
        if (problem && problem.status < 500) throw err;
      }
      if (last && last.status !== 'running') return last.status;
      if (last) failures = 0;
      else if (++failures >= FOLLOW_FAILURES_MAX) throw new CliError(EXIT.unreachable, `lost the job's progress stream ${failures} times in a row`);
      if (!last) await sleep(FOLLOW_BACKOFF_MS * 2 ** (failures - 1));
    }
  } finally {
    bar.done();
  }
}

/** The format a download takes from its file's extension: .csv, a translated document (.md, .txt), else JSON. */
function formatOf(out: string | undefined): string {
  const name = out?.toLowerCase() ?? '';
  return name.endsWith('.csv') ? 'csv' : /\.(md|markdown|txt)$/.test(name) ? 'document' : 'json';
}

/** The translated document of a translation job's result. */
async function translatedDocument(api: ApiClient, jobId: string): Promise<string> {
  const result = (await api.jobResult(jobId)) as { kind?: string; document?: unknown };
  if (result.kind !== 'translate' || typeof result.document !== 'string') throw new CliError(EXIT.usage, `job ${jobId} is not a translation; use --format json or csv`);
  return result.document;
}

async function download(api: ApiClient, jobId: string, out: string | undefined, format: string | undefined, io: CliIo): Promise<void> {
  const as = format ?? formatOf(out);
  if (as !== 'json' && as !== 'csv' && as !== 'document') throw new CliError(EXIT.usage, `unknown format ${as}: use json, csv or document`);
  const text =
    as === 'csv' ? await api.jobResultCsv(jobId) : as === 'document' ? await translatedDocument(api, jobId) : `${JSON.stringify(await api.jobResult(jobId), null, 2)}\n`;
  if (!out) {
    io.stdout.write(text);
    return;
  }
  await writeFile(out, text);
  io.stderr.write(`result of job ${jobId} written to ${out} (${as.toUpperCase()}, ${Buffer.byteLength(text)} bytes)\n`);
}

function describeJob(job: Job): string {
  const failed = job.unitsFailed > 0 ? `, ${job.unitsFailed} failed` : '';
  return `job ${job.id} (${job.kind}): ${job.status}, ${job.unitsValid}/${job.unitsTotal} units valid${failed}, price ${money(job.priceMinor, job.currency)}`;
}

/** Runs one CLI invocation and returns its exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        'api-key': { type: 'string' },
        wait: { type: 'boolean' },
        out: { type: 'string' },
        format: { type: 'string' },
        card: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr.write(`error: ${(err as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  const { values: opt, positionals } = parsed;
  const [command, arg] = positionals;
  if (!command || command === 'help' || opt.help) {
    io.stdout.write(HELP);
    return command && command !== 'help' ? EXIT.usage : EXIT.ok;
  }
  const server = opt.server ?? io.env.SPARECYCLES_SERVER ?? 'http://127.0.0.1:8787';
  const apiKey = opt['api-key'] ?? io.env.SPARECYCLES_API_KEY;
  const api = createApiClient({ baseUrl: server, token: apiKey, fetch: io.fetch });
  const needs = (what: string) => {
    if (!arg) throw new CliError(EXIT.usage, `${command} needs ${what}; see: npm run cli -- help`);
    return arg;
  };
  const out = (line: string) => io.stdout.write(`${line}\n`);
  try {
    if (!['submit', 'quote', 'status', 'download', 'cancel', 'invoice', 'balance', 'topup'].includes(command)) {
      throw new CliError(EXIT.usage, `unknown command ${command}; see: npm run cli -- help`);
    }
    if (!apiKey) throw new CliError(EXIT.auth, 'no API key: pass --api-key KEY or set SPARECYCLES_API_KEY (create one on the customer page)');
    switch (command) {
      case 'submit': {
        const req = await readJobFile(needs('a job file'));
        const job = await api.createJob(req as never);
        io.stderr.write(`job ${job.id} submitted: ${job.unitsTotal} units, ${money(job.priceMinor, job.currency)} held on your balance\n`);
        out(job.id);
        if (!opt.wait) return EXIT.ok;
        const status = await follow(api, job.id, io);
        if (status !== 'completed') {
          io.stderr.write(`${describeJob(await api.job(job.id))}\n`);
          return EXIT.jobFailed;
        }
        if (opt.out || opt.format) await download(api, job.id, opt.out, opt.format, io);
        return EXIT.ok;
      }
      case 'quote': {
        const q = await api.quoteJob((await readJobFile(needs('a job file'))) as never);
        const eta = q.etaSeconds === null ? 'unknown (no volunteers are computing now)' : formatSeconds(q.etaSeconds);
        out(`${q.units} units, ${q.points} points × quorum ${q.quorum}: ${money(q.priceMinor, q.currency)}; ETA ${eta}`);
        if (!q.affordable) io.stderr.write(`your available balance (${money(q.availableMinor, q.currency)}) does not cover it\n`);
        return EXIT.ok;
      }
      case 'status': {
        const job = await api.job(needs('a job id'));
        out(opt.json ? JSON.stringify(job, null, 2) : describeJob(job));
        return EXIT.ok;
      }
      case 'download':
        await download(api, needs('a job id'), opt.out, opt.format, io);
        return EXIT.ok;
      case 'cancel': {
        const job = await api.cancelJob(needs('a job id'));
        const inv = await api.jobInvoice(job.id);
        out(`${describeJob(job)}; charged ${money(inv.chargedMinor, inv.currency)}, released ${money(inv.releasedMinor, inv.currency)}`);
        return EXIT.ok;
      }
      case 'invoice': {
        const inv = await api.jobInvoice(needs('a job id'));
        out(opt.json ? JSON.stringify(inv, null, 2) : `job ${inv.jobId}: ${inv.status}; quote ${money(inv.quoteMinor, inv.currency)}, charged ${money(inv.chargedMinor, inv.currency)}, released ${money(inv.releasedMinor, inv.currency)}`);
        return EXIT.ok;
      }
      case 'balance': {
        const b = await api.balance();
        out(`balance ${money(b.balanceMinor, b.currency)}, held by running jobs ${money(b.heldMinor, b.currency)}, available ${money(b.availableMinor, b.currency)}`);
        return EXIT.ok;
      }
      case 'topup': {
        const amount = Number(needs('an amount in minor units (cents)'));
        if (!Number.isSafeInteger(amount) || amount <= 0) throw new CliError(EXIT.usage, `the amount must be a whole number of cents above 0, not ${arg}`);
        if (!opt.card) throw new CliError(EXIT.usage, 'topup needs --card TOKEN (the simulator takes tok_ok)');
        const b = await api.topUp({ amountMinor: amount, card: opt.card, idempotencyKey: randomUUID().replaceAll('-', '') });
        out(`balance ${money(b.balanceMinor, b.currency)}, available ${money(b.availableMinor, b.currency)}`);
        return EXIT.ok;
      }
    }
    return EXIT.usage;
  } catch (err) {
    const e = explain(err);
    io.stderr.write(`error: ${e.message}\n`);
    return e.exitCode;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted; a submitted job keeps running (see: npm run cli -- status JOB)\n');
    process.exit(EXIT.interrupted);
  });
  process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
