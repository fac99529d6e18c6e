import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { ConnectionError, SqlError, UniqueViolation, UnknownError } from "effect/sql/SqlError"
import { fromSqlError, withPersistenceErrors } from "../../src/db/PersistenceError.ts"

/** A driver error as @effect/sql-pg builds it from a server ErrorResponse. */
const serverError = (code: string, text: string, operation: string) =>
  new SqlError({
    reason: new UnknownError({ cause: Object.assign(new Error(text), { code }), message: "PgConnection: failed", operation })
  })

describe("PersistenceError", () => {
  it("counts a database that refuses connections, a terminated session or a full server as transient", () => {
    const refusing = fromSqlError("op")(
      serverError("55000", "database \"x\" is not currently accepting connections", "connect")
    )
    assert.isTrue(refusing.transient)
    assert.strictEqual(refusing.sqlState, "55000")
    for (const code of ["57P01", "57P02", "57P03", "53300", "08006"]) {
      assert.isTrue(fromSqlError("op")(serverError(code, "gone", "query")).transient, code)
    }
  })

  it("keeps other unclassified server errors and constraint violations non-transient", () => {
    assert.isFalse(fromSqlError("op")(serverError("55000", "object not in prerequisite state", "query")).transient)
    assert.isFalse(fromSqlError("op")(serverError("22P02", "invalid input syntax", "query")).transient)
    const unique = new SqlError({
      reason: new UniqueViolation({
        cause: Object.assign(new Error("duplicate key"), { code: "23505" }),
        constraint: "races_pkey",
        message: "duplicate",
        operation: "query"
      })
    })
    assert.isFalse(fromSqlError("op")(unique).transient)
  })

  it.effect("turns the defect of a rollback on a dead connection into a transient failure, and nothing else", () =>
    Effect.gen(function*() {
      const lost = new SqlError({
        reason: new ConnectionError({ cause: new Error("read ECONNRESET"), message: "PgConnection: Socket error" })
      })
      const failure = yield* Effect.flip(withPersistenceErrors("EventWriter.write")(Effect.die(lost)))
      assert.strictEqual(failure._tag, "PersistenceError")
      assert.isTrue(failure.transient)
      assert.strictEqual(failure.operation, "EventWriter.write")

      const bug = yield* Effect.exit(withPersistenceErrors("op")(Effect.die(new Error("a bug"))))
      assert.isTrue(Exit.isFailure(bug) && Cause.hasDies(bug.cause))
      const interrupted = yield* Effect.exit(withPersistenceErrors("op")(Effect.interrupt))
      assert.isTrue(Exit.isFailure(interrupted) && Cause.hasInterruptsOnly(interrupted.cause))
    }))
})
