import { Counter, Gauge, Histogram } from "prom-client"
import type { JobKind } from "../jobs/Commands.ts"
import { registry } from "./Metrics.ts"

/**
 * What a worker process's actors did: how busy they are, how long jobs ran and how they ended,
 * and how many deliveries were second (or later) tries. Process-wide: when one process runs
 * several pools, their actors add up.
 */

/** How a run of a job ended for the queue: the status it left and what happened to the message. */
export type JobOutcome =
  /** Status completed, message acknowledged. */
  | "completed"
  /** Status failed, copied to the DLQ (terminal error, or out of deliveries). */
  | "failed"
  /** Retryable failure with deliveries left: status queued, nak with backoff. */
  | "retried"
  /** Cancelled while running (or before its outcome was written). */
  | "cancelled"
  /** Stopped because a later delivery of its message runs elsewhere (this worker had stalled). */
  | "superseded"
  /** Interrupted at shutdown after the grace period and handed back to the queue. */
  | "requeued"

const jobSeconds = new Histogram({
  name: "liverc_job_duration_seconds",
  help: "Time from a job's claim to its settlement on this worker, by job kind and outcome",
  labelNames: ["kind", "outcome"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
  registers: [registry]
})

const redeliveries = new Counter({
  name: "liverc_job_redeliveries_total",
  help: "Deliveries of a job message that JetStream had delivered before (retries, expired ack waits, hand-backs)",
  registers: [registry]
})

let capacity = 0
let busy = 0

// The three gauges read the counts above when scraped, so the actors' hot path only adds and subtracts.

new Gauge({
  name: "liverc_worker_actors",
  help: "Job actors in this process (WORKER_CONCURRENCY per running pool)",
  registers: [registry],
  collect() {
    this.set(capacity)
  }
})

new Gauge({
  name: "liverc_worker_actors_busy",
  help: "Job actors handling a delivery right now",
  registers: [registry],
  collect() {
    this.set(busy)
  }
})

new Gauge({
  name: "liverc_worker_utilisation_ratio",
  help: "Busy job actors / job actors in this process (0 when none runs)",
  registers: [registry],
  collect() {
    this.set(capacity === 0 ? 0 : busy / capacity)
  }
})

export const recordJob = (kind: JobKind, outcome: JobOutcome, seconds: number) =>
  jobSeconds.observe({ kind, outcome }, seconds)

export const recordDelivery = (deliveryCount: number) => {
  if (deliveryCount > 1) redeliveries.inc()
}

export const actorsStarted = (count: number) => {
  capacity += count
}

export const actorsStopped = (count: number) => {
  capacity -= count
}

export const actorBusy = () => {
  busy++
}

export const actorIdle = () => {
  busy--
}
