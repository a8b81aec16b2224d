/**
 * @module The jobs' prepared queries (edge/db/prepared.ts): finishing or advancing a job, and reading an iteration's validated
 * outputs for integration.
 */
import { sql } from 'kysely';
import { prepare } from '../db/prepared.ts';

export const jobById = prepare('job by id', ['id'], (db, p) => db.selectFrom('jobs').selectAll().where('id', '=', p('id')));

/** The full parameters a job is split and integrated with (JSON text). */
export const jobParamsById = prepare('job parameters', ['id'], (db, p) => db.selectFrom('job_params').select('params').where('job_id', '=', p('id')));

export const finishJob = prepare('job finished', ['id', 'status', 'now', 'result'], (db, p) =>
  db.updateTable('jobs').set({ status: p('status'), completed_at: p('now'), result: p('result') }).where('id', '=', p('id')),
);

export const advanceJobIteration = prepare('job next iteration', ['id', 'iteration', 'total'], (db, p) =>
  db.updateTable('jobs').set({ iteration: p('iteration'), units_total: p('total') }).where('id', '=', p('id')),
);

export const unitOutputsOfIteration = prepare('validated outputs of an iteration', ['job', 'iteration'], (db, p) =>
  db
    .selectFrom('units')
    .select(['canonical_output', 'kernel_id', 'kernel_version'])
    .where('job_id', '=', p('job'))
    .where('iteration', '=', p('iteration'))
    .orderBy('seq'),
);

/** A unit of the job was corrected by the server's run: count it, and store the result integrated again (null: keep it). */
export const amendJob = prepare('job amended', ['id', 'result'], (db, p) =>
  db
    .updateTable('jobs')
    .set((eb) => ({ amended_units: eb('amended_units', '+', sql.lit(1)), result: eb.fn.coalesce(eb.val(p('result')), eb.ref('result')) }))
    .where('id', '=', p('id')),
);

export const unitIteration = prepare('unit iteration', ['id'], (db, p) => db.selectFrom('units').select(['iteration']).where('id', '=', p('id')));
