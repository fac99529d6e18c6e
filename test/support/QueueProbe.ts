import { Effect, Option } from "effect"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { IngestStreams } from "../../src/queue/IngestStreams.ts"
import { JobStatusStore } from "../../src/queue/JobStatusStore.ts"
import { DLQ_STREAM, INGEST_STREAM } from "../../src/queue/Topology.ts"
import type { QueueClient } from "./QueueHarness.ts"

/** Reads what tests assert on: job statuses, what is left in INGEST, what reached the DLQ. */

export const statusOf = (client: QueueClient, jobId: string): Promise<JobStatus | undefined> =>
  client.runPromise(JobStatusStore.use((store) => store.get(jobId))).then((s) => Option.getOrUndefined(s)?.status)

export const waitForStatus = async (
  client: QueueClient,
  jobId: string,
  predicate: (status: JobStatus) => boolean,
  timeoutMillis = 30_000
): Promise<JobStatus> => {
  const deadline = Date.now() + timeoutMillis
  let last: JobStatus | undefined
  while (Date.now() < deadline) {
    // Polls like a UI would: a broker that is away for a moment only delays the answer.
    last = await statusOf(client, jobId).catch(() => last)
    if (last !== undefined && predicate(last)) return last
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`job ${jobId} did not reach the expected status in ${timeoutMillis} ms; last: ${JSON.stringify(last)}`)
}

/** The command still queued or running under `subject`, if any. */
export const inIngest = (client: QueueClient, subject: string) =>
  client.runPromise(IngestStreams.use(({ nats }) =>
    Effect.promise(() => nats.jsm.direct.getMessage(INGEST_STREAM, { last_by_subj: subject }))
  )).then((m) => m !== null)

export interface DeadLetterCopy {
  readonly subject: string
  readonly data: string
  readonly headers: Record<string, string>
}

export const deadLetters = (client: QueueClient): Promise<ReadonlyArray<DeadLetterCopy>> =>
  client.runPromise(IngestStreams.use(({ nats }) =>
    Effect.promise(async () => {
      const copies: Array<DeadLetterCopy> = []
      let seq = 1
      while (true) {
        const m = await nats.jsm.direct.getMessage(DLQ_STREAM, { seq, next_by_subj: "dlq.>" })
        if (m === null) return copies
        const headers: Record<string, string> = {}
        for (const [key, values] of m.header ?? []) headers[key] = values.join(",")
        copies.push({ subject: m.subject, data: m.string(), headers })
        seq = m.seq + 1
      }
    })
  ))

export const sleep = (millis: number) => new Promise((r) => setTimeout(r, millis))

/** Polls `condition` every 50 ms until it holds; throws with `what` after `timeoutMillis`. */
export const waitUntil = async (condition: () => Promise<boolean>, timeoutMillis = 10_000, what = "the condition") => {
  const deadline = Date.now() + timeoutMillis
  while (Date.now() < deadline) {
    if (await condition()) return
    await sleep(50)
  }
  throw new Error(`${what} did not hold within ${timeoutMillis} ms`)
}
