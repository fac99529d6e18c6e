import { PgClient } from "@effect/sql-pg"
import { Effect, ManagedRuntime, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { Command } from "../../src/jobs/Commands.ts"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import type { StoredStandings } from "../../src/db/StandingsReader.ts"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import type { EventPage } from "../../src/liverc/models/EventPage.ts"
import type { RaceResult } from "../../src/liverc/models/RaceResult.ts"
import { parseMultiMainResult } from "../../src/liverc/MultiMainResultParser.ts"
import { parseOverallRanking } from "../../src/liverc/OverallRankingParser.ts"
import { parseQualPoints } from "../../src/liverc/QualPointsParser.ts"
import { parseRaceResult } from "../../src/liverc/RaceResultParser.ts"
import { parseRoundRanking } from "../../src/liverc/RoundRankingParser.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import type { SimConfigPatch } from "../../src/sim/SimConfig.ts"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"
import { type NatsTestServer, startNatsServer } from "./NatsTestServer.ts"
import { makeQueueClient, newJobId, type QueueClient, queueEnv } from "./QueueHarness.ts"
import { waitForStatus } from "./QueueProbe.ts"
import { createTestDatabase, type TestDatabase } from "./TestDatabase.ts"

/**
 * Everything an ingest pipeline test runs against, all real: a private nats-server, a fresh
 * Postgres database, the LiveRC simulator, and `liverc-ingest worker` processes spawned from
 * bin/ exactly as shipped. Also SQL access to the test database (counts) and to the server
 * (pg_stat_activity, ALTER DATABASE), and the pages the simulator serves, parsed, as the
 * expected values.
 */

const bin = join(import.meta.dirname, "..", "..", "bin", "liverc-ingest.js")
const decodeCommand = Schema.decodeUnknownSync(Command)

export interface SqlAccess {
  readonly query: <A extends object = Record<string, unknown>>(
    text: string,
    params?: ReadonlyArray<unknown>
  ) => Promise<ReadonlyArray<A>>
  readonly dispose: () => Promise<void>
}

/** A small pool; with `maxConnections: 1` every statement runs on the same session (locks, BEGIN). */
export const sqlAccess = (url: string, applicationName: string, maxConnections = 2): SqlAccess => {
  const runtime = ManagedRuntime.make(
    PgClient.layer({ url: Redacted.make(url), maxConnections, applicationName, connectTimeout: "2 seconds" })
  )
  return {
    query: <A extends object>(text: string, params: ReadonlyArray<unknown> = []) =>
      runtime.runPromise(Effect.gen(function*() {
        const sql = yield* SqlClient
        return (yield* sql.unsafe<A>(text, params)) as ReadonlyArray<A>
      })),
    dispose: () => runtime.dispose()
  }
}

export interface CliWorker {
  readonly pid: number
  readonly output: () => string
  readonly exited: Promise<number | null>
  /** SIGKILL: a crash. */
  readonly kill: () => Promise<void>
  /** SIGTERM: resolves with the exit code. */
  readonly terminate: () => Promise<number | null>
}

/** `node bin/liverc-ingest.js worker`, resolved once the pool runs (migrations done). */
export const startCliWorker = async (env: Record<string, string>): Promise<CliWorker> => {
  const child: ChildProcess = spawn(process.execPath, [bin, "worker"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let log = ""
  let onLog: (() => void) | undefined
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-200_000)
    onLog?.()
  }
  child.stdout?.on("data", append)
  child.stderr?.on("data", append)
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within 30 s:\n${log}`)), 30_000)
    onLog = () => {
      if (log.includes("worker pool started")) {
        clearTimeout(timer)
        onLog = undefined
        resolve()
      }
    }
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`worker exited with ${code} before it started:\n${log}`))
    })
  })
  const alive = () => child.exitCode === null && child.signalCode === null
  return {
    pid: child.pid ?? -1,
    output: () => log,
    exited,
    kill: async () => {
      if (alive()) child.kill("SIGKILL")
      await exited
    },
    terminate: async () => {
      if (alive()) child.kill("SIGTERM")
      return exited
    }
  }
}

export interface RigOptions {
  readonly sim?: SimConfigPatch
  /** Extra worker environment (RACE_FETCH_*, LIVERC_*, DB_WRITE_RETRY_WINDOW, ...). */
  readonly env?: Record<string, string>
}

export interface IngestRig {
  readonly nats: NatsTestServer
  readonly db: TestDatabase
  readonly sim: RunningSimulator
  readonly client: QueueClient
  /** The test database. */
  readonly sql: SqlAccess
  /** The server's admin database: pg_stat_activity, pg_locks, ALTER DATABASE. */
  readonly admin: SqlAccess
  /** What every worker of this rig gets. */
  readonly env: Record<string, string>
  readonly startWorker: (overrides?: Record<string, string>) => Promise<CliWorker>
  readonly enqueue: (fields: Record<string, unknown>) => Promise<Command>
  readonly waitFor: (jobId: string, predicate: (status: JobStatus) => boolean, timeoutMillis?: number) => Promise<JobStatus>
  readonly settled: (jobId: string, timeoutMillis?: number) => Promise<JobStatus>
  readonly close: () => Promise<void>
}

export const startRig = async (options: RigOptions = {}): Promise<IngestRig> => {
  const nats = await startNatsServer()
  const db = await createTestDatabase("lri_pipe")
  const sim = await startSimulator({ config: options.sim ?? {} })
  const env = queueEnv(nats.url, {
    DATABASE_URL: db.url,
    DATABASE_APPLICATION_NAME: "liverc-ingest-worker",
    LIVERC_TRACK_URL: sim.trackUrlTemplate,
    LIVERC_ROOT_URL: sim.url,
    LIVERC_RATE_PER_SEC: "1000",
    LIVERC_BURST: "100",
    LIVERC_RETRY_BASE: "100 millis",
    LIVERC_RETRY_MAX: "2 seconds",
    ...options.env
  })
  const client = makeQueueClient(env)
  await client.runPromise(Effect.void)
  const sql = sqlAccess(db.url, "liverc-ingest-test")
  const adminUrl = new URL(db.url)
  adminUrl.pathname = "/test"
  const admin = sqlAccess(process.env["TEST_DATABASE_ADMIN_URL"] ?? adminUrl.toString(), "liverc-ingest-test-admin")
  const workers: Array<CliWorker> = []
  const waitFor = (jobId: string, predicate: (status: JobStatus) => boolean, timeoutMillis = 60_000) =>
    waitForStatus(client, jobId, predicate, timeoutMillis)
  return {
    nats,
    db,
    sim,
    client,
    sql,
    admin,
    env,
    startWorker: async (overrides = {}) => {
      const worker = await startCliWorker({ ...env, ...overrides })
      workers.push(worker)
      return worker
    },
    enqueue: async (fields) => {
      const command = decodeCommand({ v: 1, job_id: newJobId(), ...fields })
      await client.runPromise(JobQueue.use((queue) => queue.enqueue(command)))
      return command
    },
    waitFor,
    settled: (jobId, timeoutMillis) =>
      waitFor(jobId, (s) => s.status === "completed" || s.status === "failed" || s.status === "cancelled", timeoutMillis),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.kill()))
      await client.dispose()
      await sql.dispose()
      await admin.dispose()
      await sim.close()
      await nats.stop()
      await db.drop()
    }
  }
}

/** The tables an event ingest writes, for whole-database row counts. */
export const ingestTables = [
  "tracks",
  "events",
  "races",
  "drivers",
  "event_entries",
  "race_results",
  "laps",
  "page_validators",
  "event_multi_main_results",
  "event_round_rankings",
  "event_qual_points",
  "event_overall_rankings"
] as const

export const rowCounts = async (sql: SqlAccess): Promise<Record<string, number>> => {
  const rows = await sql.query<{ name: string; n: number }>(
    ingestTables.map((table) => `SELECT '${table}' AS name, count(*)::int4 AS n FROM ${table}`).join(" UNION ALL ")
  )
  return Object.fromEntries(rows.map((row) => [row.name, row.n]))
}

export interface ServedRace {
  readonly url: string
  readonly body: string
  readonly result: RaceResult
}

export interface ServedEvent {
  readonly eventUrl: string
  readonly event: EventPage
  readonly races: ReadonlyMap<string, ServedRace>
  /** What a complete ingest at laps_full must report (and store). */
  readonly counts: { readonly races: number; readonly results: number; readonly drivers: number; readonly laps: number }
  /** The standings pages the event page links, parsed: what `show event` must list. */
  readonly standings: StoredStandings
  /** How many standings pages the event page links. */
  readonly sidePages: number
}

/**
 * The event as the simulator serves it right now, parsed by the project's parsers with the served
 * URLs: the expected values. Fetching counts in the simulator's stats; reset them afterwards.
 */
export const servedEvent = async (sim: RunningSimulator, slug: string, eventId: string): Promise<ServedEvent> => {
  const base = sim.trackUrl(slug)
  const eventUrl = `${base}/results/?p=view_event&id=${eventId}`
  const event = await Effect.runPromise(parseEventPage(await (await fetch(eventUrl)).text(), eventUrl))
  const races = new Map<string, ServedRace>()
  for (const race of event.races) {
    const url = `${base}/results/?p=view_race_result&id=${race.raceId}`
    const body = await (await fetch(url)).text()
    races.set(race.raceId, { url, body, result: await Effect.runPromise(parseRaceResult(body, url)) })
  }
  const drivers = new Set<string>()
  let results = 0
  let laps = 0
  for (const { result } of races.values()) {
    for (const row of result.results) {
      results++
      laps += row.laps.length
      drivers.add(row.sourceDriverId === null ? `name:${row.driverName}` : `id:${row.sourceDriverId}`)
    }
  }
  const page = async (path: string) => {
    const url = `${base}/results/?${path}`
    return { url, body: await (await fetch(url)).text() }
  }
  const multiMainResults = []
  for (const link of event.multiMains) {
    const { body, url } = await page(`p=view_multi_main_result&id=${link.id}`)
    multiMainResults.push(await Effect.runPromise(parseMultiMainResult(body, url)))
  }
  const rankings = []
  for (const link of event.roundRankings) {
    const { body, url } = await page(`p=view_round_ranking&id=${link.id}${link.order === null ? "" : `&o=${link.order}`}`)
    rankings.push(await Effect.runPromise(parseRoundRanking(body, url)))
  }
  const points = []
  for (const link of event.points) {
    const { body, url } = await page(`p=view_points&id=${link.id}`)
    points.push(await Effect.runPromise(parseQualPoints(body, url)))
  }
  const overall = event.overallRankingId === null ? null : await page(`p=event_overall_ranking&id=${event.overallRankingId}`)
  const overallRanking = overall === null ? [] : (await Effect.runPromise(parseOverallRanking(overall.body, overall.url))).classes
  return {
    eventUrl,
    event,
    races,
    counts: { races: event.races.length, results, drivers: drivers.size, laps },
    standings: { multiMainResults, rankings, points, overallRanking },
    sidePages: event.multiMains.length + event.roundRankings.length + event.points.length +
      (event.overallRankingId === null ? 0 : 1)
  }
}

/** Polls `read` until `predicate` holds; throws with the last value after `timeoutMillis`. */
export const eventually = async <A>(
  read: () => Promise<A> | A,
  predicate: (value: A) => boolean,
  timeoutMillis: number,
  everyMillis = 50
): Promise<A> => {
  const deadline = Date.now() + timeoutMillis
  let last = await read()
  while (!predicate(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMillis} ms; last: ${JSON.stringify(last)}`)
    await new Promise((resolve) => setTimeout(resolve, everyMillis))
    last = await read()
  }
  return last
}
