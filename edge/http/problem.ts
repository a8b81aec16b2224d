/**
 * @module The one error model of the API: {@link ProblemError} carries an RFC 9457 problem,
 * {@link onError} writes it as `application/problem+json`; anything unexpected is logged and
 * answered 500 without internals. A detail never repeats a long id in full ({@link clipEchoed}).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { Problem } from '../../shared/api/schemas.ts';

/** Every problem type the API answers with: slug → status and title. */
export const PROBLEMS = {
  'malformed-json': { status: 400, title: 'The request body is not valid JSON' },
  validation: { status: 422, title: 'The request is not valid' },
  'unknown-kind': { status: 422, title: 'Unknown job kind' },
  'kernel-unavailable': { status: 503, title: 'The kernel for this job is not available' },
  'body-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  unauthenticated: { status: 401, title: 'Missing or invalid credentials' },
  'not-found': { status: 404, title: 'Not found' },
  'lease-not-found': { status: 404, title: 'No such lease' },
  'lease-not-yours': { status: 403, title: 'This lease belongs to another volunteer' },
  'lease-closed': { status: 409, title: 'This lease no longer takes results' },
  'result-size': { status: 422, title: 'The result has the wrong size' },
  'result-conflict': { status: 409, title: 'A different result was already submitted for this lease' },
  'job-not-complete': { status: 409, title: 'The job has no result yet' },
  'job-not-running': { status: 409, title: 'The job is not running' },
  'unsupported-language': { status: 422, title: 'The language tag is not one this server can tokenise' },
  'corpus-too-large': { status: 413, title: 'The training corpus is over its size bounds' },
  'corpus-invalid-utf8': { status: 422, title: 'The training corpus is not valid UTF-8 text' },
  'corpus-line-mismatch': { status: 422, title: 'The source and target texts have different numbers of lines' },
  'corpus-malformed': { status: 422, title: 'A line of the training corpus is not a sentence pair the job can use' },
  'corpus-empty': { status: 422, title: 'The training corpus has no sentence pairs' },
  'model-not-trained': { status: 409, title: 'The translation model has not finished training' },
  'insufficient-funds': { status: 402, title: 'The balance does not cover the job’s quote' },
  'payment-declined': { status: 402, title: 'The payment was not made' },
  forbidden: { status: 403, title: 'This account may not do this' },
  'cross-site-request': { status: 403, title: 'A cross-site request with session credentials was refused' },
  'invalid-credentials': { status: 401, title: 'Wrong e-mail or password' },
  'email-taken': { status: 409, title: 'This e-mail address is already registered' },
  'already-claimed': { status: 409, title: 'This volunteer identity already belongs to an account' },
  'too-many-attempts': { status: 429, title: 'Too many failed sign-in attempts' },
  'too-many-identities': { status: 429, title: 'Too many new identities from this network' },
  'shop-not-found': { status: 404, title: 'No such shop' },
  'unknown-product': { status: 422, title: 'This shop sells no such product' },
  'product-unavailable': { status: 409, title: 'A product in the cart is no longer on sale' },
  'cart-not-found': { status: 404, title: 'No such cart' },
  'cart-not-yours': { status: 403, title: 'This cart belongs to another buyer' },
  'cart-not-open': { status: 409, title: 'This cart is being checked out or was already ordered' },
  'cart-empty': { status: 409, title: 'The cart is empty' },
  'too-many-carts': { status: 409, title: 'Too many open carts' },
  'points-below-minimum': { status: 422, title: 'Fewer points than the shop accepts in one redemption' },
  'points-insufficient': { status: 409, title: 'Not enough points available' },
  'no-points-account': { status: 409, title: 'This account has no volunteer points to spend' },
  'idempotency-key-reused': { status: 409, title: 'This idempotency key was used for a different checkout' },
  'order-not-found': { status: 404, title: 'No such order' },
  'order-not-yours': { status: 403, title: 'This order belongs to another buyer' },
  'order-not-payable': { status: 409, title: 'This order does not await payment' },
  'order-expired': { status: 409, title: 'The time to pay for this order has passed' },
  'order-not-cancellable': { status: 409, title: 'This order can no longer be cancelled' },
  'order-not-refundable': { status: 409, title: 'This order, or these lines, cannot be refunded' },
  'payment-not-found': { status: 404, title: 'No such payment' },
  'shop-not-approved': { status: 409, title: 'This shop takes no points (not approved by the operator, or suspended)' },
  'settlement-limit-reached': { status: 409, title: 'This shop cannot take a points discount of this size now' },
  'shop-name-taken': { status: 409, title: 'Another shop already has this name' },
  'callback-signature-invalid': { status: 401, title: 'The callback is not signed by the payment provider' },
  'license-malformed': { status: 422, title: 'This is not a license key' },
  'license-unknown-key': { status: 422, title: 'The license key was signed by a key this server does not know' },
  'license-bad-signature': { status: 422, title: 'The license key was changed or forged' },
  'license-not-yet-valid': { status: 403, title: 'The license key is not valid yet' },
  'license-expired': { status: 403, title: 'The license key has expired' },
  'license-revoked': { status: 403, title: 'The license key was revoked' },
  'license-activation-limit': { status: 403, title: 'The license key is active on all the devices it allows' },
  'license-not-yours': { status: 403, title: 'This license belongs to another account' },
  'license-not-found': { status: 404, title: 'No such license' },
  'license-product-not-found': { status: 404, title: 'No contributor license for this product' },
  'grant-not-found': { status: 404, title: 'No such license grant' },
  'grant-already-redeemed': { status: 409, title: 'This license grant was already redeemed' },
  'ticket-forged': { status: 401, title: 'The ticket is not genuine' },
  'ticket-not-yet-valid': { status: 401, title: 'The ticket is not valid yet' },
  'ticket-expired': { status: 401, title: 'The ticket has expired' },
  'ticket-wrong-node': { status: 421, title: 'The ticket admits to another node' },
  'ticket-wrong-client': { status: 403, title: 'The ticket was issued to another client' },
  'ticket-wrong-scope': { status: 403, title: 'The ticket admits to something else' },
  'ticket-used': { status: 409, title: 'The ticket was already used' },
  'admission-required': { status: 401, title: 'Admission through reception is required' },
  'node-full': { status: 503, title: 'This node is at capacity' },
  'waiting-room-full': { status: 503, title: 'The waiting room is full' },
  'place-invalid': { status: 400, title: 'The place-in-line token is not genuine' },
  'too-many-job-bodies': { status: 429, title: 'Too many large job descriptions from this customer at once' },
  'job-bodies-busy': { status: 503, title: 'The server is reading too many large job descriptions' },
  'job-body-unreadable': { status: 503, title: 'The job description could not be read now' },
  'too-many-progress-streams': { status: 429, title: 'Too many open progress streams' },
  'group-not-found': { status: 404, title: 'No such group of yours' },
  'group-closed': { status: 409, title: 'This group has ended' },
  'group-full': { status: 409, title: 'This group has no seats left' },
  'group-own-seat': { status: 409, title: 'The host cannot take a seat in its own group' },
  'too-many-groups': { status: 409, title: 'Too many open groups' },
  'kernel-unknown': { status: 422, title: 'This server runs no such kernel' },
  'seat-not-found': { status: 404, title: 'No such seat' },
  'seat-received': { status: 409, title: 'This seat received the kernel and cannot be declined' },
  'signal-not-found': { status: 404, title: 'No message is waiting for this seat' },
  'signal-exists': { status: 409, title: 'A message of this kind is already waiting for this seat' },
  'lease-not-in-group': { status: 403, title: "This lease is not one of this group's peers'" },
  'signature-invalid': { status: 422, title: "The peer's signature does not match this result" },
  'input-altered': { status: 422, title: "The peer computed on an input other than its unit's: its host altered it" },
  internal: { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemSlug = keyof typeof PROBLEMS;

/**
 * Longest run of characters without a space a problem's detail repeats: details echo what the
 * client sent (an unknown id, a path), and a megabyte id must not come back in full. Ids the
 * server makes are shorter (tokens, keys and idempotency keys are at most 64 characters).
 */
export const ECHOED_TOKEN_CHARS_MAX = 64;

/**
 * `text` with every run of non-space characters longer than {@link ECHOED_TOKEN_CHARS_MAX}
 * cut to that length and an ellipsis: applied to every problem's detail ({@link ProblemError}),
 * so no route echoes a long unknown id in full.
 * @example
 * clipEchoed(`no job ${'x'.repeat(1000)}`); // 'no job xxx…x…' (64 x's, then '…')
 */
export function clipEchoed(text: string): string {
  return text.replace(new RegExp(`\\S{${ECHOED_TOKEN_CHARS_MAX + 1},}`, 'gu'), (run) => `${[...run].slice(0, ECHOED_TOKEN_CHARS_MAX).join('')}…`);
}

/** Whether `slug` names a problem type: an own key of {@link PROBLEMS}, never an inherited one (`__proto__`, `toString`). */
export function isProblemSlug(slug: string): slug is ProblemSlug {
  return Object.hasOwn(PROBLEMS, slug);
}

/** Problem type URIs are relative references to the API's own problem pages. */
export function problemType(slug: ProblemSlug): string {
  return `/problems/${slug}`;
}

/**
 * A request failed for a reason the client can act on.
 * @example
 * throw new ProblemError('lease-not-found', `lease ${id} does not exist`);
 */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly slug: ProblemSlug,
    readonly detail?: string,
    readonly errors?: Problem['errors'],
  ) {
    super(detail ?? PROBLEMS[slug].title);
  }

  toProblem(): Problem {
    const { status, title } = PROBLEMS[this.slug];
    return { type: problemType(this.slug), title, status, detail: this.detail === undefined ? undefined : clipEchoed(this.detail), errors: this.errors };
  }
}

