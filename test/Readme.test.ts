import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Config, ConfigProvider, Duration, Effect, Option, Schema } from "effect"
import { OpenApi } from "effect/http-api"
import { describe, expect, it } from "vitest"
import { startSettings } from "../src/cli/CommandSettings.ts"
import { NatsConnectTimeout } from "../src/cli/OperatorSession.ts"
import { MillisFromString } from "../src/config/DurationConfig.ts"
import { GatewayApi } from "../src/http/GatewayApi.ts"
import { JobStatus } from "../src/jobs/JobStatus.ts"

/**
 * README.md against the code: every environment variable src/ reads is in a configuration table
 * with the default the code uses, every route of the HTTP API is in the API table, and every
 * field of the job document is named.
 */

const root = join(import.meta.dirname, "..")
const readme = readFileSync(join(root, "README.md"), "utf8")

const sourcesUnder = (folder: string): Array<{ readonly path: string; readonly text: string }> =>
  readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts"))
    .map((path) => ({ path: `${folder}/${path}`, text: readFileSync(join(root, folder, path), "utf8") }))

/** The text of a `## heading` section, up to the next `## `. */
const section = (markdown: string, heading: string): string => {
  const start = markdown.indexOf(`\n## ${heading}\n`)
  if (start === -1) throw new Error(`README.md has no "## ${heading}" section`)
  const end = markdown.indexOf("\n## ", start + 1)
  return markdown.slice(start, end === -1 ? undefined : end)
}

/** Table rows as cells (a `\|` inside a cell is not a separator). */
const tableRows = (markdown: string): Array<Array<string>> =>
  markdown.split("\n").filter((line) => line.startsWith("|") && !/^\|\s*-/.test(line))
    .map((line) => line.slice(1, line.endsWith("|") ? -1 : undefined).split(/(?<!\\)\|/).map((cell) => cell.trim()))

const firstCode = (cell: string): string | undefined => /`([^`]*)`/.exec(cell)?.[1]

// -- configuration --------------------------------------------------------------------------------

/** `| \`NAME\` | default | meaning |` rows of the Configuration section: name -> default cell. */
const documentedVariables = (): Map<string, string> => {
  const rows = new Map<string, string>()
  for (const [name = "", defaultCell = ""] of tableRows(section(readme, "Configuration"))) {
    const variable = /^`([A-Z][A-Z0-9_]*\*?)`$/.exec(name)?.[1]
    if (variable !== undefined && !rows.has(variable)) rows.set(variable, defaultCell)
  }
  return rows
}

const isDocumented = (documented: Map<string, string>, name: string): boolean =>
  documented.has(name) ||
  [...documented.keys()].some((row) => row.endsWith("*") && name.startsWith(row.slice(0, -1)))

/** The call a position is an argument of: `Config.schema`, `millisConfig`, ... (undefined at top level or inside [ ] / { }). */
const calleeAt = (source: string, position: number): string | undefined => {
  let depth = 0
  for (let i = position - 1; i >= 0; i--) {
    const char = source[i]
    if (char === ")" || char === "]" || char === "}") depth++
    else if (char === "(" || char === "[" || char === "{") {
      if (depth > 0) {
        depth--
        continue
      }
      return char === "(" ? /([\w.]+)\s*$/.exec(source.slice(Math.max(0, i - 100), i))?.[1] : undefined
    }
  }
  return undefined
}

/** What every terminal program honours; not liverc-ingest's settings. */
const TERMINAL_CONVENTIONS = new Set(["TERM", "NO_COLOR", "FORCE_COLOR"])

/**
 * Every environment variable src/ names where it reads one: the name given to a `Config.*`
 * constructor or to a project helper that makes a Config (`millisConfig`, `boundedIntConfig`), or
 * looked up in an environment record (`env["NAME"]`).
 */
const variablesReadInSource = (): Map<string, string> => {
  const names = new Map<string, string>()
  for (const { path, text } of sourcesUnder("src")) {
    for (const match of text.matchAll(/"([A-Z][A-Z0-9_]*[A-Z0-9])"/g)) {
      const callee = calleeAt(text, match.index)
      if (callee !== undefined && (/^Config\.\w+$/.test(callee) || /Config$/.test(callee))) names.set(match[1]!, path)
    }
    for (const match of text.matchAll(/\benv\[\s*"([A-Z][A-Z0-9_]*)"\s*\]/g)) {
      if (!TERMINAL_CONVENTIONS.has(match[1]!)) names.set(match[1]!, path)
    }
  }
  return names
}

/** Every setting the commands check at start, read with nothing set: name -> its default. */
const settingDefaults = (): Map<string, Option.Option<unknown>> => {
  const defaults = new Map<string, Option.Option<unknown>>()
  const groups = [...startSettings, { connectTimeout: NatsConnectTimeout }]
  for (const config of new Set(groups.flatMap((group) => Object.values(group)))) {
    const read: Array<string> = []
    const recording = ConfigProvider.make((path) =>
      Effect.sync(() => {
        read.push(path.map(String).join("."))
        return undefined
      })
    )
    const value = Effect.runSync(
      Effect.option(Effect.gen(function*() {
        return yield* (config as Config.Config<unknown>)
      })).pipe(Effect.provideService(ConfigProvider.ConfigProvider, recording))
    )
    // A setting bounded by another (INGEST_RETRY_MAX by INGEST_RETRY_BASE) reads both; it is the last.
    const name = read.at(-1)
    if (name !== undefined) defaults.set(name, value)
  }
  return defaults
}

