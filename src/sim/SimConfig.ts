import { Schema } from "effect"
import { HostilePageKind } from "./HostilePages.ts"

/**
 * The simulator's knobs. Content knobs (seed, sizes, practice) decide what the synthetic pages say;
 * behaviour knobs (latency, limits, faults) decide how the server answers. Both can be patched while
 * it runs (`POST /__sim/config`, `RunningSimulator.configure`, CLI flags at start).
 */

const NonNegative = Schema.Finite.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))
const Probability = Schema.Finite.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 1 })))
const PositiveInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1)))
const boundedInt = (minimum: number, maximum: number) => Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum, maximum })))
const IsoDay = Schema.String.pipe(Schema.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/, { message: "a day is YYYY-MM-DD" })))

/** `{fixedMs}`, `{minMs, maxMs}` (uniform) or `{meanMs, jitterMs}` (uniform in mean +- jitter). */
export const LatencySpec = Schema.Union([
  Schema.Struct({ fixedMs: NonNegative }),
  Schema.Struct({ minMs: NonNegative, maxMs: NonNegative }),
  Schema.Struct({ meanMs: NonNegative, jitterMs: NonNegative })
])
export type LatencySpec = typeof LatencySpec.Type

/** A latency for requests whose path+query matches `match` (a regular expression); first match wins. */
export const LatencyRule = Schema.Struct({ match: Schema.String, latency: LatencySpec })
export type LatencyRule = typeof LatencyRule.Type

export const Range = Schema.Struct({ min: Schema.Int, max: Schema.Int })

export const FaultRates = Schema.Struct({
  /** Answer 429 with `Retry-After` as if LiveRC throttled us. */
  rate429: Probability,
  /** Answer 503 with `Retry-After`. */
  rate503: Probability,
  /** Reset the TCP connection without an answer. */
  resetRate: Probability,
  /** Accept the request and never answer. */
  hangRate: Probability,
  /** 200 with only the first part of the page. */
  truncateRate: Probability,
  /** 200 with the page's structure corrupted. */
  malformRate: Probability
})
export type FaultRates = typeof FaultRates.Type

/**
 * A fault every request whose path+query matches `match` (a regular expression) gets; first match
 * wins over the rates. `status404` (a rule only, never drawn) answers as for a page LiveRC does
 * not have, e.g. an event's standings pages taken down.
 */
export const FaultRule = Schema.Struct({
  match: Schema.String,
  fault: Schema.Literals(["status404", "status429", "status503", "reset", "hang", "truncate", "malform"])
})
export type FaultRule = typeof FaultRule.Type

/**
 * A hostile page (HostilePages.ts: `self-closing-attr`, `event-row`, `robots-agents`, ...) of about
 * `bytes` characters, answered with 200 to every request whose path+query matches `match` (a
 * regular expression), a race id or a robots.txt, say; first match wins. Faults win over it.
 */
export const HostileRule = Schema.Struct({
  match: Schema.String,
  page: HostilePageKind,
  bytes: boundedInt(1, 64 * 1024 * 1024)
})
export type HostileRule = typeof HostileRule.Type

export const PracticeKnobs = Schema.Struct({
  /** Chance that a day has practice sessions (weekends twice as likely), when `days` is null. */
  dayProbability: Probability,
  /** Exactly these days have sessions, on every track; null = decided by `dayProbability`. */
  days: Schema.NullOr(Schema.Array(IsoDay)),
  sessionsPerDay: Range,
  lapsPerSession: Range,
  /** `listed`: the month view links every practice day; `blank`: it links none, so clients must probe days. */
  calendar: Schema.Literals(["listed", "blank"])
})
export type PracticeKnobs = typeof PracticeKnobs.Type

export const SimConfig = Schema.Struct({
  /** World seed: the same seed gives the same pages. */
  seed: Schema.Int,
  /** Synthetic catalogue of N tracks at `/`; null = the real captured catalogue (1,090 tracks). */
  tracks: Schema.NullOr(boundedInt(1, 200_000)),
  eventsPerTrack: boundedInt(1, 99),
  racesPerEvent: boundedInt(1, 80),
  driversPerRace: boundedInt(1, 60),
  lapsPerDriver: boundedInt(1, 400),
  practice: PracticeKnobs,
  /** Track slugs LiveRC does not know: every page of their sites answers 404. */
  unknownTracks: Schema.Array(Schema.String),
  latency: LatencySpec,
  latencyRules: Schema.Array(LatencyRule),
  /** Requests per second admitted over a sliding 1-second window; beyond it 429. Null = unlimited. */
  rateLimit: Schema.NullOr(PositiveInt),
  /** Requests in flight at once; beyond it 429. Null = unlimited. */
  capacity: Schema.NullOr(PositiveInt),
  /** `Retry-After` seconds on injected 429/503 and on capacity rejections. */
  retryAfterSeconds: boundedInt(0, 3600),
  faults: FaultRates,
  faultRules: Schema.Array(FaultRule),
  faultSeed: Schema.Int,
  hostileRules: Schema.Array(HostileRule),
  /** `Crawl-delay` in robots.txt; null = none. */
  crawlDelay: Schema.NullOr(NonNegative),
  /** Bound of the rendered-page cache. */
  cacheMaxBytes: PositiveInt
})
export type SimConfig = typeof SimConfig.Type

