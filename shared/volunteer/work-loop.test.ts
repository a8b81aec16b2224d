import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client.ts';
import { RETRY_BACKOFF_MAX_MS } from '../limits.ts';
import { backoffMs, delay, isRetryable } from './work-loop.ts';

describe('work loop helpers', () => {
  it('backs off exponentially with jitter, never past the ceiling', () => {
    expect(backoffMs(0, () => 0)).toBe(125);
    expect(backoffMs(0, () => 1)).toBe(250);
    expect(backoffMs(3, () => 1)).toBe(2000);
    expect(backoffMs(40, () => 1)).toBe(RETRY_BACKOFF_MAX_MS);
  });

  it('retries network failures and 5xx/429, not client errors or cancels', () => {
    const api = (status: number) => new ApiError({ type: 'x', title: 'x', status });
    expect(isRetryable(new TypeError('fetch failed'))).toBe(true);
    expect(isRetryable(api(503))).toBe(true);
    expect(isRetryable(api(429))).toBe(true);
    expect(isRetryable(api(409))).toBe(false);
    expect(isRetryable(new DOMException('stop', 'AbortError'))).toBe(false);
  });

  it('delay rejects with AbortError as soon as its signal aborts', async () => {
    const c = new AbortController();
    const p = delay(60_000, c.signal);
    c.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
});
