import { describe, expect, it } from "vitest"
import { parseEntryList, registrationTabs } from "../../src/liverc/EntryListParser.ts"
import { fixturePage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"

// Built from LiveRC's conventions (no captured entry list exists): test/fixtures/liverc/README.md.
const entryListUrl = trackUrl("/results/?p=view_entry_list&id=486677")

describe("parseEntryList", () => {
  it("reads every class tab with its entries, in page order", () => {
    expect(parsed(parseEntryList(fixturePage("entry_list.html"), entryListUrl))).toEqual({
      classes: [
        {
          className: "1/8 Electric Buggy",
          entries: [
            { carNumber: "1", driverName: "BAKLA, ARI", transponder: "7654321" },
            { carNumber: "2", driverName: "MATTHEW COUPER", transponder: "2222222" },
            { carNumber: "3", driverName: "MATTHEW O'LOUGHLIN", transponder: null }
          ]
        },
        {
          className: "1/8 Nitro Buggy",
          entries: [
            { carNumber: "1", driverName: "FELIX KOEGLER", transponder: "1111111" },
            { carNumber: "11", driverName: "RILEY LANDER", transponder: "3333333" }
          ]
        },
        { className: "Junior", entries: [] }
      ]
    })
  })

  it("drops the session tabs of a second, distant tab-id range (RCRA Nationals)", () => {
    const list = parsed(parseEntryList(fixturePage("entry_list_sessions.html"), entryListUrl))
    expect(list.classes.map((c) => c.className)).toEqual(["Buggy", "Truggy"])
  })

  it("reads the older single-header layout", () => {
    const html = `<html><body><table><thead><tr><th colspan="3">1/8 Electric Buggy Entries: 1</th></tr>
      <tr><th>#</th><th>Driver</th><th>Transponder #</th></tr></thead>
      <tbody><tr><td>1</td><td>JOHN DOE</td><td>1234567</td></tr></tbody></table></body></html>`
    expect(parsed(parseEntryList(html, entryListUrl))).toEqual({
      classes: [{ className: "1/8 Electric Buggy", entries: [{ carNumber: "1", driverName: "JOHN DOE", transponder: "1234567" }] }]
    })
  })

  it("reads a page without class tables as an empty list", () => {
    expect(parsed(parseEntryList("<html><body><p>No entries yet</p></body></html>", entryListUrl))).toEqual({ classes: [] })
  })

  it("refuses a page cut short", () => {
    const html = fixturePage("entry_list.html")
    expect(parseFailure(parseEntryList(html.slice(0, html.indexOf("Nitro")), entryListUrl)).reason).toMatch(/incomplete/)
  })
})

describe("registrationTabs", () => {
  it("keeps the first of exactly two clusters of at least two tabs", () => {
    expect(registrationTabs([69557, 69558, 69563, 71129, 71130, 71132])).toEqual(new Set([69557, 69558, 69563]))
  })

  it("filters nothing for one cluster, a lone second tab or scattered pools", () => {
    expect(registrationTabs([1, 2, 3])).toBeNull()
    expect(registrationTabs([69557, 69558, 71129])).toBeNull()
    expect(registrationTabs([1, 2, 1000, 1001, 5000, 5001])).toBeNull()
  })
})