/** Turns zod issues into field-level problem errors (`params.steps` → message). */
export function validationProblem(error: z.ZodError, detail = 'some fields are not valid'): ProblemError {
  const errors = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return new ProblemError('validation', detail, errors);
}

/** Writes a problem response. */
export function problemResponse(c: Context, problem: Problem): Response {
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
  });
}

/** The app's one error handler. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ProblemError) return problemResponse(c, err.toProblem());
  if (err instanceof HTTPException && err.status < 500) {
    const slug: ProblemSlug = err.status === 413 ? 'body-too-large' : err.status === 401 ? 'unauthenticated' : 'validation';
    return problemResponse(c, new ProblemError(slug, err.message || undefined).toProblem());
  }
  console.error(`[edge] ${c.req.method} ${c.req.path} failed:`, err);
  return problemResponse(c, new ProblemError('internal').toProblem());
}

/**
 * The problem a route answers for a domain refusal (a status union's failure, which carries
 * a sentence for the client and, for field errors, which fields): its status is looked up in
 * the route file's one table of status → problem type.
 * @example
 * const CART_PROBLEMS = { cart_not_found: 'cart-not-found', cart_not_yours: 'cart-not-yours' } as const satisfies Record<CartRefusal['status'], ProblemSlug>;
 * const r = await ownCart(db, userId, cartId);
 * if (r.status !== 'ok') throw refusalProblem(CART_PROBLEMS, r);
 */
export function refusalProblem<S extends string>(table: Readonly<Record<S, ProblemSlug>>, refusal: { status: S; detail?: string; errors?: Problem['errors'] }): ProblemError {
  return new ProblemError(table[refusal.status], refusal.detail, refusal.errors);
}
