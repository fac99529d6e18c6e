import { defineConfig } from "vitest/config"

// Three suites: fast unit specs, integration specs against the real NATS/Postgres/simulator,
// and the chaos proof (a 3-node cluster with faults) that runs on its own.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.it.test.ts", "test/chaos/**"],
          testTimeout: 30_000
        }
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.it.test.ts"],
          exclude: ["test/chaos/**"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false
        }
      },
      {
        test: {
          name: "chaos",
          include: ["test/chaos/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false
        }
      }
    ]
  }
})
