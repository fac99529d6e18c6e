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

describe("parseTrackCatalogue row by row", () => {
  const catalogueOf = (rows: string) =>
    parsed(parseTrackCatalogue(`<html><body><table class="track_list"><tbody>${rows}</tbody></table></body></html>`, catalogueUrl))
      .tracks
  const activityCell = (text: string) => `<td><br /><small><small>${text}</small></small></td>`

  it("names a track by its link's first strong, or by the whole link without one, entities decoded", () => {
    expect(catalogueOf(
      `<tr class="clickable-row">${activityCell("Today")}<td><a href="//a.liverc.com/"><strong>A &amp;\n  B</strong> <strong>x</strong></a></td></tr>` +
        `<tr class="clickable-row other">${activityCell("")}<td><a href="//b.liverc.com/">B <i>Raceway</i></a></td></tr>`
    )).toEqual([
      { slug: "a", name: "A & B", lastActivity: "Today" },
      { slug: "b", name: "B Raceway", lastActivity: null }
    ])
  })

  it("takes the activity only from the row's first cell and the link only from inside a cell", () => {
    expect(catalogueOf(
      `<tr class="clickable-row"><a href="//stray.liverc.com/">Stray</a><td></td>` +
        `<td><small><small>not the first cell</small></small><a href="//c.liverc.com/">C</a></td></tr>`
    )).toEqual([{ slug: "c", name: "C", lastActivity: null }])
  })

  it("keeps the first row of a slug listed twice and skips a row without a name", () => {
    expect(catalogueOf(
      `<tr class="clickable-row"><td><a href="//d.liverc.com/"> </a></td></tr>` +
        `<tr class="clickable-row"><td><a href="//D.liverc.com/">First</a></td></tr>` +
        `<tr class="clickable-row"><td><a href="//d.liverc.com/">Second</a></td></tr>` +
        `<tr><td><a href="//e.liverc.com/">Not a clickable row</a></td></tr>`
    )).toEqual([{ slug: "d", name: "First", lastActivity: null }])
  })

  it("reads rows whose closing tags LiveRC's HTML leaves implied", () => {
    expect(catalogueOf(
      `<tr class="clickable-row">${activityCell("1 hour ago").replace("</td>", "")}<td><a href="//f.liverc.com/">F</a>` +
        `<tr class="clickable-row"><td><a href="//g.liverc.com/">G</a>`
    )).toEqual([
      { slug: "f", name: "F", lastActivity: "1 hour ago" },
      { slug: "g", name: "G", lastActivity: null }
    ])
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
