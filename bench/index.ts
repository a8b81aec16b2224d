/**
 * @module Benchmark dispatcher: `npx tsx bench/index.ts [name …]` runs the named benches, or
 * all of them without a name. A bench is a module exporting `run()`, which throws when the
 * bench finds something wrong (not merely slow); any failure makes the exit code 1.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

/** What every bench module exports. */
export interface Bench {
  run(): Promise<void>;
}

/** Every bench, by name; loaded only when it runs, so one bench's imports never slow another. */
export const BENCHES: Record<string, () => Promise<Bench>> = {
  kernels: () => import('./kernels.ts'),
  ledger: () => import('./ledger.ts'),
  coordinator: () => import('./coordinator.ts'),
  trust: () => import('./trust.ts'),
  tickets: () => import('./tickets.ts'),
  reception: () => import('./reception.ts'),
  volunteer: () => import('./volunteer.ts'),
  ebm: () => import('./ebm.ts'),
  translation: () => import('./translation.ts'),
  'translation-real': () => import('./translation-real.ts'),
  'job-bodies': () => import('./job-bodies.ts'),
  groups: () => import('./groups.ts'),
};

/** Runs the benches named in `args` (all when empty); returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  const unknown = args.filter((name) => !(name in BENCHES));
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}`);
    return 1;
  }
  let failed = 0;
  for (const name of args.length > 0 ? args : Object.keys(BENCHES)) {
    console.log(`\n== bench ${name} ==`);
    try {
      await (await BENCHES[name]!()).run();
    } catch (err) {
      failed++;
      console.error(`bench ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
