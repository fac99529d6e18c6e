import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { type JobStatus, noticePause } from "../jobs/JobStatus.ts"
import { JobQueue } from "../queue/JobQueue.ts"
import { KillSwitch, pausedSince } from "../throttle/KillSwitch.ts"
import { ok } from "./Envelope.ts"
import { GatewayApi } from "./GatewayApi.ts"
import { NatsLink } from "./NatsLink.ts"
import { jobAlreadyFinished, jobNotFound, queueUnavailable, statusCorrupt } from "./QueueFailures.ts"

/** A job's status (one KV read, whatever the number of jobs) and its cancellation. */
export const JobEndpoints = HttpApiBuilder.group(
  GatewayApi,
  "jobs",
  Effect.fn(function*(handlers) {
    const queue = yield* JobQueue
    const link = yield* NatsLink
    const killSwitch = yield* KillSwitch
    // The switch as this gateway last saw it (it watches the key): no NATS read per poll.
    const withPause = (status: JobStatus) =>
      killSwitch.latest.pipe(Effect.map((state) => noticePause(status, state === null ? null : pausedSince(state))))
    return handlers.handleAll({
      getJob: ({ params }) =>
        link.whenUp(queue.get(params.jobId)).pipe(
          Effect.flatMap(withPause),
          Effect.map(ok),
          Effect.catchTags({ JobNotFound: jobNotFound, CorruptStatus: statusCorrupt, QueueUnavailable: queueUnavailable })
        ),
      cancelJob: ({ params }) =>
        link.whenUp(queue.cancel(params.jobId)).pipe(
          Effect.map(ok),
          Effect.catchTags({
            JobNotFound: jobNotFound,
            JobAlreadyFinished: jobAlreadyFinished,
            CorruptStatus: statusCorrupt,
            QueueUnavailable: queueUnavailable
          })
        )
    })
  })
)
