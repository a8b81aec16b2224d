/**
 * The ledger auditor: a seeded random workload of 100,000 operations (transfers, holds,
 * posts, voids, timeouts, checkout chains, refunds, duplicates with the same and with
 * different fields) against a SQLite file, with crashes injected inside operations and the
 * store reopened from its file, checked step by step against an independent model
 * (model.ts). Replay a failure with LEDGER_AUDIT_SEED=<seed printed>.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../edge/db/index.ts';
import { ACCOUNTS, ISSUER_ACCOUNT_IDS } from '../../edge/ledger/accounts.ts';
import { ledgerOf, pointsIssuedPosted } from '../../edge/ledger/ledger.ts';
import type { TransferSpec } from '../../edge/ledger/types.ts';
import { mulberry32 } from '../../shared/random.ts';
import { LedgerModel } from './model.ts';

const OPS = Number(process.env.LEDGER_AUDIT_OPS ?? 100_000);
const SEED = Number(process.env.LEDGER_AUDIT_SEED ?? 20261121);
/** Probability that an operation crashes midway (before one of its queries). */
const CRASH_RATE = 0.01;
/** Full invariant checks (whole-ledger sums, history recomputation) every this many ops. */
const FULL_CHECK_EVERY = 5_000;
const VOLUNTEERS = 40;

class Crash extends Error {}

