import { ConfigProvider, Layer, ManagedRuntime, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { type Command, Command as CommandSchema } from "../../src/jobs/Commands.ts"
import { StreamsLive } from "../../src/layers.ts"
import { JetStreamJobQueue } from "../../src/queue/JetStreamJobQueue.ts"
import { JobListing } from "../../src/queue/JobListing.ts"
import { QueuePosition } from "../../src/queue/QueuePosition.ts"
import { StatusBackfill } from "../../src/queue/StatusBackfill.ts"

/**
 * The client side of queue tests: a JobQueue (plus the stream handles) on its own NATS
 * connection, configured like a real process from an env map, and command builders.
 */

/** Short timers so redelivery, retries and TTLs happen within a test. */
export const queueEnv = (natsUrl: string, overrides: Record<string, string> = {}): Record<string, string> => ({
  NATS_URL: natsUrl,
  INGEST_ACK_WAIT: "2s",
  INGEST_MAX_DELIVER: "3",
  INGEST_MAX_CONCURRENT: "4",
  INGEST_JOB_TTL: "1m",
  INGEST_RETRY_BASE: "200ms",
  INGEST_RETRY_MAX: "1s",
  WORKER_CONCURRENCY: "4",
  SHUTDOWN_GRACE: "5s",
  ...overrides
})

/**
 * The JobQueue service as a gateway holds it, with the keeper of queued statuses; also exposes
 * QueuePosition, StatusBackfill and JobListing (operator listings) and the streams.
 */
const JobQueueClient = Layer.mergeAll(JetStreamJobQueue.layer, StatusBackfill.run).pipe(
  Layer.provideMerge(Layer.mergeAll(QueuePosition.layer, StatusBackfill.layer, JobListing.layer)),
  Layer.provideMerge(StreamsLive("test"))
)

export const makeQueueClient = (env: Record<string, string>) =>
  ManagedRuntime.make(JobQueueClient.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))))

export type QueueClient = ReturnType<typeof makeQueueClient>

export const newJobId = () => `job-${randomBytes(8).toString("hex")}`

const decodeCommand = Schema.decodeUnknownSync(CommandSchema)

let nextEventId = 100_000 + Math.floor(Math.random() * 1_000_000)

/** An ingest_event command whose track slug is a TestHandlers script (`sleep-200`, `hang`, ...). */
export const scriptedJob = (script: string, options: { readonly eventId?: string; readonly jobId?: string } = {}): Command =>
  decodeCommand({
    v: 1,
    job_id: options.jobId ?? newJobId(),
    kind: "ingest_event",
    event_id: options.eventId ?? String(nextEventId++),
    track_slug: script,
    depth: "summary"
  })
