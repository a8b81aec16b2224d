/**
 * @module The OpenAPI document against the running app: every documented operation has a
 * route, the request schemas are the ones the server validates with, and the reference
 * page is plain HTML with no script or inline style (it must pass the app's CSP).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { JobRequestSchema } from '../../shared/jobs/kinds.ts';
import { createApp } from '../app.ts';
import { readConfig } from '../config.ts';
import { startReception } from '../reception/roles.ts';
import { makeTestApp } from '../testing.ts';
import { OPERATIONS } from './document.ts';

type Doc = { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>; components: { schemas: Record<string, unknown> } };

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
    expect(doc.components.schemas.JobRequest).toEqual(jobRequest);
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
