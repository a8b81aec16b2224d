import { describe, expect, it } from 'vitest';
import { hashPassword, verifyNothing, verifyPassword } from './passwords.ts';

describe('scrypt password hashes', () => {
  it('stores the parameters and a per-password salt, and verifies only the same password', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse battery', b)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyNothing('correct horse battery')).toBe(false);
  });

  it('verifies with the parameters a hash names, and refuses malformed or oversized ones', async () => {
    const stored = await hashPassword('correct horse battery');
    const parts = stored.split('$');
    // Other (cheaper) parameters stored earlier still verify: key from the same salt, N=2^14.
    const { scryptSync } = await import('node:crypto');
    const key = scryptSync('pw-of-old', Buffer.from(parts[4]!, 'base64url'), 32, { N: 2 ** 14, r: 8, p: 1 });
    const old = ['scrypt', 16384, 8, 1, parts[4], key.toString('base64url')].join('$');
    expect(await verifyPassword('pw-of-old', old)).toBe(true);
    expect(await verifyPassword('pw-of-old', old.replace('$16384$', '$32768$'))).toBe(false);
    for (const bad of ['', 'plain', stored.replace('scrypt$', 'bcrypt$'), stored.replace('$131072$', '$1000$'), stored.replace('$131072$', `$${2 ** 24}$`), stored.replace('$8$1$', '$8$999$'), parts.slice(0, 5).join('$') + '$']) {
      expect(await verifyPassword('correct horse battery', bad)).toBe(false);
    }
  });
});
