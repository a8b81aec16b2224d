/**
 * @module The result of a word-alignment training job, running or finished: the corpus
 * log-likelihood per EM iteration (uPlot line chart with its numbers beside it), and once
 * trained the vocabulary sizes, the table's size before and after pruning, why training
 * stopped, and the most likely translations of the most frequent source words. The model
 * itself is in the JSON download.
 */
import type { Ibm1Result } from '../../../shared/jobs/ibm1.ts';
import { LineChart } from '../customer/charts.tsx';
import './training.css';

/** What the job page gets: the trimmed result (no model) once done, `partialIbm1`'s document while running. */
export type TrainingDoc = Partial<Omit<Ibm1Result, 'model'>> & { kind: string; membersDone: number; logLikelihood?: number[] };

export function TrainingResultView({ doc, running }: { doc: TrainingDoc; running: boolean }) {
  const ll = doc.logLikelihood ?? [];
  return (
    <div class="training-result" data-testid="training-result">
      {running && (
        <p class="muted" data-testid="training-progress">
          Iteration {ll.length + 1}: {doc.membersDone} of {doc.pairs ?? '?'} sentence pairs done.
        </p>
      )}
      {ll.length > 0 && (
        <LineChart
          testid="chart-loglikelihood"
          title="Corpus log-likelihood per EM iteration"
          xLabel="iteration"
          yLabel="log-likelihood (nats)"
          x={ll.map((_, i) => i + 1)}
          series={[{ label: 'log-likelihood', values: ll }]}
        >
          <p class="small mono" data-testid="ll-values">
            {ll.map((v) => v.toFixed(1)).join(' → ')}
          </p>
        </LineChart>
      )}
      {doc.vocab && doc.tableEntries && (
        <dl class="training-stats" data-testid="training-stats">
          <dt>Sentence pairs</dt>
          <dd>
            {doc.pairs}
            {doc.skipped ? ` (${doc.skipped} lines skipped)` : ''}
          </dd>
          <dt>Vocabulary</dt>
          <dd>
            {doc.vocab.src} source, {doc.vocab.tgt} target words
          </dd>
          <dt>Translation table</dt>
          <dd>
            {doc.tableEntries.trained} entries trained, {doc.tableEntries.kept} kept
          </dd>
          <dt>Iterations</dt>
          <dd data-testid="training-stopped">
            {doc.iterations} ({doc.stopped === 'converged' ? 'the likelihood stopped improving' : 'the iteration bound was reached'})
          </dd>
        </dl>
      )}
      {doc.frequent && doc.frequent.length > 0 && (
        <table class="frequent-words small" data-testid="frequent-words">
          <caption>Most frequent source words and their most likely translations</caption>
          <thead>
            <tr>
              <th scope="col">word</th>
              <th scope="col">count</th>
              <th scope="col">translations, t(target | word)</th>
            </tr>
          </thead>
          <tbody>
            {doc.frequent.map((w) => (
              <tr key={w.word}>
                <th scope="row" lang={doc.params?.srcLang}>
                  {w.word}
                </th>
                <td>{w.count}</td>
                <td lang={doc.params?.tgtLang}>{w.translations.map((t) => `${t.word || '∅'} ${t.p.toFixed(3)}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
