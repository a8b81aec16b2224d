/**
 * @module Users: the signed-in user as the app sees it ({@link SessionUser}), creating one
 * for a sign-up (with the customer or volunteer identity it owns, or the shop it runs), and
 * linking an anonymous volunteer identity to one (the claim, which retires the identity's
 * anonymous token in the same transaction). Results are status unions; a
 * lost race on a unique column reads as its status. Sessions (session.ts) are built on this.
 */
import type { Transaction } from 'kysely';
import { ROLES, type Role, type SignupRole } from '../../shared/auth/schemas.ts';
import { trialForNewCustomer } from './trial.ts';
import { issueToken, newId } from './tokens.ts';
import { CLAIMED_TOKEN_HASH, insertVolunteer } from './volunteers.ts';
import type { Store } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import type { UsersTable } from '../db/tables/auth.ts';

/** The signed-in user, as routes see it on `c.var.user`. */
export interface SessionUser {
  userId: string;
  email: string;
  roles: Role[];
  volunteerId: string | null;
  customerId: string | null;
  shopId: string | null;
}

/** Roles from their stored comma list; unknown names are dropped. */
export function parseRoles(text: string): Role[] {
  return text.split(',').filter((r): r is Role => (ROLES as readonly string[]).includes(r));
}

function formatRoles(roles: Role[]): string {
  return [...new Set(roles)].join(',');
}

/** A users row as the app sees the user. */
export function toSessionUser(row: Pick<UsersTable, 'id' | 'email' | 'roles' | 'volunteer_id' | 'customer_id' | 'shop_id'>): SessionUser {
  return {
    userId: row.id,
    email: row.email,
    roles: parseRoles(row.roles),
    volunteerId: row.volunteer_id,
    customerId: row.customer_id,
    shopId: row.shop_id,
  };
}

/** The user with this (normalized) e-mail address, if any. */
export function findUserByEmail(store: Store, email: string) {
  return store.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

/** Whether the volunteer belongs to an account already. */
export async function volunteerClaimed(store: Store, volunteerId: string): Promise<boolean> {
  return (await store.db.selectFrom('users').select('id').where('volunteer_id', '=', volunteerId).executeTakeFirst()) !== undefined;
}

/**
 * A volunteer identity of a new account. It has no bearer token (as a claimed one): the
 * account's session is its credential. Its points account exists from the start, as for
 * anonymous ones.
 */
async function accountVolunteer(store: Store, trx: Transaction<Database>, at: number): Promise<string> {
  const { id } = await insertVolunteer(store, trx, at);
  await retireToken(trx, id);
  return id;
}

/** The volunteer's anonymous token stops working: the account that owns it acts through its session. */
async function retireToken(trx: Transaction<Database>, volunteerId: string): Promise<void> {
  await trx.updateTable('volunteers').set({ token_hash: CLAIMED_TOKEN_HASH }).where('id', '=', volunteerId).execute();
}

/** A customer of a new account, named by its e-mail; its API key is never handed out. */
/** A customer identity for a new user, with trial credit as POST /api/customers grants it (edge/auth/trial.ts). */
async function insertCustomer(trx: Transaction<Database>, input: NewUser): Promise<string> {
  const id = newId('c');
  const trial = await trialForNewCustomer(trx, input.origin, input.now, input.trialCreditMinor ?? 0);
  await trx.insertInto('customers').values({ id, name: input.email, key_hash: issueToken(id).hash, created_at: input.now, origin: input.origin ?? null, trial_minor: trial }).execute();
  return id;
}

export type CreateUserResult = { status: 'created'; user: SessionUser } | { status: 'email_taken' };

export interface NewUser {
  email: string;
  passwordHash: string;
  role: SignupRole;
  now: number;
  /** The network origin signing up (undefined in-process). */
  origin?: string | undefined;
  /** Trial credit a new customer account gets (TRIAL_CREDIT_MINOR), if its origin has grants left today. @default 0 */
  trialCreditMinor?: number;
}

/** Creates a user for a sign-up, with what its role owns, in one transaction. */
export async function createUser(store: Store, input: NewUser): Promise<CreateUserResult> {
  if (await findUserByEmail(store, input.email)) return { status: 'email_taken' };
  try {
    const row = await inTransaction(store, async (trx) => {
      const row = {
        id: newId('u'),
        email: input.email,
        password_hash: input.passwordHash,
        roles: formatRoles([input.role]),
        volunteer_id: input.role === 'volunteer' ? await accountVolunteer(store, trx, input.now) : null,
        customer_id: input.role === 'customer' ? await insertCustomer(trx, input) : null,
        shop_id: input.role === 'shop_operator' ? newId('s') : null,
        created_at: input.now,
      };
      await trx.insertInto('users').values(row).execute();
      return row;
    });
    return { status: 'created', user: toSessionUser(row) };
  } catch (err) {
    // Another sign-up with this e-mail committed between the check and the insert.
    if (await findUserByEmail(store, input.email)) return { status: 'email_taken' };
    throw err;
  }
}

export type ClaimResult =
  | { status: 'created' | 'linked'; user: SessionUser }
  | { status: 'already_claimed' }
  /** The account with this e-mail has a volunteer identity of its own already. */
  | { status: 'email_taken' };

/** Claims `volunteerId` for a new account with this e-mail and password hash. */
export async function claimForNewUser(store: Store, input: { volunteerId: string; email: string; passwordHash: string; now: number }): Promise<ClaimResult> {
  const row = {
    id: newId('u'),
    email: input.email,
    password_hash: input.passwordHash,
    roles: formatRoles(['volunteer']),
    volunteer_id: input.volunteerId,
    customer_id: null,
    shop_id: null,
    created_at: input.now,
  };
  try {
    await inTransaction(store, async (trx) => {
      await trx.insertInto('users').values(row).execute();
      await retireToken(trx, input.volunteerId);
    });
    return { status: 'created', user: toSessionUser(row) };
  } catch (err) {
    return lostRace(store, input.volunteerId, input.email, err);
  }
}

/** Claims `volunteerId` for an existing account that has no volunteer identity yet. */
export async function claimForUser(store: Store, userId: string, volunteerId: string): Promise<ClaimResult> {
  const user = await store.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  if (user.volunteer_id !== null) return { status: 'email_taken' };
  const roles = formatRoles([...parseRoles(user.roles), 'volunteer']);
  try {
    const linked = await inTransaction(store, async (trx) => {
      const done = await trx
        .updateTable('users')
        .set({ volunteer_id: volunteerId, roles })
        .where('id', '=', userId)
        .where('volunteer_id', 'is', null)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) return false;
      await retireToken(trx, volunteerId);
      return true;
    });
    if (!linked) return { status: 'email_taken' };
  } catch (err) {
    return lostRace(store, volunteerId, user.email, err);
  }
  return { status: 'linked', user: toSessionUser({ ...user, roles, volunteer_id: volunteerId }) };
}

async function lostRace(store: Store, volunteerId: string, email: string, err: unknown): Promise<ClaimResult> {
  if (await volunteerClaimed(store, volunteerId)) return { status: 'already_claimed' };
  if (await findUserByEmail(store, email)) return { status: 'email_taken' };
  throw err;
}
