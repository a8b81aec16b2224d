/**
 * @module One job's page: a live progress bar (server-sent events), the results so far as
 * units are validated, with charts, a cancel button while it runs, JSON and CSV downloads
 * once it completed, a private pool of the customer's own devices (issue 16), and its invoice.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createApiClient, type ApiClient } from '../../../shared/api/client.ts';
import type { Invoice, Job, JobProgress } from '../../../shared/api/schemas.ts';
import type { EbmResult } from '../../../shared/jobs/ebm-result.ts';
import { JOB_KIND_TITLES, type JobKind } from '../../../shared/jobs/kinds.ts';
import type { L96Result } from '../../../shared/jobs/lorenz96.ts';
import { JOB_PARTIAL_INTERVAL_MS } from '../../../shared/limits.ts';
import { describeError } from '../../lib/errors.ts';
import { formatMinor, formatTime } from '../../lib/format.ts';
import { Link } from '../../router.tsx';
import { getCustomerKey } from '../../storage/db.ts';
import { PoolHosting } from '../groups/hosting.tsx';
import { DownloadLink } from './download-link.tsx';
import { EbmResults } from './ebm-results.tsx';
import { formatDuration } from './format.ts';
import { InvoiceView } from './invoice-view.tsx';
import { L96Results } from './l96-results.tsx';
import { TranslateResultView } from '../translation/translate-result.tsx';
import { TrainingResultView, type TrainingDoc } from '../translation/training-result.tsx';
import { PhraseTrainingView } from '../translation/phrase-training-result.tsx';
import type { PhraseFinalDoc, PhrasePartialDoc } from '../translation/phrase-stages.ts';
import { useJobProgress } from './use-job-progress.ts';
import './customer.css';

type Key = { status: 'loading' } | { status: 'none' } | { status: 'ready'; apiKey: string };

export function JobPage({ jobId }: { jobId: string }) {
  const [key, setKey] = useState<Key>({ status: 'loading' });
  useEffect(() => {
    getCustomerKey().then(
      (identity) => setKey(identity ? { status: 'ready', apiKey: identity.apiKey } : { status: 'none' }),
      () => setKey({ status: 'none' }),
    );
  }, []);
  return (
    <div class="container customer job-page">
      <p class="small">
        <Link href="/customer">← Your jobs</Link>
      </p>
      <h1>
        Job <span class="mono">{jobId}</span>
      </h1>
      {key.status === 'loading' && <p class="muted">Loading…</p>}
      {key.status === 'none' && (
        <p class="alert alert-error" role="alert">
          This browser holds no customer API key. Open <Link href="/customer">the customer page</Link> to create an account or use the one you have.
        </p>
      )}
      {key.status === 'ready' && <JobView jobId={jobId} apiKey={key.apiKey} />}
    </div>
  );
}

/** Progress from the job document, for a job that is not streaming (ended, or not loaded). */
function progressOf(job: Job): JobProgress {
  const decided = job.unitsValid + job.unitsFailed;
  return {
    jobId: job.id,
    status: job.status,
    unitsTotal: job.unitsTotal,
    queued: 0,
    inProgress: job.status === 'running' ? job.unitsTotal - decided : 0,
    valid: job.unitsValid,
    failed: job.unitsFailed,
    cancelled: job.status === 'cancelled' ? job.unitsTotal - decided : 0,
    unitsPerSecond: null,
    etaSeconds: null,
  };
}

