/**
 * @module An independent model of the ledger's semantics (edge/ledger/types.ts), written
 * plainly over in-memory maps, for the auditor: it predicts every status and balance.
 */
import type { LedgerName, TransferSpec, TransferStatus } from '../../edge/ledger/types.ts';

interface Account { ledger: LedgerName; floor: number | null; dp: number; cp: number; dpe: number; cpe: number }
interface Stored { spec: TransferSpec; debit: string; credit: string; amount: number; kind: string }
interface Hold { debit: string; credit: string; amount: number; expiresAt: number; state: 'pending' | 'posted' | 'voided' | 'expired' }

export class LedgerModel {
  accounts = new Map<string, Account>();
  transfers = new Map<string, Stored>();
  holds = new Map<string, Hold>();

  addAccount(id: string, ledger: LedgerName, floor: number | null): void {
    this.accounts.set(id, { ledger, floor, dp: 0, cp: 0, dpe: 0, cpe: 0 });
  }

  available(a: Account): number {
    return a.cp - a.dp - a.dpe;
  }

  /** Applies a batch; returns the statuses the real ledger must return. */
  apply(batch: TransferSpec[], now: number): TransferStatus[] {
    const out: TransferStatus[] = [];
    let i = 0;
    while (i < batch.length) {
      let end = i;
      while (end < batch.length && batch[end]!.linked) end++;
      if (end === batch.length) {
        for (let k = i; k < batch.length; k++) out.push(k === batch.length - 1 ? 'linked_event_chain_open' : 'linked_event_failed');
        break;
      }
      const undo: (() => void)[] = [];
      const chain: TransferStatus[] = [];
      let failed = -1;
      for (let k = i; k <= end; k++) {
        const s = this.one(batch[k]!, now, undo);
        chain.push(s);
        if (s !== 'ok' && s !== 'exists') {
          failed = k - i;
          break;
        }
      }
      if (failed >= 0 && end > i) {
        for (const u of undo.reverse()) u();
        for (let k = 0; k <= end - i; k++) out.push(k === failed ? chain[failed]! : 'linked_event_failed');
      } else out.push(...chain);
      i = end + 1;
    }
    return out;
  }

  private one(t: TransferSpec, now: number, undo: (() => void)[]): TransferStatus {
    if (!t.id || t.id.length > 128) return 'id_invalid';
    if (!t.code || t.code.length > 64) return 'code_invalid';
    const flags = [t.pending, t.post, t.void].filter((x) => x !== undefined).length;
    if (flags > 1) return 'flags_are_mutually_exclusive';
    if (!Number.isSafeInteger(t.amount) || t.amount < 0 || (t.amount === 0 && t.void === undefined)) return 'amount_invalid';
    if (t.pending && !(Number.isSafeInteger(t.pending.timeoutMs) && t.pending.timeoutMs > 0 && t.pending.timeoutMs <= 7 * 24 * 3600_000)) return 'timeout_invalid';
    const kind = t.pending ? 'pending' : t.post !== undefined ? 'post' : t.void !== undefined ? 'void' : 'single';
    if (kind === 'post' || kind === 'void') {
      const holdId = (t.post ?? t.void)!;
      const h = this.holds.get(holdId);
      if (!h) return 'pending_not_found';
      if (kind === 'post' && t.amount > h.amount) return 'exceeds_pending_amount';
      if (kind === 'void' && t.amount !== 0 && t.amount !== h.amount) return 'amount_invalid';
      const amount = kind === 'post' ? t.amount : h.amount;
      const prior = this.transfers.get(t.id);
      if (prior) return this.compare(prior, t, kind, h.debit, h.credit, amount);
      if (h.state !== 'pending') return h.state === 'posted' ? 'pending_already_posted' : h.state === 'voided' ? 'pending_already_voided' : 'pending_expired';
      if (h.expiresAt <= now) return 'pending_expired';
      this.resolve(holdId, h, kind === 'post' ? 'posted' : 'voided', kind === 'post' ? amount : 0, undo);
      this.store(t, h.debit, h.credit, amount, kind, undo);
      return 'ok';
    }
    if (t.debit === t.credit) return 'accounts_must_differ';
    const d = this.accounts.get(t.debit);
    const c = this.accounts.get(t.credit);
    if (!d) return 'debit_account_not_found';
    if (!c) return 'credit_account_not_found';
    if (d.ledger !== c.ledger) return 'ledgers_must_match';
    const prior = this.transfers.get(t.id);
    if (prior) return this.compare(prior, t, kind, t.debit, t.credit, t.amount);
    if (d.floor !== null && this.available(d) - t.amount < d.floor) return 'exceeds_floor';
    const field = kind === 'pending' ? (['dpe', 'cpe'] as const) : (['dp', 'cp'] as const);
    d[field[0]] += t.amount;
    c[field[1]] += t.amount;
    undo.push(() => {
      d[field[0]] -= t.amount;
      c[field[1]] -= t.amount;
    });
    if (kind === 'pending') {
      this.holds.set(t.id, { debit: t.debit, credit: t.credit, amount: t.amount, expiresAt: now + t.pending!.timeoutMs, state: 'pending' });
      undo.push(() => this.holds.delete(t.id));
    }
    this.store(t, t.debit, t.credit, t.amount, kind, undo);
    return 'ok';
  }

