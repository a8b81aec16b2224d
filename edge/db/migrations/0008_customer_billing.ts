/**
 * @module Migration 0008: customers' quotes and ETAs read the volunteers' current throughput,
 * the points of units validated in the last minute: a partial index on when valid units were
 * decided, carrying their points, answers it without reading any unit row.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './types.ts';

export function customerBilling(dialect: Dialect): Migration {
  void dialect;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('units_valid_by_decided_at')
        .on('units')
        .columns(['decided_at', 'cost_points'])
        .where(sql.ref('state'), '=', 'valid')
        .execute();
    },
  };
}
