/**
 * @module Table types of this feature (License keys, activations and grants), merged into the database shape in
 * edge/db/schema.ts.
 */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LicenseTables {}
