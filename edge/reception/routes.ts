/**
 * @module Reception's and nodes' HTTP routes: admission (a ticket or a place in line, with
 * Retry-After), node load reports (authenticated with the key reception shares with nodes),
 * the operator's status, and on a node: claiming a ticket and ending an admission. Refusals
 * of reception and of the node become problems here ({@link answeringRefusals}).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import {
  ADMISSION_HEADER,
  AdmitRequestSchema,
  CLIENT_KEY_HEADER,
  ClaimRequestSchema,
  FullNodeReportSchema,
  LeaveRequestSchema,
  RECEPTION_PATHS,
  type TicketScope,
} from '../../shared/reception/schemas.ts';
import { requireOperator } from '../auth/operator.ts';
import { readJson } from '../http/body.ts';
import { ProblemError, refusalProblem, type ProblemSlug } from '../http/problem.ts';
import { AdmissionRefused, type NodeAdmissions } from './node.ts';
import { ReceptionRefused, type Reception } from './reception.ts';

/** The problem type of each refusal of reception. A node's refusals are named by theirs already. */
const RECEPTION_PROBLEMS = {
  place_invalid: 'place-invalid',
  waiting_room_full: 'waiting-room-full',
} as const satisfies Record<ReceptionRefused['status'], ProblemSlug>;

/** Runs a reception or node operation, answering its refusal as the problem of its type. */
async function answeringRefusals<T>(op: () => T | Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof ReceptionRefused) throw refusalProblem(RECEPTION_PROBLEMS, err);
    if (err instanceof AdmissionRefused) throw new ProblemError(err.slug, err.detail);
    throw err;
  }
}

/** A client key: 32 random bytes, base64url (43 characters). */
const CLIENT_KEY = /^[A-Za-z0-9_-]{43}$/;

function clientKeyOf(c: Context, required: boolean): string | undefined {
  const key = c.req.header(CLIENT_KEY_HEADER);
  if (key !== undefined && CLIENT_KEY.test(key)) return key;
  if (required) throw new ProblemError('validation', `send your client key (32 random bytes, base64url) in the ${CLIENT_KEY_HEADER} header`);
  return undefined;
}

/** The address a request came from (Node server only), for tickets bound to it. */
function addressOf(c: Context): string | undefined {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Reception's routes; `reportKey` authenticates nodes' load reports. */
export function receptionRoutes(reception: Reception, reportKey: string) {
  const app = new Hono();
  app.post(RECEPTION_PATHS.admit, async (c) => {
    const req = await readJson(c, AdmitRequestSchema);
    const clientKey = clientKeyOf(c, true)!;
    const answer = await answeringRefusals(() => reception.admit(req, clientKey));
    if (answer.status === 'waiting') c.header('retry-after', String(Math.ceil(answer.retryAfterMs / 1000)));
    c.header('cache-control', 'no-store');
    return c.json(answer, answer.status === 'waiting' ? 202 : 200);
  });
  app.post(RECEPTION_PATHS.leave, async (c) => {
    const { place } = await readJson(c, LeaveRequestSchema);
    const clientKey = clientKeyOf(c, true)!;
    await answeringRefusals(() => reception.leave(place, clientKey));
    return c.body(null, 204);
  });
  app.post(RECEPTION_PATHS.report, async (c) => {
    const auth = c.req.header('authorization') ?? '';
    if (!auth.startsWith('Bearer ') || !sameSecret(auth.slice(7), reportKey)) throw new ProblemError('unauthenticated', 'nodes report with the shared reception key');
    const report = await readJson(c, FullNodeReportSchema);
    reception.report(report);
    return c.body(null, 204);
  });
  app.get(RECEPTION_PATHS.status, requireOperator(), (c) => c.json(reception.status()));
  return app;
}

/** A node's admission routes. */
export function nodeRoutes(node: NodeAdmissions) {
  const app = new Hono();
  app.post(RECEPTION_PATHS.admission, async (c) => {
    const { ticket, scope } = await readJson(c, ClaimRequestSchema);
    const clientKey = clientKeyOf(c, false);
    return c.json(await answeringRefusals(() => node.claim(ticket, clientKey, scope, addressOf(c))), 201);
  });
  app.delete(RECEPTION_PATHS.admission, (c) => {
    node.end(c.req.header(ADMISSION_HEADER), clientKeyOf(c, false));
    return c.body(null, 204);
  });
  return app;
}

/** Requires a claimed admission for `scope` (a node's work, checkout and job routes). */
export function requireAdmission(node: NodeAdmissions, scope: TicketScope): MiddlewareHandler {
  return async function requireAdmission(c, next) {
    const clientKey = clientKeyOf(c, false);
    await answeringRefusals(() => node.check(c.req.header(ADMISSION_HEADER), clientKey, scope));
    await next();
  };
}
