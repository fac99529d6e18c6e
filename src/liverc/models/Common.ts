import { Schema } from "effect"

/** Durations and lap times are integer milliseconds; LiveRC's `36.589` is 36589. */
export const Millis = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))
export const Count = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))
export const Percent = Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 100 })))
/** A naive local track time `YYYY-MM-DDTHH:MM:SS`; LiveRC never says which time zone. */
export const LocalDateTime = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/))
)
export const LocalDate = Schema.String.pipe(Schema.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/)))
export const NonBlank = Schema.String.pipe(Schema.check(Schema.isMinLength(1)))
