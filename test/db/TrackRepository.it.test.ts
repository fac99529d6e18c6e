import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { EventWriter } from "../../src/db/EventWriter.ts"
import { TrackRepository } from "../../src/db/TrackRepository.ts"
import type { TrackSlug } from "../../src/liverc/LiveRcIds.ts"
import { parseTrackCatalogue } from "../../src/liverc/TrackCatalogueParser.ts"
import { parseTrackDashboard } from "../../src/liverc/TrackDashboardParser.ts"
import { migratedDatabase } from "./DbTestLayer.ts"
import { capturedPage, syntheticSnapshot } from "./Fixtures.ts"

const catalogue = parseTrackCatalogue(capturedPage("track_catalogue.html"), "https://live.liverc.com/")
const dashboard = parseTrackDashboard(
  capturedPage("canberraoffroad_dashboard.html"),
  "https://canberraoffroad.liverc.com/"
)

const trackCount = Effect.gen(function*() {
  const sql = yield* SqlClient
  return (yield* sql<{ n: number }>`SELECT count(*)::int4 AS n FROM tracks`)[0]!.n
})

layer(migratedDatabase, { excludeTestServices: true })("TrackRepository", (it) => {
  it.effect("stores the real catalogue once; a second sync changes nothing; an edit counts as updated", () =>
    Effect.gen(function*() {
      const { tracks } = yield* catalogue
      const repository = yield* TrackRepository
      assert.isAbove(tracks.length, 1000)
      const first = yield* repository.upsertCatalogue(tracks)
      assert.deepStrictEqual(first, { new: tracks.length, updated: 0, unchanged: 0 })
      assert.strictEqual(yield* trackCount, tracks.length)

      const second = yield* repository.upsertCatalogue(tracks)
      assert.deepStrictEqual(second, { new: 0, updated: 0, unchanged: tracks.length })

      const edited = tracks.map((track, index) =>
        index === 7 ? { ...track, name: `${track.name} (renamed)` } : index === 8 ? { ...track, lastActivity: null } : track
      )
      const third = yield* repository.upsertCatalogue([
        ...edited,
        { slug: "zz-new-track" as TrackSlug, name: "New Track", lastActivity: null }
      ])
      assert.deepStrictEqual(third, { new: 1, updated: 2, unchanged: tracks.length - 2 })
      assert.strictEqual(yield* trackCount, tracks.length + 1)
    }))

  it.effect("a slug listed twice in one catalogue is stored once", () =>
    Effect.gen(function*() {
      const twice = [
        { slug: "dup-track" as TrackSlug, name: "First", lastActivity: null },
        { slug: "dup-track" as TrackSlug, name: "Second", lastActivity: "1 minute ago" }
      ]
      assert.deepStrictEqual(yield* (yield* TrackRepository).upsertCatalogue(twice), {
        new: 1,
        updated: 0,
        unchanged: 0
      })
      const sql = yield* SqlClient
      const rows = yield* sql<{ name: string }>`SELECT name FROM tracks WHERE slug = 'dup-track'`
      assert.deepStrictEqual(rows.map((row) => row.name), ["Second"])
    }))

  it.effect("stores a dashboard's metadata, reports new / unchanged / updated", () =>
    Effect.gen(function*() {
      const page = yield* dashboard
      const repository = yield* TrackRepository
      const slug = "dashboard-only" as TrackSlug
      assert.strictEqual(yield* repository.upsertDashboard(slug, page), "new")
      assert.strictEqual(yield* repository.upsertDashboard(slug, page), "unchanged")
      assert.strictEqual(
        yield* repository.upsertDashboard(slug, { ...page, phone: "02 6000 0000", stats: { ...page.stats, laps: 3_000_000_000 } }),
        "updated"
      )
      const sql = yield* SqlClient
      const rows = yield* sql<{ name: string | null; phone: string | null; stat_laps: string; city: string | null }>`
        SELECT name, phone, stat_laps::text, city FROM tracks WHERE slug = ${slug}
      `
      assert.deepStrictEqual(rows[0], { name: page.name, phone: "02 6000 0000", stat_laps: "3000000000", city: page.city })
    }))

  it.effect("a track first created by an event ingest is completed by the catalogue", () =>
    Effect.gen(function*() {
      yield* (yield* EventWriter).write({
        ...syntheticSnapshot("910001", { races: 1, drivers: 1, laps: 1 }),
        trackSlug: "from-ingest" as TrackSlug
      })
      const counts = yield* (yield* TrackRepository).upsertCatalogue([
        { slug: "from-ingest" as TrackSlug, name: "From Ingest", lastActivity: null }
      ])
      assert.deepStrictEqual(counts, { new: 0, updated: 1, unchanged: 0 })
    }))
})