export const defaultSimConfig: SimConfig = {
  seed: 1,
  tracks: null,
  eventsPerTrack: 12,
  racesPerEvent: 12,
  driversPerRace: 10,
  lapsPerDriver: 20,
  practice: {
    dayProbability: 0.3,
    days: null,
    sessionsPerDay: { min: 1, max: 12 },
    lapsPerSession: { min: 3, max: 40 },
    calendar: "listed"
  },
  unknownTracks: [],
  latency: { fixedMs: 0 },
  latencyRules: [],
  rateLimit: null,
  capacity: null,
  retryAfterSeconds: 1,
  faults: { rate429: 0, rate503: 0, resetRate: 0, hangRate: 0, truncateRate: 0, malformRate: 0 },
  faultRules: [],
  faultSeed: 1,
  hostileRules: [],
  crawlDelay: null,
  cacheMaxBytes: 128 * 1024 * 1024
}

/** A patch: any subset of the knobs; `practice` and `faults` merge key by key. */
export const SimConfigPatch = Schema.Struct({
  seed: Schema.optionalKey(SimConfig.fields.seed),
  tracks: Schema.optionalKey(SimConfig.fields.tracks),
  eventsPerTrack: Schema.optionalKey(SimConfig.fields.eventsPerTrack),
  racesPerEvent: Schema.optionalKey(SimConfig.fields.racesPerEvent),
  driversPerRace: Schema.optionalKey(SimConfig.fields.driversPerRace),
  lapsPerDriver: Schema.optionalKey(SimConfig.fields.lapsPerDriver),
  practice: Schema.optionalKey(Schema.Struct({
    dayProbability: Schema.optionalKey(PracticeKnobs.fields.dayProbability),
    days: Schema.optionalKey(PracticeKnobs.fields.days),
    sessionsPerDay: Schema.optionalKey(Range),
    lapsPerSession: Schema.optionalKey(Range),
    calendar: Schema.optionalKey(PracticeKnobs.fields.calendar)
  })),
  unknownTracks: Schema.optionalKey(SimConfig.fields.unknownTracks),
  latency: Schema.optionalKey(LatencySpec),
  latencyRules: Schema.optionalKey(SimConfig.fields.latencyRules),
  rateLimit: Schema.optionalKey(SimConfig.fields.rateLimit),
  capacity: Schema.optionalKey(SimConfig.fields.capacity),
  retryAfterSeconds: Schema.optionalKey(SimConfig.fields.retryAfterSeconds),
  faults: Schema.optionalKey(Schema.Struct({
    rate429: Schema.optionalKey(Probability),
    rate503: Schema.optionalKey(Probability),
    resetRate: Schema.optionalKey(Probability),
    hangRate: Schema.optionalKey(Probability),
    truncateRate: Schema.optionalKey(Probability),
    malformRate: Schema.optionalKey(Probability)
  })),
  faultRules: Schema.optionalKey(SimConfig.fields.faultRules),
  faultSeed: Schema.optionalKey(SimConfig.fields.faultSeed),
  hostileRules: Schema.optionalKey(SimConfig.fields.hostileRules),
  crawlDelay: Schema.optionalKey(SimConfig.fields.crawlDelay),
  cacheMaxBytes: Schema.optionalKey(SimConfig.fields.cacheMaxBytes)
})
export type SimConfigPatch = typeof SimConfigPatch.Type

export class InvalidSimConfig extends Schema.TaggedError<InvalidSimConfig>()("InvalidSimConfig", {
  reason: Schema.String
}) {
  override get message() {
    return `invalid simulator config: ${this.reason}`
  }
}

const decodePatch = Schema.decodeUnknownResult(SimConfigPatch)

const checkRange = (name: string, range: { readonly min: number; readonly max: number }, floor: number) =>
  range.min < floor || range.max < range.min ? `${name} needs ${floor} <= min <= max` : undefined

/** Validates a patch (JSON from the control endpoint, flags, or code) and applies it. */
export const applyPatch = (config: SimConfig, input: unknown): SimConfig | InvalidSimConfig => {
  const decoded = decodePatch(input)
  if (decoded._tag === "Failure") return new InvalidSimConfig({ reason: decoded.failure.message })
  const patch = decoded.success
  const next: SimConfig = {
    ...config,
    ...patch,
    practice: { ...config.practice, ...patch.practice },
    faults: { ...config.faults, ...patch.faults }
  }
  const problem = checkRange("practice.sessionsPerDay", next.practice.sessionsPerDay, 0) ??
    checkRange("practice.lapsPerSession", next.practice.lapsPerSession, 1) ??
    (next.practice.lapsPerSession.max > 75 ? "practice.lapsPerSession.max is at most 75" : undefined) ??
    (next.practice.sessionsPerDay.max > 500 ? "practice.sessionsPerDay.max is at most 500" : undefined) ??
    behaviourProblem(next)
  if (problem !== undefined) return new InvalidSimConfig({ reason: problem })
  const faultSum = Object.values(next.faults).reduce((a, b) => a + b, 0)
  if (faultSum > 1) return new InvalidSimConfig({ reason: `fault rates add up to ${faultSum}, more than 1` })
  return next
}

const behaviourProblem = (config: SimConfig): string | undefined => {
  const specs = [config.latency, ...config.latencyRules.map((rule) => rule.latency)]
  for (const spec of specs) {
    if ("minMs" in spec && spec.maxMs < spec.minMs) return "latency needs minMs <= maxMs"
  }
  for (const [kind, rules] of [["latency", config.latencyRules], ["fault", config.faultRules], ["hostile", config.hostileRules]] as const) {
    for (const rule of rules) {
      try {
        new RegExp(rule.match)
      } catch {
        return `${kind} rule ${JSON.stringify(rule.match)} is not a regular expression`
      }
    }
  }
  return undefined
}

/** Knobs that change what pages say; changing one empties the page cache. */
const contentKeys = ["seed", "tracks", "eventsPerTrack", "racesPerEvent", "driversPerRace", "lapsPerDriver", "practice"] as const

export const contentChanged = (before: SimConfig, after: SimConfig): boolean =>
  contentKeys.some((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
