/**
 * @module Table types of groups (edge/groups/), merged into the database shape in edge/db/schema.ts.
 */
import type { Generated } from 'kysely';

export type GroupKind = 'volunteer' | 'pool';
export type GroupBilling = 'seat' | 'notice';

/** A volunteer group or a private pool (issue 16). */
export interface GroupsTable {
  /** `g_…`, random. */
  id: string;
  kind: GroupKind;
  /** The hosting volunteer (volunteer groups). */
  host_volunteer_id: string | null;
  /** The customer whose browser hosts (private pools). */
  host_customer_id: string | null;
  /** The pool's job (private pools only). */
  job_id: string | null;
  /** SHA-256 (hex) of the invite code; the code itself is shown once. */
  invite_hash: string;
  seats: number;
  /** Seats not claimed (a decline gives one back); never below zero. */
  seats_left: number;
  billing: GroupBilling | null;
  /** The quorum the pool sets on its job's units it leases (null: the job's). */
  quorum: number | null;
  kernel_id: string;
  kernel_version: number;
  /** Seats charged so far: the next charge posts seat hold number `charged + 1`. */
  charged: Generated<number>;
  created_at: number;
  expires_at: number;
  /** When it was closed (by its host or at expiry): its holds are then released. */
  closed_at: number | null;
}

/** A peer's seat in a group. */
export interface GroupSeatsTable {
  id: Generated<number>;
  group_id: string;
  volunteer_id: string;
  /** The peer's Ed25519 public key, raw 32 bytes, base64url. */
  public_key: string;
  /** The network origin (edge/http/origin.ts) the peer claimed the seat from; null in-process. */
  origin: string | null;
  state: 'claimed' | 'declined';
  claimed_at: number;
  /** When the peer said it received the kernel. */
  notice_at: number | null;
  /** When the seat was charged (private pools). */
  charged_at: number | null;
}

/** An offer (host → peer) or answer (peer → host) relayed for one seat, kept until read or the group ends. */
export interface GroupSignalsTable {
  seat_id: number;
  kind: 'offer' | 'answer';
  group_id: string;
  sdp: string;
  created_at: number;
}

export interface GroupTables {
  groups: GroupsTable;
  group_seats: GroupSeatsTable;
  group_signals: GroupSignalsTable;
}
