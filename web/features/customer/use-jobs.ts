/**
 * @module The customer's job list, loaded from `GET /api/jobs` and polled every second
 * while any job runs (server-sent events will replace the polling). One request at a time;
 * polling stops when nothing runs or the page is left.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { Job } from '../../../shared/api/schemas.ts';
import { problemOf } from '../../lib/errors.ts';

/** Poll period while a job runs: progress feels live without loading the server. */
export const JOBS_POLL_MS = 1_000;
/** Wait after a failed load before trying again. */
export const JOBS_RETRY_MS = 5_000;

export interface JobsState {
  jobs: Job[] | undefined;
  error: unknown;
  /** Loads now (and resumes polling if a job runs). */
  refresh(): void;
  /** Shows a job the page just created, before the next load. */
  add(job: Job): void;
}

const newestFirst = (a: Job, b: Job) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0);

export function useJobs(api: ApiClient | undefined): JobsState {
  const [jobs, setJobs] = useState<Job[]>();
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (!api) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const list = (await api.jobs()).jobs.slice().sort(newestFirst);
        if (!alive) return;
        setJobs(list);
        setError(undefined);
        if (list.some((j) => j.status === 'running')) timer = setTimeout(load, JOBS_POLL_MS);
      } catch (err) {
        if (!alive) return;
        setError(err);
        // A key the server does not accept will not start working by itself.
        if (problemOf(err)?.status !== 401) timer = setTimeout(load, JOBS_RETRY_MS);
      }
    };
    void load();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [api, generation]);

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  const add = useCallback((job: Job) => setJobs((list) => [job, ...(list ?? []).filter((j) => j.id !== job.id)]), []);
  return { jobs, error, refresh, add };
}
