import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { TrackSlug } from "../../src/liverc/LiveRcIds.ts"
import { parseTrackCatalogue, slugOfTrackHref } from "../../src/liverc/TrackCatalogueParser.ts"
import { capturedPage, parsed, parseFailure } from "../support/LiveRcPages.ts"

const catalogueUrl = "https://live.liverc.com/"

describe("parseTrackCatalogue on live.liverc.com", () => {
  const catalogue = parsed(parseTrackCatalogue(capturedPage("track_catalogue.html"), catalogueUrl))

  it("lists all 1090 tracks with valid, distinct slugs", () => {
    expect(catalogue.tracks).toHaveLength(1090)
    const isSlug = Schema.is(TrackSlug)
    expect(catalogue.tracks.filter((track) => !isSlug(track.slug))).toEqual([])
    expect(new Set(catalogue.tracks.map((track) => track.slug)).size).toBe(1090)
  })

  it("reads the first rows exactly", () => {
    expect(catalogue.tracks.slice(0, 3)).toEqual([
      { slug: "raceplacerc", name: "Race Place RC", lastActivity: "1 minute ago" },
      { slug: "apexraceway2", name: "APEX Raceway Oval", lastActivity: "1 minute ago" },
      { slug: "ontrackrc", name: "OnTrack Raceway", lastActivity: "1 minute ago" }
    ])
  })

  it("includes canberraoffroad", () => {
    expect(catalogue.tracks.find((track) => track.slug === "canberraoffroad")?.name).toBe("Canberra Off Road Model Car Club")
  })

  it("lower-cases a host LiveRC lists in mixed case", () => {
    expect(catalogue.tracks.find((track) => track.name === "Fast and Fun Toy and Hobby")).toEqual({
      slug: "fastandfuntoyandhobby",
      name: "Fast and Fun Toy and Hobby",
      lastActivity: "Yesterday"
    })
  })
})

describe("slugOfTrackHref", () => {
  it("reads protocol-relative and absolute track links", () => {
    expect(slugOfTrackHref("//raceplacerc.liverc.com/")).toBe("raceplacerc")
    expect(slugOfTrackHref("https://canberraoffroad.liverc.com/")).toBe("canberraoffroad")
    expect(slugOfTrackHref("http://a-b.liverc.com")).toBe("a-b")
  })

  it("refuses links that are not a track site", () => {
    const notTracks = [
      "//live.liverc.com",
      "/results/",
      "//evil.com/x.liverc.com/",
      "//a.b.liverc.com/",
      "//x.liverc.com.evil.com/",
      "javascript:x"
    ]
    for (const href of notTracks) {
      expect(slugOfTrackHref(href), href).toBeNull()
    }
  })
})

describe("parseTrackCatalogue on pages that do not fit", () => {
  it("refuses a page without track rows", () => {
    expect(parseFailure(parseTrackCatalogue(capturedPage("canberraoffroad_events.html"), catalogueUrl)).reason)
      .toMatch(/no track rows/)
  })

  it("refuses a page whose rows link no track site", () => {
    const html = `<html><body><table class="track_list"><tr class="clickable-row"><td><a href="/x">X</a></td></tr></table></body></html>`
    expect(parseFailure(parseTrackCatalogue(html, catalogueUrl)).reason).toBe("no row links to a track site")
  })
})
