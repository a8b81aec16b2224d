/**
 * Word-alignment training in real Chromium: the training form refuses a TSV line without its
 * tab and a two-file corpus whose line counts differ, in the browser, with the server's
 * wording and before any job exists; a good synthetic corpus is quoted and submitted; two
 * volunteer pages run its EM iterations; the job page shows the log-likelihood per iteration
 * (rising), the vocabulary and the top translations of frequent words, which are the
 * synthetic lexicon's.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServerAndBrowser, startVolunteerPage, UI_STATE_MS_MAX, topUpCustomerPage } from './harness.ts';
import { syntheticCorpus, toTsv } from '../translation/synthetic.ts';

const JOB_DONE_MS_MAX = 90_000;
const ui = { timeout: UI_STATE_MS_MAX, interval: 100 };
const ctx = useServerAndBrowser();

describe('training a word-alignment model from the customer page, in Chromium', () => {
  it('refuses bad corpora in the browser, then trains a good one with two volunteer pages and shows the likelihood and translations', async () => {
    const customer = await (await ctx.browser.newContext()).newPage();
    const pageErrors: string[] = [];
    customer.on('pageerror', (err) => pageErrors.push(String(err)));
    await customer.goto(`${ctx.server.url}/customer`);
    await customer.getByTestId('customer-name').fill('Aligners');
    await customer.getByTestId('create-customer').click();
    await expect.poll(() => customer.getByTestId('api-key').textContent(), ui).toMatch(/^c_/);
    await topUpCustomerPage(customer, ctx.server.url);
    await customer.getByTestId('kind-ibm1-train').click();

    await customer.getByTestId('train-tsv').fill('das Haus\tthe house\ndas Buch the book\n');
    await expect.poll(() => customer.getByTestId('train-corpus-error').textContent(), ui).toMatch(/line 2 of the TSV/);
    expect(await customer.getByTestId('submit-training').isDisabled()).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    writeFileSync(join(dir, 'src.txt'), 'das Haus\ndas Buch\nein Buch\n');
    writeFileSync(join(dir, 'tgt.txt'), 'the house\nthe book\n');
    await customer.getByTestId('train-source-two').check();
    await customer.getByTestId('train-source-file').setInputFiles(join(dir, 'src.txt'));
    await customer.getByTestId('train-target-file').setInputFiles(join(dir, 'tgt.txt'));
    await expect.poll(() => customer.getByTestId('train-corpus-error').textContent(), ui).toMatch(/3 lines and the target text 2/);

    const corpus = syntheticCorpus({ seed: 77, pairs: 400 });
    await customer.getByTestId('train-source-tsv').check();
    await customer.getByTestId('train-src').fill('en');
    await customer.getByTestId('train-tgt').fill('fr');
    await customer.getByTestId('train-iterations').fill('8');
    await customer.getByTestId('train-tsv').fill(toTsv(corpus.pairs));
    await expect.poll(() => customer.getByTestId('train-corpus-summary').textContent(), ui).toMatch(/^400 sentence pairs/);
    await expect.poll(() => customer.getByTestId('quote').isVisible(), ui).toBe(true);
    await customer.getByTestId('submit-training').click();
    await customer.getByTestId('job-link').click();

    const volunteers = [await startVolunteerPage(ctx), await startVolunteerPage(ctx)];
    await expect.poll(() => customer.getByTestId('training-stats').isVisible(), { timeout: JOB_DONE_MS_MAX, interval: 250 }).toBe(true);
    const lls = ((await customer.getByTestId('ll-values').textContent()) ?? '').split(' → ').map(Number);
    expect(lls.length).toBeGreaterThanOrEqual(3);
    for (let k = 1; k < lls.length; k++) expect(lls[k]!).toBeGreaterThanOrEqual(lls[k - 1]!);
    expect(await customer.getByTestId('chart-loglikelihood').isVisible()).toBe(true);
    // The frequent source words translate first to their lexicon words (but for a few, like
    // the particle with no translation).
    const rows = await customer.getByTestId('frequent-words').locator('tbody tr').all();
    let right = 0;
    for (const row of rows) {
      const word = (await row.locator('th').textContent())!;
      const best = (await row.locator('td').nth(1).textContent())!.split(' ')[0]!;
      if (corpus.lexicon[word]?.includes(best)) right++;
    }
    expect(rows.length).toBeGreaterThan(10);
    expect(right).toBeGreaterThanOrEqual(rows.length - 3);
    expect(pageErrors).toEqual([]);
    for (const v of volunteers) await v.close();
  }, JOB_DONE_MS_MAX + 30_000);
});
