import { Config, ConfigProvider, Effect, Layer, Logger, Option, Redacted, References, Runtime, Schema } from "effect"
import { CliError } from "effect/cli"
import { join, relative as relativePath } from "node:path"
import { NatsConfig } from "../broker/NatsClient.ts"
import { withoutCredentials } from "../config/UrlCredentials.ts"
import { databaseConfig } from "../db/Database.ts"
import { gatewayConfigFields } from "../http/GatewayConfig.ts"
import { defaultCommandRules, makeCommand } from "../jobs/JobCommands.ts"
import { isTerminal, type JobStatus } from "../jobs/JobStatus.ts"
import { GatewayAndWorkerLive, StreamsLive } from "../layers.ts"
import { PipelineHandlers } from "../pipeline/PipelineHandlers.ts"
import { JetStreamJobQueue } from "../queue/JetStreamJobQueue.ts"
import { JobQueue } from "../queue/JobQueue.ts"
import { QueuePosition } from "../queue/QueuePosition.ts"
import { simulatorScoped } from "../sim/SimServer.ts"
import { ExitCode } from "../terminal/ExitCodes.ts"
import { formatElapsed, renderProgressLine } from "../terminal/ProgressLine.ts"
import { CLEAR_LINE, isInteractive, terminalWidth, writeOut } from "../terminal/Terminal.ts"
import { embeddedDatabase } from "./EmbeddedDatabase.ts"
import { localNats } from "./LocalNats.ts"
import { freePort, isPortFree } from "./Ports.ts"

/**
 * `liverc-ingest demo`: the whole system on one machine with nothing configured. NATS and
 * Postgres are the configured ones when there are any, else local ones under `.data/`; LiveRC is
 * the simulator (real captured pages); the gateway and a worker share one process and one NATS
 * connection. It ingests one real event with a progress bar, prints what was stored and where
 * the gateway is, then serves until Ctrl-C (or, with --once, stops).
 */

/** Where local NATS and Postgres keep their stores between runs (gitignored); DEMO_DATA_DIR moves it. */
export const DEFAULT_DATA_DIR = join(import.meta.dirname, "..", "..", ".data")

/** The sample: a real event whose pages the simulator serves as captured. */
export const SAMPLE_EVENT = { event_id: "486677", track_slug: "canberraoffroad", depth: "laps_full" } as const

const POLL_MILLIS = 250

export class DemoJobFailed extends Schema.TaggedError<DemoJobFailed>()("DemoJobFailed", {
  jobId: Schema.String,
  state: Schema.String,
  reason: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.failed
  override get message() {
    return `the demo's ingest job ${this.jobId} ended ${this.state}: ${this.reason}`
  }
  override get [CliError.userMessage]() {
    return this.message
  }
}

const DemoConfig = Config.all({
  nats: NatsConfig,
  database: databaseConfig,
  gatewayPort: gatewayConfigFields.port,
  gatewayHost: gatewayConfigFields.host,
  dataDir: Config.String("DEMO_DATA_DIR").pipe(Config.withDefault(DEFAULT_DATA_DIR))
})

const say = (line: string) => writeOut(`${line}\n`)

/** The password of a URL is no one's business on a screen. */
const shown = (path: string) => {
  const relative = relativePath(process.cwd(), path)
  return relative.startsWith("..") ? path : relative
}

const gatewayPortFor = (host: string, wanted: number) =>
  Effect.gen(function*() {
    if (yield* Effect.promise(() => isPortFree(host, wanted))) return wanted
    const port = yield* Effect.promise(() => freePort(host))
    yield* say(`port ${wanted} is busy (GATEWAY_PORT): the gateway listens on ${port} instead`)
    return port
  })

/**
 * The job to its end: on a terminal one line redrawn in place (the `ingest --wait` bar); elsewhere
 * one plain line per stage or state, so a log stays short.
 */
const follow = (initial: JobStatus) =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    const interactive = isInteractive()
    const startedAt = Date.now()
    const line = (status: JobStatus) => renderProgressLine(status, Date.now() - startedAt, interactive ? terminalWidth() : 120)
    const key = (status: JobStatus) => `${status.status} ${status.progress?.stage ?? ""}`
    let current = initial
    yield* interactive ? writeOut(`${CLEAR_LINE}${line(current)}`) : say(line(current))
    while (!isTerminal(current.status)) {
      yield* Effect.sleep(POLL_MILLIS)
      const next = yield* queue.get(current.job_id)
      const changed = key(next) !== key(current)
      current = next
      if (interactive) yield* writeOut(`${CLEAR_LINE}${line(current)}`)
      else if (changed) yield* say(line(current))
    }
    if (interactive) yield* writeOut("\n")
    return current
  })

const count = (result: JobStatus["result"], name: string) => {
  const value = result?.[name]
  return typeof value === "number" ? value.toLocaleString("en-US") : "?"
}

