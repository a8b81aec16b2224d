import { describe, expect, it } from 'vitest';
import { openStore } from '../db/index.ts';
import { getOrCreateSecret, secretEnvName } from './secrets.ts';

describe('getOrCreateSecret', () => {
  it('makes a secret once, stores it, and answers concurrent callers alike', async () => {
    const store = await openStore(':memory:');
    let made = 0;
    const make = () => `value-${++made}`;
    const values = await Promise.all([1, 2, 3].map(() => getOrCreateSecret(store, 'signing', make, { env: {} })));
    expect(values).toEqual(['value-1', 'value-1', 'value-1']);
    expect(made).toBe(1);
    expect(await store.db.selectFrom('secrets').selectAll().execute()).toEqual([{ name: 'signing', value: 'value-1' }]);
    await store.close();
  });

  it('reads a secret another node stored before', async () => {
    const store = await openStore(':memory:');
    await store.db.insertInto('secrets').values({ name: 'session', value: 'from-another-node' }).execute();
    expect(await getOrCreateSecret(store, 'session', () => 'never', { env: {} })).toBe('from-another-node');
    await store.close();
  });

  it('prefers the environment override and never stores it', async () => {
    const store = await openStore(':memory:');
    expect(secretEnvName('session')).toBe('SESSION_SECRET');
    expect(secretEnvName('license-signing key')).toBe('LICENSE_SIGNING_KEY_SECRET');
    expect(await getOrCreateSecret(store, 'session', () => 'made', { env: { SESSION_SECRET: 'from-env' } })).toBe('from-env');
    expect(await getOrCreateSecret(store, 'signing', () => 'made', { envName: 'SIGNING_KEY', env: { SIGNING_KEY: 'named' } })).toBe('named');
    expect(await store.db.selectFrom('secrets').selectAll().execute()).toEqual([]);
    await store.close();
  });
});
