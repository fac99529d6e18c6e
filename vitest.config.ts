import { defineConfig } from "vitest/config"

/**
 * Four groups: fast unit specs; integration specs against the real NATS/Postgres/simulator, run
 * several files at once since most of their time is spent waiting on servers; the integration
 * specs that measure rates or hold deadlines (the throttle, the simulator's limits, slow clients,
 * a stalled parse), run one at a time after the others so no neighbour skews what they measure;
 * and the chaos proof (a 3-node cluster with faults), run on its own. Every integration group
 * picks its nats-server and Postgres once per run (test/support/*Setup.ts).
 */

const timingSensitive = [
  "test/throttle/**/*.it.test.ts",
  "test/sim/SimLimits.it.test.ts",
  "test/http/GatewayHardening.it.test.ts",
  "test/pipeline/HostilePage.it.test.ts",
  "test/pipeline/PracticeDiscovery.it.test.ts",
  "test/actors/ConsumerActor.it.test.ts",
  "test/queue/Schedules.it.test.ts"
]
const globalSetup = ["test/support/NatsServerSetup.ts", "test/support/DatabaseSetup.ts"]

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.it.test.ts", "test/chaos/**"],
          testTimeout: 30_000,
          sequence: { groupOrder: 0 }
        }
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.it.test.ts"],
          exclude: ["test/chaos/**", ...timingSensitive],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup,
          maxWorkers: 3,
          sequence: { groupOrder: 0 }
        }
      },
      {
        test: {
          name: "integration-serial",
          include: timingSensitive,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          globalSetup,
          fileParallelism: false,
          sequence: { groupOrder: 1 }
        }
      },
      {
        test: {
          name: "chaos",
          include: ["test/chaos/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          globalSetup,
          fileParallelism: false
        }
      }
    ]
  }
})
