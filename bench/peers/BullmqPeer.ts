import { Queue } from "bullmq"
import { Redis } from "ioredis"
import { join } from "node:path"
import { cpuMillis, enqueueAll, pause, type PeerOptions, type QueueRun, startPeerWorker, summarize } from "./PeerRun.ts"

/**
 * The BullMQ peer: a Queue in this process adds N no-op jobs, each with a job id (BullMQ refuses a
 * second job with an id it still holds: its dedupe), kept after completion with its result
 * (`removeOnComplete: false`); BullMQ Worker processes complete them. Every job is read back and
 * must be completed after one attempt. Redis is the machine's; its persistence settings are
 * reported as found (the bench does not change a shared server).
 */

export const REDIS_HOST = process.env["BENCH_REDIS_HOST"] ?? "127.0.0.1"
export const REDIS_PORT = Number(process.env["BENCH_REDIS_PORT"] ?? 6379)

const workerScript = join(import.meta.dirname, "BullmqWorker.ts")

export interface RedisDescription {
  readonly version: string
  readonly pid: number
  /** `appendonly` and `save` as configured: what a Redis restart keeps. */
  readonly persistence: string
}

export const describeRedis = async (): Promise<RedisDescription> => {
  const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    const info = await redis.info("server")
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim() ?? "?"
    const aof = await redis.config("GET", "appendonly").catch(() => ["appendonly", "?"]) as Array<string>
    const save = await redis.config("GET", "save").catch(() => ["save", "?"]) as Array<string>
    return {
      version: field("redis_version"),
      pid: Number(field("process_id")),
      persistence: `appendonly ${aof[1] ?? "?"}, save "${save[1] ?? "?"}"`
    }
  } finally {
    redis.disconnect()
  }
}

export const runBullmq = async (options: PeerOptions, redis: RedisDescription): Promise<QueueRun> => {
  const name = `liverc-bench-${process.pid}-${Date.now()}`
  const connection = { host: REDIS_HOST, port: REDIS_PORT, maxRetriesPerRequest: null }
  const queue = new Queue(name, { connection })
  try {
    await queue.waitUntilReady()
    const workers = await Promise.all(Array.from({ length: options.workers }, () =>
      startPeerWorker(workerScript, {
        BENCH_QUEUE: name,
        REDIS_HOST,
        REDIS_PORT: String(REDIS_PORT),
        BENCH_CONCURRENCY: String(options.concurrency)
      })))
    try {
      const startedAt = new Map<string, number>()
      const before = {
        server: cpuMillis(redis.pid),
        workers: workers.reduce((sum, w) => sum + cpuMillis(w.pid), 0),
        client: process.cpuUsage()
      }
      const t0 = Date.now()
      await enqueueAll(options.jobs, options.window, (i) => {
        const jobId = `event-${1_000_000 + i}`
        startedAt.set(jobId, Date.now())
        return queue.add("noop", { event_id: String(1_000_000 + i) }, { jobId, removeOnComplete: false, removeOnFail: false })
      })
      const enqueuedAt = Date.now()
      while (true) {
        const counts = await queue.getJobCounts("completed", "failed")
        if ((counts["completed"] ?? 0) + (counts["failed"] ?? 0) >= options.jobs) break
        await pause(20)
      }
      const client = process.cpuUsage(before.client)
      const perJob = (millis: number) => Math.round((millis * 1000) / options.jobs)
      const cpu = {
        server: perJob(cpuMillis(redis.pid) - before.server),
        workers: perJob(workers.reduce((sum, w) => sum + cpuMillis(w.pid), 0) - before.workers),
        client: perJob((client.user + client.system) / 1000)
      }
      const done = await queue.getJobs(["completed"], 0, -1)
      const latencies: Array<number> = []
      let lastCompletion = 0
      let clean = 0
      for (const job of done) {
        const enqueued = job.id === undefined ? undefined : startedAt.get(job.id)
        if (enqueued === undefined || job.finishedOn === undefined || job.attemptsMade !== 1) continue
        clean++
        lastCompletion = Math.max(lastCompletion, job.finishedOn)
        latencies.push(job.finishedOn - enqueued)
      }
      if (clean !== options.jobs) {
        throw new Error(`BullMQ: ${options.jobs - clean} of ${options.jobs} jobs did not complete cleanly after one attempt`)
      }
      return summarize(options.jobs, t0, enqueuedAt, latencies, lastCompletion, cpu)
    } finally {
      await Promise.all(workers.map((w) => w.stop()))
    }
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined)
    await queue.close()
  }
}
