/**
 * @module Architecture checks on the import graph of edge/, shared/, web/ and kernels/ (read
 * by import-graph.ts), failing CI with every offending import or cycle named at once:
 *
 * - **shared/ imports only shared/ and packages.** shared/ is the code both the edge and the
 *   browser run; an import of kernels/, edge/, web/ (or tests/) would drag that side into the
 *   other. The rule for constants both need: they live in shared/, and the other side imports
 *   them from there (the decode kernel's limits and return codes are
 *   shared/kernels/decode.codes.ts; kernels/decode/codes.ts re-exports them for the
 *   AssemblyScript build). Tests follow the same rule: a test that needs a kernel reference
 *   or the edge lives in tests/ or beside the kernel, not in shared/.
 * - **No cycle between edge/ feature folders** (edge/jobs → edge/coordinator → edge/jobs …), the
 *   map a newcomer reads; files directly in edge/ form the folder "(edge root)", and test
 *   files with what only they import are left out.
 * - **No cycle between files of edge/**, type-only imports included.
 * - **Migrations import only kysely and each other's folder** (./types.ts, and index.ts the
 *   migrations): a migration that imports a live constant changes when the constant does,
 *   and an old migration must stay what it was when databases ran it.
 *
 *   npm run check:imports
 */
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, graphOf, importGraph, importsOf, tangledCycles, tangles, type ImportEdge } from './import-graph.ts';

const ROOT = resolve(dirname(import.meta.dirname), '..');

/** The folders the checks read. */
const SCANNED = ['edge', 'shared', 'web', 'kernels'] as const;

/** The folder name given to files directly in edge/ (app.ts, deps.ts, main.ts, config.ts …). */
const EDGE_ROOT = '(edge root)';

const isTest = (file: string): boolean => /\.test\.tsx?$/.test(file);

/** `file:line imports target` for a message. */
const describeEdge = (e: ImportEdge): string => `${e.from}:${e.line} imports ${e.to ?? e.specifier}`;

/** Relative imports that name no file: the graph would be missing edges, so every check would be weaker. */
function unresolvedImports(edges: readonly ImportEdge[]): string[] {
  return edges.filter((e) => e.to === undefined).map((e) => `${e.from}:${e.line} imports '${e.specifier}', which names no file`);
}

/** Imports from shared/ that leave shared/ (packages are fine). */
function sharedViolations(edges: readonly ImportEdge[]): string[] {
  return edges.filter((e) => e.from.startsWith('shared/') && typeof e.to === 'string' && !e.to.startsWith('shared/')).map(describeEdge);
}

/** An import resolved to a file. */
type FileEdge = ImportEdge & { to: string };

/** Imports between files of edge/. */
const edgeInternal = (edges: readonly ImportEdge[]): FileEdge[] =>
  edges.filter((e): e is FileEdge => e.from.startsWith('edge/') && typeof e.to === 'string' && e.to.startsWith('edge/'));

/** The feature folder of an edge/ file: `edge/jobs/kinds.ts` → `jobs`, `edge/app.ts` → EDGE_ROOT. */
function edgeFolder(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? parts[1]! : EDGE_ROOT;
}

/**
 * Test support in edge/: test files, edge/testing.ts (the harness that builds the whole app)
 * and every file only test support imports (edge/shop/testing-http.ts, say). A harness has to
 * reach every folder, and none of it is part of the map a newcomer follows.
 */
function edgeTestSupport(edges: readonly ImportEdge[]): Set<string> {
  const internal = edgeInternal(edges);
  const support = new Set<string>(['edge/testing.ts', ...internal.flatMap((e) => [e.from, e.to]).filter(isTest)]);
  const importers = new Map<string, Set<string>>();
  for (const e of edges) if (typeof e.to === 'string') importers.set(e.to, (importers.get(e.to) ?? new Set()).add(e.from));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [file, from] of importers) {
      if (!file.startsWith('edge/') || support.has(file) || ![...from].every((f) => support.has(f))) continue;
      support.add(file);
      grew = true;
    }
  }
  return support;
}

