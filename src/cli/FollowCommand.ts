import { Effect, Layer, Option } from "effect"
import { Command } from "effect/cli"
import * as Database from "../db/Database.ts"
import { type FollowedTrack, FollowedTrackRepository } from "../db/FollowedTrackRepository.ts"
import type { PersistenceError } from "../db/PersistenceError.ts"
import type { TrackSlug } from "../liverc/LiveRcIds.ts"
import { QueueUnreachable } from "../terminal/ExitCodes.ts"
import { isInteractive, printJsonLine, writeOut } from "../terminal/Terminal.ts"
import { renderTable } from "../terminal/TextTable.ts"
import { jsonFlag, trackSlugArgument, trackSlugInput } from "./CommandInput.ts"

/**
 * `liverc-ingest follow <slug>`, `unfollow <slug>`, `following`: the tracks whose event lists and
 * recent events the default schedules sync and ingest, read and written in Postgres (DATABASE_URL).
 */

const unreadable = (error: { readonly message: string }) =>
  new QueueUnreachable({ reason: `could not use the database: ${error.message}` })

const withFollowed = <A>(
  program: (repository: FollowedTrackRepository["Service"]) => Effect.Effect<A, PersistenceError>
): Effect.Effect<A, QueueUnreachable> =>
  FollowedTrackRepository.use(program).pipe(
    Effect.provide(FollowedTrackRepository.layer.pipe(Layer.provide(Database.layer))),
    Effect.mapError(unreadable)
  )

const view = (track: FollowedTrack) => ({
  track_slug: track.trackSlug,
  track_name: track.trackName,
  followed_at: track.followedAt.toISOString()
})

export const followCommand = Command.make(
  "follow",
  { slug: trackSlugArgument },
  Effect.fn("FollowCommand.follow")(function*({ slug }) {
    const track: TrackSlug = yield* trackSlugInput(slug)
    const outcome = yield* withFollowed((repository) => repository.follow(track))
    yield* isInteractive()
      ? writeOut(`${outcome.changed ? "following" : "already following"} ${track}\n`)
      : printJsonLine({ ...view(outcome.track), changed: outcome.changed })
  })
).pipe(Command.withDescription("Follow a track: its events are synced and its recent events ingested on the default schedules"))

export const unfollowCommand = Command.make(
  "unfollow",
  { slug: trackSlugArgument },
  Effect.fn("FollowCommand.unfollow")(function*({ slug }) {
    const track: TrackSlug = yield* trackSlugInput(slug)
    const changed = yield* withFollowed((repository) => repository.unfollow(track))
    yield* isInteractive()
      ? writeOut(`${changed ? "no longer following" : "was not following"} ${track}\n`)
      : printJsonLine({ track_slug: track, followed: false, changed })
  })
).pipe(Command.withDescription("Stop following a track"))

export const followingCommand = Command.make(
  "following",
  { json: jsonFlag },
  Effect.fn("FollowCommand.following")(function*({ json }) {
    const tracks = yield* withFollowed((repository) => repository.list)
    if (json || !isInteractive()) return yield* printJsonLine({ tracks: tracks.map(view) })
    yield* writeOut(
      tracks.length === 0
        ? "no followed tracks\n"
        : `${renderTable(["TRACK", "NAME", "SINCE"], tracks.map((t) => [t.trackSlug, Option.getOrElse(Option.fromNullishOr(t.trackName), () => "-"), t.followedAt.toISOString()]))}\n`
    )
  })
).pipe(Command.withDescription("List the followed tracks"))
