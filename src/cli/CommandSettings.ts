import { workerSettingsConfigFields } from "../actors/WorkerSettings.ts"
import { natsConfigFields } from "../broker/NatsClient.ts"
import { ReplicasConfig } from "../broker/StreamSpec.ts"
import type { SettingGroup } from "../config/ConfigCheck.ts"
import { databaseConfigFields } from "../db/Database.ts"
import { gatewayConfigFields } from "../http/GatewayConfig.ts"
import { commandRulesConfigFields } from "../jobs/JobCommands.ts"
import { liveRcClientConfigFields } from "../liverc/LiveRcClient.ts"
import { liveRcSiteConfigFields } from "../liverc/LiveRcSite.ts"
import { parsePoolConfigFields } from "../liverc/ParsePool.ts"
import { robotsConfigFields } from "../liverc/RobotsPolicy.ts"
import { logLevelConfig } from "../observability/Logging.ts"
import { metricsServerConfigFields } from "../observability/MetricsServer.ts"
import { WriteRetryConfig } from "../pipeline/JobFailures.ts"
import { practiceDiscoveryConfigFields } from "../pipeline/PracticeDiscovery.ts"
import { practiceNegativeCacheConfigFields } from "../pipeline/PracticeNegativeCache.ts"
import { trackSyncConfigFields } from "../pipeline/TrackSync.ts"
import { scheduleConfigFields } from "../queue/ScheduleConfig.ts"
import { topologyConfigFields } from "../queue/Topology.ts"
import { adaptiveConcurrencyConfigFields } from "../throttle/AdaptiveConcurrency.ts"
import { throttleConfigFields } from "../throttle/ThrottleConfig.ts"

/**
 * Every setting each long-running command reads, checked all at once before it connects
 * anywhere (ConfigCheck): a typo anywhere is reported at start, with every other bad value, not
 * when the layer that reads it is built (or never, behind a broker that does not answer).
 */

const common: ReadonlyArray<SettingGroup> = [natsConfigFields, { replicas: ReplicasConfig }, { logLevel: logLevelConfig }]

/** What the jobs of a worker read: LiveRC access, the pipeline, Postgres. */
const pipeline: ReadonlyArray<SettingGroup> = [
  liveRcClientConfigFields,
  liveRcSiteConfigFields,
  robotsConfigFields,
  parsePoolConfigFields,
  throttleConfigFields,
  adaptiveConcurrencyConfigFields,
  trackSyncConfigFields,
  practiceDiscoveryConfigFields,
  practiceNegativeCacheConfigFields,
  { writeRetryWindow: WriteRetryConfig },
  databaseConfigFields
]

export const workerSettings: ReadonlyArray<SettingGroup> = [
  ...common,
  topologyConfigFields,
  workerSettingsConfigFields,
  metricsServerConfigFields,
  commandRulesConfigFields,
  scheduleConfigFields,
  ...pipeline
]

export const gatewaySettings: ReadonlyArray<SettingGroup> = [
  ...common,
  topologyConfigFields,
  gatewayConfigFields,
  commandRulesConfigFields,
  scheduleConfigFields,
  databaseConfigFields
]

export const startSettings: ReadonlyArray<SettingGroup> = [...workerSettings, ...gatewaySettings]
