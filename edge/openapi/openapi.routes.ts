/**
 * @module Serves the OpenAPI document at /api/openapi.json and a readable reference page at
 * /api/docs, rendered here from the same document: plain HTML and one stylesheet of our own,
 * no script and no inline style, so it works offline and passes the app's CSP.
 */
import { Hono } from 'hono';
import { CUSTOMER_API_PATHS } from '../../shared/api/schemas.ts';
import { OPERATIONS, openApiDocument, type Operation } from './document.ts';

const DOCS_CSS_PATH = '/api/docs.css';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** `code` spans in descriptions, the only markup they use. */
const prose = (s: string) => escape(s).replace(/`([^`]+)`/g, '<code>$1</code>');
const anchor = (name: string) => `schema-${name}`;

/** Who may call an operation, as the page says it. */
const SECURITY_TEXT: Record<Operation['security'], string> = {
  none: 'no authentication',
  customer: 'customer API key or session',
  volunteer: 'volunteer token or session',
  volunteerToken: 'volunteer token',
  session: 'signed in',
  sessionOptional: 'session optional',
  operator: 'operator token',
  operatorOrSession: 'operator token, or an operator’s session',
  receptionKey: 'reception key (nodes)',
  paymentSignature: "the payment provider's signature of the body",
};

function bodyText(body: Operation['ok']['body']): string {
  if (body === null) return 'no content';
  return typeof body === 'string' ? `<a href="#${anchor(body)}">${body}</a> (application/json)` : `${escape(body.contentType)}: ${prose(body.description)}`;
}

function operationHtml(op: Operation, doc: Record<string, unknown>): string {
  const id = `${op.method}-${op.path}`.replace(/[^A-Za-z0-9]+/g, '-');
  const responses = ((doc.paths as Record<string, Record<string, { responses: Record<string, { description: string }> }>>)[op.path]![op.method]!).responses;
  const problems = Object.entries(responses)
    .filter(([status]) => Number(status) >= 400)
    .map(([status, r]) => `<li><code>${status}</code> ${prose(r.description)} — <a href="#${anchor('Problem')}">Problem</a></li>`)
    .join('');
  return `<section class="op" id="${id}">
<h3><span class="method method-${op.method}">${op.method.toUpperCase()}</span> <code>${escape(op.path)}</code></h3>
<p>${escape(op.summary)} <span class="tag">${SECURITY_TEXT[op.security]}${op.role ? ` (${op.role})` : ''}</span></p>
${op.description ? `<p class="desc">${prose(op.description)}</p>` : ''}
<dl>${op.request ? `<dt>Request body${op.request.optional ? ' (optional)' : ''}</dt><dd>${bodyText(op.request.body)}, at most ${op.request.bytesMax} bytes</dd>` : ''}<dt>${op.ok.status}</dt><dd>${bodyText(op.ok.body)}</dd></dl>
${problems ? `<ul class="problems">${problems}</ul>` : ''}
</section>`;
}

/** The reference page's HTML. */
export function docsHtml(): string {
  const doc = openApiDocument();
  const info = doc.info as { title: string; description: string };
  const tags = doc.tags as { name: string; description: string }[];
  const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
  const sections = tags
    .map((t) => `<h2 id="tag-${t.name}">${escape(t.name)}</h2><p>${escape(t.description)}</p>${OPERATIONS.filter((o) => o.tag === t.name).map((o) => operationHtml(o, doc)).join('\n')}`)
    .join('\n');
  const schemaList = Object.entries(schemas)
    .map(([name, s]) => `<section class="schema" id="${anchor(name)}"><h3>${name}</h3><pre>${escape(JSON.stringify(s, null, 2))}</pre></section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(info.title)} reference</title><link rel="stylesheet" href="${DOCS_CSS_PATH}"></head>
<body><main>
<h1>${escape(info.title)}</h1>
<p>${prose(info.description)}</p>
<p>Machine-readable: <a href="${CUSTOMER_API_PATHS.openapi}">${CUSTOMER_API_PATHS.openapi}</a> (OpenAPI ${escape(String(doc.openapi))}). From a terminal: <code>npm run cli -- help</code>.</p>
<nav><ul>${tags.map((t) => `<li><a href="#tag-${t.name}">${t.name}</a></li>`).join('')}<li><a href="#schemas">Schemas</a></li></ul></nav>
${sections}
<h2 id="schemas">Schemas</h2><p>JSON Schema 2020-12, generated from the schemas the server validates with.</p>
${schemaList}
</main></body></html>`;
}

const DOCS_CSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem 4rem}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}
pre{background:#f4f5f7;padding:.75rem;overflow:auto;max-height:30rem;border-radius:4px}
.op{border-top:1px solid #d8dce0;padding:.5rem 0}
.op h3{font-size:1.05rem;margin:.5rem 0}
.method{display:inline-block;min-width:3.5rem;text-align:center;border-radius:3px;padding:0 .3rem;color:#fff;font-size:.85rem}
.method-get{background:#1f6feb}.method-post{background:#1a7f37}.method-put{background:#9a6700}
.tag{font-size:.8rem;background:#eef;padding:0 .3rem;border-radius:3px}
.desc{color:#444}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}
nav ul{display:flex;gap:1rem;list-style:none;padding:0}
@media (prefers-color-scheme:dark){body{background:#111418;color:#e6e8eb}pre{background:#1d2126}.desc{color:#b8bcc2}a{color:#7cb7ff}}`;

export function openApiRoutes() {
  const app = new Hono();
  let html: string | undefined;
  app.get(CUSTOMER_API_PATHS.openapi, (c) => c.json(openApiDocument()));
  app.get(CUSTOMER_API_PATHS.docs, (c) => c.html((html ??= docsHtml())));
  app.get(DOCS_CSS_PATH, (c) => c.body(DOCS_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }));
  return app;
}
