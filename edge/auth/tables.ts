/**
 * @module Table types of this feature (Users and sessions), merged into the database shape in
 * edge/db/schema.ts.
 */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthTables {}
