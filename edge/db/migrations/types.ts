/**
 * @module What migrations share: the dialect and the column type names that differ by it.
 */
export type Dialect = 'sqlite' | 'postgres';

/** Column types that have different names in the two dialects. */
export function columnTypes(dialect: Dialect) {
  return dialect === 'postgres'
    ? ({ blob: 'bytea', id: 'bigserial', ms: 'bigint', amount: 'bigint' } as const)
    : ({ blob: 'blob', id: 'integer', ms: 'integer', amount: 'integer' } as const);
}
