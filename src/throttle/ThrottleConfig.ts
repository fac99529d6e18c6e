import { Config, Schema, SchemaTransformation } from "effect"

/**
 * Settings of the global LiveRC throttle. The limits are per host GROUP for the whole
 * deployment (every process on every machine shares one bucket per group), not per process.
 */

/** Every host falls in this group unless a rule says otherwise: all of LiveRC and the simulator. */
export const DEFAULT_GROUP = "liverc"

export interface HostGroupRule {
  /** `host[:port]` as it appears in the URL, `*` matching any run of characters. */
  readonly pattern: string
  readonly group: string
}

export interface ThrottleSettings {
  /** Steady requests per second for a group, summed over every process. */
  readonly ratePerSec: number
  /** Requests that may go out at once after a quiet spell; any 1 s window sees at most rate + burst. */
  readonly burst: number
  /** Most tokens one process reserves with one compare-and-set. */
  readonly batch: number
  /** First matching rule wins; unmatched hosts are in DEFAULT_GROUP. */
  readonly groups: ReadonlyArray<HostGroupRule>
}

export const defaultThrottleSettings: ThrottleSettings = {
  ratePerSec: 10,
  burst: 3,
  batch: 4,
  groups: []
}

const GROUP_NAME = "[A-Za-z0-9_-]{1,64}"
const RULE = `[A-Za-z0-9*.:\\[\\]-]+\\s*=\\s*${GROUP_NAME}`
const RULES = new RegExp(`^\\s*(${RULE}(\\s*,\\s*${RULE})*)?\\s*$`)

/** `*.liverc.com=liverc, 127.0.0.1:*=sim`: pattern=group pairs, comma separated. */
export const parseHostGroupRules = (text: string): ReadonlyArray<HostGroupRule> =>
  text.split(",").map((pair) => pair.trim()).filter((pair) => pair.length > 0).map((pair) => {
    const [pattern = "", group = ""] = pair.split("=").map((part) => part.trim())
    return { pattern: pattern.toLowerCase(), group }
  })

export const HostGroupRules = Schema.String.pipe(
  Schema.check(Schema.isPattern(RULES, {
    message: "pattern=group pairs separated by commas, e.g. `*.liverc.com=liverc,127.0.0.1:*=sim` " +
      "(patterns: host[:port] with * wildcards; groups: letters, digits, _ and -)"
  })),
  Schema.decodeTo(
    Schema.Array(Schema.Struct({ pattern: Schema.String, group: Schema.String })),
    SchemaTransformation.transform({
      decode: parseHostGroupRules,
      encode: (rules) => rules.map((rule) => `${rule.pattern}=${rule.group}`).join(",")
    })
  )
)

const globToRegExp = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`)

/** Resolves hosts to groups; a compiled rule list, so the hot path never re-parses patterns. */
export const makeHostGrouper = (rules: ReadonlyArray<HostGroupRule>) => {
  const compiled = rules.map((rule) => ({ test: globToRegExp(rule.pattern), group: rule.group }))
  const groups = [...new Set([DEFAULT_GROUP, ...rules.map((rule) => rule.group)])]
  return {
    groups,
    groupOf: (host: string): string => {
      const normalised = host.toLowerCase()
      return compiled.find((rule) => rule.test.test(normalised))?.group ?? DEFAULT_GROUP
    }
  }
}

/** One Config per environment variable, so a start-up check can report every bad value. */
export const throttleConfigFields = {
  ratePerSec: Config.schema(
    Schema.Finite.check(Schema.isBetween({ minimum: 0.001, maximum: 10_000 })),
    "LIVERC_RATE_PER_SEC"
  ).pipe(Config.withDefault(defaultThrottleSettings.ratePerSec)),
  // Below 2 the throttle has no room for its own timing slack (see TokenBucket.latenessBudgetMillis).
  burst: Config.schema(Schema.Finite.check(Schema.isBetween({ minimum: 2, maximum: 10_000 })), "LIVERC_BURST")
    .pipe(Config.withDefault(defaultThrottleSettings.burst)),
  batch: Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 64 })), "LIVERC_THROTTLE_BATCH")
    .pipe(Config.withDefault(defaultThrottleSettings.batch)),
  groups: Config.schema(HostGroupRules, "LIVERC_THROTTLE_GROUPS").pipe(
    Config.withDefault(defaultThrottleSettings.groups)
  )
}

export const ThrottleConfig: Config.Config<ThrottleSettings> = Config.all(throttleConfigFields)
