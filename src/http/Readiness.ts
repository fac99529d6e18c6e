import { Context, Duration, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { jetStreamCall } from "../broker/JetStreamFailure.ts"
import { IngestStreams } from "../queue/IngestStreams.ts"
import { NatsLink } from "./NatsLink.ts"

/**
 * Whether this process can serve right now: NATS answers a JetStream API request and Postgres
 * answers a query, each within a short deadline, checked at once. A gateway whose broker is
 * reconnecting stays up (the connection retries for ever) and reports itself not ready instead.
 */

export interface ReadinessReport {
  /** None when reachable, else why not. */
  readonly nats: Option.Option<string>
  readonly postgres: Option.Option<string>
}

export const NATS_DEADLINE = Duration.seconds(1)
export const POSTGRES_DEADLINE = Duration.seconds(2)

const problem = <E extends { readonly message: string }>(
  check: Effect.Effect<unknown, E>,
  deadline: Duration.Duration
): Effect.Effect<Option.Option<string>> =>
  check.pipe(
    Effect.timeoutOrElse({
      duration: deadline,
      orElse: () => Effect.fail({ message: `no answer within ${Duration.format(deadline)}` })
    }),
    Effect.as(Option.none<string>()),
    Effect.catch((error) => Effect.succeed(Option.some(error.message))),
    Effect.catchDefect((defect) => Effect.succeed(Option.some(String(defect))))
  )

export class Readiness extends Context.Service<Readiness, {
  readonly check: Effect.Effect<ReadinessReport>
}>()("liverc-ingest/http/Readiness") {
  static readonly layer = Layer.effect(
    Readiness,
    Effect.gen(function*() {
      const { nats } = yield* IngestStreams
      const sql = yield* SqlClient
      const link = yield* NatsLink
      const natsCheck = problem(
        Effect.flatMap(link.isUp, (up) =>
          up
            ? jetStreamCall("readiness", () => nats.jsm.getAccountInfo())
            : Effect.fail({ message: "disconnected, reconnecting" })),
        NATS_DEADLINE
      )
      const postgresCheck = problem(sql`SELECT 1`, POSTGRES_DEADLINE)
      const check = Effect.all({ nats: natsCheck, postgres: postgresCheck }, { concurrency: 2 }).pipe(
        Effect.withSpan("Readiness.check")
      )
      return Readiness.of({ check })
    })
  )
}

export const describeReadiness = (report: ReadinessReport): string =>
  [
    Option.match(report.nats, { onNone: () => "nats ok", onSome: (reason) => `nats down (${reason})` }),
    Option.match(report.postgres, { onNone: () => "postgres ok", onSome: (reason) => `postgres down (${reason})` })
  ].join("; ")
