import { describe, expect, it } from "vitest"
import { parseTrackDashboard } from "../../src/liverc/TrackDashboardParser.ts"
import { capturedPage, parsed, parseFailure } from "../support/LiveRcPages.ts"

describe("parseTrackDashboard", () => {
  it("reads Canberra Off Road's dashboard, with no phone for 'P: N/A' and the noSpam email decoded", () => {
    const dashboard = parsed(parseTrackDashboard(capturedPage("canberraoffroad_dashboard.html"), "https://canberraoffroad.liverc.com/"))
    expect(dashboard).toEqual({
      name: "Canberra Off Road Model Car Club",
      address: "Kyeema Street, Narrabundah 02604, Australia",
      city: "Narrabundah",
      region: null,
      postcode: "02604",
      country: "Australia",
      phone: null,
      email: "info@cormcc.org",
      website: "http://www.cormcc.org",
      facebookUrl: null,
      logoUrl: null,
      description: null,
      latitude: null,
      longitude: null,
      stats: { events: 102, races: 1894, entries: 3132, laps: 230327, practiceSessions: 8405 }
    })
  })

  it("reads BBRCC's dashboard with phone, logo and Facebook page", () => {
    const dashboard = parsed(parseTrackDashboard(capturedPage("bbrcc_dashboard.html"), "https://bbrcc.liverc.com/"))
    expect(dashboard).toEqual({
      name: "BBRCC Off-Road",
      address: "Hanging Rock Complex, Batemans Bay A2536, Australia",
      city: "Batemans Bay",
      region: "A",
      postcode: "2536",
      country: "Australia",
      phone: "+61 403 594 396",
      email: "batemansbayrc@gmail.com",
      website: "http://www.bayrc.com.au",
      facebookUrl: "https://www.facebook.com/groups/113916535392934/",
      logoUrl: "https://assets.livetimescoring.com/track_logos/1956/bbrcc_logo.png?dt=2021-06-17_00:00:00",
      description: null,
      latitude: null,
      longitude: null,
      stats: { events: 54, races: 937, entries: 1598, laps: 98387, practiceSessions: 4115 }
    })
  })

  it("reads coordinates from the map's center and drops ones out of range", () => {
    const page = capturedPage("bbrcc_dashboard.html")
    const centred = page.replace("&q=Hanging Rock", "&center=-35.7167,150.1833&q=Hanging Rock")
    expect(parsed(parseTrackDashboard(centred, "u"))).toMatchObject({ latitude: -35.7167, longitude: 150.1833 })
    const wrong = page.replace("&q=Hanging Rock", "&center=-135.7,150.1&q=Hanging Rock")
    expect(parsed(parseTrackDashboard(wrong, "u"))).toMatchObject({ latitude: null, longitude: null })
  })

  it("drops a website that is not http(s)", () => {
    const page = capturedPage("canberraoffroad_dashboard.html").replace(`href="http://www.cormcc.org"`, `href="http://"`)
    expect(parsed(parseTrackDashboard(page, "u")).website).toBeNull()
  })

  it("refuses a page that is not a dashboard", () => {
    expect(parseFailure(parseTrackDashboard(capturedPage("canberraoffroad_events.html"), "u")).reason)
      .toMatch(/not a track dashboard/)
  })
})
