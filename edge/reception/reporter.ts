/**
 * @module A node's load reports to reception, on a timer. A report that fails (reception
 * restarting) is not retried: the next one carries the same state, and the ticket ids it
 * could not deliver are put back for it (bounded like every report).
 */
import { NODE_REPORT_INTERVAL_MS } from '../../shared/limits.ts';
import { RECEPTION_PATHS } from '../../shared/reception/schemas.ts';
import type { NodeAdmissions } from './node.ts';

export interface ReporterOptions {
  receptionUrl: string;
  reportKey: string;
  intervalMs?: number;
  /** Leases in flight on this node (the coordinator's count), if known. */
  leasesInFlight?: () => number;
  fetch?: typeof fetch;
}

/** Starts reporting at once and every interval; returns a function that stops it. */
export function startReporting(node: NodeAdmissions, options: ReporterOptions): () => void {
  const doFetch = options.fetch ?? fetch;
  let stopped = false;
  let inFlight = false;
  const tick = async () => {
    if (stopped || inFlight) return;
    inFlight = true;
    const report = node.takeReport(options.leasesInFlight?.() ?? 0);
    try {
      const res = await doFetch(options.receptionUrl + RECEPTION_PATHS.report, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.reportKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(report),
      });
      if (!res.ok) throw new Error(`reception answered ${res.status}`);
    } catch {
      node.restore(report);
    } finally {
      inFlight = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), options.intervalMs ?? NODE_REPORT_INTERVAL_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
