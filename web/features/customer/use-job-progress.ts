/**
 * @module A job's live progress from its server-sent events, read over fetch (EventSource
 * cannot send the API key). A stream that ends while the job runs (the server bounds each)
 * is opened again; failures back off and give up after a bound, saying so.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { JobProgress } from '../../../shared/api/schemas.ts';
import { isAbort } from '../../../shared/abort.ts';
import { describeError } from '../../lib/errors.ts';

/** Failed connections in a row before the page stops trying and says so. */
export const PROGRESS_FAILURES_MAX = 6;
/** First wait after a failed connection; doubled each time. */
const PROGRESS_BACKOFF_MS = 1_000;

export interface ProgressState {
  progress?: JobProgress;
  /** Set when the page gave up following the job. */
  error?: string;
}

/** Follows `jobId` while `follow` is true (a job that already ended has nothing to stream). */
export function useJobProgress(api: ApiClient, jobId: string, follow: boolean, generation: number): ProgressState {
  const [state, setState] = useState<ProgressState>({});
  useEffect(() => {
    if (!follow) return;
    const controller = new AbortController();
    const wait = (ms: number) => new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      controller.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    void (async () => {
      let failures = 0;
      while (!controller.signal.aborted) {
        let last: JobProgress | undefined;
        try {
          for await (const p of api.jobEvents(jobId, controller.signal)) {
            last = p;
            failures = 0;
            setState({ progress: p });
          }
          if (last && last.status !== 'running') return;
          if (!last) failures++;
        } catch (err) {
          if (isAbort(err) || controller.signal.aborted) return;
          if (++failures >= PROGRESS_FAILURES_MAX) {
            setState((s) => ({ ...s, error: `Live progress stopped. ${describeError(err)}` }));
            return;
          }
        }
        if (failures >= PROGRESS_FAILURES_MAX) {
          setState((s) => ({ ...s, error: 'Live progress stopped: the server closed the stream again and again.' }));
          return;
        }
        if (failures > 0) await wait(PROGRESS_BACKOFF_MS * 2 ** (failures - 1));
      }
    })();
    return () => controller.abort();
  }, [api, jobId, follow, generation]);
  return state;
}
