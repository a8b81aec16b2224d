/**
 * @module One local worker of the EBM end-to-end bench, in a process of its own: a volunteer
 * that leases units, runs them on the kernel and submits them, until its parent says `stop`;
 * then it sends back when it did what (epoch-ms intervals per activity), so the parent can
 * count exactly the part inside the job's run.
 * Usage (by bench/ebm-e2e.ts, bench/translation.ts): tsx bench/ebm-volunteer.ts URL TOKEN [KERNEL_ID KERNEL_VERSION] (default ebm 1)
 */
import { createApiClient } from '../shared/api/client.ts';
import { base64ToBytes } from '../shared/base64.ts';
import { runKernel } from '../shared/kernels/runtime.ts';
import { KERNELS_DIST } from '../kernels/build.ts';
import { loadKernelModule } from '../kernels/manifest.ts';

/** Units asked for per lease: the one to run now and the next, as the browser's slots do. */
const LEASE_MAX = 2;
/** Pause before asking again when the server had nothing (the other worker holds the rest). */
const IDLE_POLL_MS = 20;

export type Activity = 'kernel' | 'lease' | 'submit' | 'idle';
/** [activity, start, end] in epoch milliseconds (sub-millisecond precision). */
export type Interval = [Activity, number, number];

const [url, token, kernelId = 'ebm', kernelVersion = '1'] = process.argv.slice(2);
const api = createApiClient({ baseUrl: url!, token: token! });
const module = await loadKernelModule(KERNELS_DIST, kernelId, Number(kernelVersion));
const now = () => performance.timeOrigin + performance.now();
const intervals: Interval[] = [];
async function timed<T>(what: Activity, f: () => Promise<T>): Promise<T> {
  const start = now();
  try {
    return await f();
  } finally {
    intervals.push([what, start, now()]);
  }
}

let stopped = false;
process.on('message', (m) => {
  if (m === 'stop') stopped = true;
});
process.send!('ready');
while (!stopped) {
  const { leases } = await timed('lease', () => api.lease({ max: LEASE_MAX }));
  if (leases.length === 0) await timed('idle', () => new Promise((r) => setTimeout(r, IDLE_POLL_MS)));
  for (const l of leases) {
    const output = await timed('kernel', () => runKernel(module, base64ToBytes(l.input), { budget: Number.MAX_SAFE_INTEGER }));
    await timed('submit', () => api.submitResult(l.leaseId, output));
  }
}
process.send!(intervals, () => process.exit(0));
