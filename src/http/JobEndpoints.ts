import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { JobQueue } from "../queue/JobQueue.ts"
import { ok } from "./Envelope.ts"
import { GatewayApi } from "./GatewayApi.ts"
import { NatsLink } from "./NatsLink.ts"
import { jobAlreadyFinished, jobNotFound, queueUnavailable } from "./QueueFailures.ts"

/** A job's status (one KV read, whatever the number of jobs) and its cancellation. */
export const JobEndpoints = HttpApiBuilder.group(
  GatewayApi,
  "jobs",
  Effect.fn(function*(handlers) {
    const queue = yield* JobQueue
    const link = yield* NatsLink
    return handlers.handleAll({
      getJob: ({ params }) =>
        link.whenUp(queue.get(params.jobId)).pipe(
          Effect.map(ok),
          Effect.catchTags({ JobNotFound: jobNotFound, QueueUnavailable: queueUnavailable })
        ),
      cancelJob: ({ params }) =>
        link.whenUp(queue.cancel(params.jobId)).pipe(
          Effect.map(ok),
          Effect.catchTags({
            JobNotFound: jobNotFound,
            JobAlreadyFinished: jobAlreadyFinished,
            QueueUnavailable: queueUnavailable
          })
        )
    })
  })
)
