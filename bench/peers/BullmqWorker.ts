import { Worker } from "bullmq"

/**
 * A BullMQ worker process for bench:queue: BENCH_CONCURRENCY no-op jobs at a time from queue
 * BENCH_QUEUE on the Redis at REDIS_HOST:REDIS_PORT. Prints `ready` once connected.
 */
const worker = new Worker(process.env["BENCH_QUEUE"]!, async () => ({}), {
  connection: {
    host: process.env["REDIS_HOST"] ?? "127.0.0.1",
    port: Number(process.env["REDIS_PORT"] ?? 6379),
    maxRetriesPerRequest: null
  },
  concurrency: Number(process.env["BENCH_CONCURRENCY"] ?? 64)
})
await worker.waitUntilReady()
process.stdout.write("ready\n")
process.once("SIGTERM", () => void worker.close().finally(() => process.exit(0)))
