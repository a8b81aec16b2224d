/**
 * @module Reading request bodies: JSON parsed and validated against a shared schema, binary
 * read whole under a named bound. Every failure is a problem, raised before anything changes.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ProblemError, validationProblem } from './problem.ts';

/**
 * Parses the JSON body and validates it with `schema`.
 * @example
 * const req = await readJson(c, LeaseRequestSchema);
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, emptyIs?: unknown): Promise<z.output<S>> {
  const text = await c.req.text();
  let value: unknown = emptyIs;
  if (text.trim() !== '' || emptyIs === undefined) {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/(.+\+)?json\b/.test(type)) {
      throw new ProblemError('unsupported-media-type', 'send the body as application/json');
    }
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ProblemError('malformed-json', (err as Error).message);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationProblem(parsed.error);
  return parsed.data;
}

/** Reads a binary body (the body-limit middleware has already bounded its size). */
export async function readBytes(c: Context): Promise<Uint8Array> {
  const type = c.req.header('content-type') ?? '';
  if (type !== 'application/octet-stream') {
    throw new ProblemError('unsupported-media-type', 'send results as application/octet-stream');
  }
  return new Uint8Array(await c.req.arrayBuffer());
}
