/**
 * @module Tests of the job form's field checks and the mapping of server errors to fields.
 */
import { describe, expect, it } from 'vitest';
import { L96ParamsSchema } from '../../../shared/jobs/lorenz96.ts';
import { L96_FIELDS, checkValues, defaultValues, splitServerErrors } from './l96-fields.ts';

describe('L96 form fields', () => {
  it('has a field for every parameter of the schema, and no other', () => {
    expect(L96_FIELDS.map((f) => f.name).sort()).toEqual(Object.keys(L96ParamsSchema.parse({})).sort());
  });

  it('accepts the defaults as they are shown', () => {
    expect(checkValues(defaultValues())).toEqual({ status: 'ok', params: L96ParamsSchema.parse({}) });
  });

  it('treats an empty field as its default', () => {
    const check = checkValues({ ...defaultValues(), seed: '  ' });
    expect(check.status === 'ok' && check.params.seed).toBe(1);
  });

  it('puts a plain message on each bad field', () => {
    const check = checkValues({ ...defaultValues(), n: '2', dt: 'abc', seed: '1.5' });
    expect(check).toEqual({
      status: 'invalid',
      errors: { n: 'Must be at least 4.', dt: 'Must be a number.', seed: 'Must be a whole number.' },
    });
  });

  it('reports cross-field rules on the field that breaks them', () => {
    const check = checkValues({ ...defaultValues(), snapEvery: '7' });
    expect(check.status === 'invalid' && check.errors.snapEvery).toMatch(/divide steps/i);
  });

  it('sorts server errors into fields by their last path segment', () => {
    const { fields, other } = splitServerErrors([
      { path: 'params.n', message: 'too big' },
      { path: '/params/dt', message: 'too small' },
      { path: 'kind', message: 'unknown' },
      { path: '', message: 'body' },
    ]);
    expect(fields).toEqual({ n: 'too big', dt: 'too small' });
    expect(other).toEqual(['kind: unknown', 'body']);
  });
});
