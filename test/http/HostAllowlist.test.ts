import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  allowedHostEntryProblem,
  defaultAllowedHosts,
  hostOfHeader,
  makeHostAllowlist,
  type MachineNames
} from "../../src/http/HostAllowlist.ts"

const machine: MachineNames = { hostname: "gw-7d9f", addresses: ["127.0.0.1", "10.1.2.3", "::1", "fe80::1"] }

describe("hostOfHeader", () => {
  it.each([
    ["localhost", "localhost"],
    ["localhost:8080", "localhost"],
    ["LocalHost:8080", "localhost"],
    ["localhost.:8080", "localhost"],
    ["localhost:", "localhost"],
    ["127.0.0.1:8080", "127.0.0.1"],
    ["[::1]", "::1"],
    ["[::1]:8080", "::1"],
    ["[FE80::1]:80", "fe80::1"],
    ["  api.example.com  ", "api.example.com"]
  ])("reads %j as %j", (header, host) => {
    expect(hostOfHeader(header)).toBe(host)
  })

  it.each([
    [undefined],
    [""],
    ["   "],
    [":8080"],
    ["::1"],
    ["[::1"],
    ["[]:80"],
    ["[::1]x"],
    ["localhost:80@evil.example"],
    ["localhost:8080:80"],
    ["localhost:http"]
  ])("finds no host in %j", (header) => {
    expect(hostOfHeader(header)).toBeUndefined()
  })
})

describe("defaultAllowedHosts", () => {
  it("is the bind address and the loopback names", () => {
    expect(defaultAllowedHosts("127.0.0.1", machine)).toEqual(["127.0.0.1", "localhost", "::1"])
    expect(defaultAllowedHosts("10.1.2.3", machine)).toEqual(["10.1.2.3", "localhost", "127.0.0.1", "::1"])
  })

  it("adds the machine's name and every interface address on a wildcard bind address", () => {
    expect(defaultAllowedHosts("0.0.0.0", machine)).toEqual(["0.0.0.0", "localhost", "127.0.0.1", "::1", "gw-7d9f", "10.1.2.3", "fe80::1"])
    expect(defaultAllowedHosts("::", machine)).toEqual(["::", "localhost", "127.0.0.1", "::1", "gw-7d9f", "10.1.2.3", "fe80::1"])
  })
})

describe("makeHostAllowlist", () => {
  it("answers the default names, with any port, in any case, and nothing else", () => {
    const list = makeHostAllowlist(undefined, "127.0.0.1", machine)
    for (const host of ["127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]:8080", "[::1]"]) expect(list.allows(host), host).toBe(true)
    for (const host of [undefined, "", "evil.example", "evil.example:8080", "127.0.0.1.nip.io", "localhost.evil.example", "10.1.2.3", "gw-7d9f"]) {
      expect(list.allows(host), String(host)).toBe(false)
    }
  })

  it("replaces the default with GATEWAY_ALLOWED_HOSTS", () => {
    const list = makeHostAllowlist(["API.example.com", "[2001:db8::1]"], "127.0.0.1", machine)
    expect(list.allows("api.example.com:443")).toBe(true)
    expect(list.allows("[2001:DB8::1]:8080")).toBe(true)
    expect(list.allows("localhost")).toBe(false)
  })

  it("answers any host, even none, for *", () => {
    const list = makeHostAllowlist(["*"], "127.0.0.1", machine)
    expect(list.any).toBe(true)
    expect(list.allows("anything.example")).toBe(true)
    expect(list.allows(undefined)).toBe(true)
  })

  it("never answers a Host that merely contains or extends an allowed name", () => {
    const list = makeHostAllowlist(["api.example.com", "127.0.0.1"], "127.0.0.1", machine)
    fc.assert(fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (before, after) => {
      for (const name of ["api.example.com", "127.0.0.1"]) {
        const header = `${before}${name}${after}`
        const host = hostOfHeader(header)
        // Allowed exactly when what is left after dropping a port and a trailing dot is the name.
        expect(list.allows(header), header).toBe(host === "api.example.com" || host === "127.0.0.1")
      }
    }))
  })
})

describe("allowedHostEntryProblem", () => {
  it.each([["*"], ["localhost"], ["api.example.com"], ["api.example.com."], ["10.0.0.1"], ["::1"], ["[::1]"], ["my_host"]])(
    "takes %j",
    (entry) => expect(allowedHostEntryProblem(entry)).toBeUndefined()
  )

  it.each([
    ["api.example.com:443", "without a port"],
    ["127.0.0.1:8080", "without a port"],
    ["http://api.example.com", "is neither"],
    ["*.example.com", "is neither"],
    ["exa mple", "is neither"],
    ["-bad.example", "is neither"]
  ])("refuses %j (%s)", (entry, problem) => {
    expect(allowedHostEntryProblem(entry)).toContain(problem)
  })
})
