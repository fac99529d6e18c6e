import { Effect } from "effect"
import type { PersistenceError } from "../db/PersistenceError.ts"
import type { JobAlreadyFinished, JobNotFound, QueueFull, QueueUnavailable } from "../queue/JobQueue.ts"
import type { CorruptStatus } from "../queue/JobStatusStore.ts"
import { Conflict, InternalError, NotFound, ServiceUnavailable } from "./ApiErrors.ts"

/** How the gateway answers the queue's and the database's typed failures. */

export const queueFull = (error: QueueFull) =>
  new ServiceUnavailable({ code: "QUEUE_FULL", message: error.message, retryAfterSeconds: error.retryAfterSeconds })

export const queueUnavailable = (error: QueueUnavailable) =>
  new ServiceUnavailable({ code: "QUEUE_UNAVAILABLE", message: error.message })

export const jobNotFound = (error: JobNotFound) => new NotFound({ code: "JOB_NOT_FOUND", message: error.message })

export const jobAlreadyFinished = (error: JobAlreadyFinished) =>
  new Conflict({ code: "JOB_ALREADY_FINISHED", message: error.message })

/** A status document that does not decode: the server's fault, named so an operator can act. */
export const statusCorrupt = (error: CorruptStatus) =>
  Effect.logError(`gateway: ${error.message}`).pipe(
    Effect.andThen(Effect.fail(
      new InternalError({
        code: "STATUS_CORRUPT",
        message: `the stored status of job ${error.jobId} cannot be read; an operator can remove it with ` +
          `\`nats kv del ingest_jobs ${error.jobId}\` (a worker holding the job writes it again)`
      })
    ))
  )

/** The detail (SQL text, server words) goes to the log; the client learns only that Postgres is away. */
export const databaseUnavailable = (error: PersistenceError) =>
  Effect.logWarning(`gateway: ${error.message}`).pipe(
    Effect.andThen(Effect.fail(
      new ServiceUnavailable({ code: "DATABASE_UNAVAILABLE", message: "Postgres cannot answer right now; retry later" })
    ))
  )
