import { Config, Schema } from "effect"

/** An integer setting with bounds, so a typo fails at start instead of making a zero-sized pool. */
export const boundedIntConfig = (name: string, minimum: number, maximum: number, fallback: number) =>
  Config.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })), name).pipe(Config.withDefault(fallback))
