import { describe, expect, it } from 'vitest';
import { ERRORS_MAX, REPLICAS_MAX } from '../../shared/limits.ts';
import { judgeUnit, type UnitCounters } from './unit-rules.ts';

const fresh: UnitCounters = { state: 'queued', quorum: 2, leased: 0, replicas: 0, errors: 0, agree_max: 0 };

describe('judgeUnit', () => {
  it('wants a quorum of replicas for a fresh unit', () => {
    expect(judgeUnit(fresh)).toEqual({ state: 'queued', want: 2 });
  });
  it('counts outstanding leases toward the quorum', () => {
    expect(judgeUnit({ ...fresh, state: 'in_progress', leased: 1, replicas: 1 })).toEqual({ state: 'in_progress', want: 1 });
    expect(judgeUnit({ ...fresh, state: 'in_progress', leased: 2, replicas: 2 }).want).toBe(0);
  });
  it('asks for a tie-breaker when two results disagree', () => {
    expect(judgeUnit({ ...fresh, state: 'in_progress', replicas: 2, agree_max: 1 })).toEqual({ state: 'in_progress', want: 1 });
  });
  it('never hands out more than replicas_max replicas', () => {
    expect(judgeUnit({ ...fresh, state: 'in_progress', replicas: REPLICAS_MAX - 1, agree_max: 0 }).want).toBe(1);
    expect(judgeUnit({ ...fresh, state: 'in_progress', replicas: REPLICAS_MAX, leased: 1, agree_max: 1 })).toEqual({ state: 'in_progress', want: 0 });
  });
  it('fails without agreement once replicas_max is spent and nothing is outstanding', () => {
    expect(judgeUnit({ ...fresh, state: 'in_progress', replicas: REPLICAS_MAX, agree_max: 1 }).state).toBe('failed');
  });
  it('fails after errors_max errors', () => {
    expect(judgeUnit({ ...fresh, state: 'in_progress', replicas: ERRORS_MAX, errors: ERRORS_MAX }).state).toBe('failed');
  });
  it('leaves decided units alone', () => {
    expect(judgeUnit({ ...fresh, state: 'valid', agree_max: 2 })).toEqual({ state: 'valid', want: 0 });
  });
});