  private compare(prior: Stored, t: TransferSpec, kind: string, debit: string, credit: string, amount: number): TransferStatus {
    const p = prior.spec;
    if (prior.kind !== kind) return 'exists_with_different_flags';
    if ((p.post ?? p.void ?? null) !== (t.post ?? t.void ?? null)) return 'exists_with_different_pending_id';
    if (prior.debit !== debit) return 'exists_with_different_debit';
    if (prior.credit !== credit) return 'exists_with_different_credit';
    if (prior.amount !== amount) return 'exists_with_different_amount';
    if (p.code !== t.code) return 'exists_with_different_code';
    if ((p.ref ?? null) !== (t.ref ?? null)) return 'exists_with_different_ref';
    if ((p.pending?.timeoutMs ?? null) !== (t.pending?.timeoutMs ?? null)) return 'exists_with_different_timeout';
    return 'exists';
  }

  private store(t: TransferSpec, debit: string, credit: string, amount: number, kind: string, undo: (() => void)[]): void {
    this.transfers.set(t.id, { spec: t, debit, credit, amount, kind });
    undo.push(() => this.transfers.delete(t.id));
  }

  private resolve(id: string, h: Hold, state: Hold['state'], posted: number, undo: (() => void)[]): void {
    const d = this.accounts.get(h.debit)!;
    const c = this.accounts.get(h.credit)!;
    d.dpe -= h.amount;
    c.cpe -= h.amount;
    d.dp += posted;
    c.cp += posted;
    h.state = state;
    undo.push(() => {
      d.dpe += h.amount;
      c.cpe += h.amount;
      d.dp -= posted;
      c.cp -= posted;
      h.state = 'pending';
    });
    void id;
  }

  /** Expires due holds as the sweeper does; returns their ids. */
  expire(now: number, max: number): string[] {
    const due = [...this.holds].filter(([, h]) => h.state === 'pending' && h.expiresAt <= now).sort((a, b) => a[1].expiresAt - b[1].expiresAt);
    const done: string[] = [];
    for (const [id, h] of due.slice(0, max)) {
      this.resolve(id, h, 'expired', 0, []);
      this.transfers.set(`expire:${id}`, { spec: { id: `expire:${id}`, debit: '', credit: '', amount: 0, code: 'hold_expired', void: id }, debit: h.debit, credit: h.credit, amount: h.amount, kind: 'void' });
      done.push(id);
    }
    return done;
  }
}
