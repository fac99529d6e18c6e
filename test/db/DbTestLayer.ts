import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { EventReader } from "../../src/db/EventReader.ts"
import { EventRepository } from "../../src/db/EventRepository.ts"
import { EventWriter } from "../../src/db/EventWriter.ts"
import * as Migrations from "../../src/db/Migrations.ts"
import { PageValidators } from "../../src/db/PageValidators.ts"
import { PracticeRepository } from "../../src/db/PracticeRepository.ts"
import { RaceReader } from "../../src/db/RaceReader.ts"
import { TrackRepository } from "../../src/db/TrackRepository.ts"
import { createTestDatabase, type TestDatabase } from "../support/TestDatabase.ts"

/** The fresh database of one test file, dropped when the file's layer closes. */
export class TestDb extends Context.Service<TestDb, TestDatabase>()("test/db/TestDb") {}

const testDb = Layer.effect(
  TestDb,
  Effect.acquireRelease(Effect.promise(() => createTestDatabase("lri_db")), (db) => Effect.promise(() => db.drop()))
)

/** A pool on the file's own, empty database. */
export const emptyDatabase = Layer.unwrap(Effect.gen(function*() {
  const db = yield* TestDb
  return PgClient.layer({ url: Redacted.make(db.url), maxConnections: 10, applicationName: "liverc-ingest-test" })
})).pipe(Layer.provideMerge(testDb))

/** The file's database migrated, with every repository and reader. */
export const migratedDatabase = Layer.mergeAll(
  EventWriter.layer,
  EventReader.layer,
  RaceReader.layer,
  PageValidators.layer,
  TrackRepository.layer,
  EventRepository.layer,
  PracticeRepository.layer
).pipe(Layer.provideMerge(Migrations.layer), Layer.provideMerge(emptyDatabase))

/**
 * Advisory locks held or waited for (with `waiting`, only those waited for) in this test file's
 * database; other test files share the server.
 */
export const advisoryLocks = (options: { readonly waiting?: boolean } = {}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const rows = yield* sql<{ n: number }>`
      SELECT count(*)::int4 AS n FROM pg_locks
      WHERE locktype = 'advisory' AND (NOT granted OR NOT ${options.waiting === true})
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    `
    return rows[0]!.n
  })
