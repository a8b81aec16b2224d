/**
 * @module Table types of this feature (Catalog, carts, orders, payments), merged into the database shape in
 * edge/db/schema.ts.
 */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ShopTables {}
