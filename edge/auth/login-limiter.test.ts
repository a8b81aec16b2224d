import { describe, expect, it } from 'vitest';
import { createLoginLimiter } from './login-limiter.ts';

describe('login limiter', () => {
  const bounds = { failuresMax: 3, windowMs: 1000, entriesMax: 4 };

  it('limits a key after failuresMax failures until its window ends; success forgets', () => {
    const clock = { now: 0 };
    const l = createLoginLimiter(() => clock.now, bounds);
    for (let i = 0; i < 3; i++) {
      expect(l.check('a').status).toBe('allowed');
      l.fail('a');
      clock.now += 100;
    }
    expect(l.check('a')).toEqual({ status: 'limited', retryAfterMs: 700 });
    expect(l.check('b').status).toBe('allowed');
    clock.now = 1000;
    expect(l.check('a').status).toBe('allowed');
    l.fail('a');
    l.fail('a');
    l.succeed('a');
    l.fail('a');
    l.fail('a');
    expect(l.check('a').status).toBe('allowed');
  });

  it('keeps at most entriesMax keys, dropping expired ones first, then the oldest', () => {
    const clock = { now: 0 };
    const l = createLoginLimiter(() => clock.now, bounds);
    for (const k of ['old', 'x', 'y']) for (let i = 0; i < 3; i++) l.fail(k);
    clock.now = 500;
    for (let i = 0; i < 3; i++) l.fail('z');
    expect(['old', 'x', 'y', 'z'].map((k) => l.check(k).status)).toEqual(['limited', 'limited', 'limited', 'limited']);
    // Full of live windows: the oldest (`old`) goes.
    l.fail('new');
    expect(l.check('old').status).toBe('allowed');
    expect(l.check('x').status).toBe('limited');
    // x, y expire at 1000; at 1200 they make room before z (live until 1500) is touched.
    clock.now = 1200;
    l.fail('n1');
    l.fail('n2');
    expect(l.check('z').status).toBe('limited');
  });
});
