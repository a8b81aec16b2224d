/**
 * @module Migration 0017, a group seat's network origin (issue 16): the IPv4 /24 or IPv6 /48
 * (edge/http/origin.ts) a peer claimed its seat from. A group lease then decides whether a
 * trial-only job pays that peer from the peer's origin as well as the host's
 * (edge/coordinator/funding.ts): a peer on the customer's own network earns nothing from its
 * trial credit through a group either. Null for seats claimed before, or in-process.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './types.ts';

export function groupSeatOrigin(dialect: Dialect): Migration {
  void dialect;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('group_seats').addColumn('origin', 'text').execute();
    },
  };
}
