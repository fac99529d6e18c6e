import { assert, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { EventReader } from "../../src/db/EventReader.ts"
import { EventRepository } from "../../src/db/EventRepository.ts"
import { EventWriter } from "../../src/db/EventWriter.ts"
import type { LiveRcId, TrackSlug } from "../../src/liverc/LiveRcIds.ts"
import { parseEventList } from "../../src/liverc/EventListParser.ts"
import { migratedDatabase } from "./DbTestLayer.ts"
import { capturedPage, loadRealEvent, realEventId, realSnapshot, slug } from "./Fixtures.ts"

const eventList = parseEventList(capturedPage("canberraoffroad_events.html"), `https://${slug}.liverc.com/results/`)

layer(migratedDatabase, { excludeTestServices: true })("EventRepository", (it) => {
  it.effect("stores a track's real events list once; a second sync changes nothing", () =>
    Effect.gen(function*() {
      const { events } = yield* eventList
      const repository = yield* EventRepository
      assert.strictEqual(events.length, 100)
      assert.deepStrictEqual(yield* repository.upsertListedEvents(slug, events), { new: 100, updated: 0, unchanged: 0 })
      assert.deepStrictEqual(yield* repository.upsertListedEvents(slug, events), { new: 0, updated: 0, unchanged: 100 })
      const listed = Option.getOrThrow(yield* (yield* EventReader).show(events[1]!.eventId))
      assert.strictEqual(listed.name, events[1]!.name)
      assert.strictEqual(listed.startsAt, events[1]!.startsAt)
      assert.strictEqual(listed.date, events[1]!.startsAt.slice(0, 10))
      assert.strictEqual(listed.ingestDepth, "none")
      assert.deepStrictEqual(yield* (yield* EventReader).findTrackSlug(events[1]!.eventId), Option.some(slug))
      assert.isTrue(Option.isNone(yield* (yield* EventReader).findTrackSlug("1" as LiveRcId)))
    }))

  it.effect("a sync never lowers an ingested event's depth nor overrides what its event page said", () =>
    Effect.gen(function*() {
      const { event, results } = yield* loadRealEvent
      yield* (yield* EventWriter).write(realSnapshot(event, results))
      const { events } = yield* eventList
      const listed = events.find((entry) => entry.eventId === realEventId)!
      const renamed = events.map((entry) =>
        entry.eventId === realEventId ? { ...entry, name: "List title", entries: 1, drivers: 1 } : entry
      )
      const counts = yield* (yield* EventRepository).upsertListedEvents(slug, renamed)
      assert.strictEqual(counts.new + counts.updated + counts.unchanged, 100)
      const stored = Option.getOrThrow(yield* (yield* EventReader).show(realEventId))
      assert.strictEqual(stored.ingestDepth, "laps_full")
      assert.strictEqual(stored.name, event.name)
      assert.strictEqual(stored.entries, event.entries)
      assert.strictEqual(stored.date, event.date)
      assert.strictEqual(stored.startsAt, listed.startsAt)
      assert.strictEqual(stored.races.length, event.races.length)
    }))

  it.effect("a changed start time counts as updated; the list moves an event to the track that lists it", () =>
    Effect.gen(function*() {
      const repository = yield* EventRepository
      const event = {
        eventId: "920001" as LiveRcId,
        name: "Club day",
        startsAt: "2025-01-05T08:30:00",
        entries: 10,
        drivers: 9
      }
      assert.deepStrictEqual(yield* repository.upsertListedEvents(slug, [event]), { new: 1, updated: 0, unchanged: 0 })
      assert.deepStrictEqual(
        yield* repository.upsertListedEvents(slug, [{ ...event, startsAt: "2025-01-05T09:00:00" }]),
        { new: 0, updated: 1, unchanged: 0 }
      )
      const other = "other-track" as TrackSlug
      assert.deepStrictEqual(
        yield* repository.upsertListedEvents(other, [{ ...event, startsAt: "2025-01-05T09:00:00" }]),
        { new: 0, updated: 1, unchanged: 0 }
      )
      assert.deepStrictEqual(yield* (yield* EventReader).findTrackSlug(event.eventId), Option.some(other))
      assert.deepStrictEqual(yield* repository.upsertListedEvents(other, []), { new: 0, updated: 0, unchanged: 0 })
    }))
})
