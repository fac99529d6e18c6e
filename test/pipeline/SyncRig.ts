import { PgClient } from "@effect/sql-pg"
import { ConfigProvider, Effect, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { Command } from "../../src/jobs/Commands.ts"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { WorkerLive } from "../../src/layers.ts"
import { PipelineHandlers } from "../../src/pipeline/PipelineHandlers.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import type { SimConfigPatch } from "../../src/sim/SimConfig.ts"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { makeQueueClient, newJobId, type QueueClient, queueEnv } from "../support/QueueHarness.ts"
import { waitForStatus } from "../support/QueueProbe.ts"
import { createTestDatabase, type TestDatabase } from "../support/TestDatabase.ts"

/**
 * What the sync and discovery tests run against, all real: a private nats-server, a fresh
 * Postgres database, the simulator, and the real worker (WorkerPool + PipelineHandlers) running
 * in this process, so the tests can also read its metrics registry.
 */

const decodeCommand = Schema.decodeUnknownSync(Command)

export interface SyncRig {
  readonly nats: NatsTestServer
  readonly db: TestDatabase
  readonly sim: RunningSimulator
  readonly client: QueueClient
  readonly query: <A extends object>(text: string, params?: ReadonlyArray<unknown>) => Promise<ReadonlyArray<A>>
  /** Starts the worker with the rig's environment plus `overrides`, stopping the previous one. */
  readonly startWorker: (overrides?: Record<string, string>) => Promise<void>
  readonly stopWorker: () => Promise<void>
  readonly enqueue: (fields: Record<string, unknown>) => Promise<Command>
  readonly cancel: (jobId: string) => Promise<JobStatus>
  readonly waitFor: (jobId: string, predicate: (status: JobStatus) => boolean, timeoutMillis?: number) => Promise<JobStatus>
  readonly settled: (jobId: string, timeoutMillis?: number) => Promise<JobStatus>
  /** Enqueues and waits until the job has finished, however it did. */
  readonly run: (fields: Record<string, unknown>, timeoutMillis?: number) => Promise<JobStatus>
  readonly close: () => Promise<void>
}

export const startSyncRig = async (
  options: { readonly sim?: SimConfigPatch; readonly env?: Record<string, string> } = {}
): Promise<SyncRig> => {
  const nats = await startNatsServer()
  const db = await createTestDatabase("lri_sync")
  const sim = await startSimulator({ config: options.sim ?? {} })
  const env = queueEnv(nats.url, {
    DATABASE_URL: db.url,
    LIVERC_TRACK_URL: sim.trackUrlTemplate,
    LIVERC_ROOT_URL: sim.url,
    LIVERC_RATE_PER_SEC: "5000",
    LIVERC_BURST: "200",
    LIVERC_THROTTLE_BATCH: "64",
    LIVERC_MAX_ATTEMPTS: "2",
    LIVERC_RETRY_BASE: "50 millis",
    LIVERC_RETRY_MAX: "1 second",
    WORKER_CONCURRENCY: "2",
    ...options.env
  })
  const client = makeQueueClient(env)
  await client.runPromise(Effect.void)
  const sql = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(db.url), maxConnections: 2 }))
  let worker: ManagedRuntime.ManagedRuntime<never, unknown> | undefined

  const stopWorker = async () => {
    const running = worker
    worker = undefined
    await running?.dispose()
  }
  const waitFor = (jobId: string, predicate: (status: JobStatus) => boolean, timeoutMillis = 60_000) =>
    waitForStatus(client, jobId, predicate, timeoutMillis)
  const settled = (jobId: string, timeoutMillis?: number) =>
    waitFor(jobId, (s) => s.status === "completed" || s.status === "failed" || s.status === "cancelled", timeoutMillis)
  const enqueue = async (fields: Record<string, unknown>) => {
    const command = decodeCommand({ v: 1, job_id: newJobId(), ...fields })
    await client.runPromise(JobQueue.use((queue) => queue.enqueue(command)))
    return command
  }

  return {
    nats,
    db,
    sim,
    client,
    query: <A extends object>(text: string, params: ReadonlyArray<unknown> = []) =>
      sql.runPromise(Effect.gen(function*() {
        const client = yield* SqlClient
        return (yield* client.unsafe<A>(text, params)) as ReadonlyArray<A>
      })),
    startWorker: async (overrides = {}) => {
      await stopWorker()
      const provider = ConfigProvider.layer(ConfigProvider.fromEnv({ env: { ...env, ...overrides } }))
      worker = ManagedRuntime.make(WorkerLive(PipelineHandlers).pipe(Layer.provide(provider)))
      await worker.runPromise(Effect.void)
    },
    stopWorker,
    enqueue,
    cancel: (jobId) => client.runPromise(JobQueue.use((queue) => queue.cancel(jobId as Command["job_id"]))),
    waitFor,
    settled,
    run: async (fields, timeoutMillis) => settled((await enqueue(fields)).job_id, timeoutMillis),
    close: async () => {
      await stopWorker()
      await client.dispose()
      await sql.dispose()
      await sim.close()
      await nats.stop()
      await db.drop()
    }
  }
}
