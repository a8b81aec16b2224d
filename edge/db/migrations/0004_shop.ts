/**
 * @module Migration 0004: Catalog, carts, orders, payments.
 */
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function shop(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      void t;
      void db;
    },
  };
}
