import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { IngestDepth } from "../liverc/LiveRcIds.ts"
import { type PersistenceError, withPersistenceErrors } from "./PersistenceError.ts"
import { textArray } from "./SqlArrays.ts"

/** A page's HTTP validators and the depth its data was stored at. */
export interface StoredValidator {
  readonly etag: string | null
  readonly lastModified: string | null
  readonly depth: IngestDepth
}

/**
 * The validators `EventWriter` stored with the data they validate. The pipeline sends
 * `If-None-Match` / `If-Modified-Since` only when `depth` covers the depth it asks for: a page
 * stored at `summary` must be fetched again for `laps_full`.
 */
export class PageValidators extends Context.Service<PageValidators, {
  /** Only the URLs that have stored validators appear in the map. */
  readonly lookup: (urls: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, StoredValidator>, PersistenceError>
}>()("liverc-ingest/db/PageValidators") {
  static readonly layer = Layer.effect(
    PageValidators,
    Effect.gen(function*() {
      const sql = yield* SqlClient

      const lookup = Effect.fn("PageValidators.lookup")(function*(urls: ReadonlyArray<string>) {
        if (urls.length === 0) return new Map<string, StoredValidator>()
        const rows = yield* sql<{ url: string; etag: string | null; last_modified: string | null; depth: IngestDepth }>`
          SELECT url, etag, last_modified, depth FROM page_validators WHERE url = ANY (${textArray(urls)})
        `.pipe(withPersistenceErrors("PageValidators.lookup"))
        return new Map(rows.map((row) => [row.url, { etag: row.etag, lastModified: row.last_modified, depth: row.depth }]))
      })

      return PageValidators.of({ lookup })
    })
  )
}
