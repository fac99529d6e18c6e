import type { SqlClient } from "effect/sql/SqlClient"

/**
 * Transaction-scoped advisory locks. Postgres releases them at COMMIT or ROLLBACK, also when the
 * connection dies, so no failure path can leave one behind on a pooled connection (the session
 * form leaks to the next borrower). Keys are hashed by Postgres itself (`hashtextextended`), so
 * every process and every language agrees on them.
 */

export const migrationsLockKey = "liverc-ingest/migrations"
export const eventLockKey = (sourceEventId: string) => `liverc-ingest/event/${sourceEventId}`
export const practiceSessionLockKey = (sourceSessionId: string) => `liverc-ingest/practice-session/${sourceSessionId}`

/** Waits until the current transaction holds the lock; call it inside `sql.withTransaction` only. */
export const lockForTransaction = (sql: SqlClient, key: string) =>
  sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`
