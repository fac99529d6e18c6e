import type { MessagePort } from "node:worker_threads"
import { Cause, Effect, Exit } from "effect"
import { type ParseKind, parsePage } from "./ParsePage.ts"

/**
 * The entry of a parse thread (piscina loads this file in each thread of PageParser's pool). It
 * imports only the parsers, so a thread carries cheerio, htmlparser2 and the models' Schemas and
 * nothing of the service (no NATS, Postgres or HTTP client).
 *
 * In: the page kind, its URL, the page text (structured-cloned into this thread) and a port on
 * which the thread says it has started, so the main side's deadline counts parse time, not time
 * queued behind another page or spent starting the thread. Out: plain data, `{ value }` with the
 * parsed model (already checked by its Schema here) or `{ reason }` for a page that does not fit.
 */

export interface ParseTask {
  readonly kind: ParseKind
  readonly url: string
  readonly html: string
  readonly started: MessagePort
}

export type ParseReply =
  | { readonly _tag: "Parsed"; readonly value: unknown }
  | { readonly _tag: "Refused"; readonly reason: string }

export default function parseTask(task: ParseTask): ParseReply {
  task.started.postMessage(null)
  task.started.close()
  const exit = Effect.runSyncExit(parsePage(task.kind, task.html, task.url))
  if (Exit.isSuccess(exit)) return { _tag: "Parsed", value: exit.value }
  const error = Cause.findErrorOption(exit.cause)
  // Parsers turn every throw into a LiveRcParseError; a defect here would be a bug, named as one.
  return {
    _tag: "Refused",
    reason: error._tag === "Some" ? error.value.reason : `unexpected parser failure: ${Cause.pretty(exit.cause)}`
  }
}
