/**
 * @module Test helpers for the group suites: an app on either dialect, volunteers that call
 * the group routes from their own network, an Ed25519 key pair per peer (what the browser
 * makes with WebCrypto), peers joining a group and computing its units, signed uploads, and
 * a customer with a paid job.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Lease } from '../../shared/api/schemas.ts';
import { base64ToBytes, bytesToBase64 } from '../../shared/base64.ts';
import { groupResultMessage } from '../../shared/groups/schemas.ts';
import { runKernel } from '../../shared/kernels/runtime.ts';
import { ACCOUNTS } from '../ledger/accounts.ts';
import { ledgerOf } from '../ledger/ledger.ts';
import { makeDialectApp, topUpForTests, type TestDialect } from '../testing.ts';

/** Two units of one point each (lorenz96), quorum 2. */
export const SMALL_JOB = { kind: 'lorenz96', params: { n: 8, steps: 20, snapEvery: 20, members: 2, membersPerUnit: 1, seed: 3 } } as const;

/** A peer's key pair; `publicKey` raw 32 bytes, base64url, as a seat claim sends it. */
export function peerKeys(): { publicKey: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKey: publicKey.export({ format: 'jwk' }).x!, privateKey };
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The peer's signature (base64url) over its output of a lease, computed on `input`. */
export function signResult(privateKey: KeyObject, groupId: string, leaseId: number, input: Uint8Array, output: Uint8Array): string {
  return sign(null, Buffer.from(groupResultMessage(groupId, leaseId, sha256Hex(input), sha256Hex(output)), 'utf8'), privateKey).toString('base64url');
}

/** An uploaded result as the host sends it: the peer's output of `lease`, computed on `input` (the lease's own by default) and signed. */
export function signedItem(privateKey: KeyObject, groupId: string, lease: Pick<Lease, 'leaseId' | 'input'>, output: Uint8Array, input = base64ToBytes(lease.input)) {
  return { leaseId: lease.leaseId, inputSha256: sha256Hex(input), output: bytesToBase64(output), signature: signResult(privateKey, groupId, lease.leaseId, input, output) };
}

let network = 0;

export async function groupWorld(dialect: TestDialect) {
  const t = await makeDialectApp(dialect);
  /** A request as `token`'s holder from `address`; the JSON answer and status. */
  const call = async (method: string, path: string, token?: string, body?: unknown, address = '192.0.2.1') => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await t.app.request(`http://edge.test${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }, { incoming: { socket: { remoteAddress: address }, readableEnded: true } });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
  /** A volunteer on a network of its own. */
  const volunteer = async () => {
    const address = `198.18.${++network}.1`;
    const v = await t.clientFrom(address).createVolunteer();
    return { id: v.volunteerId, token: v.token, address, keys: peerKeys() };
  };
  /** A paying customer with a running two-unit job. */
  const customerWithJob = async () => {
    const c = await t.client().createCustomer('Lab');
    const api = t.client(c.apiKey);
    await topUpForTests(api);
    const job = await api.createJob(SMALL_JOB as never);
    return { id: c.customerId, key: c.apiKey, api, jobId: job.id };
  };
  /** Points a volunteer holds, spendable and vesting. */
  const points = async (volunteerId: string) => {
    const ledger = ledgerOf(t.store);
    const [a, b] = await Promise.all([ledger.balance(ACCOUNTS.volunteerPoints(volunteerId).id), ledger.balance(ACCOUNTS.volunteerVesting(volunteerId).id)]);
    return (a?.posted ?? 0) + (b?.posted ?? 0);
  };
  /** A peer's output of a lease, as its browser computes it. */
  const compute = (l: Lease) => runKernel(t.kernels.entries.get(`${l.kernel.id}@${l.kernel.version}`)!.module, base64ToBytes(l.input));
  /** Peers claim seats of `invite` (each from its own `address`) and send their notices. */
  const join = async (groupId: string, invite: string, peers: readonly Peer[]) => {
    for (const p of peers) {
      const claimed = await call('POST', '/api/seats', p.token, { invite, publicKey: p.keys.publicKey }, p.address);
      const notice = await call('POST', `/api/seats/${groupId}/notice`, p.token, undefined, p.address);
      if (claimed.status !== 200 || notice.status !== 200) throw new Error(`join: claim ${claimed.status}, notice ${notice.status}`);
    }
  };
  /** The peer among `peers` that holds lease `leaseId`. */
  const holder = async <P extends Peer>(leaseId: number, peers: readonly P[]): Promise<P> => {
    const r = await t.store.db.selectFrom('replicas').select('volunteer_id').where('id', '=', leaseId).executeTakeFirstOrThrow();
    return peers.find((p) => p.id === r.volunteer_id)!;
  };
  return { ...t, call, volunteer, customerWithJob, points, compute, join, holder };
}

/** A volunteer of {@link groupWorld}: its identity, the network it calls from, its seat key pair. */
export interface Peer {
  id: string;
  token: string;
  address: string;
  keys: { publicKey: string; privateKey: KeyObject };
}