/**
 * Cycles between edge/ feature folders, each with the file imports that make its steps.
 * Test support (see {@link edgeTestSupport}) is left out of this graph, not of the file-level one.
 */
function folderCycles(edges: readonly ImportEdge[]): string[] {
  const support = edgeTestSupport(edges);
  const inGraph = (file: string) => !support.has(file);
  const witnesses = new Map<string, ImportEdge[]>();
  for (const e of edgeInternal(edges)) {
    if (!inGraph(e.from) || !inGraph(e.to)) continue;
    const from = edgeFolder(e.from);
    const to = edgeFolder(e.to);
    if (from === to) continue;
    const key = `${from} → ${to}`;
    witnesses.set(key, [...(witnesses.get(key) ?? []), e]);
  }
  const graph = graphOf([...witnesses.keys()].map((key) => key.split(' → ') as [string, string]));
  return tangledCycles(graph).map((tangle) => {
    const lines = [`folders tangled together: ${tangle.nodes.join(', ')}`];
    for (const cycle of tangle.cycles) {
      lines.push(`  cycle ${cycle.join(' → ')}`);
      cycle.slice(0, -1).forEach((from, i) => {
        const found = witnesses.get(`${from} → ${cycle[i + 1]}`)!;
        const shown = found.slice(0, 3).map(describeEdge).join('; ');
        lines.push(`    ${from} → ${cycle[i + 1]}: ${shown}${found.length > 3 ? ` (+${found.length - 3} more)` : ''}`);
      });
    }
    return lines.join('\n');
  });
}

/** Cycles between files of edge/, type-only imports included. */
function fileCycles(edges: readonly ImportEdge[]): string[] {
  const graph = graphOf(edgeInternal(edges).map((e) => [e.from, e.to] as const));
  return tangledCycles(graph).map((tangle) =>
    [`files tangled together: ${tangle.nodes.join(', ')}`, ...tangle.cycles.map((cycle) => `  cycle ${cycle.join(' → ')}`)].join('\n'),
  );
}

/** Imports in edge/db/migrations/ of anything but kysely and the migrations folder itself. */
function migrationViolations(edges: readonly ImportEdge[]): string[] {
  const dir = 'edge/db/migrations/';
  return edges
    .filter((e) => e.from.startsWith(dir) && !isTest(e.from))
    .filter((e) => (e.to === null ? e.specifier !== 'kysely' : !e.to?.startsWith(dir)))
    .map(describeEdge);
}

describe('the import graph', () => {
  const edges = importGraph(ROOT, SCANNED);

  it('resolves every relative import to a file (or the checks below would miss edges)', () => {
    expect(edges.length).toBeGreaterThan(500);
    expect(unresolvedImports(edges)).toEqual([]);
  });

  it('has shared/ import only shared/ and packages', () => {
    expect(sharedViolations(edges)).toEqual([]);
  });

  it('has no cycle between edge/ feature folders', () => {
    expect(folderCycles(edges)).toEqual([]);
  });

  it('has no cycle between files of edge/', () => {
    expect(fileCycles(edges)).toEqual([]);
  });

  it('has migrations import only kysely and ./types.ts', () => {
    expect(migrationViolations(edges)).toEqual([]);
  });
});

