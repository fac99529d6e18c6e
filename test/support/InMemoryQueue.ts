import { Effect, Layer, Option } from "effect"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { DeadLetter, type DeadLetterReason } from "../../src/queue/DeadLetter.ts"
import type { Delivery } from "../../src/queue/Delivery.ts"
import { JobStatusStore, type StoredStatus } from "../../src/queue/JobStatusStore.ts"

/**
 * In-memory stand-ins for the queue's status bucket, dead-letter stream and deliveries, for unit
 * specs of decisions that do not depend on the broker (the consumer actor's outcome table). The
 * status store keeps the bucket's contract: create only when absent, update only over the
 * revision read, modify as a CAS loop. Integration specs run the same paths on a real server.
 */

export interface InMemoryStatusStore {
  readonly layer: Layer.Layer<JobStatusStore>
  readonly current: (jobId: string) => JobStatus | undefined
  readonly put: (status: JobStatus) => void
  /** Every write in order, for asserting how many a job cost. */
  readonly writes: Array<JobStatus>
}

export const inMemoryStatusStore = (): InMemoryStatusStore => {
  const entries = new Map<string, StoredStatus>()
  const writes: Array<JobStatus> = []
  let revision = 0
  const write = (status: JobStatus): number => {
    revision++
    entries.set(status.job_id, { status, revision, writtenAt: new Date() })
    writes.push(status)
    return revision
  }
  const create = (status: JobStatus) =>
    Effect.sync(() => entries.has(status.job_id) ? Option.none<number>() : Option.some(write(status)))
  const get = (jobId: string) => Effect.sync(() => Option.fromUndefinedOr(entries.get(jobId)))
  const existing = (jobIds: ReadonlyArray<string>) => Effect.sync(() => new Set(jobIds.filter((id) => entries.has(id))))
  const update = (status: JobStatus, expected: number) =>
    Effect.sync(() => entries.get(status.job_id)?.revision === expected ? Option.some(write(status)) : Option.none<number>())
  const modify = (jobId: string, transition: (current: JobStatus) => JobStatus | undefined) =>
    Effect.sync(() => {
      const stored = entries.get(jobId)
      if (stored === undefined) return Option.none()
      const next = transition(stored.status)
      if (next === undefined) return Option.some({ ...stored, changed: false })
      const written = write(next)
      return Option.some({ status: next, revision: written, writtenAt: new Date(), changed: true })
    })
  const progressWriter = (jobId: string) =>
    Effect.sync(() => ({
      report: (progress: JobStatus["progress"] & object) =>
        modify(jobId, (s) => s.status === "running" ? { ...s, progress } : undefined).pipe(Effect.asVoid),
      flush: Effect.void
    }))
  return {
    layer: Layer.succeed(JobStatusStore, JobStatusStore.of({ create, get, existing, createdHere: () => false, forgetUpTo: () => undefined, update, modify, progressWriter })),
    current: (jobId) => entries.get(jobId)?.status,
    put: (status) => void write(status),
    writes
  }
}

export interface DeadLetterRecord {
  readonly seq: number
  readonly subject: string
  readonly reason: DeadLetterReason
}

export const inMemoryDeadLetter = () => {
  const letters: Array<DeadLetterRecord> = []
  const unused = Effect.die(new Error("not used by the consumer actor"))
  return {
    letters,
    layer: Layer.succeed(DeadLetter, DeadLetter.of({
      fromDelivery: (msg, reason) =>
        Effect.sync(() => {
          letters.push({ seq: msg.seq, subject: msg.subject, reason })
          msg.term()
        }),
      fromStream: () => unused,
      settleAbandoned: () => unused,
      sweep: unused
    }))
  }
}

export type DeliveryAction = "ack" | "term" | "working" | { readonly nak: number | undefined }

export interface RecordedDelivery extends Delivery {
  /** Final answers (ack, nak, term) and working() calls, in order. */
  readonly actions: Array<DeliveryAction>
}

export const recordedDelivery = (options: {
  readonly subject: string
  readonly seq: number
  readonly deliveryCount?: number
  readonly body: string
}): RecordedDelivery => {
  const actions: Array<DeliveryAction> = []
  let settled = false
  const settle = (action: DeliveryAction) => {
    if (settled) return
    settled = true
    actions.push(action)
  }
  const data = new TextEncoder().encode(options.body)
  return {
    subject: options.subject,
    seq: options.seq,
    deliveryCount: options.deliveryCount ?? 1,
    data,
    text: () => options.body,
    ack: () => settle("ack"),
    nak: (delayMillis) => settle({ nak: delayMillis }),
    working: () => {
      if (!settled) actions.push("working")
    },
    term: () => settle("term"),
    actions
  }
}
