import { Config, Context, Effect, Layer, Schema } from "effect"
import { checkTemplates, defaultUrlTemplates, type LiveRcUrls, makeLiveRcUrls, templateProblem } from "./LiveRcUrls.ts"

/**
 * Where LiveRC is: the operator's URL templates, checked once at start. Real LiveRC by default;
 * the simulator in tests, benchmarks and the demo (`http://127.0.0.1:P/t/{track}`).
 */

const template = (name: "LIVERC_TRACK_URL" | "LIVERC_ROOT_URL", fallback: string) =>
  Config.schema(
    Schema.String.pipe(Schema.check(Schema.makeFilter((text: string) => {
      const problem = templateProblem(name, text)
      const shape = name === "LIVERC_TRACK_URL" ? "an http(s) URL with {track} exactly once" : "an http(s) URL"
      return problem === undefined || `${shape}, no query or credentials (it ${problem})`
    }))),
    name
  ).pipe(Config.withDefault(fallback))

/** One Config per environment variable, so a start-up check can report every bad value. */
export const liveRcSiteConfigFields = {
  trackUrl: template("LIVERC_TRACK_URL", defaultUrlTemplates.trackUrl),
  rootUrl: template("LIVERC_ROOT_URL", defaultUrlTemplates.rootUrl)
}

export const LiveRcSiteConfig = Config.all(liveRcSiteConfigFields)

export class LiveRcSite extends Context.Service<LiveRcSite, {
  readonly urls: LiveRcUrls
}>()("liverc-ingest/liverc/LiveRcSite") {
  static readonly layer = Layer.effect(
    LiveRcSite,
    Effect.gen(function*() {
      const templates = yield* LiveRcSiteConfig
      const invalid = checkTemplates(templates)
      if (invalid !== undefined) return yield* invalid
      return LiveRcSite.of({ urls: makeLiveRcUrls(templates) })
    })
  )
}
