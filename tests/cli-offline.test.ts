/**
 * @module The CLI in-process, without a server: its help names every job kind with its title
 * (phrase-based training among them), and a phrase-based training job file with a setting
 * out of its bounds is refused before any request, naming the setting.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, runCli, type CliIo } from '../cli/main.ts';

function io(): { io: CliIo; out: string[]; err: string[]; requests: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const requests: string[] = [];
  const fetch = (async (input: RequestInfo | URL) => {
    requests.push(String(input));
    throw new TypeError('no server in this test');
  }) as typeof globalThis.fetch;
  return {
    io: { stdout: { write: (s) => out.push(s) > 0 }, stderr: { write: (s) => err.push(s) > 0 }, env: { SPARECYCLES_API_KEY: 'c_test' }, fetch },
    out,
    err,
    requests,
  };
}

describe('customer CLI without a server', () => {
  it('names every job kind in its help, phrase-train with its title', async () => {
    const run = io();
    expect(await runCli(['help'], run.io)).toBe(EXIT.ok);
    const help = run.out.join('');
    for (const kind of ['lorenz96', 'ebm', 'ibm1-train', 'phrase-train', 'translate']) expect(help).toMatch(new RegExp(`^ +${kind} +\\S`, 'm'));
    expect(help).toMatch(/phrase-train +Translation system training \(phrase-based, tuned\)/);
    expect(help).toMatch(/completed\s+phrase-train or ibm1-train job/);
  });

  it('refuses a phrase-train job file whose LM order is out of bounds, before any request', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cli-phrase-')), 'job.json');
    // lmOrder must be 2–5 (PhraseTrainParamsSchema).
    writeFileSync(file, JSON.stringify({ kind: 'phrase-train', params: { srcLang: 'de', tgtLang: 'en', corpus: { tsv: 'das Haus\tthe house\n' }, lmOrder: 6 } }));
    const run = io();
    expect(await runCli(['submit', file], run.io)).toBe(EXIT.usage);
    expect(run.err.join('')).toMatch(/params\.lmOrder: Too big/);
    expect(run.requests).toEqual([]);
  });
});
