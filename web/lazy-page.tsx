/**
 * @module Loads a page's code on first visit, so the shell stays small and the volunteer
 * page's worker pool is not fetched by customers (and vice versa).
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export type PageLoader = () => Promise<ComponentType>;

export function LazyPage({ load }: { load: PageLoader }) {
  const [state, setState] = useState<{ load: PageLoader; Page?: ComponentType; error?: string }>({ load });
  useEffect(() => {
    let alive = true;
    setState({ load });
    load().then(
      (Page) => alive && setState({ load, Page }),
      (err: unknown) => alive && setState({ load, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      alive = false;
    };
  }, [load]);
  // A state left from the previous page must not render under the new one.
  if (state.load !== load) return <p class="muted" role="status">Loading…</p>;
  if (state.error) {
    return (
      <p class="alert alert-error" role="alert">
        This page could not be loaded ({state.error}). Check your connection and reload.
      </p>
    );
  }
  const { Page } = state;
  return Page ? <Page /> : <p class="muted" role="status">Loading…</p>;
}
