import { Effect, Schema } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Command } from "../../src/jobs/Commands.ts"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { IngestStreams } from "../../src/queue/IngestStreams.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { INGEST_STREAM, JOBS_BUCKET_STREAM } from "../../src/queue/Topology.ts"
import { THROTTLE_BUCKET } from "../../src/throttle/ThrottleBucket.ts"
import { comparedTables, tableDigests } from "../support/ChaosTables.ts"
import { type NatsCluster, startNatsCluster } from "../support/ClusterNats.ts"
import { call, type GatewayProcess, startGateway } from "../support/GatewayProcess.ts"
import { type CliWorker, eventually, sqlAccess, startCliWorker } from "../support/IngestRig.ts"
import { startNatsServer } from "../support/NatsTestServer.ts"
import { makeQueueClient, newJobId, type QueueClient, queueEnv } from "../support/QueueHarness.ts"
import { deadLetters, sleep, statusOf } from "../support/QueueProbe.ts"
import { type SimProcess, startSimProcess } from "../support/SimProcess.ts"
import { startTcpProxy, type TcpProxy } from "../support/TcpProxy.ts"
import { createTestDatabase, type TestDatabase } from "../support/TestDatabase.ts"

/**
 * The scale-out proof: a 3-node JetStream cluster of the current nats-server (nats/cluster/, every
 * stream and bucket at 3 replicas, the throttle's included), 4 `liverc-ingest worker` processes
 * and 2 gateways, a LiveRC simulator with latency and random 429s, Postgres behind a proxy the
 * test can cut. 200 ingest requests (150 events, 50 of them asked twice through the other
 * gateway) go in; while they run, the INGEST leader node, then the host_throttle bucket's leader
 * node, and one worker are SIGKILLed and restarted, and Postgres is unreachable for 15 s.
 * Afterwards every job completed exactly once (one `completed` write each), the rows equal a
 * clean one-worker ingest of the same events, LiveRC traffic went on while the throttle's leader
 * was down, the simulator never saw more than the global throttle allows in any second, and
 * nothing reached the dead-letter queue. The run's figures go to .data/chaos-report.json.
 */

const EVENTS = 150
const DUPLICATES = 50
const RATE = 15
const BURST = 5
const PG_OUTAGE_MS = 15_000
const NODE_DOWN_MS = 5_000
/** Longer than a Raft election after the leader's crash (a few to about ten seconds). */
const THROTTLE_NODE_DOWN_MS = 15_000

const eventIds = Array.from({ length: EVENTS }, (_, i) => String(810_001 + i))
const trackOf = (eventId: string) => `chaos-${Number(eventId) % 5}`
const decodeCommand = Schema.decodeUnknownSync(Command)
const reportFile = join(import.meta.dirname, "..", "..", ".data", "chaos-report.json")

interface Completion {
  readonly jobId: string
  readonly revision: number
  readonly at: number
}

/** One fault as it happened: when it began and ended (the node or worker back, Postgres reachable). */
interface FaultWindow {
  readonly fault: string
  readonly target: string
  readonly startedAt: number
  readonly endedAt: number
}

