/**
 * @module Names for the SQL texts of prepared ops on PostgreSQL: {@link namePgStatement} is
 * called when a prepared query is first compiled (edge/db/prepared.ts), and the pool's
 * connections look the name up when they send that text (edge/db/index.ts).
 */

/** Distinct prepared SQL texts named for PostgreSQL; past it, new texts run unnamed. */
const PG_NAMED_STATEMENTS_MAX = 1_000;
const pgStatementNames = new Map<string, string>();

/** Gives `text` a statement name, while names last. */
export function namePgStatement(text: string): void {
  if (!pgStatementNames.has(text) && pgStatementNames.size < PG_NAMED_STATEMENTS_MAX) pgStatementNames.set(text, `sc_${pgStatementNames.size}`);
}

/**
 * The name under which PostgreSQL connections keep `text` as a server-side prepared
 * statement, when it is the SQL of a prepared query: each connection then parses and
 * plans it once, not on every call (the hot path runs the same few dozen statements).
 */
export function pgStatementName(text: string): string | undefined {
  return pgStatementNames.get(text);
}
