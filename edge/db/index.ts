/**
 * @module Opens the store named by `DATABASE_URL`: an embedded SQLite file by default (no
 * set-up), or a PostgreSQL server for `postgres://` URLs. Both are driven through one Kysely
 * query layer, so no SQL is written twice.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { migrations } from './migrations/index.ts';
import { pgStatementName } from './pg-statements.ts';
import type { Dialect } from './migrations/types.ts';

export type { Dialect };

/** An open store: the query builder plus which dialect it speaks. */
export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The SQLite connection under `db` (SQLite only), for synchronous prepared statements. */
  sqlite?: SQLite.Database;
  close(): Promise<void>;
}

/** Connections a PostgreSQL pool may open per edge process. */
const PG_POOL_CONNECTIONS_MAX = 10;
/** WAL pages between automatic checkpoints. */
const SQLITE_WAL_CHECKPOINT_PAGES = 10_000;
/** Page cache per connection, in KiB: the ledger's indexes are written at random places. */
const SQLITE_CACHE_KIB = 64 * 1024;
/** How long SQLite waits for a lock held by another connection before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating if needed) and migrates the store.
 * @example
 * const store = await openStore('data/sparecycles.db');
 * const store2 = await openStore('postgres://127.0.0.1:5432/test');
 */
export async function openStore(url: string): Promise<Store> {
  let store: Store;
  if (/^postgres(ql)?:\/\//.test(url)) {
    // int8 columns hold epoch milliseconds and point totals, all far below 2^53.
    pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: PG_POOL_CONNECTIONS_MAX });
    pool.on('connect', nameStatements);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = { db, dialect: 'postgres', close: () => db.destroy() };
  } else {
    const file = url.replace(/^sqlite:(\/\/)?/, '') || ':memory:';
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SQLite(file);
    // WAL, and synchronous=NORMAL unless SQLITE_SYNCHRONOUS says otherwise: every commit is
    // atomic and survives a crash or SIGKILL of this process; only a power cut or OS crash
    // can lose the last commits before the next WAL sync, and never leaves a partial one.
    // FULL (an fsync per commit) costs about 20× the ledger's throughput on this machine.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${sqliteSynchronous()}`);
    sqlite.pragma('foreign_keys = ON');
    // Checkpoints fsync; with many small commits the default (1000 pages) checkpoints every
    // few hundred transfers. 10,000 pages (~40 MB of WAL) cuts that tenfold.
    sqlite.pragma(`wal_autocheckpoint = ${SQLITE_WAL_CHECKPOINT_PAGES}`);
    sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    store = { db, dialect: 'sqlite', sqlite, close: () => db.destroy() };
  }
  await migrate(store);
  return store;
}

/**
 * Kysely sends every query unnamed, so PostgreSQL parses and plans it on each call. The SQL
 * of the prepared-op layer goes by a name instead (see {@link pgStatementName}): pg keeps it
 * prepared on each pooled connection after its first use.
 */
function nameStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const [text, values, callback] = args;
    const name = typeof text === 'string' ? pgStatementName(text) : undefined;
    if (!name) return query(...args);
    return callback === undefined ? query({ name, text, values }) : query({ name, text, values }, callback);
  }) as typeof client.query;
}

/** Prepared statements kept per SQLite connection for Kysely's queries. */
const STATEMENT_CACHE_MAX = 2_000;

/**
 * Kysely's SQLite driver prepares every query anew; parsing SQL each time costs more than
 * running it. This hands it cached statements instead (its connection mutex already makes
 * their use sequential). The cache starts over when full: queries with variable IN-lists
 * make distinct SQL.
 */
function withStatementCache(sqlite: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        if (cache.size >= STATEMENT_CACHE_MAX) cache.clear();
        stmt = sqlite.prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

function sqliteSynchronous(): 'NORMAL' | 'FULL' {
  const v = (process.env.SQLITE_SYNCHRONOUS ?? 'NORMAL').toUpperCase();
  if (v !== 'NORMAL' && v !== 'FULL') throw new Error(`SQLITE_SYNCHRONOUS must be NORMAL or FULL, got '${v}'`);
  return v;
}

/**
 * Attempts at migrating when the bookkeeping step failed on a catalog race: Kysely finds its
 * tables by reading every schema of the database, which fails when another schema is dropped
 * meanwhile (another edge's test suite, say). Nothing was migrated yet then; once more is safe.
 */
const MIGRATE_ATTEMPTS_MAX = 3;
/** SQLSTATEs of objects that vanished under a catalog read: schema, column, table. */
const CATALOG_RACE_CODES = new Set(['3F000', '42703', '42P01']);

async function migrate(store: Store): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(store.dialect) };
  // Kysely looks for its bookkeeping tables by schema: name the one this connection uses.
  const schema =
    store.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(store.db)).rows[0]?.s : undefined;
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await new Migrator({ db: store.db, provider, ...(schema ? { migrationTableSchema: schema } : {}) }).migrateToLatest();
    if (!error) return;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const code = (error as { code?: unknown }).code;
    if (!failed && typeof code === 'string' && CATALOG_RACE_CODES.has(code) && attempt < MIGRATE_ATTEMPTS_MAX) continue;
    throw new Error(`migration ${failed ?? 'bookkeeping'} failed: ${(error as Error).message ?? String(error)}`);
  }
}
