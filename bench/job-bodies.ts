/**
 * @module Large job bodies against the event loop (issue 15, finding 3: one 11 MB training
 * quote stalled `/api/health` for 4.5 s, three for 9.7 s, and left the edge at 1.6 GB).
 *
 * Starts the real edge (edge/main.ts on @hono/node-server, a fresh SQLite file, a loopback
 * port) as a child process, generates an ~11 MB `ibm1-train` corpus (the seeded synthetic
 * grammar of tests/translation/synthetic.ts, with a larger lexicon), then samples
 * `/api/health` every HEALTH_EVERY_MS from this process (each sample sent on time, whether or not the last has
 * answered, so a stall shows in every sample it delays) while three customers quote that
 * corpus at once. The corpus is made, and the quotes sent (curl), by other processes, so this
 * process's own pauses (collecting the corpus, encoding 11 MB bodies) never count as the
 * edge's. Reports health latency p50/p99/max over the quotes' window, each quote's
 * time, and the edge's peak resident memory (VmHWM, worker threads included). It fails when a
 * quote is not answered 200 or the three quotes differ; the 100 ms p99 target is reported.
 *
 *   npm run bench -- job-bodies     (BENCH_JOB_BODY_PAIRS: sentence pairs, default 140,000 ≈ 11 MB)
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer } from '../tests/e2e/harness.ts';

/** Sentence pairs of the corpus: 140,000 synthetic pairs of this lexicon are about 11 MB of TSV. */
const PAIRS = Number(process.env.BENCH_JOB_BODY_PAIRS ?? 140_000);
/** Health is asked this often (the issue's probe: every 10 ms). */
const HEALTH_EVERY_MS = 10;
/** Health samples taken before the quotes start, as a baseline. */
const BASELINE_SAMPLES = 50;
/** Quotes at once (the issue's probe: three). */
const QUOTES = 3;
/** The target of the issue: health p99 while the quotes run. */
const HEALTH_P99_TARGET_MS = 100;
/** Bound of the whole run (three quotes of the old event-loop path take tens of seconds). */
const RUN_MS_MAX = 300_000;
/** Kernels are built in the main checkout; a worktree of an older commit runs against them. */
const KERNELS_DIR = process.env.KERNELS_DIR ?? join(ROOT, 'kernels', 'dist');

interface Answer {
  status: number;
  body: string;
  ms: number;
}

/** One HTTP request from `localAddress` (customers on separate loopback networks, as real ones are). */
function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string; agent?: Agent }): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, localAddress: init.localAddress, agent: init.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A quote sent by curl (another process), from `localAddress`. */
function curlQuote(url: string, key: string, bodyFile: string, localAddress: string): Promise<Answer> {
  const started = performance.now();
  const args = ['-s', '--interface', localAddress, '-H', 'content-type: application/json', '-H', `authorization: Bearer ${key}`, '--data-binary', `@${bodyFile}`, '-w', '\n%{http_code}', url];
  return new Promise((resolve, reject) =>
    execFile('curl', args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut), ms: performance.now() - started });
    }),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The edge's peak and current resident memory, MB (Linux /proc). */
