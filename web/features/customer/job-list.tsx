/**
 * @module The customer's jobs: status, progress in valid units, price and, once complete,
 * the result download.
 */
import type { Job, JobStatus } from '../../../shared/api/schemas.ts';
import { formatMinor, formatTime } from '../../lib/format.ts';
import { DownloadLink } from './download-link.tsx';

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

function JobRow({ job, apiKey }: { job: Job; apiKey: string }) {
  const members = typeof job.params.members === 'number' ? job.params.members : undefined;
  return (
    <li class="job-row card" data-testid="job-row" data-job-id={job.id} data-status={job.status}>
      <div class="job-head">
        <span class="mono job-id">{job.id}</span>
        <span class={`badge badge-${job.status}`}>{STATUS_TEXT[job.status]}</span>
      </div>
      <p class="small muted">
        {job.kind === 'lorenz96' ? 'Lorenz-96 ensemble' : job.kind}
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
