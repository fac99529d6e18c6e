import { Schema } from "effect"
import { PageKind } from "./LiveRcUrls.ts"

/** A page that does not fit its parser: never an exception, never half-filled data. */
export class LiveRcParseError extends Schema.TaggedError<LiveRcParseError>()("LiveRcParseError", {
  page: PageKind,
  url: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot parse ${this.page} page ${this.url}: ${this.reason}`
  }
}
