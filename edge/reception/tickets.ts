/**
 * @module Admission tickets: claims sealed with AES-256-GCM (node:crypto) under a key
 * reception shares with the nodes, so a ticket is opaque to its holder and any change to it
 * is detected. A node verifies a ticket locally, with no call to reception; each kind of bad
 * ticket is its own status (the node answers each with its own problem type); a ticket works
 * once (the node remembers used ids until they expire, in memory and in its database, so a
 * restart does not reopen them).
 *
 * Token: `<kid>.<base64url(iv ‖ ciphertext ‖ tag)>`, the key id authenticated as AAD, so
 * keys can rotate (every key in the ring opens tickets; the first one seals).
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { TicketClaims, TicketScope } from '../../shared/reception/schemas.ts';
import { TICKET_CLOCK_SKEW_MS, USED_TICKETS_MAX } from '../../shared/limits.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** Longest token a node will try to open (a ticket is about 250 characters). */
const TOKEN_CHARS_MAX = 1024;

/** The keys tickets are sealed and opened with (shared by reception and its nodes). */
export interface TicketKeyring {
  /** The key new tickets are sealed with. */
  current: { kid: string; key: KeyObject; aad: Buffer };
  /** Every key tickets may be opened with, by id (KeyObjects: cheaper per use than raw bytes). */
  keys: Map<string, { key: KeyObject; aad: Buffer }>;
}

/**
 * Parses `kid:base64key,kid:base64key` (the first seals); each key 32 bytes.
 * @example
 * const ring = keyringFrom(process.env.TICKET_KEYS!);
 */
export function keyringFrom(spec: string): TicketKeyring {
  const keys = new Map<string, { key: KeyObject; aad: Buffer }>();
  let current: TicketKeyring['current'] | undefined;
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [kid, b64] = part.split(':');
    if (!kid || !/^[A-Za-z0-9_-]{1,16}$/.test(kid) || !b64) throw new Error(`ticket key '${part.slice(0, 20)}…' is not kid:base64key`);
    const key = Buffer.from(b64, 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`ticket key ${kid} must be ${KEY_BYTES} bytes, got ${key.length}`);
    const entry = { key: createSecretKey(key), aad: Buffer.from(kid) };
    keys.set(kid, entry);
    current ??= { kid, ...entry };
  }
  if (!current) throw new Error('no ticket key given');
  return { current, keys };
}

/** A fresh keyring with one random key (the single-process default). */
export function randomKeyring(kid = 'k1'): TicketKeyring {
  return keyringFrom(`${kid}:${randomBytes(KEY_BYTES).toString('base64')}`);
}

/**
 * Whether a presented client key is the one a ticket or admission is bound to. The ticket
 * carries the key itself (it is encrypted: only reception and nodes read it), so checking
 * costs a constant-time comparison, not a hash.
 */
export function sameClient(presented: string | undefined, bound: string): boolean {
  if (presented === undefined || presented.length !== bound.length) return false;
  return timingSafeEqual(Buffer.from(presented), Buffer.from(bound));
}

