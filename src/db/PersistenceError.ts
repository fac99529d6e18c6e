import { Effect, Schema } from "effect"
import { isSqlError, type SqlError } from "effect/sql/SqlError"

/**
 * Every failure of the database layer. `transient` tells the job supervisor whether a retry can
 * help: lost connections, timeouts, deadlocks and serialization failures can; constraint
 * violations, bad SQL or an inconsistent snapshot never will.
 */
export class PersistenceError extends Schema.TaggedError<PersistenceError>()("PersistenceError", {
  operation: Schema.String,
  /** The SQL error class (`ConnectionError`, `UniqueViolation`, ...) or `InvalidSnapshot`. */
  reason: Schema.String,
  detail: Schema.String,
  /** Postgres' SQLSTATE when the server answered with an error, e.g. `23505`. */
  sqlState: Schema.NullOr(Schema.String),
  transient: Schema.Boolean
}) {
  override get message() {
    return `${this.operation} failed (${this.reason}${this.transient ? ", transient" : ""}): ${this.detail}`
  }
}

/**
 * Maps a driver error, keeping the server's own words (`relation "x" does not exist`). Neither the
 * driver's nor the server's messages carry the connection URL or the password.
 */
export const fromSqlError = (operation: string) => (error: SqlError): PersistenceError => {
  const cause: unknown = error.reason.cause
  const summary = error.reason.message ?? error.message
  const serverText = cause instanceof Error && cause.message !== "" ? cause.message : undefined
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined
  return new PersistenceError({
    operation,
    reason: error.reason._tag,
    detail: serverText === undefined || summary.includes(serverText) ? summary : `${summary}: ${serverText}`,
    sqlState: typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : null,
    transient: error.isRetryable
  })
}

/** Data the writer refuses before opening a transaction. */
export const invalidSnapshot = (operation: string, detail: string): PersistenceError =>
  new PersistenceError({ operation, reason: "InvalidSnapshot", detail, sqlState: null, transient: false })

/** Turns the driver's `SqlError` into a `PersistenceError` for `operation`, leaving others as they are. */
export const withPersistenceErrors = (operation: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, SqlError> | PersistenceError, R> =>
  Effect.mapError(effect, (error) => isSqlError(error) ? fromSqlError(operation)(error) : error as Exclude<E, SqlError>)
