import { pathToFileURL } from "node:url"
import { Console, Data, Effect, FileSystem, Option, Path, Runtime } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { ParseKind, parsePage } from "../liverc/ParsePage.ts"

/** The page did not parse; its LiveRcParseError is already on stderr, so the runtime stays quiet. */
class PageDidNotParse extends Data.TaggedError("PageDidNotParse")<{}> {
  override readonly [Runtime.errorReported] = false
}

/**
 * `liverc-ingest parse <kind> <file> [--url U]`: runs a saved page through the parser the service
 * uses and prints the result as JSON, or the typed error on stderr with exit code 1. The URL is
 * where the page came from; parsers read ids from it (a race result's `id`), and without it the
 * file's own URL stands in.
 */
export const parseCommand = Command.make(
  "parse",
  {
    kind: Argument.Literals("kind", ParseKind.literals).pipe(Argument.withDescription("Which LiveRC page the file is")),
    file: Argument.File("file", { mustExist: true }).pipe(Argument.withDescription("A saved LiveRC page")),
    url: Flag.String("url").pipe(
      Flag.withDescription("The LiveRC URL the page was fetched from, e.g. .../results/?p=view_race_result&id=N"),
      Flag.optional
    )
  },
  Effect.fn("ParseCommand.run")(function*({ kind, file, url }) {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const html = yield* fs.readFileString(file)
    const pageUrl = Option.getOrElse(url, () => pathToFileURL(path.resolve(file)).href)
    const parsed = yield* Effect.result(parsePage(kind, html, pageUrl))
    if (parsed._tag === "Success") {
      yield* Console.log(JSON.stringify(parsed.success, null, 2))
      return
    }
    const { page, reason } = parsed.failure
    yield* Console.error(JSON.stringify({ _tag: parsed.failure._tag, page, url: parsed.failure.url, reason }))
    return yield* new PageDidNotParse()
  })
).pipe(Command.withDescription("Parse a saved LiveRC page and print it as JSON"))
