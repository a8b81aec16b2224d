/**
 * @module Migration 0001: accounts, jobs, units and replicas.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { columnTypes, type Dialect } from './types.ts';

export function foundation(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('customers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('key_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', t.ms, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('volunteers')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', t.ms, (c) => c.notNull())
          .addColumn('results_valid', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('quorum', 'integer', (c) => c.notNull())
          .addColumn('units_total', 'integer', (c) => c.notNull())
          .addColumn('units_valid', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('units_failed', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('price_minor', t.ms, (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('created_at', t.ms, (c) => c.notNull())
          .addColumn('completed_at', t.ms)
          .addColumn('result', 'text')
          .execute();
        await db.schema.createIndex('jobs_by_customer').on('jobs').columns(['customer_id', 'created_at']).execute();
        await db.schema
          .createTable('units')
          .addColumn('id', t.id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('kernel_id', 'text', (c) => c.notNull())
          .addColumn('kernel_version', 'integer', (c) => c.notNull())
          .addColumn('input', t.blob, (c) => c.notNull())
          .addColumn('output_bytes', 'integer', (c) => c.notNull())
          .addColumn('cost_points', 'integer', (c) => c.notNull())
          .addColumn('quorum', 'integer', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('want', 'integer', (c) => c.notNull())
          .addColumn('leased', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('replicas', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('errors', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('agree_max', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('canonical_hash', 'text')
          .addColumn('canonical_output', t.blob)
          .addColumn('failure', 'text')
          .addColumn('decided_at', t.ms)
          .addUniqueConstraint('units_job_seq', ['job_id', 'seq'])
          .execute();
        // Leasing scans only units that want replicas, never the decided ones.
        await db.schema.createIndex('units_open').on('units').column('id').where(sql.ref('want'), '>', 0).execute();
        await db.schema
          .createTable('replicas')
          .addColumn('id', t.id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('unit_id', 'integer', (c) => c.notNull().references('units.id'))
          .addColumn('volunteer_id', 'text', (c) => c.notNull().references('volunteers.id'))
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text')
          .addColumn('leased_at', t.ms, (c) => c.notNull())
          .addColumn('deadline_at', t.ms, (c) => c.notNull())
          .addColumn('returned_at', t.ms)
          .addColumn('result_hash', 'text')
          .addColumn('result', t.blob)
          .addColumn('credited_points', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('error', 'text')
          // DESIGN.md: a volunteer never holds two replicas of the same unit.
          .addUniqueConstraint('replicas_one_per_volunteer', ['unit_id', 'volunteer_id'])
          .execute();
        await db.schema.createIndex('replicas_open_by_deadline').on('replicas').column('deadline_at').where(sql.ref('state'), '=', 'leased').execute();
        await db.schema.createIndex('replicas_by_volunteer').on('replicas').columns(['volunteer_id', 'state']).execute();
      },
  };
}
