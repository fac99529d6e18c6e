import { Effect } from "effect"
import { Command } from "effect/cli"
import { unreachable } from "../terminal/ExitCodes.ts"
import { writeOut } from "../terminal/Terminal.ts"
import { KillSwitch, type KillSwitchState } from "../throttle/KillSwitch.ts"
import { withKillSwitch } from "./OperatorSession.ts"

/**
 * `liverc-ingest pause` / `resume`: the global kill switch (key `killswitch` of the KV bucket
 * `host_throttle`, docs/throttle.md). Within a second of `pause` no process starts a LiveRC
 * request; jobs keep their place and wait. `resume` lets them go on.
 */

const describe = (state: KillSwitchState) =>
  state.engaged
    ? `paused: no process starts a LiveRC request (host_throttle/killswitch = ${JSON.stringify(state.value)}, since ${
      state.changedAt?.toISOString() ?? "now"
    })\n`
    : `running: LiveRC requests allowed (host_throttle/killswitch ${state.value === null ? "unset" : JSON.stringify(state.value)})\n`

const flip = (engage: boolean) =>
  withKillSwitch(Effect.gen(function*() {
    const killSwitch = yield* KillSwitch
    yield* (engage ? killSwitch.set : killSwitch.clear).pipe(Effect.catchTag("JetStreamFailure", unreachable))
    yield* writeOut(describe(yield* killSwitch.get.pipe(Effect.catchTag("JetStreamFailure", unreachable))))
  }))

export const pauseCommand = Command.make("pause", {}, () => flip(true)).pipe(
  Command.withDescription("Engage the kill switch: every process stops starting LiveRC requests within a second")
)

export const resumeCommand = Command.make("resume", {}, () => flip(false)).pipe(
  Command.withDescription("Clear the kill switch: LiveRC requests resume")
)
