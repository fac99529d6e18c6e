import { Effect } from "effect"
import type { PersistenceError } from "../db/PersistenceError.ts"
import type { JobAlreadyFinished, JobNotFound, QueueFull, QueueUnavailable } from "../queue/JobQueue.ts"
import { Conflict, NotFound, ServiceUnavailable } from "./ApiErrors.ts"

/** How the gateway answers the queue's and the database's typed failures. */

export const queueFull = (error: QueueFull) =>
  new ServiceUnavailable({ code: "QUEUE_FULL", message: error.message, retryAfterSeconds: error.retryAfterSeconds })

export const queueUnavailable = (error: QueueUnavailable) =>
  new ServiceUnavailable({ code: "QUEUE_UNAVAILABLE", message: error.message })

export const jobNotFound = (error: JobNotFound) => new NotFound({ code: "JOB_NOT_FOUND", message: error.message })

export const jobAlreadyFinished = (error: JobAlreadyFinished) =>
  new Conflict({ code: "JOB_ALREADY_FINISHED", message: error.message })

/** The detail (SQL text, server words) goes to the log; the client learns only that Postgres is away. */
export const databaseUnavailable = (error: PersistenceError) =>
  Effect.logWarning(`gateway: ${error.message}`).pipe(
    Effect.andThen(Effect.fail(
      new ServiceUnavailable({ code: "DATABASE_UNAVAILABLE", message: "Postgres cannot answer right now; retry later" })
    ))
  )
