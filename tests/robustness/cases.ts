/**
 * @module Bad requests generated from the API document, per operation: from its request
 * schema (the example the document gives, one field at a time made wrong, left out, added,
 * or over its bound), its body bound, its content type, its query and header parameters,
 * its security requirements (no, forged, wrong-kind and cross-site credentials) and its path
 * parameters (an unknown id). Nothing here is written per route: a new operation gets its
 * cases from its entry in the document. Each operation gets at most
 * {@link CASES_PER_OPERATION_MAX} cases.
 */

/** Cases per operation: enough for every field of the largest request schema (a job's dozen parameters, each wrong and over its bound), small enough that the suite stays in seconds. */
export const CASES_PER_OPERATION_MAX = 64;
/** Nesting depth of the request schema the field cases reach (the body and the objects in it: a job's `params`, a batch's items, a shop's `rules`). */
const FIELD_DEPTH_MAX = 2;

export const CATEGORIES = ['malformed JSON', 'wrong types', 'missing', 'extra', 'oversized', 'content type', 'bad credentials', 'unknown id'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Which credential a case presents; the test turns it into headers (edge-specific). */
export type Credential =
  | { kind: 'valid' }
  | { kind: 'none' }
  | { kind: 'garbage'; scheme: string }
  | { kind: 'wrong-secret'; scheme: string }
  | { kind: 'other-kind'; scheme: string }
  | { kind: 'forged-session' }
  | { kind: 'session-without'; scope: string }
  | { kind: 'cross-site-session'; scopes: string[] }
  | { kind: 'session-instead' };

export interface Case {
  /** `category: what`, unique within the operation. */
  id: string;
  category: Category;
  credential: Credential;
  /** Path parameters given an unknown value (the rest are real). */
  unknownParams: string[];
  query: Record<string, string>;
  headers: Record<string, string>;
  /** `null`: no content-type header. */
  contentType: string | null;
  body: string | Uint8Array | undefined;
  /** A Content-Length header, stating the body's true length. */
  declaredLength?: number;
}

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  maxLength?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  maxItems?: number;
  examples?: unknown[];
  pattern?: string;
};

export interface DocOperation {
  parameters?: { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: JsonSchema; example?: unknown }[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }>; 'x-body-bytes-max': number };
  responses: Record<string, { 'x-problem-types'?: string[] }>;
  security: Record<string, string[]>[];
}

export interface Doc {
  paths: Record<string, Record<string, DocOperation>>;
  components: { schemas: Record<string, JsonSchema> };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

function resolve(doc: Doc, s: JsonSchema | undefined): JsonSchema | undefined {
  let out = s;
  for (let i = 0; out?.$ref && i < 8; i++) out = doc.components.schemas[out.$ref.replace('#/components/schemas/', '')];
  return out;
}

const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v);

/** The branch of a union the example takes (its `const`s match), or the schema itself. */
function branch(doc: Doc, schema: JsonSchema | undefined, value: unknown): JsonSchema | undefined {
  const s = resolve(doc, schema);
  const options = s?.oneOf ?? s?.anyOf;
  if (!options) return s;
  const fits = (o: JsonSchema) => {
    const r = resolve(doc, o);
    if (!r) return false;
    if (r.type && ![r.type].flat().includes(jsonType(value)) && !(jsonType(value) === 'integer' && [r.type].flat().includes('number'))) return false;
    return Object.entries(r.properties ?? {}).every(([k, p]) => p.const === undefined || (value as Record<string, unknown>)?.[k] === p.const);
  };
  return branch(doc, options.find(fits), value);
}

/** JSON types a schema accepts; `undefined` when it accepts anything (no type information). */
function accepted(doc: Doc, schema: JsonSchema | undefined): Set<string> | undefined {
  const s = resolve(doc, schema);
  if (!s) return undefined;
  const options = s.oneOf ?? s.anyOf;
  if (options) {
    const all = new Set<string>();
    for (const o of options) {
      const a = accepted(doc, o);
      if (!a) return undefined;
      a.forEach((t) => all.add(t));
    }
    return all;
  }
  if (s.const !== undefined) return new Set([jsonType(s.const)]);
  if (s.enum) return new Set(s.enum.map(jsonType));
  if (!s.type) return undefined;
  const types = new Set([s.type].flat());
  if (types.has('number')) types.add('integer');
  return types;
}

/** A value of a type the schema does not accept. */
function wrongValue(types: Set<string>): Json | undefined {
  const candidates: [string, Json][] = [['string', 'wrong-type'], ['integer', 12345], ['boolean', true], ['object', { wrong: 1 }], ['array', ['wrong']], ['null', null]];
  return candidates.find(([t]) => !types.has(t))?.[1];
}

