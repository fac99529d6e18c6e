import { Effect, Layer } from "effect"
import * as Migrator from "effect/sql/Migrator"
import { SqlClient } from "effect/sql/SqlClient"
import { isSqlError } from "effect/sql/SqlError"
import { lockForTransaction, migrationsLockKey } from "./AdvisoryLock.ts"
import core from "./migrations/0001_core.ts"
import practice from "./migrations/0002_practice.ts"
import trackActivity from "./migrations/0003_track_activity.ts"
import followedTracks from "./migrations/0004_followed_tracks.ts"
import eventStandings from "./migrations/0005_event_standings.ts"
import { fromSqlError, PersistenceError, withPersistenceErrors } from "./PersistenceError.ts"

/**
 * Schema migrations, run by every worker at start. The migrator alone is not safe when several
 * workers migrate an empty database at once (it creates its bookkeeping table before it locks), so
 * the whole run happens in one transaction that first takes a transaction-scoped advisory lock:
 * the second worker waits, then finds nothing left to do. A failed migration rolls everything back.
 */

const loader = Migrator.fromRecord({
  "0001_core": core,
  "0002_practice": practice,
  "0003_track_activity": trackActivity,
  "0004_followed_tracks": followedTracks,
  "0005_event_standings": eventStandings
})

// The plain migrator: PgMigrator only adds `pg_dump` schema dumps, which need process services.
const migrate = Migrator.make({})

export const runMigrations: Effect.Effect<ReadonlyArray<readonly [id: number, name: string]>, PersistenceError, SqlClient> =
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const applied = yield* sql.withTransaction(
      Effect.andThen(lockForTransaction(sql, migrationsLockKey), migrate({ loader }))
    )
    if (applied.length > 0) {
      yield* Effect.logInfo(`applied migrations ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`)
    }
    return applied
  }).pipe(
    Effect.catchTag("MigrationError", (error) =>
      Effect.fail(
        new PersistenceError({
          operation: "migrate",
          reason: `MigrationError.${error.kind}`,
          detail: isSqlError(error.cause) ? `${error.message}: ${fromSqlError("migrate")(error.cause).detail}` : error.message,
          sqlState: isSqlError(error.cause) ? fromSqlError("migrate")(error.cause).sqlState : null,
          transient: isSqlError(error.cause) && error.cause.isRetryable
        })
      )),
    withPersistenceErrors("migrate"),
    Effect.withSpan("Migrations.run")
  )

/** Runs the migrations when the layer is built; provide it before anything that reads or writes. */
export const layer: Layer.Layer<never, PersistenceError, SqlClient> = Layer.effectDiscard(runMigrations)