function memoryOf(pid: number): { peakMb: number; nowMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMb: kb('VmHWM') / 1024, nowMb: kb('VmRSS') / 1024 };
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const bodyFile = join(mkdtempSync(join(tmpdir(), 'job-bodies-')), 'body.json');
  const synthetic = JSON.stringify(new URL('../tests/translation/synthetic.ts', import.meta.url).href);
  const make = `import { syntheticCorpus, toTsv } from ${synthetic};
    import { writeFileSync } from 'node:fs';
    const corpus = syntheticCorpus({ seed: 15, pairs: ${PAIRS}, nouns: 1_500, verbs: 400, adjectives: 400, adverbs: 40 });
    writeFileSync(${JSON.stringify(bodyFile)}, JSON.stringify({ kind: 'ibm1-train', params: { srcLang: 'en', tgtLang: 'fr', corpus: { tsv: toTsv(corpus.pairs) }, maxIterations: 10 } }));`;
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', make], { stdio: 'inherit' });
  const bodyBytes = statSync(bodyFile).size;
  console.log(`corpus: ${PAIRS} synthetic pairs, body ${(bodyBytes / 1e6).toFixed(1)} MB (made in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  const server = await startServer({ KERNELS_DIR });
  try {
    const pid = server.process.pid!;
    const keys: string[] = [];
    for (let i = 0; i < QUOTES; i++) {
      const made = await send(`${server.url}/api/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `Bench ${i}` }), localAddress: `127.0.${10 + i}.1` });
      if (made.status !== 201) throw new Error(`creating customer ${i}: ${made.status} ${made.body}`);
      keys.push((JSON.parse(made.body) as { apiKey: string }).apiKey);
    }
    const memoryBefore = memoryOf(pid);

    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const samples: { at: number; ms: number }[] = [];
    const inFlight: Promise<void>[] = [];
    let sampling = true;
    const sampler = (async () => {
      for (let next = performance.now(); sampling; next += HEALTH_EVERY_MS) {
        const at = performance.now();
        inFlight.push(
          send(`${server.url}/api/health`, { agent, localAddress: '127.0.99.1' }).then((a) => {
            if (a.status !== 200) throw new Error(`health answered ${a.status}`);
            samples.push({ at, ms: a.ms });
          }),
        );
        await new Promise((r) => setTimeout(r, Math.max(0, next + HEALTH_EVERY_MS - performance.now())));
      }
    })();
    while (samples.length < BASELINE_SAMPLES) await new Promise((r) => setTimeout(r, HEALTH_EVERY_MS));

    const quotesFrom = performance.now();
    const deadline = setTimeout(() => void server.stop('SIGKILL'), RUN_MS_MAX);
    const quotes = await Promise.all(keys.map((key, i) => curlQuote(`${server.url}/api/jobs/quote`, key, bodyFile, `127.0.${10 + i}.1`)));
    const quotesUntil = performance.now();
    clearTimeout(deadline);
    sampling = false;
    await sampler;
    await Promise.all(inFlight);
    agent.destroy();
    const memoryAfter = memoryOf(pid);

    for (const q of quotes) if (q.status !== 200) throw new Error(`a quote answered ${q.status}: ${q.body.slice(0, 300)}`);
    const shown = quotes.map((q) => {
      const { units, points, quorum, priceMinor } = JSON.parse(q.body) as Record<string, number>;
      return JSON.stringify({ units, points, quorum, priceMinor });
    });
    if (new Set(shown).size !== 1) throw new Error(`the quotes differ: ${shown.join(' / ')}`);

    const during = samples.filter((s) => s.at >= quotesFrom && s.at <= quotesUntil).map((s) => s.ms).sort((a, b) => a - b);
    const baseline = samples.filter((s) => s.at < quotesFrom).map((s) => s.ms).sort((a, b) => a - b);
    const fmt = (x: number) => `${x.toFixed(1)} ms`;
    console.log(`quote: ${shown[0]}`);
    console.log(`quotes: ${quotes.map((q) => `${(q.ms / 1000).toFixed(2)} s`).join(', ')} (all ${QUOTES} done after ${((quotesUntil - quotesFrom) / 1000).toFixed(2)} s)`);
    console.log(`/api/health before the quotes (${baseline.length} samples): p50 ${fmt(percentile(baseline, 50))}, p99 ${fmt(percentile(baseline, 99))}, max ${fmt(baseline.at(-1)!)}`);
    console.log(`/api/health while they run (${during.length} samples, one every ${HEALTH_EVERY_MS} ms): p50 ${fmt(percentile(during, 50))}, p99 ${fmt(percentile(during, 99))}, max ${fmt(during.at(-1)!)}`);
    console.log(`edge resident memory: ${memoryBefore.nowMb.toFixed(0)} MB before, peak ${memoryAfter.peakMb.toFixed(0)} MB, ${memoryAfter.nowMb.toFixed(0)} MB after`);
    const p99 = percentile(during, 99);
    console.log(`target (health p99 < ${HEALTH_P99_TARGET_MS} ms while ${QUOTES} quotes run): ${p99 < HEALTH_P99_TARGET_MS ? 'met' : 'NOT met'}`);
  } finally {
    await server.stop();
  }
}
