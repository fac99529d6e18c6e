import { Clock, Context, Duration, Effect, Layer, Option } from "effect"
import { Counter, Gauge, Histogram } from "prom-client"
import { jetStreamCall } from "../broker/JetStreamFailure.ts"
import { registry } from "../observability/Metrics.ts"
import { IngestStreams } from "../queue/IngestStreams.ts"
import { INGEST_SUBJECTS } from "../queue/Topology.ts"

/**
 * What `/metrics` shows besides the other modules' metrics: the gateway's requests (labelled by
 * route template, never by the path a client sent), the queue as JetStream sees it, computed when
 * scraped from three JetStream calls whatever the queue's length, and Node's process metrics.
 */

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
/** Requests that matched no route share one label, so a scanner cannot grow the series. */
export const UNMATCHED_ROUTE = "unmatched"

const requests = new Counter({
  name: "liverc_gateway_requests_total",
  help: "HTTP requests answered by the gateway, by method, route template and status",
  labelNames: ["method", "route", "status"] as const,
  registers: [registry]
})

const requestSeconds = new Histogram({
  name: "liverc_gateway_request_duration_seconds",
  help: "Time to answer an HTTP request, by method and route template",
  labelNames: ["method", "route"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry]
})

const queueDepth = new Gauge({
  name: "liverc_queue_depth",
  help: "Jobs waiting in INGEST that no worker has taken yet (consumer num_pending)",
  registers: [registry]
})

const jobsRunning = new Gauge({
  name: "liverc_queue_jobs_running",
  help: "Jobs delivered to a worker and not yet acknowledged (consumer num_ack_pending)",
  registers: [registry]
})

const oldestQueuedAge = new Gauge({
  name: "liverc_queue_oldest_job_age_seconds",
  help: "Age of the oldest job no worker has taken yet; 0 when none waits",
  registers: [registry]
})

const deadLetters = new Gauge({
  name: "liverc_dlq_messages",
  help: "Commands in INGEST_DLQ (failed terminally or out of deliveries)",
  registers: [registry]
})

const queueStatsUp = new Gauge({
  name: "liverc_queue_stats_up",
  help: "1 when the queue gauges were read from JetStream at this scrape, 0 when NATS did not answer",
  registers: [registry]
})

const methodLabel = (method: string) => METHODS.has(method) ? method : "OTHER"

/** Counts one answer; `route` is the matched route's template (None: no route matched). */
export const recordRequest = (method: string, route: Option.Option<string>, status: number, seconds: number) => {
  const labels = { method: methodLabel(method), route: Option.getOrElse(route, () => UNMATCHED_ROUTE) }
  requests.inc({ ...labels, status: String(status) })
  requestSeconds.observe(labels, seconds)
}

export class QueueGauges extends Context.Service<QueueGauges, {
  /** Reads the queue's state from JetStream into the gauges; never fails (marks them stale). */
  readonly refresh: Effect.Effect<void>
}>()("liverc-ingest/http/QueueGauges") {
  static readonly layer = Layer.effect(
    QueueGauges,
    Effect.gen(function*() {
      const { nats, topology } = yield* IngestStreams

      // The first job no worker took: the next one after the consumer's delivered sequence (jobs
      // waiting for a retry were delivered before and are counted as running until redelivered).
      const oldestWaiting = (deliveredSeq: number) =>
        jetStreamCall("oldest queued job", () =>
          nats.jsm.direct.getMessage(topology.ingest.name, { seq: deliveredSeq + 1, next_by_subj: INGEST_SUBJECTS }))

      const read = Effect.gen(function*() {
        // Fresh, not QueuePosition's cached copy: a scrape is rare and should see the queue as it is.
        const consumer = yield* jetStreamCall(
          "consumer info",
          () => nats.jsm.consumers.info(topology.ingest.name, topology.workers.durable_name)
        )
        const [oldest, dlq] = yield* Effect.all([
          oldestWaiting(consumer.delivered.stream_seq),
          jetStreamCall("dlq info", () => nats.jsm.streams.info(topology.dlq.name))
        ], { concurrency: 2 })
        const now = yield* Clock.currentTimeMillis
        queueDepth.set(consumer.num_pending)
        jobsRunning.set(consumer.num_ack_pending)
        oldestQueuedAge.set(oldest === null ? 0 : Math.max(0, now - oldest.time.getTime()) / 1000)
        deadLetters.set(dlq.state.messages)
        queueStatsUp.set(1)
      })

      const refresh = read.pipe(
        Effect.timeout(Duration.seconds(2)),
        Effect.catch((error) =>
          Effect.sync(() => queueStatsUp.set(0)).pipe(
            Effect.andThen(Effect.logWarning(`queue gauges not refreshed: ${error.message}`))
          )
        ),
        Effect.withSpan("QueueGauges.refresh")
      )
      return QueueGauges.of({ refresh })
    })
  )
}

/** The exposition of every metric in the registry, after the queue gauges were refreshed. */
export const scrape = (gauges: QueueGauges["Service"]) =>
  gauges.refresh.pipe(Effect.andThen(Effect.promise(() => registry.metrics())))

export const METRICS_CONTENT_TYPE = registry.contentType
