import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { type FollowedTrack, FollowedTrackRepository } from "../db/FollowedTrackRepository.ts"
import { ok } from "./Envelope.ts"
import { GatewayApi } from "./GatewayApi.ts"
import { databaseUnavailable } from "./QueueFailures.ts"

/** Following tracks: what the default schedules sync and ingest (stored in Postgres). */

const view = (track: FollowedTrack, changed: boolean) => ({
  track_slug: track.trackSlug,
  track_name: track.trackName,
  followed: true,
  followed_at: track.followedAt.toISOString(),
  changed
})

export const TrackEndpoints = HttpApiBuilder.group(
  GatewayApi,
  "tracks",
  Effect.fn(function*(handlers) {
    const followed = yield* FollowedTrackRepository
    return handlers.handleAll({
      followTrack: ({ params }) =>
        followed.follow(params.slug).pipe(
          Effect.map((outcome) => ok(view(outcome.track, outcome.changed))),
          Effect.catch(databaseUnavailable)
        ),
      unfollowTrack: ({ params }) =>
        followed.unfollow(params.slug).pipe(
          Effect.map((changed) =>
            ok({ track_slug: params.slug, track_name: null, followed: false, followed_at: null, changed })
          ),
          Effect.catch(databaseUnavailable)
        ),
      followedTracks: () =>
        followed.list.pipe(
          Effect.map((tracks) => ok(tracks.map((track) => view(track, false)))),
          Effect.catch(databaseUnavailable)
        )
    })
  })
)
