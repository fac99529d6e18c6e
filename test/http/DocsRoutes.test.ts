import { describe, expect, it } from "vitest"
import { acceptsGzip, noneMatchHits } from "../../src/http/DocsRoutes.ts"

describe("acceptsGzip", () => {
  it.each([
    ["gzip", true],
    ["gzip, deflate, br", true],
    ["br;q=1.0, GZIP;q=0.5", true],
    ["x-gzip", true],
    ["*", true],
    ["br, *;q=0.1", true],
    [undefined, false],
    ["", false],
    ["identity", false],
    ["br, deflate", false],
    ["gzip;q=0", false],
    ["gzip;q=0.000, *", false],
    ["*;q=0", false]
  ])("Accept-Encoding %j: %j", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected)
  })
})

describe("noneMatchHits", () => {
  const etag = "\"abc\""
  it.each([
    ["\"abc\"", true],
    ["W/\"abc\"", true],
    ["\"x\", \"abc\"", true],
    ["*", true],
    [undefined, false],
    ["\"abcd\"", false],
    ["abc", false],
    ["\"abc\"-gzip", false]
  ])("If-None-Match %j: %j", (header, expected) => {
    expect(noneMatchHits(header, etag)).toBe(expected)
  })
})
