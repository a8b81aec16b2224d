/**
 * @module Prepared statements for hot paths, on the one query layer: the SQL is built once by
 * Kysely (so it is written once for both dialects) with named parameter slots, then run
 * synchronously through better-sqlite3's statement cache on SQLite, or through the open
 * Kysely transaction on PostgreSQL. Domain logic is a generator of query effects, so the
 * same code runs on both drivers (see {@link runSync} and {@link runAsync}).
 */
import { CompiledQuery, type Compilable, type Kysely, type Transaction } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Dialect, Store } from './index.ts';
import type { Database } from './schema.ts';
import { namePgStatement } from './pg-statements.ts';
import { withTxRetries } from './retry.ts';

const SLOT = '\u0000slot:';

/**
 * A query built once per dialect, whose parameters are bound by name, and whose rows have
 * type `R` (Kysely's inferred row type of the query `build` returned).
 */
export interface Prepared<P extends string, R = unknown> {
  readonly name: string;
  compile(db: Kysely<Database>, dialect: Dialect): { sql: string; slots: P[] };
  /** Type-level only: the row type this query yields (never set at run time). */
  readonly rowType?: R;
}

/**
 * Declares a prepared query. `build` receives a slot function: `p('amount')` stands for the
 * parameter `amount` wherever a value goes. The row type comes from the query `build`
 * returns, so `yield* rows(q, args)` is typed without a cast.
 * @example
 * const byId = prepare('account by id', ['id'], (db, p) => db.selectFrom('ledger_accounts').selectAll().where('id', '=', p('id')));
 */
export function prepare<P extends string, R>(
  name: string,
  params: readonly P[],
  build: (db: Kysely<Database>, p: (slot: P) => never, dialect: Dialect) => Compilable<R>,
): Prepared<P, R> {
  const cache = new WeakMap<Kysely<Database>, { sql: string; slots: P[] }>();
  return {
    name,
    compile(db, dialect) {
      let c = cache.get(db);
      if (!c) {
        const compiled = build(db, (slot) => `${SLOT}${slot}` as never, dialect).compile();
        const slots = compiled.parameters.map((v) => {
          if (typeof v !== 'string' || !v.startsWith(SLOT)) throw new Error(`prepared query '${name}' has an inline value: pass every value through p()`);
          return v.slice(SLOT.length) as P;
        });
        for (const p of params) if (!slots.includes(p)) throw new Error(`prepared query '${name}' never uses parameter '${p}'`);
        c = { sql: compiled.sql, slots };
        cache.set(db, c);
        if (dialect === 'postgres') namePgStatement(compiled.sql);
      }
      return c;
    },
  };
}

/** One query to run: what a domain generator yields (made by the helpers below, never by hand). */
export type Effect =
  | { op: 'rows'; q: Prepared<string>; args: Record<string, unknown> }
  /**
   * Rows that never change once they exist (e.g. an account's ledger and floor): the SQLite
   * driver may answer from a cache when every wanted row was seen before. PostgreSQL always
   * queries (the query may lock rows there).
   */
  | { op: 'immutableRows'; q: Prepared<string>; args: Record<string, unknown>; ids: string[] }
  | { op: 'exec'; q: Prepared<string>; args: Record<string, unknown> }
  /**
   * A query whose shape varies (multi-row INSERTs, IN-lists), built by Kysely per call; for
   * cold paths only. `rows` says whether its rows or its affected-row count are wanted.
   */
  | { op: 'dynamic'; build: (db: Kysely<Database>) => Compilable; rows: boolean }
  | { op: 'raw'; sql: 'savepoint' | 'release' | 'rollback_to'; name: string };

/** A row as the drivers hand it over, before the typed helpers below name its type. */
type DriverRow = Record<string, unknown>;
/** What the driver answers an effect with: rows for `rows`, affected row count for `exec`. */
export type EffectResult = DriverRow[] | number;
/**
 * A domain operation written once for both drivers: a generator of query effects, run by
 * {@link runSync} or {@link runAsync}. Compose ops with `yield*`; every query helper below is
 * itself an op, so `const [unit] = yield* rows(Q.unitById, { id })` is typed by the query.
 */
export type Op<T> = Generator<Effect, T, EffectResult>;

// The helpers below are the one place where a driver's answer gets its static type: each
// knows which effect it yielded, and a prepared query carries its row type from Kysely.

/** Runs a prepared query and returns its rows. */
export function* rows<P extends string, R>(q: Prepared<P, R>, args: Record<P, unknown>): Op<R[]> {
  return (yield { op: 'rows', q, args }) as R[];
}

/** Rows selected by their `id` column that never change once they exist (cached by id on SQLite). */
export function* immutableRows<P extends string, R>(q: Prepared<P, R>, args: Record<P, unknown>, ids: string[]): Op<R[]> {
  return (yield { op: 'immutableRows', q, args, ids }) as R[];
}

/** Runs a prepared statement and returns the number of rows it changed. */
export function* exec<P extends string>(q: Prepared<P, unknown>, args: Record<P, unknown>): Op<number> {
  return (yield { op: 'exec', q, args }) as number;
}

