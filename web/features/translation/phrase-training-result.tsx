/**
 * @module A phrase-based training job (`phrase-train`) on its job page: the stages as a list
 * (alignment EM, Viterbi, tuning rounds; phrase-stages.ts) with the current one marked and
 * its progress, and once trained the corpus and model sizes, the corpus log-likelihood per EM
 * iteration in each direction, and the development set's BLEU per tuning round (uPlot line
 * charts with their numbers in tables beside them), and where the model is and how to
 * translate with it.
 */
import type { Job, JobProgress } from '../../../shared/api/schemas.ts';
import { Link } from '../../router.tsx';
import { LineChart } from '../customer/charts.tsx';
import { isFinalPhraseDoc, phraseAtOf, phrasePlanOf, phraseStageRows, type PhraseAt, type PhraseFinalDoc, type PhrasePartialDoc, type StageRow } from './phrase-stages.ts';
import './training.css';

const STATE_TEXT: Record<StageRow['state'], string> = { done: 'done', current: 'running', stopped: 'stopped here', pending: 'to come' };
const STATE_MARK: Record<StageRow['state'], string> = { done: '✓', current: '▶', stopped: '■', pending: '○' };

export interface PhraseTrainingViewProps {
  job: Job;
  progress: JobProgress;
  /** The partial result while it runs, the trimmed result once complete; undefined before the first is read. */
  doc: PhrasePartialDoc | PhraseFinalDoc | undefined;
}

