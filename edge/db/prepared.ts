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

const SLOT = '\u0000slot:';

/** A query built once per dialect, whose parameters are bound by name. */
export interface Prepared<P extends string> {
  readonly name: string;
  compile(db: Kysely<Database>, dialect: Dialect): { sql: string; slots: P[] };
}

/**
 * Declares a prepared query. `build` receives a slot function: `p('amount')` stands for the
 * parameter `amount` wherever a value goes.
 * @example
 * const byId = prepare('account by id', ['id'], (db, p) => db.selectFrom('ledger_accounts').selectAll().where('id', '=', p('id')));
 */
export function prepare<P extends string>(
  name: string,
  params: readonly P[],
  build: (db: Kysely<Database>, p: (slot: P) => never, dialect: Dialect) => Compilable,
): Prepared<P> {
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
      }
      return c;
    },
  };
}

/** One query to run: what a domain generator yields. */
export type Effect =
  | { op: 'rows'; q: Prepared<string>; args: Record<string, unknown> }
  /**
   * Rows that never change once they exist (e.g. an account's ledger and floor): the SQLite
   * driver may answer from a cache when every wanted row was seen before. PostgreSQL always
   * queries (the query may lock rows there).
   */
  | { op: 'immutableRows'; q: Prepared<string>; args: Record<string, unknown>; ids: string[] }
  | { op: 'exec'; q: Prepared<string>; args: Record<string, unknown> }
  | { op: 'raw'; sql: 'savepoint' | 'release' | 'rollback_to'; name: string };

export type Row = Record<string, unknown>;
/** What the driver answers an effect with: rows for `rows`, affected row count for `exec`. */
export type EffectResult = Row[] | number;
/** A domain operation written once for both drivers. */
export type Op<T> = Generator<Effect, T, EffectResult>;

export const rows = <P extends string>(q: Prepared<P>, args: Record<P, unknown>): Effect => ({ op: 'rows', q, args });
/** Rows selected by their `id` column that never change once they exist (cached by id). */
export const immutableRows = <P extends string>(q: Prepared<P>, args: Record<P, unknown>, ids: string[]): Effect => ({ op: 'immutableRows', q, args, ids });
export const exec = <P extends string>(q: Prepared<P>, args: Record<P, unknown>): Effect => ({ op: 'exec', q, args });

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
        const found = stmt.all(...params) as Row[];
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
const immutableCaches = new WeakMap<SQLite.Database, Map<string, Row>>();
function cachedRows(cache: Map<string, Row>, ids: string[]): Row[] | undefined {
  const out: Row[] = [];
  for (const id of ids) {
    const r = cache.get(id);
    if (!r) return undefined;
    out.push(r);
  }
  return out;
}
function immutableCache(sqlite: SQLite.Database): Map<string, Row> {
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
    } else {
      const { sql, slots } = e.q.compile(store.db, store.dialect);
      const r = await trx.executeQuery<Row>(CompiledQuery.raw(sql, bind(slots, e.args)));
      result = e.op === 'exec' ? Number(r.numAffectedRows ?? 0n) : r.rows;
    }
    step = op.next(result);
  }
  return step.value;
}

/**
 * Runs an op in a transaction of its own: on SQLite synchronously inside Kysely's connection
 * lock (so no other query interleaves), on PostgreSQL as a Kysely transaction.
 */
export async function runInTransaction<T>(store: Store, op: () => Op<T>, hooks?: RunHooks): Promise<T> {
  const sqlite = store.sqlite;
  if (sqlite) {
    const run = () => syncTransaction(sqlite)(store, op(), hooks) as T;
    // Kysely's SQLite queries are synchronous underneath; between them the connection is
    // idle unless a Kysely transaction is open and awaiting. Only then must we queue for it.
    if (!sqlite.inTransaction) return run();
    return store.db.connection().execute(async () => run());
  }
  return store.db.transaction().execute((trx) => runAsync(store, trx, op(), hooks));
}

type SyncTransaction = (store: Store, op: Op<unknown>, hooks: RunHooks | undefined) => unknown;
const syncTransactions = new WeakMap<SQLite.Database, SyncTransaction>();
/** One better-sqlite3 transaction wrapper per connection (making one costs microseconds). */
function syncTransaction(sqlite: SQLite.Database): SyncTransaction {
  let tx = syncTransactions.get(sqlite);
  if (!tx) {
    tx = sqlite.transaction((store: Store, op: Op<unknown>, hooks: RunHooks | undefined) => runSync(store, sqlite, op, hooks)) as SyncTransaction;
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
