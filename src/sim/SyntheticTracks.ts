import type { TrackSlug } from "../liverc/LiveRcIds.ts"
import type { TrackCatalogue } from "../liverc/models/TrackCatalogue.ts"
import type { TrackDashboard } from "../liverc/models/TrackDashboard.ts"
import { lastActivities, regions, streets, towns, trackSuffixes } from "./Names.ts"
import { type Prng, prngOf, seedOf } from "./Prng.ts"

/**
 * Tracks: a synthetic catalogue of any size, a name for any slug, and a dashboard for any track.
 * The catalogue's i-th track is a pure function of i, so 10,000 tracks cost nothing until asked for.
 */

const slugPart = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, "")

const shortSuffix = (suffix: string) =>
  suffix.split(" ").map((word) => word[0]?.toLowerCase() ?? "").join("")

const trackAt = (worldSeed: number, index: number) => {
  const rng = prngOf(worldSeed, "catalogue", index)
  const town = rng.pick(towns)
  const suffix = rng.pick(trackSuffixes)
  return {
    slug: `${slugPart(town)}-${shortSuffix(suffix)}-${index + 1}` as TrackSlug,
    name: `${town} ${suffix}`,
    lastActivity: rng.pick(lastActivities)
  }
}

export const syntheticCatalogue = (worldSeed: number, count: number): TrackCatalogue => ({
  tracks: Array.from({ length: count }, (_, i) => trackAt(worldSeed, i))
})

/** The name of a synthetic catalogue track from its slug, or undefined if the slug is not one. */
export const catalogueTrackName = (worldSeed: number, count: number, slug: string): string | undefined => {
  const index = Number(/-(\d+)$/.exec(slug)?.[1] ?? 0) - 1
  if (index < 0 || index >= count) return undefined
  const track = trackAt(worldSeed, index)
  return track.slug === slug ? track.name : undefined
}

/** Any other slug still gets a stable, plausible name. */
export const derivedTrackName = (worldSeed: number, slug: string): string => {
  const rng = prngOf(worldSeed, "track-name", slug)
  return `${rng.pick(towns)} ${rng.pick(trackSuffixes)}`
}

const digits = (rng: Prng, count: number) => Array.from({ length: count }, () => rng.int(0, 9)).join("")

/** Micro-degrees, so the six-decimal string in the map URL parses back to the same number. */
const coordinate = (rng: Prng, limit: number) => rng.int(-limit * 1_000_000, limit * 1_000_000) / 1_000_000

export interface DashboardExtras {
  /** Street, town line (`Town [STATE] postcode`) and country: the `<address>` lines. */
  readonly postalLines: readonly [string, string, string]
  /** Local part and domain of the e-mail, as the noSpam link spells them. */
  readonly emailParts: readonly [string, string] | null
  readonly countryCode: string
}

export const syntheticDashboard = (
  worldSeed: number,
  slug: string,
  name: string,
  revision: number
): { readonly model: TrackDashboard; readonly extras: DashboardExtras } => {
  const rng = prngOf(worldSeed, "dashboard", slug)
  const place = rng.pick(regions)
  const town = rng.pick(towns)
  const region = place.regions.length === 0 ? null : rng.pick<string>(place.regions)
  const postcode = digits(rng, place.postcode)
  const street = `${rng.int(1, 400)} ${rng.pick(streets)}`
  const townLine = [town, region, postcode].filter((part) => part !== null).join(" ")
  const hasEmail = rng.chance(0.8)
  const domain = `${slug.replace(/-/g, "")}.com`
  const events = rng.int(5, 400) + revision
  const races = events * rng.int(8, 30)
  const entries = races * rng.int(2, 5)
  const hasMap = rng.chance(0.3)
  return {
    model: {
      name,
      address: [street, townLine, place.country].join(", "),
      city: town,
      region,
      postcode,
      country: place.country,
      phone: rng.chance(0.6) ? `+${rng.int(1, 64)} ${digits(rng, 3)} ${digits(rng, 3)} ${digits(rng, 3)}` : null,
      email: hasEmail ? `info@${domain}` : null,
      website: rng.chance(0.7) ? `http://www.${domain}` : null,
      facebookUrl: rng.chance(0.4) ? `https://www.facebook.com/groups/${digits(rng, 15)}/` : null,
      logoUrl: rng.chance(0.5)
        ? `https://assets.livetimescoring.com/track_logos/${rng.int(100, 9999)}/${slug.replace(/-/g, "_")}_logo.png`
        : null,
      description: null,
      latitude: hasMap ? coordinate(rng, 60) : null,
      longitude: hasMap ? coordinate(rng, 170) : null,
      stats: {
        events,
        races,
        entries,
        laps: entries * rng.int(15, 40),
        practiceSessions: rng.int(0, 20_000) + revision
      }
    },
    extras: {
      postalLines: [street, townLine, place.country],
      emailParts: hasEmail ? ["info", domain] : null,
      countryCode: place.code
    }
  }
}

/** A track's event ids: a block of 100 per track; the j-th event is `block * 100 + j`. */
export const trackEventIds = (slug: string, count: number): Array<string> => {
  const block = 10_000 + (seedOf("track-events", slug) % 89_990_000)
  return Array.from({ length: count }, (_, j) => String(block * 100 + j + 1))
}
