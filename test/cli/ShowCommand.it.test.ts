import { assert, describe, it } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { spawn } from "node:child_process"
import { join } from "node:path"
import { EventWriter } from "../../src/db/EventWriter.ts"
import * as Migrations from "../../src/db/Migrations.ts"
import type { LiveRcId } from "../../src/liverc/LiveRcIds.ts"
import { loadRealEvent, raceUrl, realEventId, realRaceIds, realSnapshot } from "../db/Fixtures.ts"
import { realEventStandings } from "../support/SimStandings.ts"
import { createTestDatabase, type TestDatabase } from "../support/TestDatabase.ts"

const node = join(import.meta.dirname, "../../node_modules/.bin/node")
const cli = join(import.meta.dirname, "ShowCli.ts")
const captured = join(import.meta.dirname, "../../src/sim/captured/event-486677")

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (db: TestDatabase, args: ReadonlyArray<string>) =>
  Effect.callback<Run>((resume) => {
    const child = spawn(node, [cli, ...args], { env: { ...process.env, DATABASE_URL: db.url } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += String(chunk)))
    child.stderr.on("data", (chunk) => (stderr += String(chunk)))
    child.on("exit", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** Event 486677 with its standings, and event 486678: no races, no standings linked. */
const storeRealEvent = (db: TestDatabase) =>
  Effect.gen(function*() {
    const { event, results } = yield* loadRealEvent
    const standings = realEventStandings()
    const writer = yield* EventWriter
    yield* writer.write({
      trackSlug: realSnapshot(event, results).trackSlug,
      eventId: "486678" as LiveRcId,
      depth: "summary",
      event: { ...event, eventId: "486678" as LiveRcId, races: [], multiMains: [], points: [], roundRankings: [], overallRankingId: null },
      races: [],
      validators: []
    })
    const counts = yield* writer.write({ ...realSnapshot(event, results), standings })
    return { counts, standings }
  }).pipe(
    Effect.provide(
      EventWriter.layer.pipe(
        Layer.provideMerge(Migrations.layer),
        Layer.provideMerge(PgClient.layer({ url: Redacted.make(db.url), maxConnections: 2 }))
      )
    )
  )

describe("liverc-ingest show", () => {
  it.live("show race prints exactly what parse race-result prints; show event lists the races and the four standings sections; unknown ids exit 1", () =>
    Effect.acquireUseRelease(
      Effect.promise(() => createTestDatabase("lri_show")),
      (db) =>
        Effect.gen(function*() {
          const { counts, standings } = yield* storeRealEvent(db)
          // The CLI processes start in parallel: each spends seconds loading, little running.
          const [races, [event, bare, missingRace, missingEvent, invalid]] = yield* Effect.all([
            Effect.forEach(realRaceIds, (raceId) =>
              Effect.all([
                run(db, ["show", "race", raceId]),
                run(db, ["parse", "race-result", join(captured, `race.${raceId}.html`), "--url", raceUrl(raceId)])
              ], { concurrency: "unbounded" }), { concurrency: "unbounded" }),
            Effect.all([
              run(db, ["show", "event", realEventId]),
              run(db, ["show", "event", "486678"]),
              run(db, ["show", "race", "123"]),
              run(db, ["show", "event", "123"]),
              run(db, ["show", "race", "12;DROP"])
            ], { concurrency: "unbounded" })
          ], { concurrency: "unbounded" })
          for (const [shown, parsed] of races) {
            assert.strictEqual(shown.code, 0, shown.stderr)
            assert.strictEqual(parsed.code, 0, parsed.stderr)
            assert.strictEqual(shown.stdout, parsed.stdout)
          }

          assert.strictEqual(event.code, 0, event.stderr)
          const shownEvent = JSON.parse(event.stdout)
          assert.strictEqual(shownEvent.eventId, realEventId)
          assert.strictEqual(shownEvent.races.length, counts.races)
          assert.deepStrictEqual(shownEvent.races[0].raceId, realRaceIds[0])
          // The four standings sections, each page as `parse` prints it, in the event page's link order.
          assert.deepStrictEqual(shownEvent.multiMainResults, standings.multiMains.map(({ page }) => page))
          assert.deepStrictEqual(shownEvent.rankings, standings.roundRankings.map(({ page }) => page))
          assert.deepStrictEqual(shownEvent.points, standings.points.map(({ page }) => page))
          assert.deepStrictEqual(shownEvent.overallRanking, standings.overallRanking!.page.classes)
          assert.deepStrictEqual(
            [shownEvent.multiMainResults.length, shownEvent.rankings.length, shownEvent.points.length],
            [3, 3, 1]
          )
          assert.deepStrictEqual(Object.keys(shownEvent.multiMainResults[0]), Object.keys(standings.multiMains[0]!.page))
          assert.strictEqual(shownEvent.links.overallRankingId, realEventId)

          // An event with none: the same four sections, empty.
          assert.strictEqual(bare.code, 0, bare.stderr)
          const shownBare = JSON.parse(bare.stdout)
          assert.deepStrictEqual(
            [shownBare.races, shownBare.multiMainResults, shownBare.rankings, shownBare.points, shownBare.overallRanking],
            [[], [], [], [], []]
          )

          assert.strictEqual(missingRace.code, 1)
          assert.strictEqual(missingRace.stdout, "")
          assert.include(missingRace.stderr, "race 123 is not stored")

          assert.strictEqual(missingEvent.code, 1)
          assert.include(missingEvent.stderr, "event 123 is not stored")

          assert.notStrictEqual(invalid.code, 0)
          assert.include(invalid.stderr, "LiveRC id")
        }),
      (db) => Effect.promise(() => db.drop())
    ))
})
