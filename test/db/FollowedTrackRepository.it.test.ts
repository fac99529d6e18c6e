import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { FollowedTrackRepository, type RecentEventQuery } from "../../src/db/FollowedTrackRepository.ts"
import type { TrackSlug } from "../../src/liverc/LiveRcIds.ts"
import { migratedDatabase } from "./DbTestLayer.ts"

const database = FollowedTrackRepository.layer.pipe(Layer.provideMerge(migratedDatabase))

const followed = "followed-a" as TrackSlug
const alsoFollowed = "followed-b" as TrackSlug
const notFollowed = "not-followed" as TrackSlug

/** 2026-06-10 at 10:00 UTC: the run date; the window of 7 days starts 2026-06-04. */
const query: RecentEventQuery = {
  runDate: "2026-06-10",
  now: new Date("2026-06-10T10:00:00Z"),
  windowDays: 7,
  minAgeHours: 12,
  depth: "laps_full",
  maxEvents: 50,
  maxPerTrack: 5
}

const seed = Effect.gen(function*() {
  const sql = yield* SqlClient
  for (const slug of [followed, alsoFollowed, notFollowed]) {
    yield* sql`INSERT INTO tracks (slug, name) VALUES (${slug}, ${`Track ${slug}`}) ON CONFLICT DO NOTHING`
  }
  const event = (id: string, slug: TrackSlug, date: string, dateEnd: string | null, depth: string) =>
    sql`
      INSERT INTO events (source_event_id, track_id, name, date, date_end, ingest_depth)
      SELECT ${id}, id, ${`Event ${id}`}, ${date}::date, ${dateEnd}::date, ${depth} FROM tracks WHERE slug = ${slug}
      ON CONFLICT DO NOTHING
    `
  yield* event("1001", followed, "2026-06-09", null, "none") // eligible: yesterday, 34 h old
  yield* event("1002", followed, "2026-06-04", null, "summary") // eligible: first day of the window
  yield* event("1003", followed, "2026-06-03", null, "none") // before the window
  yield* event("1004", followed, "2026-06-02", "2026-06-05", "none") // started before, overlaps the window: eligible
  yield* event("1005", followed, "2026-06-10", null, "none") // today: 10 h old, under the minimum age
  yield* event("1006", followed, "2026-06-08", null, "laps_full") // already stored at full depth
  yield* event("1007", followed, "2026-06-12", null, "none") // in the future
  yield* event("1008", notFollowed, "2026-06-09", null, "none") // a track nobody follows
  yield* event("1009", alsoFollowed, "2026-06-07", null, "none") // eligible, the other followed track
  yield* sql`INSERT INTO events (source_event_id, track_id, name) SELECT '1010', id, 'No date' FROM tracks WHERE slug = ${followed} ON CONFLICT DO NOTHING`
  const repository = yield* FollowedTrackRepository
  yield* repository.follow(followed)
  yield* repository.follow(alsoFollowed)
})

const ids = (events: ReadonlyArray<{ readonly eventId: string }>) => events.map((event) => event.eventId)

layer(database, { excludeTestServices: true })("FollowedTrackRepository", (it) => {
  it.effect("follows a track once: a second follow changes nothing, unfollow tells whether it was followed", () =>
    Effect.gen(function*() {
      const repository = yield* FollowedTrackRepository
      const first = yield* repository.follow("solo-track" as TrackSlug)
      assert.isTrue(first.changed)
      assert.strictEqual(first.track.trackSlug, "solo-track")
      const again = yield* repository.follow("solo-track" as TrackSlug)
      assert.isFalse(again.changed)
      assert.strictEqual(again.track.followedAt.getTime(), first.track.followedAt.getTime())
      assert.isTrue((yield* repository.list).some((track) => track.trackSlug === "solo-track"))
      assert.isTrue(yield* repository.unfollow("solo-track" as TrackSlug))
      assert.isFalse(yield* repository.unfollow("solo-track" as TrackSlug))
      assert.isFalse((yield* repository.list).some((track) => track.trackSlug === "solo-track"))
    }))

  it.effect("picks exactly the followed tracks' recent events not yet stored at the depth, newest first", () =>
    Effect.gen(function*() {
      yield* seed
      const repository = yield* FollowedTrackRepository
      assert.deepStrictEqual(ids(yield* repository.recentEvents(query)), ["1001", "1009", "1002", "1004"])
      // At summary depth, an event stored at summary is done.
      assert.deepStrictEqual(ids(yield* repository.recentEvents({ ...query, depth: "summary" })), ["1001", "1009", "1004"])
      // With no minimum age, today's event is picked too; the future one never is.
      assert.deepStrictEqual(ids(yield* repository.recentEvents({ ...query, minAgeHours: 0 })), ["1005", "1001", "1009", "1002", "1004"])
      // A two-day window: the run date and the day before.
      assert.deepStrictEqual(ids(yield* repository.recentEvents({ ...query, windowDays: 2, minAgeHours: 0 })), ["1005", "1001"])
    }))

  it.effect("caps the events per track and in all", () =>
    Effect.gen(function*() {
      yield* seed
      const repository = yield* FollowedTrackRepository
      assert.deepStrictEqual(ids(yield* repository.recentEvents({ ...query, maxPerTrack: 1 })), ["1001", "1009"])
      assert.deepStrictEqual(ids(yield* repository.recentEvents({ ...query, maxEvents: 2 })), ["1001", "1009"])
    }))

  it.effect("lists the followed tracks with the catalogue's name", () =>
    Effect.gen(function*() {
      yield* seed
      const listed = yield* (yield* FollowedTrackRepository).list
      assert.deepStrictEqual(
        listed.map((track) => [track.trackSlug, track.trackName]),
        [[followed, `Track ${followed}`], [alsoFollowed, `Track ${alsoFollowed}`]]
      )
    }))
})
