/**
 * @module The download link of a completed job. The result needs the API key, which a plain
 * link cannot send, so the first click fetches it, wraps it in a Blob object URL and lets
 * the same link download it; later clicks download the cached copy.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ApiError, readProblem } from '../../../shared/api/client.ts';
import { API_PATHS } from '../../../shared/api/schemas.ts';
import { describeError } from '../../lib/errors.ts';

export function DownloadLink({ jobId, apiKey }: { jobId: string; apiKey: string }) {
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
      const res = await fetch(API_PATHS.jobResult(jobId), { headers: { authorization: `Bearer ${apiKey}` } });
      if (!res.ok) throw new ApiError(await readProblem(res));
      const blob = await res.blob();
      const u = URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: 'application/json' }));
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
        data-testid="download-result"
        href={url ?? API_PATHS.jobResult(jobId)}
        download={`job-${jobId}.json`}
        onClick={onClick}
        aria-busy={busy}
      >
        {busy ? 'Preparing…' : 'Download result'}
      </a>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
