import { Config, Schema, SchemaTransformation } from "effect"

/**
 * Every duration setting of the project is read the same way, so an operator writes `30s` or
 * `30 seconds` anywhere without knowing which module reads it.
 */

const units: Record<string, number> = {
  ms: 1,
  milli: 1,
  millis: 1,
  s: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000
}

/** `500ms`, `30s`, `5m`, `1h`, `2 days`: what operators type, as milliseconds. */
export const MillisFromString = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^\s*\d+(\.\d+)?\s*(ms|millis?|s|seconds?|m|minutes?|h|hours?|d|days?)\s*$/, {
    message: "a duration like 500ms, 30s, 5m or 1h"
  })),
  Schema.decodeTo(
    Schema.Number,
    SchemaTransformation.transform({
      decode: (text: string) => {
        const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/.exec(text)
        return match === null ? Number.NaN : Math.round(Number(match[1]) * (units[match[2] ?? ""] ?? Number.NaN))
      },
      encode: (millis: number) => `${millis}ms`
    })
  )
)

const UNIT_NAMES: ReadonlyArray<readonly [string, number]> = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]]

/** 86400000 -> `1d`, 90000 -> `90s`, 250 -> `250ms`: the largest unit that divides it. */
export const formatMillis = (millis: number): string => {
  if (millis === 0) return "0"
  const unit = UNIT_NAMES.find(([, size]) => millis % size === 0)
  return unit === undefined ? `${millis}ms` : `${millis / unit[1]}${unit[0]}`
}

/** A duration setting in milliseconds, bounded so a typo cannot make a zero or absurd timer. */
export const millisConfig = (name: string, minimum: number, maximum: number, fallback: number) =>
  Config.schema(
    MillisFromString.check(
      Schema.isBetween({ minimum, maximum }, { message: `a duration between ${formatMillis(minimum)} and ${formatMillis(maximum)}` })
    ),
    name
  ).pipe(Config.withDefault(fallback))

