/**
 * @module A job description's live quote: asked from `POST /api/jobs/quote` a short while
 * after the form stops changing (one request at a time; a newer description aborts the
 * older request), so the price and ETA follow the form without a request per keystroke.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { Quote } from '../../../shared/api/schemas.ts';
import type { JobKind } from '../../../shared/jobs/kinds.ts';
import { isAbort } from '../../../shared/abort.ts';

/** Quiet time after the last change before the quote is asked for. */
export const QUOTE_DEBOUNCE_MS = 400;

export type QuoteState = { status: 'idle' } | { status: 'loading' } | { status: 'ready'; quote: Quote } | { status: 'error'; error: unknown };

/** The quote of `request` (a valid job description), or idle while there is none. */
export function useQuote(api: ApiClient, request: { kind: JobKind; params: Record<string, unknown> } | undefined): QuoteState {
  const [state, setState] = useState<QuoteState>({ status: 'idle' });
  // Compared as text: the form builds a new object on every render.
  const key = request ? JSON.stringify(request) : '';
  useEffect(() => {
    if (!key) {
      setState({ status: 'idle' });
      return;
    }
    const controller = new AbortController();
    setState({ status: 'loading' });
    const timer = setTimeout(() => {
      api.quoteJob(JSON.parse(key) as never).then(
        (quote) => !controller.signal.aborted && setState({ status: 'ready', quote }),
        (error: unknown) => !controller.signal.aborted && !isAbort(error) && setState({ status: 'error', error }),
      );
    }, QUOTE_DEBOUNCE_MS);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, key]);
  return state;
}
