import { Effect } from "effect"
import { NatsClient } from "../broker/NatsClient.ts"
import { type JobStatus, noticePause } from "../jobs/JobStatus.ts"
import { pausedSince, readKillSwitch } from "../throttle/KillSwitch.ts"

/**
 * A live job as an operator should see it while LiveRC traffic is paused: `paused_since` set.
 * One read of the kill switch per call; a switch that cannot be read shows no pause.
 */
export const withPauseNotice = <S extends JobStatus>(statuses: ReadonlyArray<S>) =>
  Effect.gen(function*() {
    const { kvm } = yield* NatsClient
    const state = yield* readKillSwitch(kvm).pipe(Effect.orElseSucceed(() => null))
    const since = state === null ? null : pausedSince(state)
    return statuses.map((status) => noticePause(status, since) as S)
  })
