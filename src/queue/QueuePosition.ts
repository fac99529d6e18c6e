import type { ConsumerInfo } from "@nats-io/jetstream"
import { Context, Duration, Effect, Exit, Layer } from "effect"
import { type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { IngestStreams } from "./IngestStreams.ts"

/**
 * A queued job's place in line, in O(1): its stream sequence minus the highest sequence the
 * consumer has delivered. One consumer-info call per process serves every poll for a short
 * while, so a thousand clients polling cost the broker a few calls a second.
 *
 * Exact when nothing between was deleted (a cancelled job leaves a gap, so the figure is an upper
 * bound then). A job that was delivered and is waiting for a retry is served before new ones, so
 * it counts as next (1).
 */
export const queuePosition = (streamSeq: number, deliveredStreamSeq: number): number =>
  Math.max(1, streamSeq - deliveredStreamSeq)

export const CONSUMER_INFO_TTL = Duration.millis(300)

export class QueuePosition extends Context.Service<QueuePosition, {
  readonly of: (streamSeq: number) => Effect.Effect<number, JetStreamFailure>
  /** The cached consumer info itself (at most CONSUMER_INFO_TTL old). */
  readonly consumerInfo: Effect.Effect<ConsumerInfo, JetStreamFailure>
}>()("liverc-ingest/queue/QueuePosition") {
  static readonly layer = Layer.effect(
    QueuePosition,
    Effect.gen(function*() {
      const { nats, topology } = yield* IngestStreams
      const consumerInfo = yield* Effect.cachedWithTTL(
        jetStreamCall("consumer info", () => nats.jsm.consumers.info(topology.ingest.name, topology.workers.durable_name)),
        // Failures are not cached: the next poll asks again.
        (exit) => Exit.isSuccess(exit) ? CONSUMER_INFO_TTL : Duration.zero
      )
      // Every poll of a queued job asks; untraced, as JobQueue.get.
      const of = (streamSeq: number) =>
        Effect.map(consumerInfo, (info) => queuePosition(streamSeq, info.delivered.stream_seq))
      return QueuePosition.of({ of, consumerInfo })
    })
  )
}