describe("ingest on a 3-node cluster under faults", () => {
  let cluster: NatsCluster
  let sim: SimProcess
  let db: TestDatabase
  let proxy: TcpProxy
  let client: QueueClient
  let env: Record<string, string>
  const workers: Array<CliWorker> = []
  let gateways: Array<GatewayProcess> = []

  beforeAll(async () => {
    cluster = await startNatsCluster()
    // In a process of its own, as LiveRC is: the busiest second is measured where requests arrive.
    sim = await startSimProcess({
      racesPerEvent: 3,
      driversPerRace: 4,
      lapsPerDriver: 5,
      latency: { minMs: 20, maxMs: 80 },
      retryAfterSeconds: 1,
      faults: { rate429: 0.05, rate503: 0, resetRate: 0, hangRate: 0, truncateRate: 0, malformRate: 0 }
    })
    db = await createTestDatabase("lri_chaos")
    proxy = await startTcpProxy("127.0.0.1", Number(new URL(db.url).port || 5432))
    const proxied = new URL(db.url)
    proxied.port = String(proxy.port)
    env = queueEnv(cluster.url, {
      NATS_REPLICAS: "3",
      DATABASE_URL: proxied.toString(),
      DATABASE_APPLICATION_NAME: "liverc-ingest-worker",
      LIVERC_TRACK_URL: sim.trackUrlTemplate,
      LIVERC_ROOT_URL: sim.url,
      LIVERC_RATE_PER_SEC: String(RATE),
      LIVERC_BURST: String(BURST),
      LIVERC_RETRY_BASE: "200 millis",
      LIVERC_RETRY_MAX: "2 seconds",
      LIVERC_MAX_ATTEMPTS: "8",
      // A killed worker's jobs come back after the ack wait; a job caught by every fault in turn
      // still has deliveries left.
      INGEST_ACK_WAIT: "5s",
      INGEST_MAX_DELIVER: "20",
      INGEST_MAX_CONCURRENT: "16",
      INGEST_RETRY_BASE: "500ms",
      INGEST_RETRY_MAX: "3s",
      INGEST_JOB_TTL: "10m",
      WORKER_CONCURRENCY: "4",
      DB_WRITE_RETRY_WINDOW: "60 seconds"
    })
    // The first worker migrates the database and provisions the topology at R3.
    workers.push(await startCliWorker(env))
    workers.push(...(await Promise.all([1, 2, 3].map(() => startCliWorker(env)))))
    gateways = await Promise.all([1, 2].map(() => startGateway({ ...env, DATABASE_URL: db.url })))
    client = makeQueueClient(env)
    await client.runPromise(Effect.void)
  })

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()))
    await Promise.all(gateways.map((gateway) => gateway.kill()))
    await client?.dispose()
    await proxy?.close()
    await sim?.close()
    await cluster?.stop()
    await db?.drop()
  })

  const streamInfo = (name: string) =>
    client.runPromise(IngestStreams.use(({ nats }) => Effect.promise(() => nats.jsm.streams.info(name))))

  it("completes every accepted job exactly once, stores what a clean ingest stores, and keeps the throttle", async () => {
    const ingestInfo = await streamInfo(INGEST_STREAM)
    const jobsInfo = await streamInfo(JOBS_BUCKET_STREAM)
    const throttleInfo = await streamInfo(`KV_${THROTTLE_BUCKET}`)
    expect(ingestInfo.config.num_replicas).toBe(3)
    expect(jobsInfo.config.num_replicas).toBe(3)
    expect(throttleInfo.config.num_replicas).toBe(3)

    // Every status document written, with its bucket revision: a replayed watch shows the same
    // revision again, a second completion would be a new one.
    const jobs = await client.runPromise(IngestStreams.use(({ jobs }) => Effect.succeed(jobs)))
    const watch = await jobs.watch({ include: "updates" })
    const completions: Array<Completion> = []
    const written = new Map<string, Map<number, JobStatus>>()
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation !== "PUT") continue
        const status = entry.json<JobStatus>()
        written.set(entry.key, (written.get(entry.key) ?? new Map()).set(entry.revision, status))
        if (status.status === "completed") completions.push({ jobId: entry.key, revision: entry.revision, at: Date.now() })
      }
    })()
    const completedJobs = () => new Set(completions.map((c) => c.jobId)).size

    await sim.resetStats()
    const started = Date.now()
    const requests = [
      ...eventIds.map((eventId, i) => ({ eventId, gateway: gateways[i % 2]! })),
      ...eventIds.slice(0, DUPLICATES).map((eventId, i) => ({ eventId, gateway: gateways[(i + 1) % 2]! }))
    ]
    const answers = await Promise.all(requests.map(async ({ eventId, gateway }) => {
      const answer = await call(`${gateway.url}/api/v1/events/ingest`, {
        method: "POST",
        body: { track_slug: trackOf(eventId), source_event_id: eventId, depth: "laps_full" }
      })
      return { eventId, status: answer.status, data: answer.body?.data as { job_id: string; deduplicated: boolean } }
    }))
    expect(answers.filter((a) => a.status !== 202)).toEqual([])
    const jobOf = new Map<string, string>()
    for (const eventId of eventIds) {
      const mine = answers.filter((a) => a.eventId === eventId)
      // Duplicates get the live job's id back, and exactly one request per event created a job.
      expect(new Set(mine.map((a) => a.data.job_id)).size, eventId).toBe(1)
      expect(mine.filter((a) => !a.data.deduplicated), eventId).toHaveLength(1)
      jobOf.set(eventId, mine[0]!.data.job_id)
    }
    const jobIds = [...new Set(jobOf.values())]
    expect(jobIds).toHaveLength(EVENTS)

    const faults: Array<FaultWindow> = []
    const untilCompleted = (n: number) => eventually(completedJobs, (done) => done >= n, 180_000, 100)
    const inject = async (fault: string, target: string, act: () => Promise<void>) => {
      const startedAt = Date.now()
      await act()
      faults.push({ fault, target, startedAt, endedAt: Date.now() })
    }

    // 1. The INGEST stream's leader node crashes and comes back after 5 s.
    await untilCompleted(EVENTS * 0.15)
    const leader = (await streamInfo(INGEST_STREAM)).cluster?.leader ?? cluster.nodes[0]!.name
    const node = cluster.nodeNamed(leader)
    await inject("nats node SIGKILL + restart", `${leader} (INGEST leader)`, async () => {
      await node.kill()
      await sleep(NODE_DOWN_MS)
      await node.restart()
    })

    // 1b. The host_throttle bucket's leader node crashes: tokens keep being granted (a new leader
    // takes over), so LiveRC traffic goes on within the bound while the node is down.
    await untilCompleted(EVENTS * 0.25)
    const throttleLeader = (await streamInfo(`KV_${THROTTLE_BUCKET}`)).cluster?.leader ?? cluster.nodes[1]!.name
    const throttleNode = cluster.nodeNamed(throttleLeader)
    let requestsWhileThrottleLeaderDown = 0
    let throttleResumedAfterMs: number | undefined
    await inject("nats node SIGKILL + restart", `${throttleLeader} (host_throttle leader)`, async () => {
      await throttleNode.kill()
      const killedAt = Date.now()
      // Requests granted before the kill may still land in the first moments.
      await sleep(500)
      const base = (await sim.stats()).total
      while (Date.now() - killedAt < THROTTLE_NODE_DOWN_MS) {
        await sleep(250)
        const total = (await sim.stats()).total
        if (throttleResumedAfterMs === undefined && total > base) throttleResumedAfterMs = Date.now() - killedAt
        requestsWhileThrottleLeaderDown = total - base
      }
      await throttleNode.restart()
    })

    // 2. A worker crashes mid-job and is started again.
    await untilCompleted(EVENTS * 0.35)
    await inject("worker SIGKILL + restart", `worker pid ${workers[1]!.pid}`, async () => {
      await workers[1]!.kill()
      workers[1] = await startCliWorker(env)
    })

    // 3. Postgres unreachable for 15 s: every worker connection dropped, none accepted.
    await untilCompleted(EVENTS * 0.55)
    await inject("postgres unreachable (proxy down)", `proxy :${proxy.port} -> :5432`, async () => {
      await proxy.down()
      await sleep(PG_OUTAGE_MS)
      await proxy.up()
    })

    await untilCompleted(EVENTS)
    const finished = Math.max(...completions.map((c) => c.at))
    // Long past the ack wait: a late redelivery or second completion would show up by now.
    await sleep(6_000)
    watch.stop()
    const simStats = await sim.stats()
    // Written before any assertion, so a failing run leaves its figures behind.
    const diagnostics = {
      max_requests_in_any_second: simStats.maxRequestsInAnySecond,
      busiest_second_ended_at_s: simStats.maxWindowEndedAtMs / 1000,
      traffic_resumed_after_throttle_leader_kill_ms: throttleResumedAfterMs ?? null,
      faults: faults.map(({ fault, target, startedAt, endedAt }) => ({
        fault,
        target,
        from_s: (startedAt - started) / 1000,
        to_s: (endedAt - started) / 1000
      }))
    }
    mkdirSync(join(reportFile, ".."), { recursive: true })
    writeFileSync(`${reportFile}.diagnostics`, `${JSON.stringify(diagnostics, null, 2)}\n`)

    const statuses = await Promise.all(jobIds.map(async (jobId, i) => {
      const answer = await call(`${gateways[i % 2]!.url}/api/v1/ingestion/jobs/${jobId}`)
      return answer.body.data as JobStatus
    }))
    const notCompleted = statuses.filter((s) => s.status !== "completed")
    expect(notCompleted, JSON.stringify(notCompleted.slice(0, 3))).toEqual([])
    const completionsPerJob = new Map<string, Set<number>>()
    for (const c of completions) completionsPerJob.set(c.jobId, (completionsPerJob.get(c.jobId) ?? new Set()).add(c.revision))
    const history = (jobId: string) => [...(written.get(jobId) ?? new Map<number, JobStatus>()).values()]
    // Exactly one completed write per job: the bucket's compare-and-set refuses a second one,
    // whatever node died in between.
    const twice = [...completionsPerJob.entries()].filter(([, revisions]) => revisions.size > 1).map(([jobId]) => history(jobId))
    expect(twice, JSON.stringify(twice.slice(0, 2))).toEqual([])
    // Nothing was written for a job after its completion (no late attempt reopened it).
    const reopened = jobIds.filter((jobId) => history(jobId).at(-1)?.status !== "completed").map(history)
    expect(reopened, JSON.stringify(reopened.slice(0, 2))).toEqual([])
    expect([...completionsPerJob.keys()].sort()).toEqual([...jobIds].sort())
    const deadLettered = await deadLetters(client)
    expect(deadLettered).toEqual([])
    expect(simStats.maxRequestsInAnySecond).toBeLessThanOrEqual(RATE + BURST)
    // A new leader took the bucket over while its old node was still down, and tokens flowed again.
    expect(throttleResumedAfterMs, `${requestsWhileThrottleLeaderDown} requests`).toBeDefined()

    // The same events, one worker, one nats-server, a fresh database, no faults: the reference.
    await sim.configure({ latency: { fixedMs: 0 }, faults: { rate429: 0, rate503: 0, resetRate: 0, hangRate: 0, truncateRate: 0, malformRate: 0 } })
    const reference = await cleanIngest(sim)
    const chaosSql = sqlAccess(db.url, "liverc-ingest-chaos-check")
    const stored = await tableDigests(chaosSql).finally(() => chaosSql.dispose())
    for (const table of comparedTables) {
      expect(stored[table], table).toEqual(reference[table])
    }
    expect(stored["events"]!.rows).toBe(EVENTS)

    const redeliveries = statuses.reduce((sum, s) => sum + s.attempts - 1, 0)
    const report = {
      when: new Date(started).toISOString(),
      topology: {
        nats: `3-node cluster from nats/cluster/ (rendered on free loopback ports), nats-server ${cluster.version}`,
        replicas: { [INGEST_STREAM]: 3, [JOBS_BUCKET_STREAM]: 3, [`KV_${THROTTLE_BUCKET}`]: 3 },
        workers: 4,
        gateways: 2
      },
      workload: {
        requests: requests.length,
        distinct_events: EVENTS,
        duplicates: DUPLICATES,
        races_per_event: 3,
        sim_latency_ms: "20-80",
        sim_rate_429: 0.05
      },
      figures: {
        seconds: (finished - started) / 1000,
        jobs_per_min: Number(((EVENTS * 60_000) / (finished - started)).toFixed(1)),
        redeliveries,
        jobs_redelivered: statuses.filter((s) => s.attempts > 1).length,
        max_attempts: Math.max(...statuses.map((s) => s.attempts)),
        sim_requests: simStats.total,
        sim_429: simStats.byStatus["429"] ?? 0,
        max_requests_in_any_second: simStats.maxRequestsInAnySecond,
        throttle_bound_per_second: RATE + BURST,
        dead_letters: deadLettered.length,
        sim_requests_while_throttle_leader_down: requestsWhileThrottleLeaderDown,
        throttle_leader_down_ms: THROTTLE_NODE_DOWN_MS,
        liverc_traffic_resumed_after_throttle_leader_kill_ms: throttleResumedAfterMs ?? null
      },
      faults: faults.map(({ fault, target, startedAt, endedAt }) => {
        const firstAfter = (at: number) => completions.find((c) => c.at >= at)?.at ?? finished
        return {
          fault,
          target,
          started_at_s: (startedAt - started) / 1000,
          outage_ms: endedAt - startedAt,
          completed_before: new Set(completions.filter((c) => c.at < startedAt).map((c) => c.jobId)).size,
          completed_during: new Set(completions.filter((c) => c.at >= startedAt && c.at < endedAt).map((c) => c.jobId)).size,
          // From the end of the fault to the next job completed: how long the system took to resume.
          recovery_ms: firstAfter(endedAt) - endedAt,
          first_completion_after_start_ms: firstAfter(startedAt) - startedAt
        }
      }),
      stored_rows: Object.fromEntries(Object.entries(stored).map(([table, d]) => [table, d.rows]))
    }
    mkdirSync(join(reportFile, ".."), { recursive: true })
    writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`)
    console.log(`chaos report (${reportFile}):\n${JSON.stringify(report, null, 2)}`)
  })
})

/** One worker on a private nats-server and a fresh database ingests the events without faults. */
const cleanIngest = async (sim: SimProcess) => {
  const nats = await startNatsServer()
  const db = await createTestDatabase("lri_chaos_ref")
  const env = queueEnv(nats.url, {
    DATABASE_URL: db.url,
    LIVERC_TRACK_URL: sim.trackUrlTemplate,
    LIVERC_ROOT_URL: sim.url,
    LIVERC_RATE_PER_SEC: "1000",
    LIVERC_BURST: "100",
    INGEST_ACK_WAIT: "30s",
    INGEST_MAX_CONCURRENT: "8",
    WORKER_CONCURRENCY: "8"
  })
  const client = makeQueueClient(env)
  let worker: CliWorker | undefined
  const sql = sqlAccess(db.url, "liverc-ingest-chaos-ref")
  try {
    worker = await startCliWorker(env)
    const ids: Array<string> = []
    for (const eventId of eventIds) {
      const command = decodeCommand({
        v: 1,
        job_id: newJobId(),
        kind: "ingest_event",
        event_id: eventId,
        track_slug: trackOf(eventId),
        depth: "laps_full"
      })
      await client.runPromise(JobQueue.use((queue) => queue.enqueue(command)))
      ids.push(command.job_id)
    }
    for (const jobId of ids) {
      const done = await eventually(() => statusOf(client, jobId), (s) => s !== undefined && s.status !== "queued" && s.status !== "running", 120_000, 100)
      expect(done?.status, JSON.stringify(done)).toBe("completed")
    }
    return await tableDigests(sql)
  } finally {
    await sql.dispose()
    await worker?.kill()
    await client.dispose()
    await nats.stop()
    await db.drop()
  }
}
