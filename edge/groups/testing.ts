/**
 * @module Test helpers for the group suites: an app on either dialect, volunteers that call
 * the group routes from their own network, an Ed25519 key pair per peer (what the browser
 * makes with WebCrypto), and a customer with a paid job.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { groupResultMessage } from '../../shared/groups/schemas.ts';
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

/** The peer's signature (base64url) over its output of a lease. */
export function signResult(privateKey: KeyObject, groupId: string, leaseId: number, output: Uint8Array): string {
  const hash = createHash('sha256').update(output).digest('hex');
  return sign(null, Buffer.from(groupResultMessage(groupId, leaseId, hash), 'utf8'), privateKey).toString('base64url');
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
  return { ...t, call, volunteer, customerWithJob, points };
}
