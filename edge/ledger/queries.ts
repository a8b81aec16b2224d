/**
 * @module The ledger's prepared queries (built once by Kysely per dialect; see
 * edge/db/prepared.ts). Balance changes are single UPDATEs whose WHERE clause carries the
 * floor check, so no read-then-write window exists even with concurrent writers.
 */
import { sql } from 'kysely';
import { prepare } from '../db/prepared.ts';

export const accountsByIds = prepare('ledger: two accounts, locked in id order', ['a', 'b'], (db, p, dialect) => {
  const q = db.selectFrom('ledger_accounts').select(['id', 'ledger', 'floor']).where('id', 'in', [p('a'), p('b')]).orderBy('id');
  // Lock both rows in id order so two transfers between the same accounts can't deadlock.
  return dialect === 'postgres' ? q.forUpdate() : q;
});

export const transferById = prepare('ledger: transfer by id', ['id'], (db, p) =>
  db.selectFrom('ledger_transfers').selectAll().where('id', '=', p('id')),
);

export const holdById = prepare('ledger: hold and its state', ['id'], (db, p) =>
  db
    .selectFrom('ledger_transfers as t')
    .innerJoin('ledger_holds as h', 'h.id', 't.id')
    .select(['t.id', 't.debit_account', 't.credit_account', 't.amount', 't.ledger', 'h.state', 'h.expires_at'])
    .where('t.id', '=', p('id')),
);

export const insertTransfer = prepare(
  'ledger: insert transfer unless the id exists',
  ['id', 'debit', 'credit', 'amount', 'ledger', 'code', 'ref', 'kind', 'pendingId', 'timeoutMs', 'now'],
  (db, p) =>
    db
      .insertInto('ledger_transfers')
      .values({
        id: p('id'),
        debit_account: p('debit'),
        credit_account: p('credit'),
        amount: p('amount'),
        ledger: p('ledger'),
        code: p('code'),
        ref: p('ref'),
        kind: p('kind'),
        pending_id: p('pendingId'),
        timeout_ms: p('timeoutMs'),
        created_at: p('now'),
      })
      .onConflict((oc) => oc.column('id').doNothing()),
);

export const deleteTransfer = prepare('ledger: undo an insert of this transaction', ['id'], (db, p) =>
  db.deleteFrom('ledger_transfers').where('id', '=', p('id')),
);

/** Debits `amount` (posted or pending) if the available balance stays at or above the floor. */
export const debitWithinFloor = prepare('ledger: debit within floor', ['id', 'posted', 'pending', 'amount'], (db, p) =>
  db
    .updateTable('ledger_accounts')
    .set((eb) => ({ debits_posted: eb('debits_posted', '+', p('posted')), debits_pending: eb('debits_pending', '+', p('pending')) }))
    .where('id', '=', p('id'))
    .where((eb) =>
      eb.or([
        eb('floor', 'is', null),
        eb(sql<number>`credits_posted - debits_posted - debits_pending - ${p('amount')}`, '>=', eb.ref('floor')),
      ]),
    ),
);

export const credit = prepare('ledger: credit', ['id', 'posted', 'pending'], (db, p) =>
  db
    .updateTable('ledger_accounts')
    .set((eb) => ({ credits_posted: eb('credits_posted', '+', p('posted')), credits_pending: eb('credits_pending', '+', p('pending')) }))
    .where('id', '=', p('id')),
);

/** Moves a resolved hold out of pending: `postedDebit` of it becomes posted (0 for a void). */
export const settleDebit = prepare('ledger: settle hold debit', ['id', 'posted', 'released'], (db, p) =>
  db
    .updateTable('ledger_accounts')
    .set((eb) => ({ debits_posted: eb('debits_posted', '+', p('posted')), debits_pending: eb('debits_pending', '-', p('released')) }))
    .where('id', '=', p('id')),
);

export const settleCredit = prepare('ledger: settle hold credit', ['id', 'posted', 'released'], (db, p) =>
  db
    .updateTable('ledger_accounts')
    .set((eb) => ({ credits_posted: eb('credits_posted', '+', p('posted')), credits_pending: eb('credits_pending', '-', p('released')) }))
    .where('id', '=', p('id')),
);

export const insertHold = prepare('ledger: open a hold', ['id', 'expiresAt'], (db, p) =>
  db.insertInto('ledger_holds').values({ id: p('id'), state: sql.lit('pending'), expires_at: p('expiresAt'), resolved_by: sql.lit(null) }),
);

/** Resolves a hold exactly once: affects one row only while it is still pending. */
export const resolveHold = prepare('ledger: resolve a pending hold', ['id', 'state', 'by'], (db, p) =>
  db.updateTable('ledger_holds').set({ state: p('state'), resolved_by: p('by') }).where('id', '=', p('id')).where('state', '=', sql.lit('pending')),
);

export const expiredHolds = prepare('ledger: holds past their timeout', ['now', 'max'], (db, p) =>
  db.selectFrom('ledger_holds').select('id').where('state', '=', sql.lit('pending')).where('expires_at', '<=', p('now')).orderBy('expires_at').limit(p('max')),
);

export const ensureAccount = prepare('ledger: create an account unless it exists', ['id', 'ledger', 'floor', 'now'], (db, p) =>
  db
    .insertInto('ledger_accounts')
    .values({ id: p('id'), ledger: p('ledger'), floor: p('floor'), created_at: p('now') })
    .onConflict((oc) => oc.column('id').doNothing()),
);
