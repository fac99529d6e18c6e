import { Config, Context, Effect, Layer } from "effect"
import { checkTemplates, defaultUrlTemplates, type LiveRcUrls, makeLiveRcUrls } from "./LiveRcUrls.ts"

/**
 * Where LiveRC is: the operator's URL templates, checked once at start. Real LiveRC by default;
 * the simulator in tests, benchmarks and the demo (`http://127.0.0.1:P/t/{track}`).
 */

export const LiveRcSiteConfig = Config.all({
  trackUrl: Config.String("LIVERC_TRACK_URL").pipe(Config.withDefault(defaultUrlTemplates.trackUrl)),
  rootUrl: Config.String("LIVERC_ROOT_URL").pipe(Config.withDefault(defaultUrlTemplates.rootUrl))
})

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