function setAt(root: Json, path: Path, value: Json | undefined): Json {
  const copy = structuredClone(root) as Record<string | number, Json>;
  let node: Record<string | number, Json> = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  const last = path.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const show = (path: Path) => path.join('.') || '(body)';

interface FieldCase {
  category: Category;
  what: string;
  body: string;
}

/** The field cases of a JSON body: each field wrong, each required one missing, one unknown added, each bound exceeded. */
function fieldCases(doc: Doc, schema: JsonSchema, example: Json): FieldCase[] {
  const out: FieldCase[] = [];
  const visit = (s: JsonSchema | undefined, value: Json, path: Path, depth: number) => {
    const node = branch(doc, s, value);
    if (!node) return;
    if (jsonType(value) === 'object' && node.properties) {
      const obj = value as Record<string, Json>;
      for (const [key, propSchema] of Object.entries(node.properties)) {
        const here = [...path, key];
        if (!(key in obj)) continue;
        const types = accepted(doc, propSchema);
        const wrong = types && wrongValue(types);
        if (wrong !== undefined) out.push({ category: 'wrong types', what: `${show(here)} as ${jsonType(wrong)}`, body: JSON.stringify(setAt(example, here, wrong)) });
        if (node.required?.includes(key)) out.push({ category: 'missing', what: show(here), body: JSON.stringify(setAt(example, here, undefined)) });
        over(propSchema, obj[key]!, here);
        if (depth + 1 < FIELD_DEPTH_MAX) visit(propSchema, obj[key]!, here, depth + 1);
      }
      if (node.additionalProperties === false) {
        out.push({ category: 'extra', what: `${show(path)} + unexpected`, body: JSON.stringify(setAt(example, [...path, 'unexpectedField'], 1)) });
        if (path.length === 0) {
          // A JSON `__proto__` key is an own property after JSON.parse; a strict schema must refuse it too.
          const text = JSON.stringify(example);
          out.push({ category: 'extra', what: '__proto__', body: text === '{}' ? '{"__proto__":{"isAdmin":true}}' : `{"__proto__":{"isAdmin":true},${text.slice(1)}` });
        }
      }
    }
    if (jsonType(value) === 'array' && (value as Json[]).length > 0 && depth + 1 <= FIELD_DEPTH_MAX) visit(node.items, (value as Json[])[0]!, [...path, 0], depth + 1);
  };
  const over = (s: JsonSchema | undefined, value: Json, path: Path) => {
    const node = branch(doc, s, value);
    if (!node) return;
    if (typeof value === 'string' && node.maxLength !== undefined) out.push({ category: 'oversized', what: `${show(path)} of ${node.maxLength + 1} characters`, body: JSON.stringify(setAt(example, path, 'x'.repeat(node.maxLength + 1))) });
    const max = node.maximum ?? node.exclusiveMaximum;
    if (typeof value === 'number' && max !== undefined) {
      // Written as text so a bound at 2^53 - 1 is exceeded exactly (a double would round it).
      const above = node.exclusiveMaximum !== undefined ? String(max) : (BigInt(Math.floor(max)) + 1n).toString();
      const marker = '"__above__"';
      out.push({ category: 'oversized', what: `${show(path)} = ${above}`, body: JSON.stringify(setAt(example, path, '__above__')).replace(marker, above) });
    }
    if (Array.isArray(value) && node.maxItems !== undefined && value.length > 0) {
      out.push({ category: 'oversized', what: `${show(path)} of ${node.maxItems + 1} items`, body: JSON.stringify(setAt(example, path, Array.from({ length: node.maxItems + 1 }, () => value[0]!))) });
    }
  };
  visit(schema, example, [], 0);
  return out;
}

/** Bad credentials for an operation's security requirements (none when anyone may call it). */
function credentialCases(security: Record<string, string[]>[], unsafe: boolean): { what: string; credential: Credential }[] {
  if (security.length === 0 || security.some((r) => Object.keys(r).length === 0)) return [];
  const schemes = security.flatMap((r) => Object.entries(r));
  const out: { what: string; credential: Credential }[] = [{ what: 'no credentials', credential: { kind: 'none' } }];
  for (const [scheme, scopes] of schemes) {
    if (scheme === 'session') {
      out.push({ what: 'forged session cookie', credential: { kind: 'forged-session' } });
      for (const scope of scopes) out.push({ what: `session without ${scope}`, credential: { kind: 'session-without', scope } });
      if (unsafe) out.push({ what: 'session cookie from another site', credential: { kind: 'cross-site-session', scopes } });
      continue;
    }
    out.push({ what: `${scheme}: not a token`, credential: { kind: 'garbage', scheme } });
    if (scheme === 'customerKey' || scheme === 'volunteerToken') out.push({ what: `${scheme}: wrong secret`, credential: { kind: 'wrong-secret', scheme } });
    out.push({ what: `${scheme}: another kind of credential`, credential: { kind: 'other-kind', scheme } });
  }
  if (!schemes.some(([s]) => s === 'session')) out.push({ what: 'a session instead of a bearer credential', credential: { kind: 'session-instead' } });
  return out;
}

const valid: Credential = { kind: 'valid' };

/**
 * Every case of one operation, at most {@link CASES_PER_OPERATION_MAX}.
 * @example
 * const cases = casesFor(doc, '/api/billing/topups', 'post');
 */
export function casesFor(doc: Doc, path: string, method: string): { cases: Case[]; dropped: number } {
  const op = doc.paths[path]![method]!;
  const params = op.parameters ?? [];
  const pathNames = params.filter((p) => p.in === 'path').map((p) => p.name);
  const query = Object.fromEntries(params.filter((p) => p.in === 'query' && p.example !== undefined).map((p) => [p.name, String(p.example)]));
  const headers = Object.fromEntries(params.filter((p) => p.in === 'header' && p.required).map((p) => [p.name, String(p.example)]));
  const body = op.requestBody;
  const [contentType, media] = body ? Object.entries(body.content)[0]! : [null, undefined];
  const schema = resolve(doc, media?.schema);
  const example = (schema?.examples?.[0] ?? undefined) as Json | undefined;
  const exampleBody = contentType === 'application/json' ? JSON.stringify(example) : contentType ? new Uint8Array(8) : undefined;
  const unsafe = method !== 'get';
  const base = { credential: valid, unknownParams: [], query, headers, contentType, body: exampleBody };
  const cases: Case[] = [];
  const add = (category: Category, what: string, c: Partial<Case>) => cases.push({ ...base, ...c, id: `${category}: ${what}`, category });

  if (body && contentType === 'application/json') {
    if (example === undefined) throw new Error(`${method} ${path}: the request schema has no example to start from`);
    add('malformed JSON', 'truncated object', { body: JSON.stringify(example).slice(0, -1) || '{' });
    add('malformed JSON', 'trailing comma', { body: JSON.stringify(example).replace(/}$/, ',}') });
    add('malformed JSON', 'not JSON', { body: "{kind: 'lorenz96'}" });
    for (const f of fieldCases(doc, schema!, example)) add(f.category, f.what, { body: f.body });
    if (jsonType(example) === 'object') add('wrong types', 'body as an array', { body: JSON.stringify([example]) });
    if (body.required) add('missing', 'no body', { body: '' });
    add('content type', 'text/plain', { contentType: 'text/plain' });
    add('content type', 'none', { contentType: null });
  } else if (body) {
    add('content type', 'application/json', { contentType: 'application/json', body: '{}' });
    add('content type', 'none', { contentType: null });
    add('missing', 'empty body', { body: new Uint8Array(0) });
  }
  if (body) {
    const max = body['x-body-bytes-max'];
    const padded = contentType === 'application/json' ? `{"pad":"${'x'.repeat(max)}"}` : new Uint8Array(max + 1);
    const bytes = typeof padded === 'string' ? padded.length : padded.byteLength;
    // Without a Content-Length (read and counted), and with its true one (refusable before reading).
    add('oversized', `body of ${bytes} bytes`, { body: padded });
    add('oversized', `body of ${bytes} bytes with its Content-Length`, { body: padded, declaredLength: bytes });
  }
  for (const p of params.filter((x) => x.in === 'query')) {
    if (p.required) add('missing', `query ${p.name}`, { query: Object.fromEntries(Object.entries(query).filter(([k]) => k !== p.name)) });
    const wrong = wrongValue(accepted(doc, p.schema) ?? new Set(['string']));
    if (wrong !== undefined && typeof wrong !== 'object') add('wrong types', `query ${p.name}=${String(wrong)}`, { query: { ...query, [p.name]: String(wrong) } });
    const max = p.schema.maximum;
    if (max !== undefined) add('oversized', `query ${p.name} over ${max}`, { query: { ...query, [p.name]: (BigInt(Math.floor(max)) + 1n).toString() } });
  }
  for (const h of params.filter((x) => x.in === 'header' && x.required)) {
    add('missing', `header ${h.name}`, { headers: Object.fromEntries(Object.entries(headers).filter(([k]) => k !== h.name)) });
    if (h.schema.pattern) add('wrong types', `header ${h.name} not of its form`, { headers: { ...headers, [h.name]: 'not a key' } });
  }
  for (const c of credentialCases(op.security, unsafe)) add('bad credentials', c.what, { credential: c.credential });
  if (pathNames.length > 0) {
    add('unknown id', pathNames.join(', '), { unknownParams: pathNames });
    if (pathNames.length > 1) for (const n of pathNames) add('unknown id', `${n} only`, { unknownParams: [n] });
  }
  return { cases: cases.slice(0, CASES_PER_OPERATION_MAX), dropped: Math.max(0, cases.length - CASES_PER_OPERATION_MAX) };
}
