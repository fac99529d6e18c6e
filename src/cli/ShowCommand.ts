import { Console, Effect, Layer, Option, Schema } from "effect"
import { Argument, CliError, Command } from "effect/cli"
import * as Database from "../db/Database.ts"
import { EventReader } from "../db/EventReader.ts"
import { RaceReader } from "../db/RaceReader.ts"
import { LiveRcId } from "../liverc/LiveRcIds.ts"

/**
 * Why `show` printed nothing: the race or event is not stored, or the database could not be read.
 * `Command.run` prints the message on stderr and the process exits with code 1.
 */
class ShowFailed extends Schema.TaggedError<ShowFailed>()("ShowFailed", { reason: Schema.String }) {
  override get message() {
    return this.reason
  }
  override get [CliError.userMessage]() {
    return this.reason
  }
}

const unreadable = (error: { readonly message: string }) =>
  new ShowFailed({ reason: `could not read the database: ${error.message}` })

const printJson = (value: unknown) => Console.log(JSON.stringify(value, null, 2))

const id = (name: string, description: string) =>
  Argument.String(name).pipe(Argument.withSchema(LiveRcId), Argument.withDescription(description))

const showRace = Command.make(
  "race",
  { raceId: id("race-id", "LiveRC race id, as in ?p=view_race_result&id=N") },
  ({ raceId }) =>
    Effect.gen(function*() {
      const stored = yield* (yield* RaceReader).show(raceId)
      if (Option.isNone(stored)) {
        return yield* new ShowFailed({ reason: `race ${raceId} is not stored (no result page of it was ingested)` })
      }
      yield* printJson(stored.value)
    }).pipe(
      Effect.provide(RaceReader.layer.pipe(Layer.provide(Database.layer))),
      Effect.catchTags({ PersistenceError: unreadable, SqlError: unreadable, ConfigError: unreadable }),
      Effect.withSpan("ShowCommand.race")
    )
).pipe(Command.withDescription("Print a stored race as JSON, in exactly the shape `parse race-result` prints"))

const showEvent = Command.make(
  "event",
  { eventId: id("event-id", "LiveRC event id, as in ?p=view_event&id=N") },
  ({ eventId }) =>
    Effect.gen(function*() {
      const stored = yield* (yield* EventReader).show(eventId)
      if (Option.isNone(stored)) return yield* new ShowFailed({ reason: `event ${eventId} is not stored` })
      yield* printJson(stored.value)
    }).pipe(
      Effect.provide(EventReader.layer.pipe(Layer.provide(Database.layer))),
      Effect.catchTags({ PersistenceError: unreadable, SqlError: unreadable, ConfigError: unreadable }),
      Effect.withSpan("ShowCommand.event")
    )
).pipe(Command.withDescription(
  "Print a stored event as JSON: its races and its standings (multiMainResults, rankings, points, overallRanking)"
))

/** `liverc-ingest show race <id>` / `show event <id>`: what is stored, read from DATABASE_URL. */
export const showCommand = Command.make("show").pipe(
  Command.withDescription("Print what is stored for a race or an event as JSON"),
  Command.withSubcommands([showRace, showEvent])
)
