import { Context, Effect, Layer, Option } from "effect"
import { type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { decodeCommandJson } from "../jobs/Commands.ts"
import { type JobStatus, ownsMessage } from "../jobs/JobStatus.ts"
import { queuedStatus } from "../jobs/JobTransitions.ts"
import { IngestStreams } from "./IngestStreams.ts"
import { JobStatusStore, type StoredStatus } from "./JobStatusStore.ts"
import { queuePosition } from "./QueuePosition.ts"
import { INGEST_SUBJECTS } from "./Topology.ts"

/**
 * Listings for operators (a `jobs` CLI): the live jobs in queue order, and the most recently
 * updated ones. Both walk data (the queue, the bucket's keys), so they never serve a poll; a job's
 * own status is JobQueue.get, O(1).
 */
export class JobListing extends Context.Service<JobListing, {
  /** Queued and running jobs in stream order (the order workers take them), at most `limit`. */
  readonly live: (limit: number) => Effect.Effect<ReadonlyArray<JobStatus>, JetStreamFailure>
  /** Jobs still in the bucket (finished ones for up to the TTL), newest update first. */
  readonly recent: (limit: number) => Effect.Effect<ReadonlyArray<JobStatus>, JetStreamFailure>
}>()("liverc-ingest/queue/JobListing") {
  static readonly layer = Layer.effect(
    JobListing,
    Effect.gen(function*() {
      const { jobs, nats, topology } = yield* IngestStreams
      const store = yield* JobStatusStore

      const live = Effect.fn("JobListing.live")(function*(limit: number) {
        const consumer = yield* jetStreamCall(
          "consumer info",
          () => nats.jsm.consumers.info(topology.ingest.name, topology.workers.durable_name)
        )
        const found: Array<JobStatus> = []
        let next = 1
        while (found.length < limit) {
          const msg = yield* jetStreamCall(
            "stream get",
            () => nats.jsm.direct.getMessage(topology.ingest.name, { seq: next, next_by_subj: INGEST_SUBJECTS })
          )
          if (msg === null) break
          next = msg.seq + 1
          const command = yield* decodeCommandJson(msg.string()).pipe(Effect.option)
          if (Option.isNone(command)) continue
          // The command in the stream is the job; a status that cannot be read, or that is another
          // message's, is shown as the command would have it.
          const stored = yield* store.get(command.value.job_id).pipe(Effect.orElseSucceed(() => Option.none<StoredStatus>()))
          const status = Option.isSome(stored) && ownsMessage(stored.value.status, msg.seq)
            ? stored.value.status
            : queuedStatus(command.value, msg.seq, msg.time.toISOString())
          found.push(
            status.status === "queued"
              ? { ...status, queue_position: queuePosition(msg.seq, consumer.delivered.stream_seq) }
              : status
          )
        }
        return found
      })

      const recent = Effect.fn("JobListing.recent")(function*(limit: number) {
        const keys = yield* jetStreamCall("status keys", async () => {
          const all: Array<string> = []
          for await (const key of await jobs.keys()) all.push(key)
          return all
        })
        // A status that does not decode is left out of the listing (and logged), not fatal to it.
        const statuses = yield* Effect.forEach(
          keys,
          (key) =>
            store.get(key).pipe(
              Effect.catchTag("CorruptStatus", (corrupt) =>
                Effect.logWarning(corrupt.message).pipe(Effect.as(Option.none<StoredStatus>()))
              )
            ),
          { concurrency: 16 }
        )
        // Two updates in one millisecond tie on updated_at; the bucket's revision orders them.
        return statuses
          .flatMap((s) => Option.isSome(s) ? [s.value] : [])
          .sort((a, b) => b.status.updated_at.localeCompare(a.status.updated_at) || b.revision - a.revision)
          .slice(0, limit)
          .map((s) => s.status)
      })

      return JobListing.of({ live, recent })
    })
  )
}