export function PhraseTrainingView({ job, progress, doc }: PhraseTrainingViewProps) {
  const running = progress.status === 'running';
  const final = doc && isFinalPhraseDoc(doc) ? doc : undefined;
  const partial = doc && !isFinalPhraseDoc(doc) ? doc : undefined;
  // Before any unit is valid the job is in its first iteration; with valid units and no partial read yet, where is not known.
  const at: PhraseAt | undefined =
    progress.status === 'completed' ? { stage: 'done' } : partial ? phraseAtOf(partial) : progress.valid === 0 ? { stage: 'align', iteration: 0 } : undefined;
  const within = partial && { membersDone: partial.membersDone, pairs: partial.pairs, unitsTotal: progress.unitsTotal, unitsValid: progress.valid };
  const rows = at ? phraseStageRows(phrasePlanOf(final?.params ?? job.params), at, within, running) : [];
  return (
    <div class="phrase-result" data-testid="phrase-result">
      {rows.length > 0 ? (
        <ol class="stage-list" data-testid="phrase-stages" aria-label="Training stages">
          {rows.map((r) => (
            <li key={r.key} class={`stage stage-${r.state}`} data-stage={r.key} data-state={r.state} aria-current={r.state === 'current' ? 'step' : undefined}>
              <span class="stage-mark" aria-hidden="true">
                {STATE_MARK[r.state]}
              </span>{' '}
              <span class="stage-label">{r.label}</span> <span class="muted small">({STATE_TEXT[r.state]})</span>
              {r.progress && (
                <div class="progress-line">
                  <progress max={r.progress.max} value={r.progress.value} aria-label={`${r.label}: progress`} />
                  <span class="progress-text small" data-testid="stage-progress">
                    {r.progress.text}
                  </span>
                </div>
              )}
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">Results appear as units are validated.</p>
      )}
      {final && <PhraseTrained doc={final} job={job} />}
    </div>
  );
}

/** A corpus log-likelihood in thousands of nats: a corpus's run to tens of thousands, wider than the chart's axis labels. */
const thousands = (v: number | undefined) => (v === undefined ? null : v / 1000);

function PhraseTrained({ doc, job }: { doc: PhraseFinalDoc; job: Job }) {
  const { forward, backward } = doc.alignment.logLikelihood;
  const iterations = Array.from({ length: Math.max(forward.length, backward.length) }, (_, k) => k + 1);
  const devGiven = job.params.dev !== undefined;
  return (
    <>
      <dl class="training-stats" data-testid="phrase-stats">
        <dt>Sentence pairs trained</dt>
        <dd data-testid="phrase-pairs-trained">
          {doc.pairs}
          {doc.skipped ? ` (${doc.skipped} lines with a blank side skipped)` : ''}
        </dd>
        <dt>Development pairs</dt>
        <dd data-testid="phrase-dev-pairs">
          {doc.devPairs} {devGiven ? '(the development set given)' : '(held out from the end of the corpus)'}
        </dd>
        <dt>Phrase pairs</dt>
        <dd data-testid="phrase-phrase-pairs">
          {doc.phrasePairs} (phrases of at most {doc.params.maxPhraseLength} words)
        </dd>
        <dt>Language model</dt>
        <dd data-testid="phrase-lm-entries">
          {doc.lmEntries} n-grams (order {doc.params.lmOrder})
        </dd>
        <dt>Alignment tension</dt>
        <dd>
          {doc.alignment.tension.forward.toFixed(2)} forward, {doc.alignment.tension.backward.toFixed(2)} backward (how close to the diagonal the aligner expects links)
        </dd>
      </dl>
      {iterations.length > 0 && (
        <LineChart
          testid="chart-alignment-ll"
          title="Corpus log-likelihood per alignment EM iteration, each direction"
          xLabel="EM iteration"
          yLabel="log-likelihood (10³ nats)"
          x={iterations}
          series={[
            { label: `${doc.params.srcLang} → ${doc.params.tgtLang} (forward)`, values: iterations.map((i) => thousands(forward[i - 1])) },
            { label: `${doc.params.tgtLang} → ${doc.params.srcLang} (backward)`, values: iterations.map((i) => thousands(backward[i - 1])), dash: true },
          ]}
        >
          <table class="frequent-words small" data-testid="ll-table">
            <caption>Log-likelihood in nats</caption>
            <thead>
              <tr>
                <th scope="col">iteration</th>
                <th scope="col">forward</th>
                <th scope="col">backward</th>
              </tr>
            </thead>
            <tbody>
              {iterations.map((i) => (
                <tr key={i}>
                  <th scope="row">{i}</th>
                  <td>{forward[i - 1]?.toFixed(1) ?? '–'}</td>
                  <td>{backward[i - 1]?.toFixed(1) ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </LineChart>
      )}
      {doc.tuning.length > 0 ? (
        <LineChart
          testid="chart-dev-bleu"
          title="Development-set BLEU per tuning round"
          xLabel="tuning round"
          yLabel="BLEU (0–100)"
          x={doc.tuning.map((t) => t.round)}
          series={[{ label: 'dev BLEU', values: doc.tuning.map((t) => t.devBleu) }]}
        >
          <p class="small muted">
            Each round decodes the development set with the weights it was given (round 1 the starting weights, each later one the weights MERT chose
            from every round's n-best lists so far); the model keeps the weights chosen after the last round.
          </p>
          <table class="frequent-words small" data-testid="bleu-table">
            <thead>
              <tr>
                <th scope="col">round</th>
                <th scope="col">dev BLEU</th>
                <th scope="col">weights decoded with</th>
              </tr>
            </thead>
            <tbody>
              {doc.tuning.map((t) => (
                <tr key={t.round}>
                  <th scope="row">{t.round}</th>
                  <td data-testid="bleu-value">{t.devBleu.toFixed(2)}</td>
                  <td class="mono">{t.weights.map((w) => w.toFixed(3)).join(' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </LineChart>
      ) : (
        <p class="muted" data-testid="no-tuning">
          No tuning rounds were asked for: the model keeps its starting weights.
        </p>
      )}
      <p class="small" data-testid="phrase-model-note">
        The model (phrase table, language model, truecaser and tuned weights) is in the result download, under <code>model</code>. To translate with
        it, choose it under “Translate a document” on <Link href="/customer">your jobs page</Link>, or submit a translation job that names it:{' '}
        <code>
          {'{"kind": "translate", "params": {"model": "'}
          {job.id}
          {'", "document": "…"}}'}
        </code>{' '}
        (<code>npm run cli -- submit job.json --wait --out translated.md</code>).
      </p>
    </>
  );
}
