/**
 * @module Opens the store named by `DATABASE_URL`: an embedded SQLite file by default (no
 * set-up), or a PostgreSQL server for `postgres://` URLs. Both are driven through one Kysely
 * query layer, so no SQL is written twice.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { migrations } from './migrations/index.ts';
import type { Dialect } from './migrations/types.ts';

export type { Dialect };

/** An open store: the query builder plus which dialect it speaks. */
export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

/** Connections a PostgreSQL pool may open per edge process. */
const PG_POOL_CONNECTIONS_MAX = 10;
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
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = { db, dialect: 'postgres', close: () => db.destroy() };
  } else {
    const file = url.replace(/^sqlite:(\/\/)?/, '') || ':memory:';
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SQLite(file);
    // WAL with synchronous=FULL: a transaction reported committed survives a power cut, and
    // readers never block the writer. (Issue 4 revisits the durability/throughput trade.)
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    store = { db, dialect: 'sqlite', close: () => db.destroy() };
  }
  await migrate(store);
  return store;
}

async function migrate(store: Store): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(store.dialect) };
  const { error, results } = await new Migrator({ db: store.db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
}

/** Table names in dependency order, for tests that compare whole-database snapshots. */
export const TABLES = ['customers', 'volunteers', 'jobs', 'units', 'replicas'] as const;
