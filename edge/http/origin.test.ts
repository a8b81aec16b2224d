import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientOrigin, originOf, parseTrustedProxies } from './origin.ts';

/** A request as @hono/node-server hands it over: the socket's peer address in `env.incoming`. */
async function originFrom(remoteAddress: string | undefined, headers: Record<string, string>, trusted: string | undefined): Promise<string> {
  const app = new Hono();
  app.get('/', (c) => c.text(clientOrigin(c, parseTrustedProxies(trusted)) ?? 'none'));
  const env = remoteAddress === undefined ? undefined : { incoming: { socket: { remoteAddress } } };
  return (await app.request('/', { headers }, env)).text();
}

describe('network origin', () => {
  it('names the IPv4 /24 and the IPv6 /48 an address is in', () => {
    expect(originOf('203.0.113.7')).toBe('203.0.113.0/24');
    expect(originOf('203.0.113.250')).toBe(originOf('203.0.113.1'));
    expect(originOf('203.0.114.1')).not.toBe(originOf('203.0.113.1'));
    expect(originOf('::ffff:127.0.0.3')).toBe('127.0.0.0/24');
    expect(originOf('2001:db8:42:1::5')).toBe('2001:db8:42::/48');
    expect(originOf('2001:db8:42:ffff:1:2:3:4')).toBe(originOf('2001:db8:42::1'));
    expect(originOf('2001:db8:43::1')).not.toBe(originOf('2001:db8:42::1'));
    expect(originOf('::1')).toBe('0:0:0::/48');
    expect(originOf('not an address')).toBeUndefined();
  });

  it('takes the socket address, and X-Forwarded-For only from a proxy the operator trusts', async () => {
    expect(await originFrom('198.51.100.9', { 'x-forwarded-for': '203.0.113.7' }, undefined)).toBe('198.51.100.0/24');
    expect(await originFrom('10.0.0.2', { 'x-forwarded-for': '203.0.113.7' }, '10.0.0.2')).toBe('203.0.113.0/24');
    // A client's own X-Forwarded-For entries left of the first untrusted hop are its word only.
    expect(await originFrom('10.0.0.2', { 'x-forwarded-for': '1.1.1.1, 203.0.113.7, 10.0.0.3' }, '10.0.0.2,10.0.0.3')).toBe('203.0.113.0/24');
    expect(await originFrom('10.0.0.2', {}, '10.0.0.2')).toBe('10.0.0.0/24');
    expect(await originFrom(undefined, { 'x-forwarded-for': '203.0.113.7' }, '10.0.0.2')).toBe('none');
  });

  it('refuses a TRUST_PROXY that is not a list of addresses', () => {
    expect(() => parseTrustedProxies('10.0.0.1, proxy.example')).toThrow(/TRUST_PROXY/);
    expect([...parseTrustedProxies(' 10.0.0.1 ,::ffff:10.0.0.2')]).toEqual(['10.0.0.1', '10.0.0.2']);
  });
});
