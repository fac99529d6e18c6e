import { Layer } from "effect"
import { NatsClient } from "../broker/NatsClient.ts"
import { JobCommands } from "../jobs/JobCommands.ts"
import { DeadLetterQueue } from "../queue/DeadLetterQueue.ts"
import { JetStreamJobQueue } from "../queue/JetStreamJobQueue.ts"
import { JobListing } from "../queue/JobListing.ts"
import { JobStatusStore } from "../queue/JobStatusStore.ts"
import { QueuePosition } from "../queue/QueuePosition.ts"
import { ScheduleStore } from "../queue/ScheduleStore.ts"
import { IngestStreamsInForce } from "../queue/TopologyInForce.ts"
import { KillSwitch } from "../throttle/KillSwitch.ts"
import { ThrottleBucket } from "../throttle/ThrottleBucket.ts"

/**
 * What the operator commands connect with. Kept apart from src/layers.ts, where the processes are
 * wired: that module imports every service of the gateway and the worker, and a command that
 * reads one status document must not load them at each start.
 */

/**
 * An operator command (the CLI): the queue, the listings and the dead letters, bound to the
 * topology the server holds (it never reconfigures it, see TopologyInForce.ts). Short-lived, so no
 * status keeper runs.
 */
export const OperatorLive = Layer.mergeAll(DeadLetterQueue.layer, ScheduleStore.layer).pipe(
  Layer.provideMerge(Layer.mergeAll(JetStreamJobQueue.layer, JobCommands.layer)),
  Layer.provideMerge(Layer.mergeAll(QueuePosition.layer, JobListing.layer)),
  Layer.provideMerge(JobStatusStore.layer),
  Layer.provideMerge(IngestStreamsInForce),
  Layer.provideMerge(NatsClient.layer("cli"))
)

/** The global kill switch on its own connection, for `pause` / `resume`. */
export const KillSwitchLive = KillSwitch.layer.pipe(
  Layer.provideMerge(ThrottleBucket.layer),
  Layer.provideMerge(NatsClient.layer("cli"))
)

