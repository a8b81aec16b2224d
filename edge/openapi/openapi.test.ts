/**
 * @module The OpenAPI document against the running app: every documented operation has a
 * route, the request schemas are the ones the server validates with and their examples are
 * valid, every problem response names problem types of its status, and the reference page
 * is plain HTML with no script or inline style (it must pass the app's CSP). That every
 * route is documented is routes.test.ts's part.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { JobRequestSchema } from '../../shared/jobs/kinds.ts';
import { createApp } from '../app.ts';
import { readConfig } from '../config.ts';
import { PROBLEMS } from '../http/problem.ts';
import { startReception } from '../reception/roles.ts';
import { makeTestApp } from '../testing.ts';
import { OPERATIONS } from './document.ts';
import { SCHEMAS } from './schemas.ts';

type Response = { description: string; content?: Record<string, unknown>; 'x-problem-types'?: string[] };
type Doc = {
  openapi: string;
  tags: { name: string }[];
  paths: Record<string, Record<string, { tags: string[]; operationId: string; security: Record<string, string[]>[]; requestBody?: { content: Record<string, { schema: { $ref?: string } }> }; responses: Record<string, Response> }>>;
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, unknown> };
};

describe('OpenAPI document', () => {
  it('documents routes that exist, with the schemas the server validates with', async () => {
    const t = await makeTestApp();
    // As `npm start` runs it (role `all`): reception and a node in this process.
    const roles = startReception(readConfig({ EDGE_ROLE: 'all', PORT: '9999' }));
    const app = createApp({ store: t.store, kernels: t.kernels, reception: roles.mount });
    onTestFinished(roles.stop);
    const res = await app.request('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const { $schema: _s, ...jobRequest } = z.toJSONSchema(JobRequestSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    const { examples: _e, ...documentedJobRequest } = doc.components.schemas.JobRequest!;
    expect(documentedJobRequest).toEqual(jobRequest);
    expect(doc.paths['/api/jobs']!.post!.requestBody!.content['application/json']!.schema.$ref).toBe('#/components/schemas/JobRequest');
    for (const op of OPERATIONS) {
      // An id that exists nowhere: a route answers 401 (no key) or its own problem, never "no route".
      const path = op.path.replace(/\{\w+\}/g, '12345');
      const answer = await app.request(path, { method: op.method.toUpperCase(), headers: { 'content-type': 'application/json' }, body: op.method === 'get' ? undefined : '{}' });
      const body = await answer.text();
      expect(body, `${op.method} ${op.path}`).not.toContain('no route');
      expect(doc.paths[op.path]?.[op.method], `${op.method} ${op.path}`).toBeDefined();
    }
    // Every $ref points at a schema the document has.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    for (const r of refs) expect(doc.components.schemas[r], r).toBeDefined();
  });

  it('gives each operation one declared tag, a unique operationId and known security schemes', async () => {
    const t = await makeTestApp();
    const { tags, paths, components } = (await (await t.app.request('/api/openapi.json')).json()) as Doc;
    const names = new Set(tags.map((t) => t.name));
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.tags.length, `${method} ${path}`).toBe(1);
        expect(names.has(op.tags[0]!), `${method} ${path}: tag ${op.tags[0]}`).toBe(true);
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        expect(Array.isArray(op.security), `${method} ${path}: security`).toBe(true);
        for (const requirement of op.security) for (const scheme of Object.keys(requirement)) expect(components.securitySchemes[scheme], `${method} ${path}: ${scheme}`).toBeDefined();
      }
    }
  });

  it("gives every request schema an example its schema accepts (the robustness test's base)", () => {
    for (const [name, named] of Object.entries(SCHEMAS)) {
      if (named.io !== 'input') continue;
      const parsed = named.schema.safeParse(named.example);
      expect(parsed.success ? [] : parsed.error.issues, `example of ${name}`).toEqual([]);
    }
  });

  it('lists with each problem status the problem types it stands for, each of that status', async () => {
    const t = await makeTestApp();
    const doc = (await (await t.app.request('/api/openapi.json')).json()) as Doc;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, r] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          expect(r.content?.['application/problem+json'], `${method} ${path} ${status}`).toBeDefined();
          expect(r['x-problem-types']?.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
          for (const type of r['x-problem-types']!) {
            const slug = type.replace('/problems/', '') as keyof typeof PROBLEMS;
            expect(PROBLEMS[slug]?.status, `${method} ${path}: ${type}`).toBe(Number(status));
          }
        }
      }
    }
    // JSON routes answer the four problems of edge/http/body.ts; the error report its 409.
    const topups = doc.paths['/api/billing/topups']!.post!.responses;
    for (const s of ['400', '413', '415', '422']) expect(topups[s], s).toBeDefined();
    expect(doc.paths['/api/work/leases/{leaseId}/error']!.post!.responses['409']).toBeDefined();
    expect(doc.paths['/api/customers']!.post!.responses['429']!['x-problem-types']).toEqual(['/problems/too-many-identities']);
  });

  it('serves a reference page with no script and no inline style, and its stylesheet', async () => {
    const t = await makeTestApp();
    const res = await t.app.request('/api/docs');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).not.toMatch(/<script|style=|<style/i);
    for (const op of OPERATIONS) expect(html).toContain(`<code>${op.path}</code>`);
    expect(html).toContain('id="schema-JobRequest"');
    const css = await t.app.request('/api/docs.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(res.headers.get('content-security-policy')).toContain("style-src 'self'");
  });
});
