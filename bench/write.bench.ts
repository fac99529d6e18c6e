import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { spawnSync } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EventWriter } from "../src/db/EventWriter.ts"
import * as Migrations from "../src/db/Migrations.ts"
import { syntheticSnapshot } from "../test/db/Fixtures.ts"
import { createTestDatabase } from "../test/support/TestDatabase.ts"

/**
 * `npm run bench:write`: laps written per second for a 20,000-lap event (BENCH_RACES x
 * BENCH_DRIVERS x BENCH_LAPS, default 20 x 20 x 50) through `EventWriter.write` at `laps_full`,
 * next to a plain COPY of the same lap rows into the same `laps` table as the ceiling.
 *
 * Each run uses a fresh event, so every measurement inserts. The writer's time is the whole
 * `write` as the pipeline calls it: one transaction with the advisory lock, event, 20 races, 400
 * results and the 20,000 laps (unnest arrays). The COPY rows need result rows to point at, so
 * their event is first written at `summary` (untimed) and only the laps are copied:
 *   - COPY ... FROM '<file>' (server side): the server reads a CSV from local disk; the time is the
 *     statement's round trip, so it is all server work (parse, insert, primary key, foreign key);
 *   - psql \copy with \timing: the client streams the same CSV over the connection, as the writer
 *     does; psql's own startup is not in the time.
 * The ceiling is the faster of the two. Median of BENCH_RUNS (5) runs after one warm-up.
 */

const races = Number(process.env["BENCH_RACES"] ?? 20)
const drivers = Number(process.env["BENCH_DRIVERS"] ?? 20)
const lapsPerDriver = Number(process.env["BENCH_LAPS"] ?? 50)
const runs = Number(process.env["BENCH_RUNS"] ?? 5)
const lapsPerEvent = races * drivers * lapsPerDriver

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const value = yield* effect
    return { value, ms: performance.now() - start }
  })

const snapshotFor = (eventId: number, depth: "summary" | "laps_full", variant = 0) =>
  syntheticSnapshot(String(eventId), { races, drivers, laps: lapsPerDriver, variant }, depth)

const lapCount = (eventId: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const rows = yield* sql<{ n: number }>`
      SELECT count(*)::int4 AS n FROM laps l JOIN race_results rr ON rr.id = l.race_result_id
      JOIN races r ON r.id = rr.race_id JOIN events e ON e.id = r.event_id WHERE e.source_event_id = ${String(eventId)}
    `
    return rows[0]!.n
  })

/** The event's laps as CSV rows for COPY, with the result ids its summary write created. */
const lapsCsv = (eventId: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const snapshot = snapshotFor(eventId, "laps_full")
    const results = yield* sql<{ id: string; source_race_id: string; row_order: number }>`
      SELECT rr.id::text, r.source_race_id, rr.row_order FROM race_results rr
      JOIN races r ON r.id = rr.race_id JOIN events e ON e.id = r.event_id
      WHERE e.source_event_id = ${String(eventId)}
    `
    const ids = new Map(results.map((row) => [`${row.source_race_id}/${row.row_order}`, row.id]))
    const lines: Array<string> = []
    for (const race of snapshot.races) {
      race.result!.results.forEach((row, order) => {
        const id = ids.get(`${race.raceId}/${order}`)!
        for (const lap of row.laps) lines.push(`${id},${lap.lap},${lap.position ?? ""},${lap.timeMs}`)
      })
    }
    return `${lines.join("\n")}\n`
  })

