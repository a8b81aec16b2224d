/**
 * @module Reading a job description from its body bytes: parsed, validated and split, pure
 * (no database, no kernel registry), so the same code runs on the event loop for a small
 * body and in a worker thread (thread.ts) for a large one. The answer is a plain
 * structured-clone value; every refusal is one of its statuses (errors lose their class
 * across a thread boundary).
 */
import { z } from 'zod';
import type { Problem } from '../../../shared/api/schemas.ts';
import { JOB_KINDS, JobRequestSchema, type JobKind, type JobRequest } from '../../../shared/jobs/kinds.ts';
import { JSON_BODY_BYTES_MAX, TRAINING_JOB_BODY_BYTES_MAX } from '../../../shared/limits.ts';
import { parseJsonBody } from '../../http/body.ts';
import { ProblemError, validationProblem, type ProblemSlug } from '../../http/problem.ts';
import { JOB_KIND_HANDLERS } from '../kinds.ts';
import type { JobRefusal } from '../refusals.ts';
import { splitJob, storedParams, type JobSplit, type StoredParams } from '../split.ts';

/** What the body is read for: a quote needs the counts only, a new job its units and stored parameters too. */
export type PrepIntent = 'quote' | 'create';

/**
 * What reading a job body concluded.
 * - `problem`: the body is not a job description (415, 400, 413, 422): the route throws it as is.
 * - `parsed`: a valid description of a kind whose split needs stored data (`resolve`, e.g. a
 *   translation's model): the edge resolves and splits it itself.
 * - `refused`: a valid description the kind refuses to split (a corpus its reader refuses, too many units).
 * - `split`: the first units (for `create`; none for a quote) and the counts; for `create` the
 *   JSON the job stores and the kind's prepared state (`handOver`, with the `params` it is
 *   for) for the edge's own cache.
 */
export type PrepAnswer =
  | { status: 'problem'; slug: ProblemSlug; detail?: string; errors?: Problem['errors'] }
  | { status: 'parsed'; req: JobRequest }
  | { status: 'refused'; kind: JobKind; refusal: JobRefusal }
  | { status: 'split'; kind: JobKind; split: JobSplit; stored?: StoredParams; params?: unknown; handOver?: unknown };

/**
 * Parses a job body (already read, at most TRAINING_JOB_BODY_BYTES_MAX bytes): a training job
 * may carry its corpus in up to TRAINING_JOB_BODY_BYTES_MAX bytes, every other kind keeps
 * JSON_BODY_BYTES_MAX; an unknown kind is named before zod's generic union message.
 * @throws ProblemError
 */
export function parseJobBody(body: Uint8Array, contentType: string): JobRequest {
  const raw = parseJsonBody(body, contentType, z.unknown());
  const kind = (raw as { kind?: unknown } | null)?.kind;
  if (body.byteLength > JSON_BODY_BYTES_MAX && kind !== 'ibm1-train' && kind !== 'phrase-train') {
    throw new ProblemError('body-too-large', `a request body may have at most ${JSON_BODY_BYTES_MAX} bytes (${TRAINING_JOB_BODY_BYTES_MAX} for an ibm1-train or phrase-train job)`);
  }
  const unknownKind = unknownKindDetail(raw);
  if (unknownKind) throw new ProblemError('unknown-kind', unknownKind);
  const parsed = JobRequestSchema.safeParse(raw);
  if (!parsed.success) throw validationProblem(parsed.error, 'the job description is not valid');
  return parsed.data;
}

/** Names the unknown kind before zod's generic union message, for a clearer problem. */
export function unknownKindDetail(body: unknown): string | undefined {
  const kind = (body as { kind?: unknown })?.kind;
  if (typeof kind === 'string' && !(JOB_KINDS as readonly string[]).includes(kind)) {
    return `unknown job kind '${kind.slice(0, 40)}'; this server runs: ${JOB_KINDS.join(', ')}`;
  }
  return undefined;
}

/** Reads a job body for `intent`; never throws for anything the body holds. */
export function prepareJobBody(body: Uint8Array, contentType: string, intent: PrepIntent): PrepAnswer {
  let req: JobRequest;
  try {
    req = parseJobBody(body, contentType);
  } catch (err) {
    if (err instanceof ProblemError) return { status: 'problem', slug: err.slug, detail: err.detail, errors: err.errors };
    throw err;
  }
  const handler = JOB_KIND_HANDLERS[req.kind];
  if (handler.resolve) return { status: 'parsed', req };
  const split = splitJob(req.kind, req.params, undefined);
  if (split.status !== 'ok') return { status: 'refused', kind: req.kind, refusal: split };
  if (intent === 'quote') return { status: 'split', kind: req.kind, split: { ...split.value, units: [] } };
  const handOver = handler.handOver?.take(req.params);
  return { status: 'split', kind: req.kind, split: split.value, stored: storedParams(req.kind, req.params), ...(handOver === undefined ? {} : { params: req.params, handOver }) };
}

/**
 * The ArrayBuffers under every typed array in `value`, to transfer rather than copy. Only
 * buffers a view owns whole: a view into a shared buffer (Node's Buffer pool) is copied.
 */
export function ownedBuffers(value: unknown, out = new Set<ArrayBuffer>(), depth = 0): Set<ArrayBuffer> {
  // The answers nest a handful of levels (answer → split → units → unit → bytes); the bound stops a cycle.
  if (depth > 8 || value === null || typeof value !== 'object') return out;
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    if (buffer instanceof ArrayBuffer && buffer.byteLength === value.byteLength) out.add(buffer);
    return out;
  }
  if (Array.isArray(value)) {
    // Arrays of strings (vocabularies) hold no buffers: only the first element is looked at then.
    if (value.length > 0 && typeof value[0] !== 'object') return out;
    for (const v of value) ownedBuffers(v, out, depth + 1);
    return out;
  }
  for (const v of Object.values(value)) ownedBuffers(v, out, depth + 1);
  return out;
}
