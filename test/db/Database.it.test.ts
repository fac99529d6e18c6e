import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Layer, Logger } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { inspect } from "node:util"
import * as Database from "../../src/db/Database.ts"
import { withPersistenceErrors } from "../../src/db/PersistenceError.ts"
import { freePort } from "../support/NatsTestServer.ts"
import { createTestDatabase } from "../support/TestDatabase.ts"

/** Database.layer with the given environment, and every log line it and its users write. */
const withEnvironment = (env: Record<string, string>) => {
  const lines: Array<string> = []
  const capture = Logger.make(({ cause, message }) => {
    lines.push(`${inspect(message, { depth: 10 })} ${Cause.pretty(cause)}`)
  })
  const layer = Database.layer.pipe(
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))),
    Layer.provideMerge(Logger.layer([capture]))
  )
  return { lines, layer }
}

const whoAmI = Effect.gen(function*() {
  const sql = yield* SqlClient
  const rows = yield* sql<{ database: string; application: string }>`
    SELECT current_database() AS database, current_setting('application_name') AS application
  `
  return rows[0]!
})

describe("Database", () => {
  it.live("connects to DATABASE_URL with the configured application name and pool size", () =>
    Effect.acquireUseRelease(
      Effect.promise(() => createTestDatabase("lri_dbcfg")),
      (db) => {
        const { layer, lines } = withEnvironment({
          DATABASE_URL: db.url,
          DATABASE_POOL_MAX: "3",
          DATABASE_APPLICATION_NAME: "liverc-ingest-config-test"
        })
        return Effect.gen(function*() {
          assert.deepStrictEqual(yield* whoAmI, { database: db.name, application: "liverc-ingest-config-test" })
          const sql = yield* SqlClient
          const peak = yield* Effect.all(
            Array.from({ length: 9 }, () =>
              sql<{ n: number }>`
                SELECT count(*)::int4 AS n FROM (SELECT pg_sleep(0.2)) s, pg_stat_activity
                WHERE application_name = 'liverc-ingest-config-test' AND datname = current_database()
              `),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(Math.max(...peak.map((rows) => rows[0]!.n)), 3)
          assert.isFalse(lines.some((line) => line.includes("DATABASE_URL is not set")))
        }).pipe(Effect.provide(layer))
      },
      (db) => Effect.promise(() => db.drop())
    ))

  it.live("without DATABASE_URL it uses the development database and says so", () => {
    const { layer, lines } = withEnvironment({})
    return Effect.gen(function*() {
      assert.strictEqual((yield* whoAmI).database, "test")
      assert.isTrue(lines.some((line) => line.includes(`using the development database ${Database.developmentDatabaseUrl}`)))
    }).pipe(Effect.provide(layer))
  })

  it.live("an unreachable server is a transient error, and the password appears in no error and no log", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(() => freePort())
      const password = "s3cr3t-Passw0rd"
      const { layer, lines } = withEnvironment({ DATABASE_URL: `postgres://ingest:${password}@127.0.0.1:${port}/liverc` })
      const error = yield* whoAmI.pipe(
        withPersistenceErrors("probe"),
        Effect.tapCause((cause) => Effect.logError("probe failed", cause)),
        Effect.provide(layer),
        Effect.flip
      )
      assert.strictEqual(error._tag, "PersistenceError")
      assert.isTrue(error._tag === "PersistenceError" && error.transient)
      assert.isAbove(lines.length, 0)
      for (const text of [error.message, inspect(error, { depth: 10 }), JSON.stringify(error), ...lines]) {
        assert.notInclude(text, password)
      }
    }))
})
