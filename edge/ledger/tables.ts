/**
 * @module Table types of this feature (Ledger accounts and transfers), merged into the database shape in
 * edge/db/schema.ts.
 */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LedgerTables {}
