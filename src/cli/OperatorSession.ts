import { Effect, Fiber, Layer, Logger, Option, Scope } from "effect"
import { NatsConfig, natsConfigFields } from "../broker/NatsClient.ts"
import { checkConfig, type InvalidConfiguration, type SettingGroup } from "../config/ConfigCheck.ts"
import { scrubUrlCredentials, withoutCredentials } from "../config/UrlCredentials.ts"
import { millisConfig } from "../config/DurationConfig.ts"
import { KillSwitchLive, OperatorLive } from "./OperatorLayers.ts"
import { topologyConfigFields } from "../queue/Topology.ts"
import { QueueUnreachable } from "../terminal/ExitCodes.ts"

/**
 * How an operator command meets NATS. A service process waits for the broker as long as it
 * takes; a person at a prompt (or a script) wants an answer, so the connection and the topology
 * must be in hand within NATS_CONNECT_TIMEOUT, or the command exits 4 saying where it looked.
 * Logs go to stderr: stdout carries the command's output (JSON lines for scripts).
 */

export const NatsConnectTimeout = millisConfig("NATS_CONNECT_TIMEOUT", 100, 600_000, 10_000)

const describe = (error: unknown): string =>
  scrubUrlCredentials(typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error))

/**
 * Checks the environment (every bad value at once, exit 3), then builds `layer` in the
 * program's scope within the timeout. The connect itself cannot be interrupted (the client keeps
 * retrying), so the build runs detached and only the wait for it is timed; the process exits
 * right after, which ends the stray attempt.
 */
const runWith = <ROut, LE, A, E, R>(
  layer: Layer.Layer<ROut, LE>,
  settings: SettingGroup,
  program: Effect.Effect<A, E, R>
): Effect.Effect<A, E | QueueUnreachable | InvalidConfiguration, Exclude<R, ROut>> =>
  Effect.scoped(Effect.gen(function*() {
    yield* checkConfig(settings, natsConfigFields, { connectTimeout: NatsConnectTimeout })
    // Checked just above: a failure here is a bug.
    const { servers, timeoutMillis } = yield* Effect.gen(function*() {
      return { timeoutMillis: yield* NatsConnectTimeout, servers: (yield* NatsConfig).servers }
    }).pipe(Effect.orDie)
    const scope = yield* Scope.Scope
    const building = yield* Effect.forkDetach(Layer.buildWithScope(layer, scope))
    const built = yield* Fiber.join(building).pipe(
      Effect.timeoutOption(timeoutMillis),
      Effect.mapError((error) => new QueueUnreachable({ reason: describe(error) }))
    )
    if (Option.isNone(built)) {
      return yield* new QueueUnreachable({
        reason: `NATS at ${withoutCredentials(servers)} did not answer within ${timeoutMillis} ms (NATS_URL, NATS_CONNECT_TIMEOUT)`
      })
    }
    return yield* Effect.provideContext(program, built.value)
  })).pipe(Effect.provideService(Logger.LogToStderr, true))

/** With the queue services (OperatorLive). */
export const withQueue = <A, E, R>(program: Effect.Effect<A, E, R>) => runWith(OperatorLive, topologyConfigFields, program)

/** With the kill switch (KillSwitchLive). */
export const withKillSwitch = <A, E, R>(program: Effect.Effect<A, E, R>) =>
  runWith(KillSwitchLive, { replicas: topologyConfigFields.replicas }, program)
