import { collectDefaultMetrics, Registry } from "prom-client"
import { Effect } from "effect"

/**
 * The process's one Prometheus registry. Modules declare their metrics against it at import
 * time (`registers: [registry]`) and every `/metrics` endpoint serves `registry.metrics()`. Labels
 * carry bounded values only (host group, page kind, outcome), never job, event or request ids.
 */
export const registry = new Registry()

let processMetricsOn = false

/**
 * Node's process metrics (CPU, memory, event loop lag, GC) in the shared registry. Once per
 * process: a process running both a gateway and a worker would otherwise register them twice,
 * which prom-client refuses.
 */
export const collectProcessMetrics = Effect.sync(() => {
  if (processMetricsOn) return
  processMetricsOn = true
  collectDefaultMetrics({ register: registry })
})
