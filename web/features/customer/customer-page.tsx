/**
 * @module The customer page: an account (its API key kept in IndexedDB), its balance, the
 * job builders (energy-balance-model ensemble, Lorenz-96 ensemble, translation training —
 * phrase-based or word model — and document translation) and the job list; each job has a
 * page of its own (job-page.tsx).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApiClient } from '../../../shared/api/client.ts';
import type { Job } from '../../../shared/api/schemas.ts';
import { CopyButton } from '../../lib/copy-button.tsx';
import { formatMinor } from '../../lib/format.ts';
import { Link } from '../../router.tsx';
import { BalancePanel } from './balance-panel.tsx';
import { describeError, problemOf } from '../../lib/errors.ts';
import { clearCustomerKey, getCustomerKey, type CustomerIdentity } from '../../storage/db.ts';
import { CreateCustomerForm, type Created } from './create-customer.tsx';
import { EbmForm } from './ebm-form.tsx';
import { JobForm } from './job-form.tsx';
import { TranslateForm } from '../translation/translate-form.tsx';
import { TrainingForm } from '../translation/training-form.tsx';
import { jobPagePath } from './paths.ts';
import './customer.css';
import { JobList } from './job-list.tsx';
import { useJobs } from './use-jobs.ts';
import { withAdmittedSubmit } from '../reception/admitted-clients.ts';
import { useAdmission } from '../reception/use-admission.ts';
import { WaitingRoom } from '../reception/waiting-room.tsx';

type Account =
  | { status: 'loading' }
  | { status: 'none' }
  | { status: 'error'; message: string }
  | { status: 'ready'; identity: CustomerIdentity; fresh?: Created };

export function CustomerPage() {
  const [account, setAccount] = useState<Account>({ status: 'loading' });

  useEffect(() => {
    getCustomerKey().then(
      (identity) => setAccount(identity ? { status: 'ready', identity } : { status: 'none' }),
      (err: unknown) => setAccount({ status: 'error', message: `This browser's storage is not available. ${describeError(err)}` }),
    );
  }, []);

  return (
    <div class="container customer">
      <h1>Customers</h1>
      <p class="lead">Submit compute jobs, follow their progress and download the integrated results.</p>
      {account.status === 'loading' && (
        <p class="muted" role="status">
          Loading…
        </p>
      )}
      {account.status === 'error' && (
        <p class="alert alert-error" data-testid="form-error" role="alert">
          {account.message}
        </p>
      )}
      {account.status === 'none' && (
        <CreateCustomerForm onCreated={(fresh) => setAccount({ status: 'ready', identity: fresh.identity, fresh })} />
      )}
      {account.status === 'ready' && (
        <CustomerArea
          identity={account.identity}
          fresh={account.fresh}
          onForget={() => {
            clearCustomerKey().then(
              () => setAccount({ status: 'none' }),
              (err: unknown) => setAccount({ status: 'error', message: describeError(err) }),
            );
          }}
        />
      )}
    </div>
  );
}

interface AreaProps {
  identity: CustomerIdentity;
  fresh: Created | undefined;
  onForget: () => void;
}

function CustomerArea({ identity, fresh, onForget }: AreaProps) {
  const plainApi = useMemo(() => createApiClient({ token: identity.apiKey }), [identity]);
  // Submitting a job goes through reception when this site requires admission.
  const reception = useAdmission('jobs');
  const api = useMemo(() => withAdmittedSubmit(plainApi, reception.admission, identity.apiKey), [plainApi, reception.admission, identity]);
  const { jobs, error, refresh, add } = useJobs(api);
  const [keyShown, setKeyShown] = useState(fresh !== undefined);
  // `train` is the training form, which offers both training kinds (phrase-train, ibm1-train).
  const [kind, setKind] = useState<'ebm' | 'lorenz96' | 'train' | 'translate'>('lorenz96');
  const [submitted, setSubmitted] = useState<Job>();
  const rejected = problemOf(error)?.status === 401;
  const onSubmitted = (job: Job) => {
    setSubmitted(job);
    add(job);
    refresh();
  };

  return (
    <>
      {fresh && keyShown && <ApiKeyNotice created={fresh} onDone={() => setKeyShown(false)} />}
      <p class="muted small">
        Customer account <span class="mono">{identity.customerId}</span>, its key kept in this browser.
      </p>
      <BalancePanel api={api} refreshKey={jobs?.map((j) => `${j.id}:${j.status}`).join()} />
      <div class="kind-switch" role="group" aria-label="Job kind">
        <button type="button" class="button button-small" data-testid="kind-ebm" aria-pressed={kind === 'ebm'} onClick={() => setKind('ebm')}>
          Energy-balance-model ensemble
        </button>
        <button type="button" class="button button-small" data-testid="kind-lorenz96" aria-pressed={kind === 'lorenz96'} onClick={() => setKind('lorenz96')}>
          Lorenz-96 ensemble forecast
        </button>
        <button type="button" class="button button-small" data-testid="kind-train" aria-pressed={kind === 'train'} onClick={() => setKind('train')}>
          Train a translation model
        </button>
        <button type="button" class="button button-small" data-testid="kind-translate" aria-pressed={kind === 'translate'} onClick={() => setKind('translate')}>
          Translate a document
        </button>
      </div>
      <WaitingRoom view={reception} />
      {kind === 'ebm' ? (
        <EbmForm api={api} onSubmitted={onSubmitted} />
      ) : kind === 'train' ? (
        <TrainingForm api={api} onSubmitted={onSubmitted} />
      ) : kind === 'translate' ? (
        <TranslateForm api={api} jobs={jobs} onSubmitted={onSubmitted} />
      ) : (
        <JobForm api={api} onSubmitted={onSubmitted} />
      )}
      {submitted && (
        <p class="alert alert-ok" role="status" data-testid="submitted">
          Job <span class="mono">{submitted.id}</span> submitted: {submitted.unitsTotal} units, {formatMinor(submitted.priceMinor, submitted.currency)} held on your
          balance.{' '}
          <Link href={jobPagePath(submitted.id)} data-testid="job-link">
            Watch it run
          </Link>
        </p>
      )}
      <section aria-labelledby="jobs-title" class="jobs">
        <div class="section-head">
          <h2 id="jobs-title">Your jobs</h2>
          <button type="button" class="button button-small button-quiet" onClick={refresh}>
            Refresh
          </button>
        </div>
        {error !== undefined && (
          <div class="alert alert-error" role="alert">
            <p>
              {rejected
                ? 'The server does not accept this browser’s API key (the account may have been removed).'
                : `Your jobs could not be loaded. ${describeError(error)}`}
            </p>
            {rejected && (
              <button type="button" class="button button-small" onClick={onForget}>
                Forget this key and create a new account
              </button>
            )}
          </div>
        )}
        {jobs ? <JobList jobs={jobs} apiKey={identity.apiKey} /> : error === undefined && <p class="muted">Loading jobs…</p>}
      </section>
    </>
  );
}

function ApiKeyNotice({ created, onDone }: { created: Created; onDone: () => void }) {
  const key = created.identity.apiKey;
  return (
    <section class="card key-card" aria-labelledby="api-key-title">
      <h2 id="api-key-title">Your API key</h2>
      <p>
        <strong>Keep this key somewhere safe: it is shown only once.</strong>{' '}
        {created.saved
          ? 'This browser remembers it for this page; you need it for the API and the command line.'
          : 'This browser could not store it, so copy it now or you will lose access to your jobs.'}
      </p>
      <code class="api-key" data-testid="api-key">
        {key}
      </code>
      <div class="form-actions">
        <CopyButton text={key} />
        <button type="button" class="button button-small button-quiet" onClick={onDone}>
          I have saved it
        </button>
      </div>
    </section>
  );
}
