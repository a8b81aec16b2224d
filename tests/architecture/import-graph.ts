/**
 * @module The project's import graph, read from the source files with the TypeScript
 * compiler's import scanner (`ts.preProcessFile`): every static `import`, `import type`,
 * `export … from` and dynamic `import('…')`, resolved to files, plus the cycle finder the
 * architecture checks (imports.test.ts) run on it. `new URL('…', import.meta.url)` is not an
 * import (a worker script, an asset) and the scanner does not report it.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import of one file: what it names, where, and the file it resolves to. */
export interface ImportEdge {
  /** Importing file, relative to the root, with `/` separators. */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  /**
   * The imported file relative to the root, `null` for a package (a bare specifier such as
   * `kysely` or `node:fs`), or `undefined` for a relative specifier that names no file.
   */
  to: string | null | undefined;
}

/** Folders never scanned: installed packages and build output. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist']);

/** Every `.ts`/`.tsx` file under `dirs` (relative to `root`), sorted, as root-relative paths. */
export function sourceFiles(root: string, dirs: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path);
      } else if (/\.tsx?$/.test(entry.name)) {
        files.push(path);
      }
    }
  };
  for (const dir of dirs) if (existsSync(join(root, dir))) walk(dir);
  return files.sort();
}

/** Extensions tried, in order, for a specifier written without one (AssemblyScript sources, `export * from '../x'`). */
const RESOLVE_SUFFIXES = ['', '.ts', '.tsx', '/index.ts', '/index.tsx'];

/** The root-relative file a relative specifier names, or `undefined` if none exists. */
function resolveRelative(root: string, from: string, specifier: string): string | undefined {
  // A query (`?url`, `?worker`) tells the bundler how to load a file; the file is the same.
  const path = resolve(root, dirname(from), specifier.replace(/\?.*$/, ''));
  for (const suffix of RESOLVE_SUFFIXES) {
    const candidate = path + suffix;
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate).split(sep).join('/');
  }
  return undefined;
}

/** The imports of one source text, resolved against `from`'s folder under `root`. */
export function importsOf(root: string, from: string, text: string): ImportEdge[] {
  const info = ts.preProcessFile(text, true, true);
  const source = ts.createSourceFile(from, text, ts.ScriptTarget.Latest, false);
  return info.importedFiles.map((ref) => {
    const specifier = ref.fileName;
    const line = source.getLineAndCharacterOfPosition(ref.pos).line + 1;
    const relativeSpecifier = specifier.startsWith('./') || specifier.startsWith('../');
    return { from, specifier, line, to: relativeSpecifier ? resolveRelative(root, from, specifier) : null };
  });
}

/** Every import of every `.ts`/`.tsx` file under `dirs`. */
export function importGraph(root: string, dirs: readonly string[]): ImportEdge[] {
  return sourceFiles(root, dirs).flatMap((file) => importsOf(root, file, readFileSync(join(root, file), 'utf8')));
}

/** A directed graph: each node's successors. */
export type Graph = ReadonlyMap<string, ReadonlySet<string>>;

/** Builds a {@link Graph} from `[from, to]` pairs. */
export function graphOf(edges: Iterable<readonly [string, string]>): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [from, to] of edges) {
    if (!graph.has(from)) graph.set(from, new Set());
    if (!graph.has(to)) graph.set(to, new Set());
    graph.get(from)!.add(to);
  }
  return graph;
}

/**
 * The strongly connected components of `graph` that hold a cycle (two nodes or more, or one
 * node importing itself), each sorted, in order of their first node. Tarjan's algorithm
 * (R. Tarjan, "Depth-first search and linear graph algorithms", SIAM J. Comput. 1972),
 * iterative so a deep graph cannot overflow the stack.
 */
export function tangles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  for (const start of [...graph.keys()].sort()) {
    if (index.has(start)) continue;
    // Each frame: a node and the successors it has still to visit.
    const frames: { node: string; rest: string[] }[] = [];
    const enter = (node: string): void => {
      index.set(node, next);
      low.set(node, next);
      next++;
      stack.push(node);
      onStack.add(node);
      frames.push({ node, rest: [...(graph.get(node) ?? [])].sort().reverse() });
    };
    enter(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const succ = frame.rest.pop();
      if (succ !== undefined) {
        if (!index.has(succ)) enter(succ);
        else if (onStack.has(succ)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(succ)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      if (component.length > 1 || graph.get(frame.node)?.has(frame.node)) found.push(component.sort());
    }
  }
  return found.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** A shortest cycle through `node` staying inside `within`, as a path that ends where it starts; `undefined` if none. */
export function shortestCycleThrough(graph: Graph, node: string, within: ReadonlySet<string>): string[] | undefined {
  // Breadth-first from node's successors back to node.
  const parent = new Map<string, string>();
  const queue: string[] = [node];
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head]!;
    for (const succ of [...(graph.get(current) ?? [])].sort()) {
      if (!within.has(succ)) continue;
      if (succ === node) {
        const path = [node];
        for (let at = current; at !== node; at = parent.get(at)!) path.push(at);
        path.push(node);
        return [path[0]!, ...path.slice(1, -1).reverse(), node];
      }
      if (parent.has(succ)) continue;
      parent.set(succ, current);
      queue.push(succ);
    }
  }
  return undefined;
}

/** One tangle and cycles enough to show every node of it. */
export interface Tangle {
  /** The tangle's nodes, sorted. */
  nodes: string[];
  /** Each a path that ends where it starts. */
  cycles: string[][];
}

/**
 * Every tangle of `graph` with cycles enough to show every node of it: a shortest cycle
 * through its first node not yet on a reported cycle, until all are. Listing every elementary
 * cycle instead could run to thousands for one tangle of a dozen files.
 */
export function tangledCycles(graph: Graph): Tangle[] {
  return tangles(graph).map((nodes) => {
    const within = new Set(nodes);
    const shown = new Set<string>();
    const found: string[][] = [];
    for (const node of nodes) {
      if (shown.has(node)) continue;
      const cycle = shortestCycleThrough(graph, node, within)!;
      for (const n of cycle) shown.add(n);
      found.push(cycle);
    }
    return { nodes, cycles: found };
  });
}

/** The cycles of {@link tangledCycles}, all tangles together. */
export function cycles(graph: Graph): string[][] {
  return tangledCycles(graph).flatMap((t) => t.cycles);
}