/** A query built per call (see the `dynamic` effect); returns its rows. */
export function* dynamicRows<R>(build: (db: Kysely<Database>) => Compilable<R>): Op<R[]> {
  return (yield { op: 'dynamic', build, rows: true }) as R[];
}

/** A statement built per call (see the `dynamic` effect); returns the affected-row count. */
export function* dynamicExec(build: (db: Kysely<Database>) => Compilable): Op<number> {
  return (yield { op: 'dynamic', build, rows: false }) as number;
}

/**
 * State kept in JavaScript beside a transaction (e.g. credits still to post) that must roll
 * back with the database when a savepoint does: `mark` takes a snapshot, `restore` returns to it.
 */
export interface Restorable<M> {
  mark(): M;
  restore(mark: M): void;
}

/**
 * Runs `body` in a savepoint named `name`. When `keep` refuses its answer (an item refused
 * with a status), or when it throws, the savepoint is rolled back and each of `state` is
 * restored to what it was before, so the database and the JavaScript side agree again.
 * @example
 * const answer = yield* savepoint('item', () => submitOp(it), (a) => a.status === 'ok', [credits]);
 */
export function* savepoint<T>(name: string, body: () => Op<T>, keep: (answer: T) => boolean, state: readonly Restorable<unknown>[] = []): Op<T> {
  const marks = state.map((s) => s.mark());
  const rollback = function* (): Op<void> {
    yield { op: 'raw', sql: 'rollback_to', name };
    state.forEach((s, i) => s.restore(marks[i]));
  };
  yield { op: 'raw', sql: 'savepoint', name };
  let answer: T;
  try {
    answer = yield* body();
  } catch (err) {
    yield* rollback();
    yield { op: 'raw', sql: 'release', name };
    throw err;
  }
  if (!keep(answer)) yield* rollback();
  yield { op: 'raw', sql: 'release', name };
  return answer;
}

function bind(slots: string[], args: Record<string, unknown>): unknown[] {
  return slots.map((s) => args[s]);
}

function rawSql(e: Extract<Effect, { op: 'raw' }>): string {
  const verb = e.sql === 'savepoint' ? 'SAVEPOINT' : e.sql === 'release' ? 'RELEASE SAVEPOINT' : 'ROLLBACK TO SAVEPOINT';
  return `${verb} ${e.name}`;
}

/** Hooks for fault injection in tests: called before every effect. */
export interface RunHooks {
  beforeEffect?: (e: Effect) => void;
}

/**
 * Runs an op synchronously on a SQLite connection (the caller holds the connection and, if
 * it wants one, the transaction).
 */
export function runSync<T>(store: Store, sqlite: SQLite.Database, op: Op<T>, hooks?: RunHooks): T {
  const statements = statementCache(sqlite);
  const immutable = immutableCache(sqlite);
  let step = op.next(undefined as never);
  while (!step.done) {
    const e = step.value;
    hooks?.beforeEffect?.(e);
    let result: EffectResult;
    const cached = e.op === 'immutableRows' ? cachedRows(immutable, e.ids) : undefined;
    if (cached) {
      result = cached;
    } else if (e.op === 'raw') {
      sqlite.exec(rawSql(e));
      result = 0;
    } else if (e.op === 'dynamic') {
      const q = e.build(store.db).compile();
      const stmt = sqlite.prepare(q.sql);
      result = e.rows ? (stmt.all(...q.parameters) as DriverRow[]) : stmt.run(...q.parameters).changes;
    } else {
      const { sql, slots } = e.q.compile(store.db, store.dialect);
      let stmt = statements.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        statements.set(sql, stmt);
      }
      const params = bind(slots, e.args);
      if (e.op === 'exec') {
        result = stmt.run(...params).changes;
      } else {
        const found = stmt.all(...params) as DriverRow[];
        if (e.op === 'immutableRows') {
          if (immutable.size + found.length > IMMUTABLE_CACHE_ENTRIES_MAX) immutable.clear();
          for (const r of found) immutable.set(r.id as string, r);
        }
        result = found;
      }
    }
    step = op.next(result);
  }
  return step.value;
}

/** Entries of the immutable-row cache per connection before it starts over. */
const IMMUTABLE_CACHE_ENTRIES_MAX = 100_000;
const immutableCaches = new WeakMap<SQLite.Database, Map<string, DriverRow>>();
function cachedRows(cache: Map<string, DriverRow>, ids: string[]): DriverRow[] | undefined {
  const out: DriverRow[] = [];
  for (const id of ids) {
    const r = cache.get(id);
    if (!r) return undefined;
    out.push(r);
  }
  return out;
}
function immutableCache(sqlite: SQLite.Database): Map<string, DriverRow> {
  let c = immutableCaches.get(sqlite);
  if (!c) immutableCaches.set(sqlite, (c = new Map()));
  return c;
}

const caches = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();
function statementCache(sqlite: SQLite.Database): Map<string, SQLite.Statement> {
  let c = caches.get(sqlite);
  if (!c) caches.set(sqlite, (c = new Map()));
  return c;
}