/** Everything the demo runs, in the scope of the caller: closing it stops all of it. */
/**
 * `serving`: the demo keeps serving after the summary, so it prints where to look (the job's URL,
 * the gateway); a run that stops after the summary (--once) does not print addresses that are
 * dead by the time anyone reads them.
 */
export const demoServices = (serving: boolean) => Effect.gen(function*() {
  const startedAt = Date.now()
  const config = yield* DemoConfig

  const natsStore = join(config.dataDir, "nats")
  const nats = yield* localNats(config.nats.servers, natsStore)
  if (nats.passedOver !== undefined) yield* say(`NATS       ${nats.passedOver}: not used`)
  yield* say(
    nats.started ? `NATS       started here at ${nats.url} (store ${shown(natsStore)})` : `NATS       ${withoutCredentials(nats.url)}`
  )

  const postgresStore = join(config.dataDir, "postgres")
  const embedded = Option.isSome(config.database.url) ? undefined : yield* embeddedDatabase(postgresStore)
  const databaseUrl = embedded?.url ?? Redacted.value(Option.getOrThrow(config.database.url))
  if (embedded !== undefined && embedded.opened.length > 0) {
    yield* say(`           (made ${embedded.opened.join(", ")} searchable by the postgres user, which runs the cluster)`)
  }
  yield* say(
    `Postgres   ${withoutCredentials(databaseUrl)}${
      Option.isSome(config.database.url) ? "" : ` (embedded, store ${shown(postgresStore)})`
    }`
  )

  const sim = yield* simulatorScoped({})
  yield* say(`LiveRC     simulator at ${sim.url} (captured pages of event ${SAMPLE_EVENT.event_id})`)

  const gatewayPort = yield* gatewayPortFor(config.gatewayHost, config.gatewayPort)
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NATS_URL: nats.url,
    DATABASE_URL: databaseUrl,
    LIVERC_TRACK_URL: sim.trackUrlTemplate,
    LIVERC_ROOT_URL: sim.url,
    // The simulator is local and not rate limited: no need for LiveRC's politeness.
    LIVERC_RATE_PER_SEC: process.env["LIVERC_RATE_PER_SEC"] ?? "1000",
    LIVERC_BURST: process.env["LIVERC_BURST"] ?? "100",
    GATEWAY_PORT: String(gatewayPort)
  }

  const streams = StreamsLive("demo")
  const queue = JetStreamJobQueue.layer.pipe(Layer.provide(QueuePosition.layer), Layer.provide(streams))
  const services = yield* Layer.build(
    Layer.mergeAll(GatewayAndWorkerLive(PipelineHandlers, streams), queue).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
    )
  )
  const gatewayUrl = `http://${config.gatewayHost.includes(":") ? `[${config.gatewayHost}]` : config.gatewayHost}:${gatewayPort}`
  if (serving) yield* say(`Gateway    ${gatewayUrl} (API docs ${gatewayUrl}/docs)`)
  yield* say("")

  const command = yield* Effect.fromResult(makeCommand({ kind: "ingest_event", ...SAMPLE_EVENT }, defaultCommandRules)).pipe(
    Effect.orDie
  )
  yield* say(`Ingesting event ${SAMPLE_EVENT.event_id} (track ${SAMPLE_EVENT.track_slug}, depth ${SAMPLE_EVENT.depth})`)
  const final = yield* Effect.gen(function*() {
    const { job } = yield* (yield* JobQueue).enqueue(command)
    return yield* follow(job)
  }).pipe(Effect.provideContext(services))
  if (final.status !== "completed") {
    return yield* new DemoJobFailed({
      jobId: final.job_id,
      state: final.status,
      reason: `${final.error_code ?? ""} ${final.error_message ?? ""}`.trim()
    })
  }

  const jobMillis = Date.parse(final.updated_at) - Date.parse(final.created_at)
  const result = final.result
  yield* say("")
  yield* say(`Done: event ${SAMPLE_EVENT.event_id} ingested in ${formatElapsed(jobMillis)} (${(jobMillis / 1000).toFixed(1)} s; ` +
    `${((Date.now() - startedAt) / 1000).toFixed(1)} s including start-up)`)
  yield* say(`  races ${count(result, "races")}, results ${count(result, "results")}, drivers ${count(result, "drivers")}, ` +
    `laps ${count(result, "laps")} (pages fetched ${count(result, "pages_fetched")})`)
  if (serving) {
    yield* say(`  job      ${gatewayUrl}/api/v1/ingestion/jobs/${final.job_id}`)
    yield* say(`  gateway  ${gatewayUrl}   API docs ${gatewayUrl}/docs`)
  }
}).pipe(
  // Service logs below warnings would break the progress line; warnings and errors go to stderr.
  Effect.provideService(References.MinimumLogLevel, "Warn"),
  Effect.provideService(Logger.LogToStderr, true)
)
