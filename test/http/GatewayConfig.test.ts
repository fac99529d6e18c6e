import { createServer } from "node:http"
import { Cause, ConfigProvider, Effect, Exit, Option } from "effect"
import { describe, expect, it } from "vitest"
import { checkConfig } from "../../src/config/ConfigCheck.ts"
import { AllowedHost, GatewayApi, JsonRequest } from "../../src/http/GatewayApi.ts"
import { GatewayConfig, gatewayConfigFields, type GatewaySettingsShape } from "../../src/http/GatewayConfig.ts"
import { isJsonMediaType } from "../../src/http/GatewayMiddleware.ts"
import { makeNodeServer, nodeServerOptions } from "../../src/http/GatewayServer.ts"

const withEnv = <A, E>(effect: Effect.Effect<A, E>, env: Record<string, string>) =>
  Effect.runSyncExit(Effect.provideService(effect, ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })))

const settings = (env: Record<string, string> = {}): GatewaySettingsShape => {
  const exit = withEnv(Effect.gen(function*() {
    return yield* GatewayConfig
  }), env)
  if (Exit.isFailure(exit)) throw new Error(Cause.pretty(exit.cause))
  return exit.value
}

const problems = (env: Record<string, string>) => {
  const exit = withEnv(checkConfig(gatewayConfigFields), env)
  return Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause))?.problems : []
}

describe("gateway settings", () => {
  it("defaults to explicit server limits and the default Host allowlist", () => {
    expect(settings()).toMatchObject({
      allowedHosts: Option.none(),
      headersTimeoutMillis: 10_000,
      requestTimeoutMillis: 30_000,
      keepAliveTimeoutMillis: 5_000,
      maxConnections: 1024
    })
  })

  it("reads the limits and the allowlist", () => {
    expect(settings({
      GATEWAY_HEADERS_TIMEOUT: "2s",
      GATEWAY_REQUEST_TIMEOUT: "1m",
      GATEWAY_KEEPALIVE_TIMEOUT: "65s",
      GATEWAY_MAX_CONNECTIONS: "64",
      GATEWAY_ALLOWED_HOSTS: " api.example.com , 10.0.0.7,[::1] "
    })).toMatchObject({
      allowedHosts: Option.some(["api.example.com", "10.0.0.7", "[::1]"]),
      headersTimeoutMillis: 2_000,
      requestTimeoutMillis: 60_000,
      keepAliveTimeoutMillis: 65_000,
      maxConnections: 64
    })
  })

  it("raises the request timeout's default to a longer headers timeout", () => {
    expect(settings({ GATEWAY_HEADERS_TIMEOUT: "45s" })).toMatchObject({ headersTimeoutMillis: 45_000, requestTimeoutMillis: 45_000 })
  })

  it("reports every bad value at start, once, under its own name", () => {
    expect(problems({})).toEqual([])
    expect(problems({
      GATEWAY_HEADERS_TIMEOUT: "0s",
      GATEWAY_KEEPALIVE_TIMEOUT: "forever",
      GATEWAY_MAX_CONNECTIONS: "0",
      GATEWAY_ALLOWED_HOSTS: "api.example.com:443"
    })).toEqual([
      "GATEWAY_ALLOWED_HOSTS: \"api.example.com:443\" given; expected host names or IP addresses without a port (\"api.example.com:443\" has one)",
      "GATEWAY_HEADERS_TIMEOUT: \"0s\" given; expected a duration between 100ms and 5m",
      "GATEWAY_KEEPALIVE_TIMEOUT: \"forever\" given; expected a duration like 500ms, 30s, 5m or 1h",
      "GATEWAY_MAX_CONNECTIONS: \"0\" given; expected a value between 1 and 1000000"
    ])
    expect(problems({ GATEWAY_ALLOWED_HOSTS: " , " })).toEqual([
      "GATEWAY_ALLOWED_HOSTS: \" , \" given; expected at least one host name or IP address, comma separated, or * for any"
    ])
  })

  it("refuses a request timeout shorter than the headers timeout under the request timeout's name", () => {
    expect(problems({ GATEWAY_HEADERS_TIMEOUT: "20s", GATEWAY_REQUEST_TIMEOUT: "10s" })).toEqual([
      "GATEWAY_REQUEST_TIMEOUT: \"10s\" given; expected a duration between 20s and 1h"
    ])
    expect(problems({ GATEWAY_HEADERS_TIMEOUT: "20s", GATEWAY_REQUEST_TIMEOUT: "20s" })).toEqual([])
  })
})

describe("the node server", () => {
  it("gets the limits, a check interval well inside the headers timeout, and no bare 400 for a missing Host", () => {
    expect(nodeServerOptions(settings())).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1000,
      requireHostHeader: false
    })
    expect(nodeServerOptions(settings({ GATEWAY_HEADERS_TIMEOUT: "1s" })).connectionsCheckingInterval).toBe(250)
    expect(nodeServerOptions(settings({ GATEWAY_HEADERS_TIMEOUT: "100ms" })).connectionsCheckingInterval).toBe(25)
  })

  it("is accepted by Node for every headers/request timeout pair the settings allow", () => {
    const envs: ReadonlyArray<Record<string, string>> = [
      {},
      { GATEWAY_HEADERS_TIMEOUT: "300s" },
      { GATEWAY_HEADERS_TIMEOUT: "1s", GATEWAY_REQUEST_TIMEOUT: "1s" }
    ]
    for (const env of envs) {
      const server = makeNodeServer(settings(env))
      expect(server.headersTimeout).toBeLessThanOrEqual(server.requestTimeout)
      expect(server.maxConnections).toBe(1024)
      server.close()
    }
    expect(() => createServer(nodeServerOptions(settings({ GATEWAY_HEADERS_TIMEOUT: "300s" })))).not.toThrow()
  })
})

describe("the contract", () => {
  const endpoints = Object.values(GatewayApi.groups).flatMap((group) => Object.values(group.endpoints))

  it("puts every route that changes something behind JsonRequest, and no read", () => {
    expect(endpoints.length).toBeGreaterThan(0)
    for (const endpoint of endpoints) {
      expect(endpoint.middlewares.has(JsonRequest), `${endpoint.method} ${endpoint.path}`).toBe(endpoint.method !== "GET")
    }
  })

  it("puts every route behind AllowedHost", () => {
    for (const endpoint of endpoints) expect(endpoint.middlewares.has(AllowedHost), `${endpoint.method} ${endpoint.path}`).toBe(true)
  })

  it.each([
    ["application/json", true],
    ["application/json; charset=utf-8", true],
    ["Application/JSON;charset=UTF-8", true],
    [" application/json ", true],
    [undefined, false],
    ["", false],
    ["text/plain", false],
    ["application/x-www-form-urlencoded", false],
    ["multipart/form-data; boundary=x", false],
    ["application/vnd.x+json", false],
    ["application/problem+json", false],
    ["application/json, text/plain", false],
    ["application/jsonx", false],
    ["text/json", false]
  ])("isJsonMediaType(%j) is %s", (type, expected) => {
    expect(isJsonMediaType(type)).toBe(expected)
  })
})
