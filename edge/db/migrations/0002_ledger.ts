/**
 * @module Migration 0002: Ledger accounts and transfers.
 */
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function ledger(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      void t;
      void db;
    },
  };
}
