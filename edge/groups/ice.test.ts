/**
 * The deployment's STUN/TURN servers for groups (GROUP_ICE_SERVERS): none by default; when
 * set, named to the host with its group and to the peer with its seat; a bad setting is a
 * readable error at start.
 */
import { describe, expect, it } from 'vitest';
import { parseIceServers } from '../config.ts';
import { makeTestApp } from '../testing.ts';
import { peerKeys } from './testing.ts';

const STUN = [{ urls: 'stun:stun.example:3478' }, { urls: ['turn:turn.example:3478'], username: 'u', credential: 'p' }];

describe('GROUP_ICE_SERVERS', () => {
  it('parses a JSON array of RTCIceServer and refuses anything else readably', () => {
    expect(parseIceServers(undefined)).toEqual([]);
    expect(parseIceServers(' ')).toEqual([]);
    expect(parseIceServers(JSON.stringify(STUN))).toEqual(STUN);
    expect(() => parseIceServers('stun:stun.example')).toThrow(/GROUP_ICE_SERVERS must be a JSON array/);
    expect(() => parseIceServers('[{"urls":"http://x"}]')).toThrow(/GROUP_ICE_SERVERS: 0\.urls/);
    expect(() => parseIceServers(JSON.stringify(Array(5).fill({ urls: 'stun:a' })))).toThrow(/GROUP_ICE_SERVERS/);
  });

  it('names the servers to the host (group, status) and the peer (seat); none by default', async () => {
    for (const [servers, expected] of [[undefined, []], [STUN, STUN]] as const) {
      const t = await makeTestApp(':memory:', { groupIceServers: servers });
      const host = await t.clientFrom('198.18.1.1').createVolunteer();
      const peer = await t.clientFrom('198.18.2.1').createVolunteer();
      const call = async (token: string, method: string, path: string, body?: unknown) =>
        (await t.app.request(`http://edge.test${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).json() as Promise<Record<string, unknown>>;
      const group = await call(host.token, 'POST', '/api/groups', { seats: 1, ttlMs: 600_000, kernel: 'lorenz96' });
      expect(group.iceServers).toEqual(expected);
      expect((await call(host.token, 'GET', `/api/groups/${group.groupId as string}`)).iceServers).toEqual(expected);
      expect((await call(peer.token, 'POST', '/api/seats', { invite: group.invite, publicKey: peerKeys().publicKey })).iceServers).toEqual(expected);
      await t.store.close();
    }
  });
});
