/**
 * @module The download link of a completed job's result, as JSON or CSV. The result needs
 * the API key, which a plain link cannot send, so the first click fetches it, wraps it in a
 * Blob object URL and lets the same link download it; later clicks download the cached copy.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ApiError, readProblem } from '../../../shared/api/client.ts';
import { API_PATHS, CUSTOMER_API_PATHS } from '../../../shared/api/schemas.ts';
import { describeError } from '../../lib/errors.ts';

const FORMATS = {
  json: { path: API_PATHS.jobResult, type: 'application/json', testid: 'download-result', label: 'Download result' },
  csv: { path: CUSTOMER_API_PATHS.jobResultCsv, type: 'text/csv', testid: 'download-csv', label: 'Download CSV' },
} as const;

export function DownloadLink({ jobId, apiKey, format = 'json' }: { jobId: string; apiKey: string; format?: keyof typeof FORMATS }) {
  const f = FORMATS[format];
  const link = useRef<HTMLAnchorElement>(null);
  // A ref, not state: the link's own programmatic click must see the URL at once.
  const objectUrl = useRef<string>();
  const [url, setUrl] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(
    () => () => {
      if (objectUrl.current) URL.revokeObjectURL(objectUrl.current);
    },
    [],
  );

  async function onClick(e: JSX.TargetedMouseEvent<HTMLAnchorElement>) {
    if (objectUrl.current) return; // the browser downloads the Blob
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const res = await fetch(f.path(jobId), { headers: { authorization: `Bearer ${apiKey}` } });
      if (!res.ok) throw new ApiError(await readProblem(res));
      const blob = await res.blob();
      const u = URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: f.type }));
      objectUrl.current = u;
      setUrl(u);
      if (link.current) {
        link.current.href = u;
        link.current.click();
      }
    } catch (err) {
      setError(`The result could not be downloaded. ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <span class="download">
      <a
        ref={link}
        class="button button-small"
        data-testid={f.testid}
        href={url ?? f.path(jobId)}
        download={`job-${jobId}.${format}`}
        onClick={onClick}
        aria-busy={busy}
      >
        {busy ? 'Preparing…' : f.label}
      </a>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
