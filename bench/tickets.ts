/**
 * @module Ticket issue and verify per second on one core, replay check included, side by side
 * with the bare node:crypto operations they are built on (HMAC-SHA256 verify; AES-256-GCM
 * decrypt + JSON.parse) measured in the same run. Issue 7 target: verify ≥ 150,000/s.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TicketClaims } from '../shared/reception/schemas.ts';
import { UsedTickets, randomKeyring, sealTicket, verifyTicket } from '../edge/reception/tickets.ts';

/** Operations per measurement (each measured three times; the best counts). */
const OPS = 200_000;
const ROUNDS = 3;

function rate(fn: (i: number) => void): number {
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < OPS; i++) fn(i);
    best = Math.max(best, OPS / ((performance.now() - t0) / 1000));
  }
  return best;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en').padStart(9);

export async function run(): Promise<void> {
  const ring = randomKeyring();
  const clientKey = randomBytes(32).toString('base64url');
  const now = Date.now();
  const claims = (i: number): TicketClaims => ({ id: `t${i}`, node: 'n1', client: clientKey, nbf: now, exp: now + 30_000, scope: 'volunteer' });

  const tickets: string[] = [];
  const issue = rate((i) => {
    tickets[i] = sealTicket(ring, claims(i));
  });
  const used = new UsedTickets(OPS * 2);
  const verify = rate((i) => {
    const c = verifyTicket(ring, tickets[i]!, { node: 'n1', clientKey, scope: 'volunteer' }, now, used);
    if (c.status !== 'ok' || c.ticket.id !== `t${i}`) throw new Error('verify returned the wrong ticket');
  });

  // The bare operations, on a payload of the same size.
  const key = randomBytes(32);
  const payload = Buffer.from(JSON.stringify(claims(1)));
  const mac = createHmac('sha256', key).update(payload).digest();
  const hmac = rate(() => {
    if (!timingSafeEqual(createHmac('sha256', key).update(payload).digest(), mac)) throw new Error('hmac');
  });
  const iv = randomBytes(12);
  const enc = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([enc.update(payload), enc.final()]);
  const tag = enc.getAuthTag();
  const gcm = rate(() => {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAuthTag(tag);
    JSON.parse(Buffer.concat([d.update(sealed), d.final()]).toString('utf8'));
  });

  console.log(`tickets on one core (${OPS.toLocaleString('en')} ops, best of ${ROUNDS}); ticket ${tickets[0]!.length} characters`);
  console.log(`issue (seal)                        ${fmt(issue)} /s`);
  console.log(`verify (open + checks + replay)     ${fmt(verify)} /s   target ≥ 150,000/s: ${verify >= 150_000 ? 'met' : 'NOT met'}`);
  console.log(`bare HMAC-SHA256 verify             ${fmt(hmac)} /s`);
  console.log(`bare AES-256-GCM decrypt + parse    ${fmt(gcm)} /s`);
  console.log(`verify / bare AES-GCM ${(verify / gcm).toFixed(2)}, verify / bare HMAC ${(verify / hmac).toFixed(2)}`);
}
