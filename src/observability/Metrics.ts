import { Registry } from "prom-client"

/**
 * The process's one Prometheus registry. Modules declare their metrics against it at import
 * time (`registers: [registry]`) and the `/metrics` route serves `registry.metrics()`. Labels carry
 * bounded values only (host group, page kind, outcome), never job, event or request ids.
 */
export const registry = new Registry()
