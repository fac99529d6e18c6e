import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { runMigrations } from "../../src/db/Migrations.ts"
import { createTestDatabase, type TestDatabase } from "../support/TestDatabase.ts"

/** The database gateway tests run against: migrated, with one track and the events stored under it. */

export const STORED_TRACK = "canberraoffroad"

export const seededDatabase = async (storedEventIds: ReadonlyArray<string>): Promise<TestDatabase> => {
  const db = createTestDatabase("lri_gw")
  await Effect.runPromise(
    Effect.gen(function*() {
      yield* runMigrations
      const sql = yield* SqlClient
      yield* sql`INSERT INTO tracks (slug, name) VALUES (${STORED_TRACK}, 'Canberra Off Road')`
      for (const id of storedEventIds) {
        yield* sql`
          INSERT INTO events (source_event_id, track_id, name)
          SELECT ${id}, id, ${`Stored event ${id}`} FROM tracks WHERE slug = ${STORED_TRACK}
        `
      }
    }).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(db.url), maxConnections: 2, applicationName: "liverc-ingest-test" }))
    )
  )
  return db
}

/** The value of one sample in a Prometheus exposition, undefined when absent. */
export const sample = (exposition: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(name)) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const present = (match[3] ?? "").split(",").filter((l) => l.length > 0)
    if (wanted.every((label) => present.includes(label))) return Number(match[4])
  }
  return undefined
}

/** Every value the label `label` takes in the samples of `name`. */
export const labelValues = (exposition: string, name: string, label: string): Set<string> => {
  const values = new Set<string>()
  const pattern = new RegExp(`${label}="([^"]*)"`)
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue
    const match = pattern.exec(line)
    if (match?.[1] !== undefined) values.add(match[1])
  }
  return values
}
