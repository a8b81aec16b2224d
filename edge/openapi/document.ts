/**
 * @module The OpenAPI 3.1 document of the edge's HTTP API, built from the very zod schemas
 * the edge validates with (zod 4's `z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1
 * uses as is) and the operation table (operations.ts). Each problem response lists the
 * problem types it stands for in `x-problem-types`; each request body states the bound it
 * is read under in `x-body-bytes-max`.
 */
import { z } from 'zod';
import { PROBLEMS, problemType, type ProblemSlug } from '../http/problem.ts';
import { PAYMENT_SIGNATURE_HEADER } from '../../shared/shop/schemas.ts';
import { OPERATIONS, TAGS, problemSlugs, type Body, type Operation, type Security } from './operations.ts';
import { SCHEMAS, type SchemaName } from './schemas.ts';

export { OPERATIONS, type Operation } from './operations.ts';
export type { SchemaName } from './schemas.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function content(body: Body) {
  return typeof body === 'string'
    ? { 'application/json': { schema: ref(body) } }
    : { [body.contentType]: { schema: { description: body.description } } };
}

/** The security requirements of each kind (OpenAPI 3.1 lets non-OAuth schemes name roles). */
function security(op: Operation): Record<string, string[]>[] {
  const kinds: Record<Security, Record<string, string[]>[]> = {
    none: [],
    customer: [{ customerKey: [] }, { session: ['customer'] }],
    volunteer: [{ volunteerToken: [] }, { session: ['volunteer'] }],
    volunteerToken: [{ volunteerToken: [] }],
    session: [{ session: op.role ? [op.role] : [] }],
    sessionOptional: [{}, { session: [] }],
    operator: [{ operatorToken: [] }],
    operatorOrSession: [{ operatorToken: [] }, { session: ['operator'] }],
    receptionKey: [{ receptionKey: [] }],
    paymentSignature: [{ paymentSignature: [] }],
  };
  return kinds[op.security];
}

/** The path parameter names of an OpenAPI path. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

function parameters(op: Operation, schemas: Record<string, Record<string, unknown>>) {
  const out: Record<string, unknown>[] = pathParams(op.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  if (op.query) {
    const q = schemas[op.query]! as { properties: Record<string, unknown>; required?: string[]; examples: Record<string, unknown>[] };
    for (const [name, schema] of Object.entries(q.properties)) {
      out.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema, example: q.examples[0]![name] });
    }
  }
  for (const h of op.headers ?? []) out.push({ name: h.name, in: 'header', required: h.required, description: h.description, schema: h.schema, example: h.example });
  return out;
}

function responses(op: Operation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const ok of [{ status: op.ok.status, description: 'success', body: op.ok.body }, ...(op.ok.also ?? [])]) {
    const prior = out[ok.status] as { description: string; content?: Record<string, unknown> } | undefined;
    out[ok.status] = {
      description: prior ? `${prior.description}; ${ok.description}` : ok.description,
      ...(prior?.content || ok.body ? { content: { ...prior?.content, ...(ok.body ? content(ok.body) : {}) } } : {}),
    };
  }
  const byStatus = new Map<number, ProblemSlug[]>();
  for (const slug of problemSlugs(op)) {
    const { status } = PROBLEMS[slug];
    byStatus.set(status, [...(byStatus.get(status) ?? []), slug]);
  }
  for (const [status, slugs] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[status] = {
      description: slugs.map((s) => `\`${s}\`: ${PROBLEMS[s].title}`).join('; '),
      content: { 'application/problem+json': { schema: ref('Problem') } },
      'x-problem-types': slugs.map(problemType),
    };
  }
  return out;
}

const operationId = (op: Operation) => `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;

/** The document, built once per process. */
let built: Record<string, unknown> | undefined;

/**
 * @example
 * const doc = openApiDocument(); // { openapi: '3.1.0', paths: { '/api/jobs': … } }
 */
export function openApiDocument(): Record<string, unknown> {
  if (built) return built;
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const [name, named] of Object.entries(SCHEMAS)) {
    const { $schema: _dialect, ...json } = z.toJSONSchema(named.schema, { io: named.io, unrepresentable: 'any' }) as Record<string, unknown>;
    schemas[name] = named.io === 'input' ? { ...json, examples: [named.example] } : json;
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params = parameters(op, schemas);
    const request = op.request;
    (paths[op.path] ??= {})[op.method] = {
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      operationId: operationId(op),
      ...(params.length ? { parameters: params } : {}),
      ...(request ? { requestBody: { required: !request.optional, content: content(request.body), 'x-body-bytes-max': request.bytesMax } } : {}),
      responses: responses(op),
      security: security(op),
      ...(op.gated ? { 'x-admission-scope': op.gated } : {}),
    };
  }
  built = {
    openapi: '3.1.0',
    info: {
      title: 'SpareCycles API',
      version: '1',
      description:
        'Submit climate-style ensemble jobs, follow them and download their results; volunteer, shop, license and reception routes. Customers authenticate with `Authorization: Bearer <API key>` (from POST /api/customers), volunteers with their token; signed-in users with the session cookie, whose state-changing requests must come from this site (a cross-site one is refused 403). Every error is `application/problem+json` (RFC 9457), with field-level `errors` for invalid requests; each problem response lists its problem types in `x-problem-types`.',
    },
    servers: [{ url: '/' }],
    security: [],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        customerKey: { type: 'http', scheme: 'bearer', description: 'a customer API key (POST /api/customers)' },
        volunteerToken: { type: 'http', scheme: 'bearer', description: 'a volunteer token (POST /api/volunteers)' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'sc_session',
          description: 'the session cookie of a signed-in user (POST /api/auth/login). Its roles name what the account must have: `customer`/`volunteer` an account owning that identity, `shop_operator` the operator of the shop in the path.',
        },
        operatorToken: { type: 'http', scheme: 'bearer', description: "the compute operator's token (OPERATOR_TOKEN)" },
        receptionKey: { type: 'http', scheme: 'bearer', description: 'the key reception shares with its nodes (RECEPTION_REPORT_KEY)' },
        paymentSignature: { type: 'apiKey', in: 'header', name: PAYMENT_SIGNATURE_HEADER, description: 'the payment provider signs the raw body: `sha256=` and the hex HMAC-SHA256 of the body under the secret the edge and the provider share' },
      },
    },
  };
  return built;
}

