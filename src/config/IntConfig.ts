import { Config, Schema } from "effect"

/** An integer setting with bounds, so a typo fails at start instead of making a zero-sized pool. */
export const boundedIntConfig = (name: string, minimum: number, maximum: number, fallback: number) =>
  Config.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })), name).pipe(Config.withDefault(fallback))

/**
 * A setting whose lower bound is another setting's value (RACE_FETCH_MAX >= RACE_FETCH_MIN): `make`
 * builds it from the value in force. A bad lower setting is reported as itself; this one is then
 * checked against the lower one's default, so each bad value is reported once, under its own name.
 */
export const notBelow = (lower: Config.Config<number>, lowerFallback: number, make: (minimum: number) => Config.Config<number>) =>
  lower.pipe(Config.orElse(() => Config.succeed(lowerFallback)), Config.flatMap(make))
