/**
 * @module Migration 0010: a job's full parameters move to a table of their own. A training
 * job's parameters carry its corpus (megabytes); in the `jobs` row, every counter update of
 * a validated unit rewrote it on SQLite (a row is stored whole, about 5 ms for 7 MB), and
 * every job listing read and parsed it. `jobs.params` now holds the parameters as the API
 * shows them (a corpus by its size); `job_params.params` the ones the job is split and
 * integrated with. Existing jobs (whose shown and full parameters are the same) are copied.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './types.ts';

export function jobParams(dialect: Dialect): Migration {
  void dialect;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('job_params')
        .addColumn('job_id', 'text', (c) => c.primaryKey().references('jobs.id'))
        .addColumn('params', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into job_params (job_id, params) select id, params from jobs`.execute(db);
    },
  };
}
