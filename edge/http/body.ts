/**
 * @module Reading request bodies: JSON parsed and validated against a shared schema, binary
 * read whole, each under a named bound checked against Content-Length before reading and
 * counted while reading. Every failure is a problem, raised before anything changes.
 * On the Node server the body is read straight from the socket's IncomingMessage: building
 * a WHATWG Request and stream for each body costs more than a small request's whole work.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { z } from 'zod';
import { JSON_BODY_BYTES_MAX } from '../../shared/limits.ts';
import { ProblemError, validationProblem } from './problem.ts';

function tooLarge(maxBytes: number, what: string): ProblemError {
  return new ProblemError('body-too-large', `${what} may have at most ${maxBytes} bytes`);
}

/**
 * Reads the body from the socket. With a declared length the bytes are copied into one buffer
 * of that size as they arrive, so a large body (a training corpus) costs no single copy of
 * the whole at the end, which would hold the event loop (issue 15: a quote of 11 MB).
 */
function readIncoming(incoming: IncomingMessage, maxBytes: number, what: string, declared: number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const whole = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
    let length = 0;
    const onData = (chunk: Buffer) => {
      if (length + chunk.length > maxBytes || (whole && length + chunk.length > whole.length)) {
        incoming.off('data', onData);
        // Let the rest drain unread so the connection can answer the 413.
        incoming.resume();
        reject(tooLarge(maxBytes, what));
        return;
      }
      if (whole) chunk.copy(whole, length);
      else chunks.push(chunk);
      length += chunk.length;
    };
    incoming.on('data', onData);
    incoming.once('end', () => resolve(whole ? whole.subarray(0, length) : Buffer.concat(chunks, length)));
    incoming.once('error', reject);
  });
}

/** The whole body, at most `maxBytes` (refused by its Content-Length before any byte is read). */
export async function readBody(c: Context, maxBytes: number, what: string): Promise<Uint8Array> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes, what);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const length = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
  if (incoming && !incoming.readableEnded && !incoming.readableDidRead) return readIncoming(incoming, maxBytes, what, length);
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.byteLength > maxBytes) throw tooLarge(maxBytes, what);
  return body;
}

const utf8 = new TextDecoder();

/**
 * Parses the JSON body (at most `maxBytes`) and validates it with `schema`; an empty body is
 * `emptyIs` when given.
 * @example
 * const req = await readJson(c, LeaseRequestSchema);
 * @param read when given, receives the body's length in bytes (for routes whose bound depends on the content)
 */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  emptyIs?: unknown,
  maxBytes = JSON_BODY_BYTES_MAX,
  read?: { bytes: number },
): Promise<z.output<S>> {
  const body = await readBody(c, maxBytes, 'a request body');
  if (read) read.bytes = body.byteLength;
  return parseJsonBody(body, c.req.header('content-type') ?? '', schema, emptyIs);
}

/**
 * A body already read, parsed as {@link readJson} parses it (pure: a worker thread may run
 * it for a large body, edge/jobs/prep/).
 * @throws ProblemError `unsupported-media-type`, `malformed-json` or `validation`
 */
export function parseJsonBody<S extends z.ZodType>(body: Uint8Array, contentType: string, schema: S, emptyIs?: unknown): z.output<S> {
  const text = utf8.decode(body);
  let value: unknown = emptyIs;
  if (text.trim() !== '' || emptyIs === undefined) {
    if (!/^application\/(.+\+)?json\b/.test(contentType)) {
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

/** Reads a binary body of at most `maxBytes`. */
export async function readBytes(c: Context, maxBytes: number, what = 'a result'): Promise<Uint8Array> {
  const type = c.req.header('content-type') ?? '';
  if (type !== 'application/octet-stream') {
    throw new ProblemError('unsupported-media-type', 'send results as application/octet-stream');
  }
  return readBody(c, maxBytes, what);
}