function JobView({ jobId, apiKey }: { jobId: string; apiKey: string }) {
  const api = useMemo(() => createApiClient({ token: apiKey }), [apiKey]);
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<string>();
  const [generation, setGeneration] = useState(0);
  const [invoice, setInvoice] = useState<Invoice>();
  const [cancelling, setCancelling] = useState(false);

  useEffect(() => {
    let alive = true;
    api.job(jobId).then(
      (j) => alive && (setJob(j), setError(undefined)),
      (err: unknown) => alive && setError(`The job could not be loaded. ${describeError(err)}`),
    );
    return () => {
      alive = false;
    };
  }, [api, jobId, generation]);

  const live = useJobProgress(api, jobId, job?.status === 'running', generation);
  // A job that ended (or was cancelled here) is read from its document; a running one from its events.
  const progress = job && (job.status !== 'running' ? progressOf(job) : (live.progress ?? progressOf(job)));
  const status = progress?.status;

  // The job ended while the page watched: read it again (result, failures, invoice).
  useEffect(() => {
    if (job && status && status !== job.status) setGeneration((g) => g + 1);
  }, [status, job]);

  useEffect(() => {
    let alive = true;
    api.jobInvoice(jobId).then(
      (inv) => alive && setInvoice(inv),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [api, jobId, status]);

  const partial = usePartial(api, jobId, progress?.valid ?? 0, status);

  async function cancel() {
    setCancelling(true);
    try {
      setJob(await api.cancelJob(jobId));
      setGeneration((g) => g + 1);
    } catch (err) {
      setError(`The job was not cancelled. ${describeError(err)}`);
    } finally {
      setCancelling(false);
    }
  }

  if (error && !job) {
    return (
      <p class="alert alert-error" role="alert">
        {error}
      </p>
    );
  }
  if (!job || !progress) return <p class="muted">Loading…</p>;
  const percent = progress.unitsTotal > 0 ? Math.floor((100 * progress.valid) / progress.unitsTotal) : 0;
  return (
    <>
      <p class="lead">
        {JOB_KIND_TITLES[job.kind as JobKind] ?? job.kind}, submitted {formatTime(job.createdAt)}
        {job.completedAt ? `, ended ${formatTime(job.completedAt)}` : ''}. Quote {formatMinor(job.priceMinor, job.currency)}.
      </p>
      <section class="card" aria-labelledby="progress-title">
        <div class="section-head">
          <h2 id="progress-title">Progress</h2>
          <span class={`badge badge-${progress.status}`} data-testid="job-status">
            {progress.status}
          </span>
        </div>
        <div class="progress-line">
          <progress data-testid="job-progress-bar" data-percent={percent} max={Math.max(1, progress.unitsTotal)} value={progress.valid} aria-label="Units validated" />
          <span class="progress-text" data-testid="job-percent">
            {percent}% · {progress.valid}/{progress.unitsTotal} units valid
            {progress.failed > 0 ? ` · ${progress.failed} failed` : ''}
            {progress.status === 'running' && progress.etaSeconds !== null ? ` · about ${formatDuration(progress.etaSeconds)} left` : ''}
            {progress.status === 'running' && progress.unitsPerSecond === null ? ' · waiting for volunteers' : ''}
          </span>
        </div>
        {job.assurance && (
          <p class="small muted" data-testid="job-assurance">
            {job.assurance.serverVerified} valid units checked by the server’s own run, {job.assurance.byAgreement} by independent volunteers agreeing
            {job.amendedUnits > 0 ? ` · ${job.amendedUnits} units corrected after they were decided (the result was recomputed)` : ''}
          </p>
        )}
        {live.error && <p class="alert alert-error small">{live.error}</p>}
        {error && (
          <p class="alert alert-error small" role="alert">
            {error}
          </p>
        )}
        {job.failures.length > 0 && (
          <ul class="small">
            {job.failures.map((f) => (
              <li key={f.unit}>
                Unit {f.unit}: {f.reason}
              </li>
            ))}
          </ul>
        )}
        <div class="form-actions">
          {progress.status === 'running' && (
            <button type="button" class="button button-stop button-small" data-testid="cancel-job" disabled={cancelling} onClick={cancel}>
              {cancelling ? 'Cancelling…' : 'Cancel job'}
            </button>
          )}
          {progress.status === 'completed' && (
            <>
              <DownloadLink jobId={jobId} apiKey={apiKey} format="json" />
              {job.kind !== 'phrase-train' && <DownloadLink jobId={jobId} apiKey={apiKey} format="csv" />}
            </>
          )}
        </div>
      </section>
      <section class="card" aria-labelledby="results-title">
        <h2 id="results-title">{progress.status === 'completed' ? 'Results' : 'Results so far'}</h2>
        {partial.error && <p class="alert alert-error small">{partial.error}</p>}
        {job.kind === 'translate' && progress.status === 'completed' ? (
          <TranslateResultView api={api} jobId={jobId} />
        ) : job.kind === 'phrase-train' ? (
          <PhraseTrainingView job={job} progress={progress} doc={partial.doc as PhrasePartialDoc | PhraseFinalDoc | undefined} />
        ) : partial.doc === undefined ? (
          <p class="muted">Results appear as units are validated.</p>
        ) : job.kind === 'translate' ? (
          <p class="muted" data-testid="translate-progress">
            {partial.doc.membersDone} sentences translated so far.
          </p>
        ) : job.kind === 'ibm1-train' ? (
          <TrainingResultView doc={partial.doc as unknown as TrainingDoc} running={progress.status === 'running'} />
        ) : partial.doc.kind === 'ebm' ? (
          <EbmResults result={partial.doc as unknown as EbmResult} />
        ) : (
          <L96Results result={partial.doc as unknown as L96Result} />
        )}
      </section>
      <PoolHosting jobId={jobId} apiKey={apiKey} running={progress.status === 'running'} jobQuorum={invoice?.quorum} />
      {invoice && <InvoiceView invoice={invoice} />}
    </>
  );
}

/**
 * The partial result, read again when more units are valid or the job ends, at most once
 * per JOB_PARTIAL_INTERVAL_MS.
 */
function usePartial(api: ApiClient, jobId: string, valid: number, status: string | undefined) {
  const [state, setState] = useState<{ doc?: { kind: string; membersDone: number }; error?: string }>({});
  const lastAt = useRef(0);
  useEffect(() => {
    if (valid === 0 && status === 'running') return;
    let alive = true;
    const timer = setTimeout(
      () => {
        lastAt.current = Date.now();
        api.jobPartial(jobId).then(
          (doc) => alive && setState({ doc }),
          (err: unknown) => alive && setState((s) => ({ ...s, error: `Results could not be loaded. ${describeError(err)}` })),
        );
      },
      status === 'running' ? Math.max(0, lastAt.current + JOB_PARTIAL_INTERVAL_MS - Date.now()) : 0,
    );
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [api, jobId, valid, status]);
  return state;
}
