/**
 * @module The coordinator bench's anchor: the "bare lease/submit loop" (Hono +
 * better-sqlite3, no auth, no ledger, no trust rules) serving the same endpoints and JSON
 * shapes as the real edge, so the same load generator drives both in one run and the ratio
 * says how close the real coordinator stays to this machine's near-limit.
 * Usage: tsx bench/coordinator-bare.ts PORT UNITS — prints `ready` when listening.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { base64ToBytes, bytesToBase64 } from '../shared/base64.ts';
import { L96ParamsSchema, splitL96 } from '../shared/jobs/lorenz96.ts';
import { JOB_UNITS_MAX } from '../shared/limits.ts';

const [portArg, unitsArg] = process.argv.slice(2);
const QUORUM = 2;
// A file, in WAL mode with the edge's durability setting, as the edge runs.
const db = new Database(join(mkdtempSync(join(tmpdir(), 'sparecycles-bare-')), 'bare.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`
  create table units (id integer primary key, input blob not null, want integer not null, agreed integer not null default 0, hash text);
  create index units_open on units (id) where want > 0;
  create table replicas (id integer primary key, unit_id integer not null, volunteer text not null, state text not null, hash text, unique (unit_id, volunteer));
`);
const insertUnit = db.prepare('insert into units (input, want) values (?, ?)');
db.transaction(() => {
  // The same units as the edge's bench jobs (jobs of at most JOB_UNITS_MAX units).
  for (let left = Number(unitsArg); left > 0; left -= JOB_UNITS_MAX) {
    const params = L96ParamsSchema.parse({ n: 4, steps: 1, snapEvery: 1, members: Math.min(left, JOB_UNITS_MAX), membersPerUnit: 1, perturbation: 0.5 });
    for (const u of splitL96(params)) insertUnit.run(u.input, QUORUM);
  }
})();

const open = db.prepare(`select id, input from units u where want > 0 and not exists (select 1 from replicas r where r.unit_id = u.id and r.volunteer = ?) order by id limit ?`);
const insertReplica = db.prepare(`insert into replicas (unit_id, volunteer, state) values (?, ?, 'leased') returning id`);
const decWant = db.prepare('update units set want = want - 1 where id = ?');
const replicaById = db.prepare('select unit_id, state from replicas where id = ?');
const settle = db.prepare(`update replicas set state = 'returned', hash = ? where id = ?`);
const agreeing = db.prepare(`select count(*) as n from replicas where unit_id = ? and state = 'returned' and hash = ?`);
const valid = db.prepare('update units set hash = ?, agreed = ? where id = ?');

const lease = db.transaction((volunteer: string, max: number) =>
  (open.all(volunteer, max) as { id: number; input: Buffer }[]).map((u) => {
    const { id } = insertReplica.get(u.id, volunteer) as { id: number };
    decWant.run(u.id);
    return { leaseId: id, input: bytesToBase64(u.input) };
  }),
);
const submit = db.transaction((items: { leaseId: number; output: Uint8Array }[]) =>
  items.map(({ leaseId, output }) => {
    const r = replicaById.get(leaseId) as { unit_id: number; state: string } | undefined;
    if (!r || r.state !== 'leased') return { leaseId, outcome: 'refused' };
    const hash = createHash('sha256').update(output).digest('hex');
    settle.run(hash, leaseId);
    const { n } = agreeing.get(r.unit_id, hash) as { n: number };
    if (n >= QUORUM) valid.run(hash, n, r.unit_id);
    return { leaseId, outcome: n >= QUORUM ? 'valid' : 'pending' };
  }),
);

const app = new Hono();
const who = (h: string | undefined) => (h ?? '').slice('Bearer '.length);
app.post('/api/work/lease', async (c) => {
  const { max } = (await c.req.json()) as { max: number };
  return c.json({ leases: lease(who(c.req.header('authorization')), max) });
});
app.put('/api/work/leases/:id/result', async (c) => {
  const [answer] = submit([{ leaseId: Number(c.req.param('id')), output: new Uint8Array(await c.req.arrayBuffer()) }]);
  return c.json(answer);
});
app.post('/api/work/results', async (c) => {
  const { results } = (await c.req.json()) as { results: { leaseId: number; output: string }[] };
  return c.json({ results: submit(results.map((r) => ({ leaseId: r.leaseId, output: base64ToBytes(r.output) }))) });
});
app.get('/validated', (c) => c.json(db.prepare('select count(*) as n from units where agreed >= ?').get(QUORUM)));
serve({ fetch: app.fetch, port: Number(portArg), hostname: '127.0.0.1' }, () => console.log('ready'));
