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
