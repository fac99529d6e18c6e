import { AckPolicy, DeliverPolicy, DiscardPolicy, ReplayPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { Config, Context, Effect, Layer } from "effect"
import { type ConsumerSpec, DEFAULT_REPLICAS, nanos, ReplicasConfig, type StreamSpec } from "../broker/StreamSpec.ts"
import { millisConfig } from "../config/DurationConfig.ts"
import { boundedIntConfig } from "../config/IntConfig.ts"

/**
 * The JetStream topology of the ingest queue, defined once: the work stream, its durable pull
 * consumer, the dead-letter stream, the job status bucket (as its backing stream) and the
 * schedules stream with its relay consumer. The JSON
 * under `nats/` is generated from here (`npm run nats:export`) and the provisioner applies exactly
 * these configs at start.
 */

export const INGEST_STREAM = "INGEST"
export const INGEST_SUBJECTS = "ingest.>"
export const WORKERS_CONSUMER = "ingest-workers"
export const DLQ_STREAM = "INGEST_DLQ"
/** A dead letter keeps its original subject under this prefix: `dlq.ingest.event.123`. */
export const DLQ_SUBJECT_PREFIX = "dlq."
export const JOBS_BUCKET = "ingest_jobs"
export const JOBS_BUCKET_STREAM = `KV_${JOBS_BUCKET}`
/**
 * Metadata key of the bucket's stream recording INGEST_JOB_TTL in milliseconds: the TTL is a
 * per-message header, not a stream setting, and operator tools read the deployment's from here.
 */
export const JOB_TTL_METADATA = "liverc.job_ttl_ms"
/** Core NATS, outside `ingest.>`, so it never lands in the work stream. Payload: the job id. */
export const CANCEL_SUBJECT = "liverc.control.cancel"
/** A live job was raised (JobUpgrade): the worker running it reads its status before it completes. */
export const UPGRADE_SUBJECT = "liverc.control.upgrade"
/**
 * Schedules (NATS >= 2.12 message schedules) live in a stream of their own: the server refuses
 * schedules on a stream with discard new, which INGEST needs for one live job per key. A schedule
 * is the message on `schedules.def.<id>`; each firing lands on `schedules.fire.<id>`, where the
 * relay consumer turns it into a command on INGEST through the usual dedupe.
 */
export const SCHEDULES_STREAM = "SCHEDULES"
export const SCHEDULE_SUBJECT_PREFIX = "schedules.def."
export const FIRE_SUBJECT_PREFIX = "schedules.fire."
export const SCHEDULE_RELAY_CONSUMER = "schedule-relay"
export const MAX_DELIVERIES_ADVISORY = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${INGEST_STREAM}.${WORKERS_CONSUMER}`

export interface TopologySettings {
  /** INGEST `max_msgs`; a full queue rejects new commands (discard new) instead of dropping any. */
  readonly queueMax: number
  /** `max_ack_pending` of `ingest-workers`: the cluster-wide cap on jobs running at once. */
  readonly maxConcurrent: number
  readonly ackWaitMillis: number
  readonly maxDeliver: number
  /** How long a finished job's status stays readable (its per-message TTL); live ones never expire. */
  readonly jobTtlMillis: number
  readonly replicas: number
}

export const defaultTopologySettings: TopologySettings = {
  queueMax: 10_000,
  maxConcurrent: 8,
  ackWaitMillis: 30_000,
  maxDeliver: 5,
  jobTtlMillis: 3_600_000,
  replicas: DEFAULT_REPLICAS
}

/** One Config per environment variable, so a start-up check can report every bad value. */
export const topologyConfigFields = {
  queueMax: boundedIntConfig("INGEST_QUEUE_MAX", 1, 10_000_000, defaultTopologySettings.queueMax),
  maxConcurrent: boundedIntConfig("INGEST_MAX_CONCURRENT", 1, 10_000, defaultTopologySettings.maxConcurrent),
  ackWaitMillis: millisConfig("INGEST_ACK_WAIT", 1000, 3_600_000, defaultTopologySettings.ackWaitMillis),
  maxDeliver: boundedIntConfig("INGEST_MAX_DELIVER", 1, 100, defaultTopologySettings.maxDeliver),
  jobTtlMillis: millisConfig("INGEST_JOB_TTL", 1000, 30 * 86_400_000, defaultTopologySettings.jobTtlMillis),
  replicas: ReplicasConfig
}

export const TopologyConfig: Config.Config<TopologySettings> = Config.all(topologyConfigFields)

export interface TopologySpec {
  readonly settings: TopologySettings
  readonly ingest: StreamSpec
  readonly workers: ConsumerSpec
  readonly dlq: StreamSpec
  readonly jobsBucket: StreamSpec
  readonly schedules: StreamSpec
  readonly scheduleRelay: ConsumerSpec
}

/** Commands are a few hundred bytes; the cap keeps a bad publisher from filling the store. */
const MAX_COMMAND_BYTES = 64 * 1024
const DUPLICATE_WINDOW_MILLIS = 120_000
const DLQ_MAX_AGE_MILLIS = 30 * 86_400_000
const DLQ_MAX_MSGS = 100_000

export const makeTopology = (settings: TopologySettings): TopologySpec => ({
  settings,
  ingest: {
    name: INGEST_STREAM,
    description: "liverc-ingest work queue: one live command per dedupe key",
    subjects: [INGEST_SUBJECTS],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: settings.replicas,
    max_consumers: -1,
    max_msgs: settings.queueMax,
    max_bytes: -1,
    // Never 0 -> never expire: a queued job waits however long it takes.
    max_age: 0,
    max_msgs_per_subject: 1,
    max_msg_size: MAX_COMMAND_BYTES,
    discard: DiscardPolicy.New,
    discard_new_per_subject: true,
    duplicate_window: nanos(DUPLICATE_WINDOW_MILLIS),
    allow_direct: true,
    allow_rollup_hdrs: false,
    deny_delete: false,
    deny_purge: false
  },
  workers: {
    durable_name: WORKERS_CONSUMER,
    description: "liverc-ingest worker actors; max_ack_pending is the cluster-wide running-job cap",
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(settings.ackWaitMillis),
    max_deliver: settings.maxDeliver,
    max_ack_pending: settings.maxConcurrent,
    max_waiting: 512
  },
  dlq: {
    name: DLQ_STREAM,
    description: "liverc-ingest dead letters: commands that failed terminally or ran out of deliveries",
    subjects: [`${DLQ_SUBJECT_PREFIX}${INGEST_SUBJECTS}`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: settings.replicas,
    max_consumers: -1,
    max_msgs: DLQ_MAX_MSGS,
    max_bytes: -1,
    max_age: nanos(DLQ_MAX_AGE_MILLIS),
    max_msgs_per_subject: -1,
    max_msg_size: MAX_COMMAND_BYTES * 2,
    discard: DiscardPolicy.Old,
    discard_new_per_subject: false,
    duplicate_window: nanos(DUPLICATE_WINDOW_MILLIS),
    allow_direct: true,
    allow_rollup_hdrs: false,
    deny_delete: false,
    deny_purge: false
  },
  // The KV bucket is a stream in the shape `nats kv add` creates (history 1), with per-message
  // TTL: a queued or running job's status never expires; a finished one carries INGEST_JOB_TTL.
  jobsBucket: {
    name: JOBS_BUCKET_STREAM,
    description: "liverc-ingest job status documents (KV bucket ingest_jobs)",
    subjects: [`$KV.${JOBS_BUCKET}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: settings.replicas,
    max_consumers: -1,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
    max_msgs_per_subject: 1,
    max_msg_size: -1,
    discard: DiscardPolicy.New,
    discard_new_per_subject: false,
    duplicate_window: nanos(DUPLICATE_WINDOW_MILLIS),
    allow_direct: true,
    allow_rollup_hdrs: true,
    deny_delete: true,
    deny_purge: false,
    allow_msg_ttl: true,
    metadata: { [JOB_TTL_METADATA]: String(settings.jobTtlMillis) }
  },
  // One message per subject: a schedule replaced keeps one definition, and a firing the relay has
  // not taken yet is replaced by the next one, so a stalled relay never piles firings up. Limits
  // retention (not work queue) lets operators browse the stream while the relay consumes it.
  schedules: {
    name: SCHEDULES_STREAM,
    description: "liverc-ingest schedules (schedules.def.<id>) and their firings (schedules.fire.<id>)",
    subjects: ["schedules.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: settings.replicas,
    max_consumers: -1,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
    max_msgs_per_subject: 1,
    max_msg_size: MAX_COMMAND_BYTES,
    discard: DiscardPolicy.Old,
    discard_new_per_subject: false,
    duplicate_window: nanos(DUPLICATE_WINDOW_MILLIS),
    allow_direct: true,
    allow_rollup_hdrs: true,
    deny_delete: false,
    deny_purge: false,
    // `until` is the schedule message's own TTL: the server removes it, and it fires no more.
    allow_msg_ttl: true,
    allow_msg_schedules: true
  },
  scheduleRelay: {
    durable_name: SCHEDULE_RELAY_CONSUMER,
    description: "liverc-ingest schedule relay: each firing becomes one command on INGEST",
    filter_subject: `${FIRE_SUBJECT_PREFIX}>`,
    ack_policy: AckPolicy.Explicit,
    // A relay consumer made again must not replay the last firing of every schedule.
    deliver_policy: DeliverPolicy.New,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(30_000),
    max_deliver: 10,
    max_ack_pending: 64,
    max_waiting: 512
  }
})

/** The topology as configured for this process (env through Effect Config). */
export class Topology extends Context.Service<Topology, TopologySpec>()("liverc-ingest/queue/Topology") {
  static readonly layer = Layer.effect(
    Topology,
    Effect.gen(function*() {
      return makeTopology(yield* TopologyConfig)
    })
  )
  static readonly layerFrom = (settings: TopologySettings) => Layer.succeed(Topology, makeTopology(settings))
}
