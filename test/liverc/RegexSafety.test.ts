import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { check } from "recheck"
import ts from "typescript"
import { describe, expect, it } from "vitest"

/**
 * Every regular expression under src/liverc/ runs on text LiveRC sends (pages, robots.txt,
 * headers), so none may backtrack super-linearly. This finds them all with the TypeScript
 * compiler (regex literals, and `new RegExp(...)` / `RegExp(...)` with literal sources) and asks
 * recheck about each: `vulnerable` fails the test with file:line and recheck's attack string.
 * A RegExp built from a non-literal source cannot be checked and fails too, unless listed below.
 */

const root = fileURLToPath(new URL("../../", import.meta.url))
const folder = join(root, "src", "liverc")

interface FoundRegex {
  readonly at: string
  readonly source: string
  readonly flags: string
}

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith(".ts") ? [path] : []
  })

const literalText = (node: ts.Node | undefined): string | null =>
  node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : null

/** Every regex of a file, and the RegExp constructions whose source is not a literal. */
const regexesOf = (file: string): { readonly found: ReadonlyArray<FoundRegex>; readonly dynamic: ReadonlyArray<string> } => {
  const text = readFileSync(file, "utf8")
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.ES2023, true, ts.ScriptKind.TS)
  const found: Array<FoundRegex> = []
  const dynamic: Array<string> = []
  const where = (node: ts.Node) =>
    `${relative(root, file)}:${sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1}`
  const visit = (node: ts.Node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = node.getText(sourceFile)
      const slash = literal.lastIndexOf("/")
      found.push({ at: where(node), source: literal.slice(1, slash), flags: literal.slice(slash + 1) })
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      ts.isIdentifier(node.expression) && node.expression.text === "RegExp"
    ) {
      const source = literalText(node.arguments?.[0])
      const flags = node.arguments?.[1] === undefined ? "" : literalText(node.arguments[1])
      if (source === null || flags === null) dynamic.push(where(node))
      else found.push({ at: where(node), source, flags })
    }
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)
  return { found, dynamic }
}

/**
 * Regexes recheck answers `unknown` for (it gave up: too large to analyse in time), each with why
 * it is safe anyway. Keyed by `file:line source`. Empty today: every regex here gets a verdict.
 */
const unknownJustified: ReadonlyMap<string, string> = new Map()

/** Non-literal `RegExp(...)` constructions, each with why its source is trusted. None today. */
const dynamicJustified: ReadonlyMap<string, string> = new Map()

const all = sourceFiles(folder).map(regexesOf)
const regexes = all.flatMap((file) => file.found)
const dynamic = all.flatMap((file) => file.dynamic)

describe("regular expressions in src/liverc", () => {
  it("are found by the compiler walk (a sanity floor, so a broken walk cannot pass by finding none)", () => {
    expect(regexes.length).toBeGreaterThan(40)
    expect(regexes.some((regex) => regex.at.startsWith("src/liverc/EventPageParser.ts"))).toBe(true)
  })

  it("build no RegExp from a source the walk cannot read, unless justified", () => {
    expect(dynamic.filter((at) => !dynamicJustified.has(at))).toEqual([])
  })

  it("none can backtrack super-linearly (recheck)", { timeout: 300_000 }, async () => {
    const verdicts = []
    for (const regex of regexes) {
      verdicts.push({ regex, diagnostics: await check(regex.source, regex.flags) })
    }
    const vulnerable = verdicts.flatMap(({ regex, diagnostics }) =>
      diagnostics.status === "vulnerable"
        ? [
          `${regex.at} /${regex.source}/${regex.flags}: ${diagnostics.complexity.type}, attack ` +
          diagnostics.attack.pattern.slice(0, 120)
        ]
        : []
    )
    const unknown = verdicts.flatMap(({ regex, diagnostics }) =>
      diagnostics.status === "unknown" ? [`${regex.at} /${regex.source}/${regex.flags}: ${diagnostics.error.kind}`] : []
    )
    for (const line of unknown) console.log(`recheck could not decide: ${line}`)
    expect(vulnerable, vulnerable.join("\n")).toEqual([])
    expect(unknown.filter((line) => !unknownJustified.has(line.slice(0, line.lastIndexOf(":"))))).toEqual([])
  })
})
