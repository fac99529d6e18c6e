import { assert, describe, it } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { Deferred, Effect, Fiber, Redacted } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { spawn } from "node:child_process"
import { join } from "node:path"
import { lockForTransaction, migrationsLockKey } from "../../src/db/AdvisoryLock.ts"
import { runMigrations } from "../../src/db/Migrations.ts"
import { createTestDatabase, type TestDatabase } from "../support/TestDatabase.ts"
import { advisoryLocks } from "./DbTestLayer.ts"

const node = join(import.meta.dirname, "../../node_modules/.bin/node")
const script = join(import.meta.dirname, "MigrateProcess.ts")

const onFreshDatabase = <A, E>(use: (db: TestDatabase) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.promise(() => createTestDatabase("lri_migrate")),
    use,
    (db) => Effect.promise(() => db.drop())
  )

const clientFor = (db: TestDatabase) => PgClient.layer({ url: Redacted.make(db.url), maxConnections: 2 })

const migrationState = (db: TestDatabase) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const migrations = yield* sql<{ migration_id: number }>`
      SELECT migration_id FROM effect_sql_migrations ORDER BY migration_id
    `
    const tables = yield* sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name
    `
    const locks = yield* advisoryLocks()
    return {
      migrations: migrations.map((row) => row.migration_id),
      tables: tables.map((row) => row.table_name),
      advisoryLocks: locks
    }
  }).pipe(Effect.provide(clientFor(db)))

/** Every migration id, in order. */
const allMigrations = [1, 2, 3, 4, 5]

const expectedTables = [
  "drivers",
  "effect_sql_migrations",
  "event_entries",
  "event_multi_main_results",
  "event_overall_rankings",
  "event_qual_points",
  "event_round_rankings",
  "events",
  "followed_tracks",
  "laps",
  "page_validators",
  "practice_days",
  "practice_laps",
  "practice_sessions",
  "race_results",
  "races",
  "tracks"
]

const runProcess = (db: TestDatabase, startAt: number) =>
  Effect.callback<{ code: number | null; stdout: string; stderr: string }>((resume) => {
    const child = spawn(node, [script], {
      env: { ...process.env, DATABASE_URL: db.url, START_AT: String(startAt) },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += String(chunk)))
    child.stderr.on("data", (chunk) => (stderr += String(chunk)))
    child.on("exit", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

describe("Migrations", () => {
  it.live("the whole run, bookkeeping table included, waits for the migrations lock", () =>
    onFreshDatabase((db) =>
      Effect.gen(function*() {
        const sql = yield* SqlClient
        const release = yield* Deferred.make<void>()
        const locked = yield* Deferred.make<void>()
        const holder = yield* sql.withTransaction(
          lockForTransaction(sql, migrationsLockKey).pipe(
            Effect.andThen(Deferred.succeed(locked, undefined)),
            Effect.andThen(Deferred.await(release))
          )
        ).pipe(Effect.forkChild)
        yield* Deferred.await(locked)
        const migration = yield* runMigrations.pipe(Effect.provide(clientFor(db)), Effect.forkChild)
        for (let attempt = 0; ; attempt++) {
          if ((yield* advisoryLocks({ waiting: true })) === 1) break
          assert.isBelow(attempt, 250, "the migration never waited on the lock")
          yield* Effect.sleep("20 millis")
        }
        const table = yield* sql<{ found: string | null }>`SELECT to_regclass('effect_sql_migrations')::text AS found`
        assert.isNull(table[0]!.found)
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder)
        assert.deepStrictEqual((yield* Fiber.join(migration)).map(([id]) => id), allMigrations)
      }).pipe(Effect.provide(clientFor(db)))
    ))


  it.live("eight pools migrating one empty database at once all succeed, and the schema is applied once", () =>
    onFreshDatabase((db) =>
      Effect.gen(function*() {
        const results = yield* Effect.all(
          Array.from({ length: 8 }, () => runMigrations.pipe(Effect.provide(clientFor(db)))),
          { concurrency: "unbounded" }
        )
        const applied = results.map((ids) => ids.map(([id]) => id))
        assert.strictEqual(applied.filter((ids) => ids.length === allMigrations.length).length, 1)
        assert.strictEqual(applied.filter((ids) => ids.length === 0).length, 7)
        const state = yield* migrationState(db)
        assert.deepStrictEqual(state, { migrations: allMigrations, tables: expectedTables, advisoryLocks: 0 })
        // A restart finds nothing left to do.
        assert.deepStrictEqual(yield* runMigrations.pipe(Effect.provide(clientFor(db))), [])
      })
    ))

  it.live("four worker processes starting at the same moment on an empty database all migrate cleanly", () =>
    onFreshDatabase((db) =>
      Effect.gen(function*() {
        const startAt = Date.now() + 3_000
        const runs = yield* Effect.all(Array.from({ length: 4 }, () => runProcess(db, startAt)), {
          concurrency: "unbounded"
        })
        for (const run of runs) assert.strictEqual(run.code, 0, run.stderr)
        const applied = runs.map((run) => {
          const line = run.stdout.split("\n").find((text) => text.startsWith("applied "))
          return JSON.parse(line!.slice("applied ".length)) as Array<number>
        })
        assert.deepStrictEqual(applied.filter((ids) => ids.length > 0), [allMigrations])
        assert.deepStrictEqual(yield* migrationState(db), {
          migrations: allMigrations,
          tables: expectedTables,
          advisoryLocks: 0
        })
      })
    ))
})
