/**
 * @module Ledger throughput on a SQLite file with every invariant enforced (floor check,
 * idempotent ids, balances updated in the same transaction): one transfer per transaction,
 * and batched; then checkouts per second end to end over HTTP when the shop is present.
 * Prints the targets (issue 3: ≥ 25,000/s one per transaction, ≥ 100,000/s batched).
 */
import { mkdtempSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../edge/db/index.ts';
import { ledgerOf } from '../edge/ledger/ledger.ts';
import type { TransferSpec } from '../edge/ledger/types.ts';
import { ACCOUNTS } from '../edge/ledger/accounts.ts';
import { mulberry32 } from '../shared/random.ts';

const ACCOUNTS_N = 1000;
/** Issue 3's anchor: the bare loop measured 49,000 transfers/s, one per transaction. */
const ANCHOR_BARE_SINGLE_PER_S = 49_000;
const TARGET_SINGLE_PER_S = 25_000;
const TARGET_BATCHED_PER_S = 100_000;
const SINGLE_N = 50_000;
const BATCH_SIZE = 1000;
const BATCHED_N = 200_000;

const ISSUER = ACCOUNTS.pointsIssued.id;
const volunteer = (i: number) => ACCOUNTS.volunteerPoints(`v_${(Math.imul(i + 1, 2654435761) >>> 0).toString(36).padStart(7, '0')}q3Zx9`).id;

function workload(n: number, seed: number, prefix: string, creditShare: number): TransferSpec[] {
  const rand = mulberry32(seed);
  const out: TransferSpec[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.floor(rand() * ACCOUNTS_N);
    // Credits from the issuer (the hot path: validated units), and transfers between
    // volunteers that exercise the floor check (some are refused with exceeds_floor).
    const fromIssuer = rand() < creditShare;
    const b = (a + 1 + Math.floor(rand() * (ACCOUNTS_N - 1))) % ACCOUNTS_N;
    out.push({
      // Ids shaped like the real ones (unit credits, account names), since index entries grow with them.
      id: `${prefix}:unit:${100_000 + i}:replica:${200_000 + i}`,
      debit: fromIssuer ? ISSUER : volunteer(b),
      credit: volunteer(a),
      amount: 1 + Math.floor(rand() * 20),
      code: fromIssuer ? 'unit_credit' : 'gift',
    });
  }
  return out;
}

async function measure(label: string, batch: number, n: number, durability: 'NORMAL' | 'FULL', creditShare = 0.8): Promise<number> {
  process.env.SQLITE_SYNCHRONOUS = durability;
  const store = await openStore(join(mkdtempSync(join(tmpdir(), 'ledger-bench-')), 'ledger.db'));
  const ledger = ledgerOf(store);
  await ledger.ensureAccounts(Array.from({ length: ACCOUNTS_N }, (_, i) => ({ id: volunteer(i), ledger: 'points' as const, floor: 0 })));
  const transfers = workload(n, 42, label, creditShare);
  const counts = new Map<string, number>();
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    for (const s of await ledger.createTransfers(transfers.slice(i, i + batch), i)) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const seconds = (performance.now() - t0) / 1000;
  // Invariant: the points ledger balances (Σ debits = Σ credits) after the run.
  const sums = await store.db
    .selectFrom('ledger_accounts')
    .select((eb) => [eb.fn.sum<number>('debits_posted').as('d'), eb.fn.sum<number>('credits_posted').as('c')])
    .executeTakeFirstOrThrow();
  if (Number(sums.d) !== Number(sums.c)) throw new Error(`ledger out of balance: debits ${sums.d} ≠ credits ${sums.c}`);
  await store.close();
  const rate = n / seconds;
  const mix = [...counts].map(([s, c]) => `${s} ${c}`).join(', ');
  console.log(`${label.padEnd(34)} ${String(n).padStart(7)} transfers  ${seconds.toFixed(2).padStart(6)} s  ${Math.round(rate).toLocaleString('en').padStart(8)}/s   (${mix})`);
  return rate;
}

/**
 * The issue's anchor, measured here side by side: a bare double-entry loop on better-sqlite3
 * (WAL, synchronous=NORMAL), floor check and idempotent id, no indexes for history, no
 * holds, no query layer.
 */
function bareLoop(n: number, batch: number): number {
  const db = new SQLite(join(mkdtempSync(join(tmpdir(), 'ledger-bare-')), 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table accounts (id text primary key, balance integer not null, floor integer)');
  db.exec('create table transfers (id text primary key, debit text not null, credit text not null, amount integer not null)');
  const addAccount = db.prepare('insert into accounts values (?, 0, ?)');
  addAccount.run(ISSUER, null);
  for (let i = 0; i < ACCOUNTS_N; i++) addAccount.run(volunteer(i), 0);
  const insert = db.prepare('insert into transfers values (?, ?, ?, ?) on conflict do nothing');
  const debit = db.prepare('update accounts set balance = balance - ? where id = ? and (floor is null or balance - ? >= floor)');
  const credit = db.prepare('update accounts set balance = balance + ? where id = ?');
  const undo = db.prepare('delete from transfers where id = ?');
  const one = (t: TransferSpec) => {
    if (insert.run(t.id, t.debit, t.credit, t.amount).changes === 0) return;
    if (debit.run(t.amount, t.debit, t.amount).changes === 0) return void undo.run(t.id);
    credit.run(t.amount, t.credit);
  };
  const many = db.transaction((ts: TransferSpec[]) => ts.forEach(one));
  const transfers = workload(n, 42, `bare${batch}`, 0.8);
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) many(transfers.slice(i, i + batch));
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  console.log(`${`bare loop (anchor), batch ${batch}`.padEnd(34)} ${String(n).padStart(7)} transfers  ${(n / rate).toFixed(2).padStart(6)} s  ${Math.round(rate).toLocaleString('en').padStart(8)}/s`);
  return rate;
}

export async function run(): Promise<void> {
  console.log(`SQLite (WAL) ledger, ${ACCOUNTS_N} volunteer accounts with floor 0; mixed = 80% issuer credits, 20% volunteer-to-volunteer; node ${process.version}`);
  const single = await measure('one per transaction, sync=NORMAL', 1, SINGLE_N, 'NORMAL');
  const batched = await measure(`batches of ${BATCH_SIZE}, sync=NORMAL`, BATCH_SIZE, BATCHED_N, 'NORMAL');
  const credits = await measure('unit credits only, one per tx', 1, SINGLE_N, 'NORMAL', 1);
  const creditsBatched = await measure(`unit credits only, batches of ${BATCH_SIZE}`, BATCH_SIZE, BATCHED_N, 'NORMAL', 1);
  const full = await measure('one per transaction, sync=FULL', 1, 5_000, 'FULL');
  delete process.env.SQLITE_SYNCHRONOUS;
  const bareSingle = bareLoop(SINGLE_N, 1);
  const bareBatched = bareLoop(BATCHED_N, BATCH_SIZE);
  console.log(`ledger / bare loop: ${(single / bareSingle).toFixed(2)} one per transaction, ${(batched / bareBatched).toFixed(2)} batched`);
  // The issue's targets were set where this bare loop ran at 49,000/s; scale them by what the
  // same loop does on this machine now, measured in this run.
  const scale = bareSingle / ANCHOR_BARE_SINGLE_PER_S;
  const singleTarget = TARGET_SINGLE_PER_S * scale;
  const batchedTarget = TARGET_BATCHED_PER_S * scale;
  console.log(`bare loop now ${Math.round(bareSingle).toLocaleString('en')}/s vs the issue's ${ANCHOR_BARE_SINGLE_PER_S.toLocaleString('en')}/s: targets scale by ${scale.toFixed(2)}`);
  const verdict = (got: number, want: number) => (got >= want ? 'met' : 'NOT met');
  console.log(`one per transaction: ${Math.round(single).toLocaleString('en')}/s = ${(single / bareSingle).toFixed(2)}× bare (target 25,000 = ${(TARGET_SINGLE_PER_S / ANCHOR_BARE_SINGLE_PER_S).toFixed(2)}× bare → ${Math.round(singleTarget).toLocaleString('en')}/s here: ${verdict(single, singleTarget)}; absolute 25,000: ${verdict(single, TARGET_SINGLE_PER_S)})`);
  console.log(`batched: ${Math.round(batched).toLocaleString('en')}/s = ${(batched / bareSingle).toFixed(2)}× bare single (target 100,000 = ${(TARGET_BATCHED_PER_S / ANCHOR_BARE_SINGLE_PER_S).toFixed(2)}× → ${Math.round(batchedTarget).toLocaleString('en')}/s here: ${verdict(batched, batchedTarget)}; absolute 100,000: ${verdict(batched, TARGET_BATCHED_PER_S)})`);
  console.log(`unit credits only (the validation hot path): ${Math.round(credits).toLocaleString('en')}/s one per transaction, ${Math.round(creditsBatched).toLocaleString('en')}/s batched`);
  console.log(`durability: synchronous=FULL costs ${(single / full).toFixed(1)}× (one per transaction ${Math.round(full).toLocaleString('en')}/s)`);
  try {
    // The checkout bench needs the shop feature; it is optional here until the shop lands.
    const checkoutBench = './checkout.ts';
    const { runCheckoutBench } = (await import(checkoutBench)) as { runCheckoutBench: () => Promise<void> };
    await runCheckoutBench();
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') console.log('checkouts over HTTP: bench/checkout.ts not present yet');
    else throw err;
  }
}
