import { Schema } from "effect"
import { TrackSlug } from "../LiveRcIds.ts"
import { NonBlank } from "./Common.ts"

export const CatalogueTrack = Schema.Struct({
  slug: TrackSlug,
  name: NonBlank,
  /** LiveRC's free text ("1 minute ago"), kept verbatim. */
  lastActivity: Schema.NullOr(Schema.String)
})
export type CatalogueTrack = typeof CatalogueTrack.Type

export const TrackCatalogue = Schema.Struct({
  tracks: Schema.Array(CatalogueTrack)
})
export type TrackCatalogue = typeof TrackCatalogue.Type
