/**
 * @module Tests of the EBM form model: defaults equal the schema's, every input maps to the
 * schema path its messages use, and server problems land on the same inputs.
 */
import { describe, expect, it } from 'vitest';
import { EbmParamsSchema } from '../../../shared/jobs/ebm.ts';
import { checkEbmValues, ebmDefaultValues, ebmServerErrors, membersOf } from './ebm-fields.ts';

describe('EBM form model', () => {
  it('makes exactly the schema defaults from the defaults it shows', () => {
    const check = checkEbmValues(ebmDefaultValues());
    expect(check).toMatchObject({ status: 'ok', params: EbmParamsSchema.parse({}) });
    expect(membersOf(check)).toBe(1000);
  });

  it('keys messages by the input that holds the bad value', () => {
    const v = ebmDefaultValues();
    v.params.solar = { ranged: true, value: '1365', min: '', max: '1400' };
    v.params.tFreeze = { ...v.params.tFreeze, value: 'cold' };
    v.settings.cells = '2';
    v.members = '1000000';
    const check = checkEbmValues(v);
    expect(check.status).toBe('invalid');
    if (check.status !== 'invalid') return;
    expect(check.errors).toEqual({
      'ranges.solar.min': 'Required.',
      'parameters.tFreeze': 'Must be a number.',
      cells: 'Must be at least 8.',
      'sampling.members': 'At most 100000 members per job (EBM_MEMBERS_MAX).',
    });
  });

  it('says which bound of a range is wrong once the numbers are numbers', () => {
    const v = ebmDefaultValues();
    v.params.b = { ...v.params.b, min: '2.5', max: '2.0' };
    v.params.d = { ...v.params.d, min: '0.4', max: '0.4' };
    expect(checkEbmValues(v)).toEqual({
      status: 'invalid',
      errors: { 'ranges.b.max': 'Inverted range: max 2 is below min 2.5.', 'ranges.d.max': 'Empty range: max equals min (0.4); give a value instead.' },
    });
  });

  it('sizes a grid from its levels and the ranged parameters', () => {
    const v = { ...ebmDefaultValues(), method: 'grid' as const, levels: '4' };
    expect(membersOf(checkEbmValues(v))).toBe(64);
  });

  it('puts server messages on the same inputs', () => {
    expect(ebmServerErrors([{ path: 'params.ranges.d.max', message: 'x' }, { path: 'params', message: 'y' }, { path: 'params.membersPerUnit', message: 'z' }])).toEqual({
      'ranges.d.max': 'x',
      form: 'y',
      membersPerUnit: 'z',
    });
  });
});
