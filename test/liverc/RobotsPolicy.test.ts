import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseCrawlDelay, productToken } from "../../src/liverc/RobotsPolicy.ts"

describe("parseCrawlDelay", () => {
  it("reads the delay of the * group", () => {
    expect(parseCrawlDelay("User-agent: *\nDisallow: /admin\nCrawl-delay: 2\n", "liverc-ingest")).toBe(2)
  })

  it("prefers the group naming our product token, case-insensitively", () => {
    const robots = "User-agent: *\nCrawl-delay: 1\n\nUser-agent: LiveRC-Ingest\nCrawl-delay: 0.5\n"
    expect(parseCrawlDelay(robots, "liverc-ingest")).toBe(0.5)
    expect(parseCrawlDelay(robots, "otherbot")).toBe(1)
  })

  it("applies a delay to every agent of a multi-agent group and takes the longest of combined groups", () => {
    const robots = "User-agent: a\nUser-agent: liverc-ingest\nCrawl-delay: 3\n\n" +
      "User-agent: liverc-ingest\nCrawl-delay: 5\n"
    expect(parseCrawlDelay(robots, "liverc-ingest")).toBe(5)
    expect(parseCrawlDelay(robots, "a")).toBe(3)
  })

  it("ignores comments, CRLF line ends, malformed and zero delays", () => {
    expect(parseCrawlDelay("User-agent: * # all\r\nCrawl-delay: 4 # be nice\r\n", "x")).toBe(4)
    expect(parseCrawlDelay("User-agent: *\nCrawl-delay: soon\n", "x")).toBeNull()
    expect(parseCrawlDelay("User-agent: *\nCrawl-delay: 0\n", "x")).toBeNull()
    expect(parseCrawlDelay("User-agent: *\nCrawl-delay: -3\n", "x")).toBeNull()
  })

  it("takes a delay before any User-agent line as meant for everyone, and none without a delay", () => {
    expect(parseCrawlDelay("Crawl-delay: 10\nUser-agent: *\nDisallow:\n", "x")).toBe(10)
    expect(parseCrawlDelay("User-agent: *\nDisallow:\n", "x")).toBeNull()
    expect(parseCrawlDelay("", "x")).toBeNull()
  })
})

describe("productToken", () => {
  it("is the name before the version of our User-Agent", () => {
    expect(productToken("liverc-ingest/0.1 (+https://github.com/liverc-ingest/liverc-ingest)")).toBe("liverc-ingest")
    expect(productToken("MyBot")).toBe("mybot")
  })
})

/**
 * The reading before issue 12 (one array copy per User-agent line, a regex per line): quadratic,
 * but right, and cheap on small files, so it is the oracle for the one-pass reader.
 */
const previousParseCrawlDelay = (robotsTxt: string, token: string): number | null => {
  const delays = new Map<string, Array<number>>()
  let agents: Array<string> = ["*"]
  let inAgentLines = false
  for (const raw of robotsTxt.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/#.*$/, "").trim()
    const colon = line.indexOf(":")
    if (colon < 0) continue
    const field = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (field === "user-agent") {
      agents = inAgentLines ? [...agents, value.toLowerCase()] : [value.toLowerCase()]
      inAgentLines = true
      continue
    }
    inAgentLines = false
    if (field !== "crawl-delay" || !/^\d+(\.\d+)?$/.test(value)) continue
    for (const agent of agents) delays.set(agent, [...(delays.get(agent) ?? []), Number(value)])
  }
  const applicable = delays.get(token.toLowerCase()) ?? delays.get("*")
  if (applicable === undefined) return null
  const longest = Math.max(...applicable)
  return longest > 0 ? longest : null
}

describe("parseCrawlDelay in one pass", () => {
  it("answers what the previous reading did, on random robots.txt files", () => {
    const noise = fc.constantFrom("", "", " ", "\t", "\u00a0", "\u0000", "#", "# c", ":", "x")
    const line = fc.oneof(
      fc.tuple(
        noise,
        fc.constantFrom("User-agent", "user-AGENT", "Crawl-delay", "crawl-DELAY", "Disallow", "Crawl delay"),
        fc.constantFrom(":", " :", ": ", ":\t"),
        fc.constantFrom("*", "liverc-ingest", "LIVERC-INGEST", "otherbot", "1", "2.5", "0", "10", "1.", ".5", "x", "", "3 # why"),
        noise
      ).map((parts) => parts.join("")),
      fc.string({ maxLength: 12 })
    )
    const file = fc.tuple(fc.array(line, { maxLength: 16 }), fc.constantFrom("\n", "\r\n", "\r"))
      .map(([lines, end]) => lines.join(end))
    fc.assert(fc.property(file, fc.constantFrom("liverc-ingest", "otherbot", "*"), (robots, token) => {
      expect(parseCrawlDelay(robots, token)).toBe(previousParseCrawlDelay(robots, token))
    }), { numRuns: 20_000 })
  })
})
