/**
 * Customer names are text people type (issue 15, finding 6), on both dialects: NUL, lone
 * surrogates, other control characters and invisible-only names are refused with a field
 * error and change nothing (PostgreSQL text cannot even hold NUL: it was a 500); accepted
 * names are stored trimmed and NFC-normalised.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { API_PATHS, type Problem } from '../../shared/api/schemas.ts';
import { closeDialectApps, makeDialectApp, snapshot, testDialects } from '../testing.ts';

const dialects = await testDialects('the customer-name tests');
afterEach(closeDialectApps);

describe.each(dialects)('customer names on %s', (dialect) => {
  it('refuses unusable text with a field error, changing nothing, and stores names trimmed and NFC-normalised', async () => {
    const t = await makeDialectApp(dialect);
    const create = (body: string) => t.app.request(API_PATHS.customers, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const before = await snapshot(t.store);
    const refused: [string, string][] = [
      ['NUL', '"a\\u0000b"'],
      ['lone surrogate', '"a\\ud800b"'],
      ['lone low surrogate', '"a\\udc00b"'],
      ['control character', '"a\\u0007b"'],
      ['line break', '"a\\nb"'],
      ['C1 control', '"a\\u0085b"'],
      ['zero-width only', '"\\u200b\\u200d"'],
      ['spaces only', '"   "'],
      ['empty', '""'],
      ['too long', JSON.stringify('x'.repeat(101))],
    ];
    for (const [what, name] of refused) {
      const res = await create(`{"name":${name}}`);
      expect(res.status, what).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const p = (await res.json()) as Problem;
      expect(p.type, what).toBe('/problems/validation');
      expect(p.errors?.map((e) => e.path), what).toEqual(['name']);
    }
    expect(await snapshot(t.store)).toEqual(before);

    const res = await create(JSON.stringify({ name: '  Cafe\u0301 Lab\u00a0 ' }));
    expect(res.status).toBe(201);
    const { customerId } = (await res.json()) as { customerId: string };
    const row = await t.store.db.selectFrom('customers').select('name').where('id', '=', customerId).executeTakeFirstOrThrow();
    expect(row.name).toBe('Caf\u00e9 Lab');
    // An emoji (a surrogate pair) is text, not a lone surrogate.
    expect((await create(JSON.stringify({ name: 'Lab 🌍' }))).status).toBe(201);
  });
});
