import { Effect, Schema } from "effect"

/**
 * The only user-controlled parts that ever reach a LiveRC URL. Each is checked here, before any
 * request is built, so a hostile value can never choose a host, a path or a query.
 */

export const TrackSlug = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    message: "a track slug is 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit"
  })),
  Schema.brand("TrackSlug")
)
export type TrackSlug = typeof TrackSlug.Type

/** LiveRC ids are decimal strings; 12 digits leave room above today's 7-digit ids. */
export const LiveRcId = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[1-9][0-9]{0,11}$/, {
    message: "a LiveRC id is 1-12 decimal digits without a leading zero"
  })),
  Schema.brand("LiveRcId")
)
export type LiveRcId = typeof LiveRcId.Type

export const IngestDepth = Schema.Literals(["summary", "laps_full"])
export type IngestDepth = typeof IngestDepth.Type

const isRealDate = (value: string): boolean => {
  const parsed = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value
}

/** A calendar day `YYYY-MM-DD` that exists (no 2025-02-30). */
export const PracticeDate = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]$/, { message: "a date is YYYY-MM-DD" })),
  Schema.check(Schema.makeFilter((value: string) => isRealDate(value) || "not a calendar date")),
  Schema.brand("PracticeDate")
)
export type PracticeDate = typeof PracticeDate.Type

/** A month `YYYY-MM`, the only form LiveRC's practice calendar answers correctly. */
export const PracticeMonth = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$/, { message: "a month is YYYY-MM" })),
  Schema.brand("PracticeMonth")
)
export type PracticeMonth = typeof PracticeMonth.Type

export class InvalidLiveRcInput extends Schema.TaggedError<InvalidLiveRcInput>()("InvalidLiveRcInput", {
  field: Schema.String,
  value: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `invalid ${this.field} ${JSON.stringify(this.value.slice(0, 80))}: ${this.reason}`
  }
}

const describe = (error: Schema.SchemaError): string => error.message.split("\n")[0] ?? "invalid"

const validator = <S extends Schema.Codec<any, string>>(schema: S, field: string) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (value: unknown): Effect.Effect<S["Type"], InvalidLiveRcInput> =>
    (decode(value) as Effect.Effect<S["Type"], Schema.SchemaError>).pipe(
      Effect.mapError((error) =>
        new InvalidLiveRcInput({ field, value: String(value), reason: describe(error) })
      )
    )
}

export const validateTrackSlug = validator(TrackSlug, "track slug")
export const validateLiveRcId = validator(LiveRcId, "LiveRC id")
export const validatePracticeDate = validator(PracticeDate, "date")