const decodeMillis = Schema.decodeUnknownOption(MillisFromString)

/** Whether the README's default cell says `value`; undefined when the value is not one a cell can state. */
const cellStates = (cell: string, value: unknown): boolean | undefined => {
  const written = firstCode(cell)
  const asNumber = (text: string | undefined) =>
    text === undefined ? Number.NaN : /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : Option.getOrElse(decodeMillis(text), () => Number.NaN)
  if (Option.isOption(value)) return undefined
  if (Duration.isDuration(value)) return asNumber(written) === Duration.toMillis(value)
  if (typeof value === "number") return asNumber(written) === value
  if (typeof value === "string") return written?.toLowerCase() === value.toLowerCase()
  if (Array.isArray(value)) return value.length === 0 ? /^empty\b/.test(cell) : written === value.join(",")
  return undefined
}

describe("README.md configuration", () => {
  const documented = documentedVariables()

  it("lists every environment variable src/ reads", () => {
    const read = variablesReadInSource()
    // The scan finds the settings it is meant to (each kind of reader).
    expect([...read.keys()]).toEqual(expect.arrayContaining([
      "NATS_URL",
      "WORKER_CONCURRENCY",
      "INGEST_ACK_WAIT",
      "LIVERC_MAX_ATTEMPTS",
      "NATS_SERVER_BIN",
      "DEMO_DATA_DIR"
    ]))
    const missing = [...read].filter(([name]) => !isDocumented(documented, name)).map(([name, path]) => `${name} (${path})`)
    expect(missing, "variables read in src/ without a row in README.md's Configuration tables").toEqual([])
  })

  it("lists every setting a command checks at start, with the default the code uses", () => {
    const defaults = settingDefaults()
    expect(defaults.size).toBeGreaterThan(40)
    const missing = [...defaults.keys()].filter((name) => !isDocumented(documented, name))
    expect(missing, "settings without a row in README.md's Configuration tables").toEqual([])
    const wrong: Array<string> = []
    let checked = 0
    for (const [name, value] of defaults) {
      const cell = documented.get(name) ?? ""
      const states = Option.isSome(value) ? cellStates(cell, value.value) : undefined
      if (states === undefined) continue
      checked++
      if (!states) wrong.push(`${name}: README says ${cell}; the code's default is ${JSON.stringify(Option.getOrUndefined(value))}`)
    }
    expect(wrong).toEqual([])
    expect(checked, "defaults compared").toBeGreaterThan(35)
  })

  it("documents no variable that nothing reads", () => {
    const everything = ["src", "test", "bench", "scripts"].flatMap(sourcesUnder).map(({ text }) => text).join("\n")
    const unread = [...documented.keys()].filter((name) => !everything.includes(name.endsWith("*") ? name.slice(0, -1) : name))
    expect(unread).toEqual([])
  })
})

// -- HTTP API -------------------------------------------------------------------------------------

const METHOD = /^(GET|POST|PUT|PATCH|DELETE)(?: (\/\S*))?$/

/**
 * The routes of the API table: each row's first cell holds code spans `METHOD /path`, or methods
 * then a path (`GET`, `PUT`, `DELETE /path`).
 */
const documentedRoutes = (): Set<string> => {
  const routes = new Set<string>()
  for (const [first = ""] of tableRows(section(readme, "Running it"))) {
    let methods: Array<string> = []
    for (const span of first.matchAll(/`([^`]*)`/g)) {
      const match = METHOD.exec(span[1]!)
      if (match === null) continue
      methods.push(match[1]!)
      if (match[2] !== undefined) {
        for (const method of methods) routes.add(`${method} ${match[2]}`)
        methods = []
      }
    }
  }
  return routes
}

const definedRoutes = (): Set<string> =>
  new Set(
    Object.entries(OpenApi.fromApi(GatewayApi).paths).flatMap(([path, item]) =>
      Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`)
    )
  )

describe("README.md HTTP API table", () => {
  it("lists every route the gateway's HttpApi defines", () => {
    const documented = documentedRoutes()
    expect(documented).toContain("DELETE /api/v1/admin/liverc/pause")
    expect([...definedRoutes()].filter((route) => !documented.has(route))).toEqual([])
  })

  it("lists no route the HttpApi does not define", () => {
    const defined = definedRoutes()
    expect([...documentedRoutes()].filter((route) => !defined.has(route))).toEqual([])
  })
})

// -- job document ---------------------------------------------------------------------------------

describe("the job document", () => {
  const fields = Object.keys(JobStatus.fields)
  const unnamedIn = (text: string) => fields.filter((field) => !new RegExp(`\\b${field}\\b`).test(text))

  it("README.md names every field", () => {
    const paragraph = /^The job document:[\s\S]*?(?:\n\n|(?![\s\S]))/m.exec(readme)?.[0] ?? ""
    expect(paragraph).not.toBe("")
    expect(unnamedIn(paragraph)).toEqual([])
  })

  it("docs/operations.md's table names every field", () => {
    const guide = readFileSync(join(root, "docs", "operations.md"), "utf8")
    const table = section(guide, "The job status document")
    expect(unnamedIn(table)).toEqual([])
  })
})