describe('the checks themselves (synthetic graphs)', () => {
  const edge = (from: string, to: string | null, specifier = to ?? 'pkg'): ImportEdge => ({ from, to, specifier, line: 1 });

  it('reads every import form and not new URL(…, import.meta.url)', () => {
    const text = [
      "import type { A } from './a.ts';",
      "import { type B } from '../b.ts';",
      "export { C } from './c.ts';",
      "export * from './d';",
      "const f = await import('./f.ts');",
      "type G = typeof import('./g.ts');",
      "const w = new Worker(new URL('./worker.ts', import.meta.url));",
      "import { z } from 'zod';",
    ].join('\n');
    const found = importsOf(ROOT, 'shared/x/y.ts', text);
    expect(found.map((e) => [e.specifier, e.line])).toEqual([
      ['./a.ts', 1],
      ['../b.ts', 2],
      ['./c.ts', 3],
      ['./d', 4],
      ['./f.ts', 5],
      ['./g.ts', 6],
      ['zod', 8],
    ]);
    expect(found.at(-1)!.to).toBeNull();
    expect(importsOf(ROOT, 'shared/limits.ts', "import { sha256Hex } from './base64';")[0]!.to).toBe('shared/base64.ts');
  });

  it('finds every tangle, and a cycle through every file of each', () => {
    const graph = graphOf([
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'a'],
      ['c', 'd'],
      ['d', 'd'],
      ['e', 'f'],
      ['x', 'y'],
      ['y', 'x'],
      ['y', 'z'],
      ['z', 'y'],
    ]);
    expect(tangles(graph)).toEqual([['a', 'b', 'c'], ['d'], ['x', 'y', 'z']]);
    expect(cycles(graph)).toEqual([
      ['a', 'b', 'c', 'a'],
      ['d', 'd'],
      ['x', 'y', 'x'],
      ['z', 'y', 'z'],
    ]);
    expect(tangledCycles(graph)[2]).toEqual({ nodes: ['x', 'y', 'z'], cycles: [['x', 'y', 'x'], ['z', 'y', 'z']] });
    expect(cycles(graphOf([['a', 'b'], ['b', 'c']]))).toEqual([]);
  });

  it('names the offending import and the cycle path', () => {
    expect(sharedViolations([edge('shared/jobs/t.ts', 'kernels/decode/codes.ts'), edge('shared/a.ts', 'shared/b.ts'), edge('shared/a.ts', null)])).toEqual([
      'shared/jobs/t.ts:1 imports kernels/decode/codes.ts',
    ]);
    const tangled = [
      edge('edge/leases/leases.ts', 'edge/validation/trust.ts'),
      edge('edge/validation/validate.ts', 'edge/leases/queries.ts'),
      edge('edge/leases/queries.ts', 'edge/leases/leases.ts'),
      edge('edge/app.ts', 'edge/leases/work.routes.ts'),
      edge('edge/testing.ts', 'edge/app.ts'),
      edge('edge/leases/work.routes.test.ts', 'edge/testing.ts'),
      // A helper only tests import may reach the app that mounts its folder.
      edge('edge/leases/work.routes.test.ts', 'edge/leases/testing-http.ts'),
      edge('edge/leases/testing-http.ts', 'edge/app.ts'),
    ];
    expect(folderCycles(tangled)).toEqual([
      [
        'folders tangled together: leases, validation',
        '  cycle leases → validation → leases',
        '    leases → validation: edge/leases/leases.ts:1 imports edge/validation/trust.ts',
        '    validation → leases: edge/validation/validate.ts:1 imports edge/leases/queries.ts',
      ].join('\n'),
    ]);
    expect(fileCycles(tangled)).toEqual([]);
    expect(fileCycles([...tangled, edge('edge/validation/trust.ts', 'edge/validation/validate.ts')])).toEqual([
      [
        'files tangled together: edge/leases/leases.ts, edge/leases/queries.ts, edge/validation/trust.ts, edge/validation/validate.ts',
        '  cycle edge/leases/leases.ts → edge/validation/trust.ts → edge/validation/validate.ts → edge/leases/queries.ts → edge/leases/leases.ts',
      ].join('\n'),
    ]);
    expect(migrationViolations([edge('edge/db/migrations/0006_x.ts', 'edge/validation/trust.ts'), edge('edge/db/migrations/0006_x.ts', 'edge/db/migrations/types.ts'), edge('edge/db/migrations/0006_x.ts', null, 'kysely'), edge('edge/db/migrations/0006_x.ts', null, 'zod')])).toEqual([
      'edge/db/migrations/0006_x.ts:1 imports edge/validation/trust.ts',
      'edge/db/migrations/0006_x.ts:1 imports zod',
    ]);
  });
});
