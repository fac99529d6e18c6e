import { readFileSync } from "node:fs"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { InvalidSimConfig, type SimConfigPatch } from "../sim/SimConfig.ts"
import { simulatorScoped } from "../sim/SimServer.ts"

/**
 * `liverc-ingest sim --port P [knobs]`: serves the LiveRC simulator until SIGINT/SIGTERM and
 * prints the two environment lines that point the service at it. Every knob can be changed later
 * through `POST /__sim/config`; `--config file.json` takes a whole patch (flags win over it).
 */

const int = (name: string, description: string) => Flag.Int(name).pipe(Flag.withDescription(description), Flag.optional)
const number = (name: string, description: string) => Flag.Finite(name).pipe(Flag.withDescription(description), Flag.optional)

const flags = {
  port: Flag.Int("port").pipe(Flag.withDescription("Port to listen on (0 = any free port)"), Flag.withDefault(8790)),
  host: Flag.String("host").pipe(Flag.withDescription("Interface to listen on"), Flag.withDefault("127.0.0.1")),
  config: Flag.String("config").pipe(Flag.withDescription("JSON file with a config patch (see GET /__sim/config)"), Flag.optional),
  seed: int("seed", "World seed: the same seed serves the same pages"),
  tracks: int("tracks", "Serve a synthetic catalogue of N tracks instead of the real one"),
  eventsPerTrack: int("events-per-track", "Events in a synthetic track's list"),
  racesPerEvent: int("races-per-event", "Races in a synthetic event"),
  driversPerRace: int("drivers-per-race", "Drivers in a synthetic race"),
  lapsPerDriver: int("laps-per-driver", "About how many laps a driver runs"),
  latencyMs: number("latency-ms", "Answer after this many ms (mean, with --latency-jitter-ms)"),
  latencyJitterMs: number("latency-jitter-ms", "Latency spread: uniform in latency +- jitter"),
  rateLimit: int("rate-limit", "Requests per second (sliding 1 s window); beyond it 429 + Retry-After"),
  capacity: int("capacity", "Requests in flight at once; beyond it 429 + Retry-After"),
  retryAfter: int("retry-after", "Retry-After seconds on injected 429/503 and capacity refusals"),
  errorRate: number("error-rate", "Share of requests answered 503"),
  rate429: number("rate-429", "Share of requests answered 429"),
  resetRate: number("reset-rate", "Share of connections reset"),
  hangRate: number("hang-rate", "Share of requests never answered"),
  truncateRate: number("truncate-rate", "Share of pages cut short"),
  malformRate: number("malform-rate", "Share of pages with corrupted HTML"),
  faultSeed: int("fault-seed", "Seed of the fault and latency draws"),
  crawlDelay: number("crawl-delay", "Crawl-delay in robots.txt")
}

type Parsed = { readonly [K in keyof typeof flags]: (typeof flags)[K] extends Flag.Flag<infer A> ? A : never }

const some = <A>(option: Option.Option<A>): A | undefined => Option.getOrUndefined(option)

const readPatchFile = (path: string) =>
  Effect.try({
    try: () => JSON.parse(readFileSync(path, "utf8")) as SimConfigPatch,
    catch: (error) => new InvalidSimConfig({ reason: `${path}: ${error instanceof Error ? error.message : String(error)}` })
  })

/** Flags as a patch: only what was given, so a config file's values survive. */
const patchOf = (options: Parsed, file: SimConfigPatch): SimConfigPatch => {
  const latencyMs = some(options.latencyMs)
  const jitter = some(options.latencyJitterMs)
  const faults = {
    ...file.faults,
    ...(some(options.errorRate) === undefined ? {} : { rate503: some(options.errorRate) }),
    ...(some(options.rate429) === undefined ? {} : { rate429: some(options.rate429) }),
    ...(some(options.resetRate) === undefined ? {} : { resetRate: some(options.resetRate) }),
    ...(some(options.hangRate) === undefined ? {} : { hangRate: some(options.hangRate) }),
    ...(some(options.truncateRate) === undefined ? {} : { truncateRate: some(options.truncateRate) }),
    ...(some(options.malformRate) === undefined ? {} : { malformRate: some(options.malformRate) })
  }
  const given = {
    seed: some(options.seed),
    tracks: some(options.tracks),
    eventsPerTrack: some(options.eventsPerTrack),
    racesPerEvent: some(options.racesPerEvent),
    driversPerRace: some(options.driversPerRace),
    lapsPerDriver: some(options.lapsPerDriver),
    rateLimit: some(options.rateLimit),
    capacity: some(options.capacity),
    retryAfterSeconds: some(options.retryAfter),
    faultSeed: some(options.faultSeed),
    crawlDelay: some(options.crawlDelay),
    latency: latencyMs === undefined && jitter === undefined
      ? undefined
      : { meanMs: latencyMs ?? 0, jitterMs: jitter ?? 0 }
  }
  return {
    ...file,
    ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
    faults
  } as SimConfigPatch
}

export const simCommand = Command.make(
  "sim",
  flags,
  Effect.fn("SimCommand.run")(function*(options) {
    const file = Option.isSome(options.config) ? yield* readPatchFile(options.config.value) : {}
    const simulator = yield* simulatorScoped({ port: options.port, host: options.host, config: patchOf(options, file) })
    yield* Console.log(`LiveRC simulator listening on ${simulator.url} (control: ${simulator.url}/__sim/stats)`)
    yield* Console.log(`LIVERC_TRACK_URL=${simulator.trackUrlTemplate}`)
    yield* Console.log(`LIVERC_ROOT_URL=${simulator.url}`)
    return yield* Effect.never
  }, Effect.scoped)
).pipe(Command.withDescription("Serve the LiveRC simulator (real and synthetic pages, latency, limits, faults)"))
