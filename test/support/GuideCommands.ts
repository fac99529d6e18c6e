import { readFileSync } from "node:fs"
import { join } from "node:path"

/**
 * Reads the `nats` commands out of docs/operations.md the way a shell would: shell code blocks,
 * `\` continuations joined, words split with single/double quotes and backslash escapes.
 */

export const guidePath = join(import.meta.dirname, "..", "..", "docs", "operations.md")

export const readGuide = (): string => readFileSync(guidePath, "utf8")

/** The command lines of every ```sh block (comments dropped, continuations joined). */
export const shellLines = (markdown: string): Array<string> => {
  const lines: Array<string> = []
  for (const block of markdown.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    const joined = (block[1] ?? "").replace(/\\\n\s*/g, " ")
    for (const line of joined.split("\n")) {
      const command = stripComment(line).trim()
      if (command !== "") lines.push(command)
    }
  }
  return lines
}

/** Drops a trailing `# comment` that is outside quotes. */
const stripComment = (line: string): string => {
  let quote: string | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote !== null) {
      if (c === quote) quote = null
    } else if (c === "'" || c === "\"") {
      quote = c
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1] ?? ""))) {
      return line.slice(0, i)
    }
  }
  return line
}

/** POSIX-shell word splitting for the quoting the guide uses. */
export const shellWords = (line: string): Array<string> => {
  const words: Array<string> = []
  let word: string | null = null
  let i = 0
  const push = (text: string) => (word = (word ?? "") + text)
  while (i < line.length) {
    const c = line[i]!
    if (c === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) throw new Error(`unterminated ' in: ${line}`)
      push(line.slice(i + 1, end))
      i = end + 1
    } else if (c === "\"") {
      let j = i + 1
      let text = ""
      while (j < line.length && line[j] !== "\"") {
        if (line[j] === "\\" && j + 1 < line.length && "\"\\$`".includes(line[j + 1]!)) j++
        text += line[j]
        j++
      }
      if (j >= line.length) throw new Error(`unterminated " in: ${line}`)
      push(text)
      i = j + 1
    } else if (c === "\\" && i + 1 < line.length) {
      push(line[i + 1]!)
      i += 2
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word)
      word = null
      i++
    } else {
      push(c)
      i++
    }
  }
  if (word !== null) words.push(word)
  return words
}

export interface GuidePublish {
  readonly line: string
  readonly subject: string
  readonly body: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly jetstream: boolean
}

/**
 * Every `nats pub` / `nats publish` in the guide, read with natscli's own rules: subject and body
 * positional, `-H`/`--header K:V` (split at the first colon), `-J`/`--jetstream`. Any other flag
 * is refused, so the guide cannot show one this test does not reproduce.
 */
export const guidePublishes = (markdown: string): Array<GuidePublish> =>
  shellLines(markdown)
    .map((line) => ({ line, words: shellWords(line) }))
    .filter(({ words }) => words[0] === "nats" && (words[1] === "pub" || words[1] === "publish"))
    .map(({ line, words }) => {
      const positional: Array<string> = []
      const headers: Array<readonly [string, string]> = []
      let jetstream = false
      for (let i = 2; i < words.length; i++) {
        const word = words[i]!
        if (word === "-J" || word === "--jetstream") jetstream = true
        else if (word === "-H" || word === "--header") headers.push(splitHeader(words[++i], line))
        else if (word.startsWith("--header=")) headers.push(splitHeader(word.slice("--header=".length), line))
        else if (word.startsWith("-")) throw new Error(`unsupported nats pub flag ${word} in: ${line}`)
        else positional.push(word)
      }
      if (positional.length !== 2) throw new Error(`expected a subject and a body in: ${line}`)
      return { line, subject: positional[0]!, body: positional[1]!, headers, jetstream }
    })

const splitHeader = (value: string | undefined, line: string): readonly [string, string] => {
  const at = value?.indexOf(":") ?? -1
  if (value === undefined || at <= 0) throw new Error(`a header must be K:V in: ${line}`)
  return [value.slice(0, at).trim(), value.slice(at + 1).trim()]
}

/** `nats stream|kv|consumer <verb> <name> [<consumer>]` lines, for checking the names they use. */
export const guideResourceCommands = (markdown: string) => {
  const found: Array<{ line: string; group: string; verb: string; args: ReadonlyArray<string> }> = []
  const inline = [...markdown.matchAll(/`(nats [^`]+)`/g)].map((m) => m[1]!)
  for (const line of [...shellLines(markdown), ...inline]) {
    const words = shellWords(line)
    if (words[0] !== "nats") continue
    const group = words[1]
    if (group !== "stream" && group !== "kv" && group !== "consumer") continue
    found.push({ line, group, verb: words[2] ?? "", args: words.slice(3).filter((w) => !w.startsWith("-")) })
  }
  return found
}
