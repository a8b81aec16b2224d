/**
 * @module A typed client of the group routes (issue 16), for the browser's host and peer
 * pages, the Node peer and tests: {@link hostApi} for the host of a volunteer group
 * (`/api/groups`, a volunteer token) or of a private pool (`/api/pools`, a customer key),
 * {@link seatApi} for a peer (`/api/seats`, a volunteer token).
 */
import { z } from 'zod';
import { apiCaller, json, type ApiClientOptions } from '../api/client.ts';
import { bytesToBase64 } from '../base64.ts';
import {
  CreatedGroupSchema,
  GroupLeaseResponseSchema,
  GroupResultsResponseSchema,
  GroupStatusSchema,
  SeatSchema,
  SignalSchema,
  type CreateGroupRequest,
  type CreatePoolRequest,
} from './schemas.ts';

const SeatIdSchema = z.object({ seatId: z.int() });
const ReleasedSchema = z.object({ released: z.int() });

/** One result the host uploads for a peer. */
export interface SignedResult {
  leaseId: number;
  output: Uint8Array;
  inputSha256: string;
  signature: string;
}

/** The host's side of a group: `kind` picks volunteer groups or private pools. */
export function hostApi(kind: 'groups' | 'pools', options: ApiClientOptions) {
  const call = apiCaller(options);
  const base = (groupId: string) => `/api/${kind}/${encodeURIComponent(groupId)}`;
  return {
    kind,
    status: (groupId: string) => call(GroupStatusSchema, base(groupId)),
    close: (groupId: string) => call(z.object({ groupId: z.string() }), base(groupId), { method: 'DELETE' }),
    offer: (groupId: string, seatId: number, sdp: string) => call(SeatIdSchema, `${base(groupId)}/seats/${seatId}/offer`, json('PUT', { sdp })),
    answer: (groupId: string, seatId: number) => call(SignalSchema, `${base(groupId)}/seats/${seatId}/answer`),
    /** Up to `max` units for the group's peers (`seats`: only these, the ones the host reaches). */
    lease: (groupId: string, max: number, seats?: readonly number[]) => call(GroupLeaseResponseSchema, `${base(groupId)}/lease`, json('POST', seats ? { max, seats } : { max })),
    results: (groupId: string, items: readonly SignedResult[]) =>
      call(GroupResultsResponseSchema, `${base(groupId)}/results`, json('POST', { results: items.map((r) => ({ leaseId: r.leaseId, output: bytesToBase64(r.output), inputSha256: r.inputSha256, signature: r.signature })) })),
    release: (groupId: string, leaseIds: readonly number[]) => call(ReleasedSchema, `${base(groupId)}/release`, json('POST', { leaseIds })),
  };
}
export type HostApi = ReturnType<typeof hostApi>;

/** Creating groups: a volunteer group (volunteer token) or a private pool (customer key). */
export function groupCreation(options: ApiClientOptions) {
  const call = apiCaller(options);
  return {
    createGroup: (req: CreateGroupRequest) => call(CreatedGroupSchema, '/api/groups', json('POST', req)),
    createPool: (req: CreatePoolRequest) => call(CreatedGroupSchema, '/api/pools', json('POST', req)),
  };
}

/** A peer's side: its seat, its notice, the signalling of its one connection. */
export function seatApi(options: ApiClientOptions) {
  const call = apiCaller(options);
  const seat = (groupId: string) => `/api/seats/${encodeURIComponent(groupId)}`;
  return {
    claim: (invite: string, publicKey: string) => call(SeatSchema, '/api/seats', json('POST', { invite, publicKey })),
    notice: (groupId: string) => call(SeatIdSchema, `${seat(groupId)}/notice`, { method: 'POST' }),
    decline: (groupId: string) => call(SeatIdSchema, seat(groupId), { method: 'DELETE' }),
    offer: (groupId: string) => call(SignalSchema, `${seat(groupId)}/offer`),
    answer: (groupId: string, sdp: string) => call(SeatIdSchema, `${seat(groupId)}/answer`, json('PUT', { sdp })),
    leave: (groupId: string) => call(ReleasedSchema, `${seat(groupId)}/leave`, { method: 'POST' }),
  };
}
export type SeatApi = ReturnType<typeof seatApi>;
