import { Cause, Effect, Schema } from "effect"
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
 * Server answers the driver classifies as unknown (not retryable) although they only say the
 * database cannot be reached right now: an operator or a failover terminated the session
 * (57P01 admin_shutdown, 57P02 crash_shutdown), the server is starting (57P03), out of
 * connection slots (53300), or the database refuses new connections (55000 at connect, e.g.
 * `ALLOW_CONNECTIONS false` during maintenance). A write retried after them can succeed.
 */
const unavailableStates: ReadonlySet<string> = new Set(["57P01", "57P02", "57P03", "53300"])

const serverUnavailable = (sqlState: string | null, operation: string | undefined) =>
  sqlState !== null &&
  (sqlState.startsWith("08") || unavailableStates.has(sqlState) || (sqlState === "55000" && operation === "connect"))

/**
 * Maps a driver error, keeping the server's own words (`relation "x" does not exist`). Neither the
 * driver's nor the server's messages carry the connection URL or the password.
 */
export const fromSqlError = (operation: string) => (error: SqlError): PersistenceError => {
  const cause: unknown = error.reason.cause
  const summary = error.reason.message ?? error.message
  const serverText = cause instanceof Error && cause.message !== "" ? cause.message : undefined
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined
  const sqlState = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : null
  return new PersistenceError({
    operation,
    reason: error.reason._tag,
    detail: serverText === undefined || summary.includes(serverText) ? summary : `${summary}: ${serverText}`,
    sqlState,
    transient: error.isRetryable || serverUnavailable(sqlState, error.reason.operation)
  })
}

/** Data the writer refuses before opening a transaction. */
export const invalidSnapshot = (operation: string, detail: string): PersistenceError =>
  new PersistenceError({ operation, reason: "InvalidSnapshot", detail, sqlState: null, transient: false })

/**
 * Turns the driver's `SqlError` into a `PersistenceError` for `operation`, leaving others as they are.
 * When a transaction's connection dies, its ROLLBACK fails too and `withTransaction` raises that
 * as a defect (an `SqlError`). It is a lost connection, not a bug: it becomes a (transient)
 * PersistenceError as well, so callers can retry instead of crashing the job.
 */
export const withPersistenceErrors = (operation: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, SqlError> | PersistenceError, R> =>
  effect.pipe(
    Effect.mapError((error) => isSqlError(error) ? fromSqlError(operation)(error) : error as Exclude<E, SqlError>),
    Effect.catchCause((cause) => {
      const lost = cause.reasons.find((reason) => Cause.isDieReason(reason) && isSqlError(reason.defect))
      return lost !== undefined && Cause.isDieReason(lost) && isSqlError(lost.defect)
        ? Effect.fail(fromSqlError(operation)(lost.defect))
        : Effect.failCause(cause)
    })
  )
