import { PgBoss } from "pg-boss"

/**
 * A pg-boss worker process for bench:queue: fetches BENCH_BATCH jobs at a time from queue
 * BENCH_QUEUE (BENCH_LOCAL_CONCURRENCY fetch loops) in schema BENCH_SCHEMA of the database at
 * BENCH_DATABASE_URL, and completes them, fetching again at once while batches come back full.
 * Prints `ready` once working.
 */
const boss = new PgBoss({
  connectionString: process.env["BENCH_DATABASE_URL"]!,
  schema: process.env["BENCH_SCHEMA"]!,
  supervise: false,
  schedule: false,
  migrate: false
})
boss.on("error", (error) => process.stderr.write(`pg-boss: ${String(error)}\n`))
await boss.start()
await boss.work(
  process.env["BENCH_QUEUE"]!,
  {
    batchSize: Number(process.env["BENCH_BATCH"] ?? 50),
    localConcurrency: Number(process.env["BENCH_LOCAL_CONCURRENCY"] ?? 1),
    pollingIntervalSeconds: 0.5,
    burstWhenBatchFull: true
  },
  async () => ({})
)
process.stdout.write("ready\n")
process.once("SIGTERM", () => void boss.stop({ graceful: false }).finally(() => process.exit(0)))