/** Runs an op through a Kysely transaction (PostgreSQL, or SQLite when not on the hot path). */
export async function runAsync<T>(store: Store, trx: Transaction<Database>, op: Op<T>, hooks?: RunHooks): Promise<T> {
  let step = op.next(undefined as never);
  while (!step.done) {
    const e = step.value;
    hooks?.beforeEffect?.(e);
    let result: EffectResult;
    if (e.op === 'raw') {
      await trx.executeQuery(CompiledQuery.raw(rawSql(e)));
      result = 0;
    } else if (e.op === 'dynamic') {
      const r = await trx.executeQuery<DriverRow>(e.build(store.db).compile());
      result = e.rows ? r.rows : Number(r.numAffectedRows ?? 0n);
    } else {
      const { sql, slots } = e.q.compile(store.db, store.dialect);
      const r = await trx.executeQuery<DriverRow>(CompiledQuery.raw(sql, bind(slots, e.args)));
      result = e.op === 'exec' ? Number(r.numAffectedRows ?? 0n) : r.rows;
    }
    step = op.next(result);
  }
  return step.value;
}

/**
 * Runs an op in a transaction of its own. On SQLite, ops started in the same turn of the
 * event loop share one commit ("group commit"): each runs in a savepoint of its own, so it
 * still commits or rolls back alone, and its promise settles only after the shared COMMIT;
 * a commit costs more than most ops, and concurrent requests pay it once. On PostgreSQL
 * each op is a Kysely transaction of its own, run again if it lost a deadlock.
 */
export function runInTransaction<T>(store: Store, op: () => Op<T>, hooks?: RunHooks): Promise<T> {
  const sqlite = store.sqlite;
  // An op is a fresh generator per attempt, so a transaction PostgreSQL aborted runs again whole.
  if (!sqlite) return withTxRetries(() => store.db.transaction().execute((trx) => runAsync(store, trx, op(), hooks)));
  return new Promise<T>((resolve, reject) => {
    let group = openGroups.get(sqlite);
    if (!group) {
      openGroups.set(sqlite, (group = []));
      setImmediate(() => flushGroup(store, sqlite));
    }
    group.push({ op, hooks, resolve: resolve as (v: unknown) => void, reject });
  });
}

/** Ops one group commit takes; the rest wait for the next one. */
const GROUP_COMMIT_OPS_MAX = 64;
const GROUP_SAVEPOINT = 'group_op';

interface Queued {
  op: () => Op<unknown>;
  hooks?: RunHooks;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}
const openGroups = new WeakMap<SQLite.Database, Queued[]>();

function flushGroup(store: Store, sqlite: SQLite.Database): void {
  const queued = openGroups.get(sqlite) ?? [];
  openGroups.delete(sqlite);
  for (let i = 0; i < queued.length; i += GROUP_COMMIT_OPS_MAX) {
    const group = queued.slice(i, i + GROUP_COMMIT_OPS_MAX);
    // Kysely's SQLite queries are synchronous underneath; between them the connection is
    // idle unless a Kysely transaction is open and awaiting. Only then must we queue for it.
    if (!sqlite.inTransaction) commitGroup(store, sqlite, group);
    else void store.db.connection().execute(async () => commitGroup(store, sqlite, group));
  }
}

/** Runs `group` in one transaction, each op in a savepoint; settles each op after COMMIT. */
function commitGroup(store: Store, sqlite: SQLite.Database, group: Queued[]): void {
  const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
  try {
    syncTransaction(sqlite)(() => {
      for (const q of group) {
        sqlite.exec(`SAVEPOINT ${GROUP_SAVEPOINT}`);
        try {
          outcomes.push({ ok: true, value: runSync(store, sqlite, q.op(), q.hooks) });
        } catch (err) {
          sqlite.exec(`ROLLBACK TO SAVEPOINT ${GROUP_SAVEPOINT}`);
          outcomes.push({ ok: false, err });
        }
        sqlite.exec(`RELEASE SAVEPOINT ${GROUP_SAVEPOINT}`);
      }
    });
  } catch (err) {
    // The COMMIT itself failed (disk full, I/O error): nothing of the group was kept.
    for (const q of group) q.reject(err);
    return;
  }
  group.forEach((q, i) => {
    const o = outcomes[i]!;
    if (o.ok) q.resolve(o.value);
    else q.reject(o.err);
  });
}

const syncTransactions = new WeakMap<SQLite.Database, (body: () => void) => void>();
/** One better-sqlite3 transaction wrapper per connection (making one costs microseconds). */
function syncTransaction(sqlite: SQLite.Database): (body: () => void) => void {
  let tx = syncTransactions.get(sqlite);
  if (!tx) {
    tx = sqlite.transaction((body: () => void) => body());
    syncTransactions.set(sqlite, tx);
  }
  return tx;
}

/** Runs an op inside a transaction the caller already opened. */
export async function runInOpenTransaction<T>(store: Store, trx: Transaction<Database>, op: Op<T>, hooks?: RunHooks): Promise<T> {
  // On SQLite the open transaction holds the one connection: run on it directly.
  if (store.sqlite) return runSync(store, store.sqlite, op, hooks);
  return runAsync(store, trx, op, hooks);
}

