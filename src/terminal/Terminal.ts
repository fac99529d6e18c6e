import { Effect } from "effect"

/**
 * Where the queue commands write. A person at a terminal gets tables and a progress bar redrawn
 * in place; anything else (a pipe, a file, a CI log) gets JSON, one document per line, so scripts
 * never parse prose. Writes go straight to the streams: on Linux they are synchronous for files,
 * pipes and terminals alike, so nothing is lost when the process exits with a code right after.
 */

export const isInteractive = (): boolean => process.stdout.isTTY === true

/** A pseudo-terminal without a size reports 0 columns. */
export const terminalWidth = (): number => {
  const columns = process.stdout.columns ?? 0
  return columns >= 20 ? columns : 80
}

export const writeOut = (text: string): Effect.Effect<void> => Effect.sync(() => void process.stdout.write(text))

export const writeErr = (text: string): Effect.Effect<void> => Effect.sync(() => void process.stderr.write(text))

export const printJsonLine = (value: unknown): Effect.Effect<void> => writeOut(`${JSON.stringify(value)}\n`)

export const printJson = (value: unknown): Effect.Effect<void> => writeOut(`${JSON.stringify(value, null, 2)}\n`)

/** Carriage return + erase line: the next write replaces the current line. */
export const CLEAR_LINE = "\r\x1b[2K"
