/**
 * @module The coordinator bench's load generator, in its own process so it does not share an
 * event loop with the measuring code: keep-alive HTTP straight from node:http, no response
 * validation, outputs computed once per distinct input. A batch of leases is returned in one
 * request (`POST /api/work/results`); single leases by the binary `PUT …/result`. Prints one
 * JSON line of stats, with the time from its first request to its last answer.
 * Usage: tsx bench/coordinator-load.ts URL[,URL…] BATCH TOKENS_JSON DEADLINE_MS — with several
 * URLs (nodes sharing one database), volunteer i talks to node i mod n.
 */
import { Agent, request } from 'node:http';
import { base64ToBytes } from '../shared/base64.ts';
import { lorenz96Reference } from '../kernels/lorenz96/reference.ts';

const [url, batchArg, tokensJson, deadlineArg] = process.argv.slice(2);
const bases = url!.split(',').map((u) => new URL(u));
const batch = Number(batchArg);
const tokens = JSON.parse(tokensJson!) as string[];
const deadline = Number(deadlineArg);
const agent = new Agent({ keepAlive: true, maxSockets: tokens.length });

/**
 * Volunteer `v`'s source address: a loopback address in a /24 of its own, so the edge sees
 * each simulated volunteer on a network of its own, as real ones are (independent replicas
 * decide units without the server's run once their volunteers are established).
 */
const sourceAddress = (v: number) => `127.0.${(v % 254) + 1}.1`;

function call(base: URL, method: string, path: string, token: string, v: number, body?: Buffer | string, type = 'application/json'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${token}` };
    if (body !== undefined) Object.assign(headers, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    const req = request({ host: base.hostname, port: base.port, path, method, agent, headers, localAddress: sourceAddress(v) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const outputs = new Map<string, Buffer>();
const lat = { lease: [] as number[], submit: [] as number[] };
let trips = 0;
/**
 * The run ends when no volunteer got a lease for this long. Counting empty answers instead
 * ended runs early on PostgreSQL, where the last units are briefly skipped while another
 * node's transaction holds them (SKIP LOCKED); their empty polls, which count as round
 * trips, come every IDLE_POLL_MS then.
 */
const IDLE_END_MS = 1_000;
const IDLE_POLL_MS = 5;
let lastLeaseAt = performance.now();
let lastDone = { at: performance.now(), trips: 0 };
const started = performance.now();
await Promise.all(
  tokens.map(async (token, v) => {
    const base = bases[v % bases.length]!;
    while (Date.now() < deadline) {
      let t0 = performance.now();
      const r = await call(base, 'POST', '/api/work/lease', token, v, JSON.stringify({ max: batch }));
      const leaseMs = performance.now() - t0;
      trips++;
      const { leases } = JSON.parse(r.text) as { leases: { leaseId: number; input: string }[] };
      // Latency of the leases that handed out work (empty polls at the end are not the load).
      if (leases.length > 0) lat.lease.push(leaseMs);
      if (leases.length === 0) {
        if (performance.now() - lastLeaseAt > IDLE_END_MS) return;
        await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
        continue;
      }
      lastLeaseAt = performance.now();
      const outs = leases.map((l) => {
        let out = outputs.get(l.input);
        if (!out) outputs.set(l.input, (out = Buffer.from(lorenz96Reference(base64ToBytes(l.input)))));
        return out;
      });
      if (leases.length === 1) {
        t0 = performance.now();
        const s = await call(base, 'PUT', `/api/work/leases/${leases[0]!.leaseId}/result`, token, v, outs[0]!, 'application/octet-stream');
        if (s.status !== 200) throw new Error(`submit ${s.status}: ${s.text}`);
        lat.submit.push(performance.now() - t0);
      } else {
        const body = JSON.stringify({ results: leases.map((l, i) => ({ leaseId: l.leaseId, output: outs[i]!.toString('base64') })) });
        t0 = performance.now();
        const s = await call(base, 'POST', '/api/work/results', token, v, body);
        if (s.status !== 200 || s.text.includes('"problem"')) throw new Error(`submit ${s.status}: ${s.text.slice(0, 500)}`);
        lat.submit.push(performance.now() - t0);
      }
      trips++;
      lastDone = { at: performance.now(), trips };
    }
  }),
);
// Up to the last result taken: the idle polls of the end are not part of the run.
const ms = lastDone.at - started;
trips = lastDone.trips;
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, trips, lease: lat.lease, submit: lat.submit }) + '\n');
