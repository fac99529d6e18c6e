import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { PgBoss } from "pg-boss"
import { cpuMillis, enqueueAll, pause, type PeerOptions, type QueueRun, startPeerWorker, summarize } from "./PeerRun.ts"

/**
 * The pg-boss peer: this process sends N no-op jobs to a queue with the `exclusive` policy (one
 * job per singleton key while it is queued or active, the equivalent of one live job per dedupe
 * key) and keeps them after completion (pg-boss's default retention); pg-boss worker processes
 * fetch them BENCH_PGBOSS_BATCH at a time and complete them. Every job is read back and must be
 * completed without a retry. It runs in a schema of its own on the machine's Postgres, dropped
 * afterwards.
 */

export const PGBOSS_DATABASE_URL = process.env["BENCH_DATABASE_URL"] ?? "postgres://root@127.0.0.1:5432/test"
export const PGBOSS_BATCH = Number(process.env["BENCH_PGBOSS_BATCH"] ?? 50)
export const PGBOSS_LOCAL_CONCURRENCY = Number(process.env["BENCH_PGBOSS_LOCAL_CONCURRENCY"] ?? 1)

const workerScript = join(import.meta.dirname, "PgBossWorker.ts")

/** All Postgres server processes (each connection has its own backend), for their CPU. */
const postgresPids = (): Array<number> => {
  try {
    return execFileSync("pgrep", ["-x", "postgres"]).toString().trim().split("\n").map(Number).filter((n) => n > 0)
  } catch {
    return []
  }
}

const postgresCpu = (pids: ReadonlyArray<number>) => pids.reduce((sum, pid) => sum + cpuMillis(pid), 0)

export const runPgBoss = async (options: PeerOptions): Promise<QueueRun> => {
  const schema = `liverc_bench_pgboss_${process.pid}`
  const name = "noop"
  const boss = new PgBoss({ connectionString: PGBOSS_DATABASE_URL, schema })
  boss.on("error", (error) => process.stderr.write(`pg-boss: ${String(error)}\n`))
  await boss.start()
  const db = boss.getDb()
  try {
    await boss.createQueue(name, { policy: "exclusive" })
    const workers = await Promise.all(Array.from({ length: options.workers }, () =>
      startPeerWorker(workerScript, {
        BENCH_DATABASE_URL: PGBOSS_DATABASE_URL,
        BENCH_SCHEMA: schema,
        BENCH_QUEUE: name,
        BENCH_BATCH: String(PGBOSS_BATCH),
        BENCH_LOCAL_CONCURRENCY: String(PGBOSS_LOCAL_CONCURRENCY)
      })))
    try {
      const startedAt = new Map<string, number>()
      // Backends that start during the run are missed; those of the pools are up by now.
      const pids = postgresPids()
      const before = {
        server: postgresCpu(pids),
        workers: workers.reduce((sum, w) => sum + cpuMillis(w.pid), 0),
        client: process.cpuUsage()
      }
      const t0 = Date.now()
      await enqueueAll(options.jobs, options.window, async (i) => {
        const enqueued = Date.now()
        const id = await boss.send(name, { event_id: String(1_000_000 + i) }, { singletonKey: `event-${1_000_000 + i}` })
        if (id === null) throw new Error(`pg-boss refused job ${i}`)
        startedAt.set(id, enqueued)
      })
      const enqueuedAt = Date.now()
      while (true) {
        const rows = (await db.executeSql(
          `SELECT count(*)::int AS n FROM ${schema}.job WHERE name = $1 AND state IN ('completed', 'failed')`,
          [name]
        )).rows as Array<{ n: number }>
        if ((rows[0]?.n ?? 0) >= options.jobs) break
        await pause(20)
      }
      const client = process.cpuUsage(before.client)
      const perJob = (millis: number) => Math.round((millis * 1000) / options.jobs)
      const cpu = {
        server: perJob(postgresCpu(pids) - before.server),
        workers: perJob(workers.reduce((sum, w) => sum + cpuMillis(w.pid), 0) - before.workers),
        client: perJob((client.user + client.system) / 1000)
      }
      const done = (await db.executeSql(
        `SELECT id, state, retry_count, completed_on FROM ${schema}.job WHERE name = $1`,
        [name]
      )).rows as Array<{ id: string; state: string; retry_count: number; completed_on: Date | null }>
      const latencies: Array<number> = []
      let lastCompletion = 0
      let clean = 0
      for (const job of done) {
        const enqueued = startedAt.get(job.id)
        if (enqueued === undefined || job.state !== "completed" || job.retry_count !== 0 || job.completed_on === null) continue
        clean++
        const completed = new Date(job.completed_on).getTime()
        lastCompletion = Math.max(lastCompletion, completed)
        latencies.push(completed - enqueued)
      }
      if (clean !== options.jobs) {
        throw new Error(`pg-boss: ${options.jobs - clean} of ${options.jobs} jobs did not complete cleanly`)
      }
      return summarize(options.jobs, t0, enqueuedAt, latencies, lastCompletion, cpu)
    } finally {
      await Promise.all(workers.map((w) => w.stop()))
    }
  } finally {
    // Stopped first (its pool kept open): its maintenance must not query a dropped schema.
    await boss.stop({ graceful: false, close: false })
    await db.executeSql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined)
    await (db as { close?: () => Promise<void> }).close?.()
  }
}
