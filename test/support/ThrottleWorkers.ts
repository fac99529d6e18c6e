import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { ThrottleGroupStatus } from "../../src/throttle/HostThrottle.ts"
import type { WorkerOptions } from "./throttleWorker.ts"

/**
 * Spawns throttleWorker.ts processes (real OS processes, each with its own NATS connection and
 * HostThrottle) and drives them: wait until all are ready, start them at one moment, watch their
 * status lines, SIGKILL one, collect their final counters.
 */

const workerScript = fileURLToPath(new URL("./throttleWorker.ts", import.meta.url))

export interface WorkerDone {
  readonly fetched: number
  readonly failed: number
  readonly groups: ReadonlyArray<ThrottleGroupStatus>
  /** Epoch ms at which each GET left the worker. */
  readonly sentAt: ReadonlyArray<number>
}

export interface WorkerStatus {
  readonly reserved: number
  readonly waiting: number
}

export interface ThrottleWorker {
  readonly child: ChildProcess
  readonly ready: Promise<void>
  /** Resolves with the final counters, or null when the process died without reporting. */
  readonly done: Promise<WorkerDone | null>
  /** Resolves at the first status line that satisfies `predicate`. */
  readonly statusWhere: (predicate: (status: WorkerStatus) => boolean) => Promise<WorkerStatus>
  readonly kill: () => Promise<void>
}

export const spawnThrottleWorker = (options: WorkerOptions, env: Record<string, string>): ThrottleWorker => {
  const child = spawn(process.execPath, [workerScript, JSON.stringify(options)], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"]
  })
  const watchers: Array<{ predicate: (s: WorkerStatus) => boolean; resolve: (s: WorkerStatus) => void }> = []
  let stderr = ""
  let resolveReady: () => void = () => {}
  let resolveDone: (done: WorkerDone | null) => void = () => {}
  const ready = new Promise<void>((resolve) => (resolveReady = resolve))
  const done = new Promise<WorkerDone | null>((resolve) => (resolveDone = resolve))
  let buffered = ""
  child.stdout?.on("data", (chunk) => {
    buffered += String(chunk)
    const lines = buffered.split("\n")
    buffered = lines.pop() ?? ""
    for (const line of lines) {
      if (!line.startsWith("{\"event\"")) continue
      const message = JSON.parse(line) as { event: string } & WorkerDone & WorkerStatus
      if (message.event === "ready") resolveReady()
      else if (message.event === "done") resolveDone(message)
      else if (message.event === "status") {
        for (const watcher of [...watchers]) {
          if (watcher.predicate(message)) {
            watchers.splice(watchers.indexOf(watcher), 1)
            watcher.resolve(message)
          }
        }
      }
    }
  })
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000)
  })
  child.once("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGKILL") {
      process.stderr.write(`throttle worker exited ${code}: ${stderr}\n`)
    }
    resolveDone(null)
  })
  return {
    child,
    ready,
    done,
    statusWhere: (predicate) => new Promise((resolve) => watchers.push({ predicate, resolve })),
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGKILL")
      })
  }
}

/** Most of `times` inside any closed window of `windowMillis`. */
export const busiestWindow = (times: ReadonlyArray<number>, windowMillis = 1000): number => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! > windowMillis) start++
    best = Math.max(best, end - start + 1)
  }
  return best
}

/** Waits until every worker is ready, then starts them all `leadMs` from now; returns that epoch ms. */
export const startTogether = async (workers: ReadonlyArray<ThrottleWorker>, leadMs = 200): Promise<number> => {
  await Promise.all(workers.map((worker) => worker.ready))
  const startAt = Date.now() + leadMs
  for (const worker of workers) worker.child.stdin?.write(`${JSON.stringify({ startAt })}\n`)
  return startAt
}