const program = (databaseUrl: string, dir: string) =>
  Effect.gen(function*() {
    const writer = yield* EventWriter
    const sql = yield* SqlClient
    const fresh: Array<number> = []
    const identical: Array<number> = []
    const changed: Array<number> = []
    const copyServer: Array<number> = []
    const copyClient: Array<number> = []

    for (let run = 0; run <= runs; run++) {
      const measured = run > 0
      const writerEvent = 500_000 + run
      const first = yield* timed(writer.write(snapshotFor(writerEvent, "laps_full")))
      if (first.value.laps !== lapsPerEvent) throw new Error(`wrote ${first.value.laps} laps, expected ${lapsPerEvent}`)
      const again = yield* timed(writer.write(snapshotFor(writerEvent, "laps_full")))
      const edit = yield* timed(writer.write(snapshotFor(writerEvent, "laps_full", 1)))

      const serverEvent = 600_000 + run
      yield* writer.write(snapshotFor(serverEvent, "summary"))
      const serverFile = join(dir, `laps-${serverEvent}.csv`)
      writeFileSync(serverFile, yield* lapsCsv(serverEvent))
      chmodSync(serverFile, 0o644)
      const copied = yield* timed(
        sql.unsafe(`COPY laps (race_result_id, lap, position, time_ms) FROM '${serverFile}' WITH (FORMAT csv)`)
      )
      if ((yield* lapCount(serverEvent)) !== lapsPerEvent) throw new Error("server-side COPY stored the wrong lap count")

      const clientEvent = 700_000 + run
      yield* writer.write(snapshotFor(clientEvent, "summary"))
      const clientFile = join(dir, `laps-${clientEvent}.csv`)
      writeFileSync(clientFile, yield* lapsCsv(clientEvent))
      const psql = spawnSync(
        "psql",
        [databaseUrl, "-v", "ON_ERROR_STOP=1", "-c", "\\timing on", "-c",
          `\\copy laps (race_result_id, lap, position, time_ms) FROM '${clientFile}' WITH (FORMAT csv)`],
        { encoding: "utf8" }
      )
      const time = /Time: ([0-9.]+) ms/.exec(psql.stdout)
      if (psql.status !== 0 || time === null) throw new Error(`psql \\copy failed: ${psql.stderr}`)
      if ((yield* lapCount(clientEvent)) !== lapsPerEvent) throw new Error("psql \\copy stored the wrong lap count")

      if (measured) {
        fresh.push(first.ms)
        identical.push(again.ms)
        changed.push(edit.ms)
        copyServer.push(copied.ms)
        copyClient.push(Number(time[1]))
      }
    }
    return { fresh, identical, changed, copyServer, copyClient }
  })

const db = await createTestDatabase("lri_bench")
const dir = mkdtempSync(join(tmpdir(), "liverc-bench-"))
chmodSync(dir, 0o755)
try {
  const layer = EventWriter.layer.pipe(
    Layer.provideMerge(Migrations.layer),
    Layer.provideMerge(PgClient.layer({ url: Redacted.make(db.url), maxConnections: 2 }))
  )
  const result = await Effect.runPromise(program(db.url, dir).pipe(Effect.provide(layer)))
  const rate = (ms: number) => Math.round(lapsPerEvent / (ms / 1000))
  const line = (label: string, samples: ReadonlyArray<number>) => {
    const ms = median(samples)
    return `${label.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms  ${rate(ms).toLocaleString("en").padStart(10)} laps/s`
  }
  const ceiling = Math.min(median(result.copyServer), median(result.copyClient))
  const writer = median(result.fresh)
  console.log(
    [
      `bench:write: one event of ${lapsPerEvent.toLocaleString("en")} laps (${races} races x ${drivers} drivers x ${lapsPerDriver} laps),`,
      `median of ${runs} runs after a warm-up, Postgres ${db.url.replace(/\/\/[^@]*@/, "//")} (fresh database)`,
      "",
      line("EventWriter.write laps_full, new event (whole event, 1 tx)", result.fresh),
      line("EventWriter.write laps_full, same event again (no changes)", result.identical),
      line("EventWriter.write laps_full, every lap time corrected", result.changed),
      line("COPY laps FROM file, server side (laps only)", result.copyServer),
      line("psql \\copy laps, streamed by the client (laps only)", result.copyClient),
      "",
      `ratio EventWriter new event / COPY ceiling: ${(ceiling / writer).toFixed(2)} ` +
      `(${rate(writer).toLocaleString("en")} vs ${rate(ceiling).toLocaleString("en")} laps/s)`,
      "",
      "Method: every run writes a fresh event, so all three COPY and new-event figures are inserts into the same",
      "laps table with its primary key and foreign key. The writer's time covers the whole transaction (advisory",
      "lock, event, races, results, laps); the COPY times cover only the laps, whose result rows were written",
      "beforehand at summary depth. Server-side COPY is timed as the statement's round trip (the server reads the",
      "file itself); psql \\copy is psql's \\timing of the command (client-to-server transfer included, psql start-up not)."
    ].join("\n")
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
  await db.drop()
}