/** Seals claims into a ticket. */
export function sealTicket(ring: TicketKeyring, claims: TicketClaims): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
  cipher.setAAD(ring.current.aad);
  const body = Buffer.concat([cipher.update(JSON.stringify(claims), 'utf8'), cipher.final()]);
  return `${ring.current.kid}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/** Why a ticket is refused, in the order a client can act on; each with a sentence for it. */
export type TicketRefusal = {
  status: 'forged' | 'not_yet_valid' | 'expired' | 'wrong_node' | 'wrong_client' | 'wrong_scope' | 'used';
  detail: string;
};

/** A ticket's claims, or why it is refused. */
export type TicketCheck = { status: 'ok'; ticket: TicketClaims } | TicketRefusal;

const forged = (why: string) => ({ status: 'forged', detail: `the ticket ${why}` }) as const;

/** Opens a ticket, or refuses it as forged (unknown key, changed bytes, not a ticket). */
export function openTicket(ring: TicketKeyring, token: string): { status: 'ok'; ticket: TicketClaims } | { status: 'forged'; detail: string } {
  if (typeof token !== 'string' || token.length > TOKEN_CHARS_MAX) return forged('is not a ticket');
  const dot = token.indexOf('.');
  const entry = dot > 0 ? ring.keys.get(token.slice(0, dot)) : undefined;
  if (!entry) return forged('names no key this node has');
  const raw = Buffer.from(token.slice(dot + 1), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES + 2) return forged('is too short');
  const decipher = createDecipheriv('aes-256-gcm', entry.key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(entry.aad);
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES));
    // GCM yields everything from update(); final() only checks the tag.
    decipher.final();
  } catch {
    return forged('was changed or sealed with another key');
  }
  // Authenticated: only reception (or a node) sealed these bytes, from a TicketClaims.
  return { status: 'ok', ticket: JSON.parse(plain.toString('utf8')) as TicketClaims };
}

/**
 * Ticket ids already used, each kept only until its ticket expires (a used ticket can't be
 * replayed after that anyway: it is expired). Bounded: when full, expired ids are dropped
 * first; if none are, the node refuses new claims rather than forget a live one.
 */
export class UsedTickets {
  private readonly expiries = new Map<string, number>();
  constructor(private readonly max = USED_TICKETS_MAX) {}

  has(id: string): boolean {
    return this.expiries.has(id);
  }

  /** Records `id` as used until `exp`; false when the set is full of live ids. */
  add(id: string, exp: number, now: number): boolean {
    if (this.expiries.size >= this.max) this.sweep(now);
    if (this.expiries.size >= this.max) return false;
    this.expiries.set(id, exp);
    return true;
  }

  /** Forgets ids whose tickets have expired. */
  sweep(now: number): void {
    for (const [id, exp] of this.expiries) if (exp <= now) this.expiries.delete(id);
  }

  get size(): number {
    return this.expiries.size;
  }
}

/** What a node expects of a ticket presented to it. */
export interface TicketExpectation {
  node: string;
  /** The key the presenting client sent. */
  clientKey: string | undefined;
  scope: TicketScope;
  /** The presenting client's address, checked when the ticket binds one. */
  addr?: string;
}

/**
 * Checks a ticket for this node, in the order a client can act on: forged, not yet valid,
 * expired, wrong node, wrong client, wrong scope, already used. Does not mark it used.
 * @example
 * const r = verifyTicket(ring, token, { node: 'n1', clientKey, scope: 'volunteer' }, Date.now(), used);
 * if (r.status === 'ok') used.add(r.ticket.id, r.ticket.exp, Date.now());
 */
export function verifyTicket(ring: TicketKeyring, token: string, expect: TicketExpectation, now: number, used: UsedTickets): TicketCheck {
  const opened = openTicket(ring, token);
  if (opened.status !== 'ok') return opened;
  const claims = opened.ticket;
  if (claims.nbf > now + TICKET_CLOCK_SKEW_MS) return { status: 'not_yet_valid', detail: `the ticket is valid from ${new Date(claims.nbf).toISOString()}` };
  if (claims.exp <= now) return { status: 'expired', detail: `the ticket expired at ${new Date(claims.exp).toISOString()}; ask reception again` };
  if (claims.node !== expect.node) return { status: 'wrong_node', detail: `the ticket admits to node ${claims.node}, this is ${expect.node}` };
  if (!sameClient(expect.clientKey, claims.client) || (claims.addr !== undefined && claims.addr !== expect.addr)) {
    return { status: 'wrong_client', detail: 'the ticket was issued to another client' };
  }
  if (claims.scope !== expect.scope) return { status: 'wrong_scope', detail: `the ticket admits to ${claims.scope}, not ${expect.scope}` };
  if (used.has(claims.id)) return { status: 'used', detail: 'the ticket was already used' };
  return { status: 'ok', ticket: claims };
}
