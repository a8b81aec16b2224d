/**
 * Translation end to end in real Chromium: a customer creates an account in the browser,
 * trains a synthetic corpus in the training form (an `ibm1-train` job) while two Node
 * volunteers compute, then picks the trained model in the translate form, uploads a Markdown
 * document, submits it,
 * watches the job complete, sees source and translation side by side with alignments lit on
 * hover and on keyboard focus, and downloads the translated document: structure kept, words
 * translated per the synthetic lexicon, an unknown word passed through. A file that is not
 * UTF-8 is refused by the form before any request.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticCorpus, toTsv } from '../translation/synthetic.ts';
import { UI_STATE_MS_MAX, spawnWorker, useServerAndBrowser, topUpCustomerPage } from './harness.ts';

/** How long training and translating may take with two Node volunteers. */
const JOBS_DONE_MS_MAX = 90_000;
const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };
const slow = { timeout: JOBS_DONE_MS_MAX / 2, interval: 250 };

const ctx = useServerAndBrowser();
const workers: ChildProcess[] = [];
afterAll(() => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
});

const corpus = syntheticCorpus({ seed: 31, pairs: 1500 });
const held = corpus.heldOut(6).pairs;
const cap = (s: string) => s.replace(/ \.$/, '.').replace(/^./, (c) => c.toUpperCase());
const DOC = [
  `# ${cap(held[0]!.src).replace(/\.$/, '')}`,
  '',
  `${cap(held[1]!.src)} ${cap(held[2]!.src)}`,
  '',
  `- Qwertz ${held[3]!.src.replace(/ \.$/, '.')}`,
  '',
  '```',
  'code stays: wo .',
  '```',
  '',
].join('\n');

describe('translating a document in Chromium', () => {
  it('trains, uploads a Markdown document, translates it with the trained model, shows alignments and downloads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'translate-e2e-'));
    for (const name of ['a', 'b']) workers.push(spawnWorker(['--server', ctx.server.url, '--threads', '1', '--identity', join(dir, `${name}.json`)]).child);

    const page = await (await ctx.browser.newContext({ acceptDownloads: true })).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await page.goto(`${ctx.server.url}/customer`);
    await page.getByTestId('customer-name').fill('Translation Office');
    await page.getByTestId('create-customer').click();
    await expect.poll(() => page.getByTestId('api-key').textContent(), ui).toMatch(/^c_/);
    await topUpCustomerPage(page, ctx.server.url);

    // Training in the training form (part A's), the corpus pasted as TSV.
    await page.getByTestId('kind-train').click();
    await page.getByTestId('train-model-ibm1-train').check();
    await page.getByTestId('train-source-tsv').check();
    await page.getByTestId('train-src').fill('en');
    await page.getByTestId('train-tgt').fill('de');
    await page.getByTestId('train-iterations').fill('6');
    await page.getByTestId('train-tsv').fill(toTsv(corpus.pairs));
    await expect.poll(() => page.getByTestId('quote').isVisible(), ui).toBe(true);
    await page.getByTestId('submit-training').click();
    await page.getByTestId('job-link').click();
    await expect.poll(() => page.getByTestId('job-status').textContent(), slow).toBe('completed');
    const trainingId = decodeURIComponent(page.url().split('/').pop()!);
    await page.getByRole('link', { name: '← Your jobs' }).click();

    // The completed training job is a model to pick in the translate form.
    await page.getByTestId('kind-translate').click();
    await expect.poll(() => page.getByTestId('translate-model').inputValue(), ui).toBe(trainingId);

    // A file that is not UTF-8 is refused in the form.
    await page.getByTestId('translate-file').setInputFiles({ name: 'latin1.txt', mimeType: 'text/plain', buffer: Buffer.from([0x44, 0x61, 0x73, 0x20, 0xe9, 0x74, 0xe9, 0x2e]) });
    await expect.poll(() => page.getByTestId('translate-file-error').textContent(), ui).toMatch(/not UTF-8/);

    await page.getByTestId('translate-file').setInputFiles({ name: 'doc.md', mimeType: 'text/markdown', buffer: Buffer.from(DOC, 'utf8') });
    await expect.poll(() => page.getByTestId('translate-document').inputValue(), ui).toBe(DOC);
    expect(await page.getByTestId('translate-format-markdown').isChecked()).toBe(true);
    await expect.poll(() => page.getByTestId('submit-translate').isEnabled(), ui).toBe(true);
    await page.getByTestId('submit-translate').click();
    await page.getByTestId('job-link').click();
    await expect.poll(() => page.getByTestId('job-status').textContent(), slow).toBe('completed');
    await expect.poll(() => page.getByTestId('translation-result').isVisible(), ui).toBe(true);

    // Side by side: hovering a target word lights it and the source word it translates; focus does the same.
    const src0 = page.getByTestId('seg-1-src');
    expect((await src0.textContent())!.replace(/\s+/g, '')).toBe(cap(held[1]!.src).replace(/\s+/g, ''));
    await page.getByTestId('tok-1-tgt-0').hover();
    await expect.poll(() => page.locator('[data-testid^="tok-1-src-"][data-lit="true"]').count(), ui).toBe(1);
    await page.getByTestId('tok-1-src-0').focus();
    await expect.poll(() => page.locator('[data-testid^="tok-1-tgt-"][data-lit="true"]').count(), ui).toBeGreaterThanOrEqual(1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-translation').click()]);
    const jobId = page.url().split('/').pop()!;
    expect(download.suggestedFilename()).toBe(`translation-${jobId}.md`);
    const text = await readFile((await download.path())!, 'utf8');
    const lines = text.split('\n');
    // Structure: heading, blank, paragraph, blank, list item, blank, the code block verbatim.
    expect(lines[0]).toMatch(/^# \S/);
    expect(lines[1]).toBe('');
    // The list item keeps its marker; the unknown word is passed through as written (the decoder may move it).
    expect(lines[4]).toMatch(/^- \S/);
    expect(lines[4]!.match(/Qwertz/g)).toHaveLength(1);
    expect(text).toContain('```\ncode stays: wo .\n```\n');
    // Words translated per the lexicon: most of the reference translation's words, and no source word left.
    const words = (s: string) => s.toLowerCase().replace(/[.#-]/g, ' ').split(/\s+/).filter(Boolean);
    const out = new Set(words(lines.slice(0, 5).join(' ')));
    const expected = [0, 1, 2, 3].flatMap((i) => words(held[i]!.tgt));
    expect(expected.filter((w) => out.has(w)).length).toBeGreaterThanOrEqual(Math.ceil(0.85 * expected.length));
    const srcWords = [0, 1, 2, 3].flatMap((i) => words(held[i]!.src));
    expect(srcWords.filter((w) => out.has(w))).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, JOBS_DONE_MS_MAX + 60_000);
});