async function fullCheck(store: Store, model: LedgerModel): Promise<void> {
  const rows = await store.db.selectFrom('ledger_accounts').selectAll().execute();
  const sums = new Map<string, number[]>();
  for (const r of rows) {
    const m = model.accounts.get(r.id)!;
    expect([r.debits_posted, r.credits_posted, r.debits_pending, r.credits_pending].map(Number), r.id).toEqual([m.dp, m.cp, m.dpe, m.cpe]);
    if (r.floor !== null) expect(Number(r.credits_posted) - Number(r.debits_posted) - Number(r.debits_pending)).toBeGreaterThanOrEqual(Number(r.floor));
    const s = sums.get(r.ledger) ?? [0, 0, 0, 0];
    sums.set(r.ledger, [s[0]! + Number(r.debits_posted), s[1]! + Number(r.credits_posted), s[2]! + Number(r.debits_pending), s[3]! + Number(r.credits_pending)]);
  }
  // Double entry: per ledger, Σ debits = Σ credits, posted and pending.
  for (const [ledger, [dp, cp, dpe, cpe]] of sums) expect([ledger, dp, dpe]).toEqual([ledger, cp, cpe]);
  // The operator's points liability, summed over `points:issued` and its issuer shards, is
  // every point the volunteers hold.
  const held = rows.filter((r) => r.ledger === 'points' && !ISSUER_ACCOUNT_IDS.includes(r.id)).reduce((t, r) => t + Number(r.credits_posted) - Number(r.debits_posted), 0);
  expect(await pointsIssuedPosted(ledgerOf(store)) + held).toBe(0);
  // Balances can be recomputed from history: posted singles and posts, open holds pending.
  const recomputed = await sql<{ id: string; dp: number; cp: number }>`
    select a.id,
      coalesce((select sum(t.amount) from ledger_transfers t where t.debit_account = a.id and t.kind in ('single', 'post')), 0) as dp,
      coalesce((select sum(t.amount) from ledger_transfers t where t.credit_account = a.id and t.kind in ('single', 'post')), 0) as cp
    from ledger_accounts a`.execute(store.db);
  for (const r of recomputed.rows) {
    const m = model.accounts.get(r.id)!;
    expect([Number(r.dp), Number(r.cp)], `history of ${r.id}`).toEqual([m.dp, m.cp]);
  }
  // Every hold resolved at most once, and as the model says.
  const resolutions = await store.db
    .selectFrom('ledger_transfers')
    .select(['pending_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('pending_id', 'is not', null)
    .groupBy('pending_id')
    .execute();
  for (const r of resolutions) expect(Number(r.n), `resolutions of ${r.pending_id}`).toBe(1);
  const holds = await store.db.selectFrom('ledger_holds').select(['id', 'state']).execute();
  expect(holds.length).toBe(model.holds.size);
  for (const h of holds) expect(h.state, h.id).toBe(model.holds.get(h.id)!.state);
}

describe('ledger auditor', () => {
  it(`keeps ${OPS} random operations with injected crashes identical to the model`, async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'auditor-')), 'ledger.db');
    let store = await openStore(file);
    const model = new LedgerModel();
    const rand = mulberry32(SEED);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const accounts = [
      ...Array.from({ length: VOLUNTEERS }, (_, i) => ({ id: `v${i}`, ledger: 'points' as const, floor: 0 })),
      { id: 'discounts', ledger: 'money' as const, floor: null },
      { id: 'shop', ledger: 'money' as const, floor: 50_000 * -1 },
    ];
    await ledgerOf(store).ensureAccounts(accounts);
    // The model starts from every account the store has (including the system accounts).
    for (const a of await store.db.selectFrom('ledger_accounts').selectAll().execute()) model.addAccount(a.id, a.ledger, a.floor === null ? null : Number(a.floor));
    const vols = accounts.slice(0, VOLUNTEERS).map((a) => a.id);
    const sent: TransferSpec[] = [];
    const openHolds: string[] = [];
    let now = 1_000;
    let crashes = 0;
    let n = 0;
    const id = () => `x${++n}`;

    function nextBatch(): TransferSpec[] {
      const r = rand();
      const amount = 1 + Math.floor(rand() * 60);
      if (r < 0.3) {
        // As the coordinator issues points: from the volunteer's issuer shard.
        const v = pick(vols);
        return [{ id: id(), debit: ACCOUNTS.pointsIssuerFor(v).id, credit: v, amount, code: 'unit_credit' }];
      }
      if (r < 0.4) return [{ id: id(), debit: pick(vols), credit: pick([...vols, ACCOUNTS.pointsIssued.id, 'shop']), amount, code: 'gift' }];
      if (r < 0.55) {
        const t: TransferSpec = { id: id(), debit: pick(vols), credit: ACCOUNTS.pointsIssued.id, amount, code: 'checkout_hold', pending: { timeoutMs: 1 + Math.floor(rand() * 200) } };
        openHolds.push(t.id);
        return [t];
      }
      if (r < 0.68 && openHolds.length > 0) {
        const hold = pick(openHolds);
        const post: TransferSpec = { id: id(), debit: '', credit: '', amount: 1 + Math.floor(rand() * 70), code: 'checkout_post', post: hold, linked: rand() < 0.6 };
        if (!post.linked) return [post];
        // A checkout: the post and the settlement entry together (sometimes to a missing account).
        const settle: TransferSpec = { id: id(), debit: 'discounts', credit: rand() < 0.9 ? 'shop' : 'nowhere', amount: 1 + Math.floor(rand() * 500), code: 'settlement' };
        return [post, settle];
      }
      if (r < 0.76 && openHolds.length > 0) return [{ id: id(), debit: '', credit: '', amount: 0, code: 'checkout_void', void: pick(openHolds) }];
      if (r < 0.8) return [{ id: id(), debit: ACCOUNTS.pointsIssued.id, credit: pick(vols), amount, code: 'refund', ref: `order:${Math.floor(rand() * 1000)}` }];
      if (r < 0.9 && sent.length > 0) {
        const prior = pick(sent);
        const variant = Math.floor(rand() * 5);
        if (variant === 0) return [{ ...prior, linked: false }];
        if (variant === 1) return [{ ...prior, amount: prior.amount + 1, linked: false }];
        if (variant === 2) return [{ ...prior, code: `${prior.code}_x`, linked: false }];
        if (variant === 3) return [{ ...prior, ref: 'other', linked: false }];
        return [{ ...prior, debit: prior.post || prior.void ? prior.debit : pick(vols), linked: false }];
      }
      if (r < 0.93) return [{ id: id(), debit: pick(vols), credit: pick(vols), amount: rand() < 0.5 ? 0 : 2.5, code: 'bad' }];
      if (r < 0.97) {
        // Spend exactly what is available, or one more: the floor's edge.
        const v = pick(vols);
        const avail = model.available(model.accounts.get(v)!);
        const edge = avail + (rand() < 0.5 ? 0 : 1);
        if (edge > 0) return [{ id: id(), debit: v, credit: ACCOUNTS.pointsIssued.id, amount: edge, code: rand() < 0.5 ? 'redeem' : 'checkout_hold', ...(rand() < 0.5 ? { pending: { timeoutMs: 50 } } : {}) }];
      }
      return [];
    }

    let step = 0;
    try {
      for (step = 0; step < OPS; step++) {
        if (rand() < 0.05) {
          now += Math.floor(rand() * 60);
          const expired = model.expire(now, Number.MAX_SAFE_INTEGER);
          expect(await ledgerOf(store).expirePending(now, 1_000_000)).toBe(expired.length);
          continue;
        }
        const batch = nextBatch();
        if (batch.length === 0) continue;
        now += 1;
        const crashAt = rand() < CRASH_RATE ? Math.floor(rand() * 6) : -1;
        if (crashAt >= 0) {
          let effects = 0;
          const crashed = await ledgerOf(store, { beforeEffect: () => { if (effects++ === crashAt) throw new Crash(); } })
            .createTransfers(batch, now)
            .then(() => false, (e: unknown) => { if (e instanceof Crash) return true; throw e; });
          if (crashed) {
            crashes++;
            // Restart from the database file: nothing of the crashed operation may remain.
            await store.close();
            store = await openStore(file);
          } else {
            // The op finished before the planned crash point: account for it in the model.
            model.apply(batch, now);
            sent.push(...batch);
            continue;
          }
        }
        const expected = model.apply(batch, now);
        const actual = await ledgerOf(store).createTransfers(batch, now);
        expect(actual, JSON.stringify(batch)).toEqual(expected);
        sent.push(...batch);
        for (const t of batch) {
          for (const acc of [t.debit, t.credit]) {
            const m = model.accounts.get(acc);
            if (!m) continue;
            const b = (await ledgerOf(store).balance(acc))!;
            expect([b.debitsPosted, b.creditsPosted, b.debitsPending, b.creditsPending], acc).toEqual([m.dp, m.cp, m.dpe, m.cpe]);
          }
        }
        if (step % FULL_CHECK_EVERY === 0) await fullCheck(store, model);
      }
      now += 1_000;
      model.expire(now, Number.MAX_SAFE_INTEGER);
      await ledgerOf(store).expirePending(now, 1_000_000);
      await fullCheck(store, model);
      // Every hold ended exactly one way.
      expect([...model.holds.values()].filter((h) => h.state === 'pending')).toEqual([]);
      expect(crashes).toBeGreaterThan(OPS * CRASH_RATE * 0.3);
    } catch (err) {
      console.error(`ledger auditor failed at step ${step} with LEDGER_AUDIT_SEED=${SEED}`);
      throw err;
    } finally {
      await store.close();
    }
  }, 600_000);
});
