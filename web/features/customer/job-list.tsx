/**
 * @module The customer's jobs: status, progress in valid units, price and, once complete,
 * the result download.
 */
import type { Job, JobStatus } from '../../../shared/api/schemas.ts';
import { JOB_KIND_TITLES, type JobKind } from '../../../shared/jobs/kinds.ts';
import { formatMinor, formatTime } from '../../lib/format.ts';
import { Link } from '../../router.tsx';
import { DownloadLink } from './download-link.tsx';
import { jobPagePath } from './paths.ts';

const STATUS_TEXT: Record<JobStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function JobList({ jobs, apiKey }: { jobs: Job[]; apiKey: string }) {
  if (jobs.length === 0) return <p class="muted">No jobs yet. Submit one above.</p>;
  return (
    <ul class="job-list">
      {jobs.map((job) => (
        <JobRow key={job.id} job={job} apiKey={apiKey} />
      ))}
    </ul>
  );
}

/** Members of a job, from its parameters (EBM: the sampling; Lorenz-96: `members`). */
function membersOf(job: Job): number | undefined {
  const p = job.params as { members?: unknown; sampling?: { members?: unknown } };
  const m = p.members ?? p.sampling?.members;
  return typeof m === 'number' ? m : undefined;
}

function JobRow({ job, apiKey }: { job: Job; apiKey: string }) {
  const members = membersOf(job);
  return (
    <li class="job-row card" data-testid="job-row" data-job-id={job.id} data-status={job.status}>
      <div class="job-head">
        <Link href={jobPagePath(job.id)} class="mono job-id" data-testid="job-open">
          {job.id}
        </Link>
        <span class={`badge badge-${job.status}`}>{STATUS_TEXT[job.status]}</span>
      </div>
      <p class="small muted">
        {JOB_KIND_TITLES[job.kind as JobKind] ?? job.kind}
        {members !== undefined ? `, ${members} members` : ''} · submitted {formatTime(job.createdAt)}
        {job.completedAt ? ` · finished ${formatTime(job.completedAt)}` : ''}
      </p>
      <div class="progress-line">
        <progress max={Math.max(1, job.unitsTotal)} value={job.unitsValid} aria-label={`Job ${job.id} units valid`} />
        <span class="progress-text">
          <span data-testid="job-progress">
            {job.unitsValid}/{job.unitsTotal}
          </span>{' '}
          units valid
          {job.unitsFailed > 0 ? `, ${job.unitsFailed} failed` : ''}
        </span>
      </div>
      <div class="job-foot">
        <span>
          Price: <strong data-testid="job-price">{formatMinor(job.priceMinor, job.currency)}</strong>
        </span>
        {job.status === 'completed' && <DownloadLink jobId={job.id} apiKey={apiKey} />}
      </div>
    </li>
  );
}
