/**
 * @module Migration 0003: Users, sessions, claimed identities.
 */
import type { Kysely, Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function auth(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      void t;
      void db;
    },
  };
}
