import { Schema } from "effect"
import { Count, NonBlank } from "./Common.ts"

export const TrackStats = Schema.Struct({
  events: Schema.NullOr(Count),
  races: Schema.NullOr(Count),
  entries: Schema.NullOr(Count),
  laps: Schema.NullOr(Count),
  practiceSessions: Schema.NullOr(Count)
})

export const TrackDashboard = Schema.Struct({
  name: Schema.NullOr(NonBlank),
  address: Schema.NullOr(Schema.String),
  city: Schema.NullOr(Schema.String),
  region: Schema.NullOr(Schema.String),
  postcode: Schema.NullOr(Schema.String),
  country: Schema.NullOr(Schema.String),
  phone: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  website: Schema.NullOr(Schema.String),
  facebookUrl: Schema.NullOr(Schema.String),
  logoUrl: Schema.NullOr(Schema.String),
  description: Schema.NullOr(Schema.String),
  latitude: Schema.NullOr(Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: -90, maximum: 90 })))),
  longitude: Schema.NullOr(Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: -180, maximum: 180 })))),
  stats: TrackStats
})
export type TrackDashboard = typeof TrackDashboard.Type
