import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import type { JobEvent } from "./TestHandlers.ts"

/**
 * Spawns test/support/TestWorker.ts as a real process and follows the events its scripted
 * handlers print. Use `kill()` for a crash (SIGKILL) and `terminate()` for a graceful stop.
 */

export interface WorkerProcess {
  readonly id: string
  readonly pid: number
  readonly events: ReadonlyArray<JobEvent>
  /** Everything else the process printed (logs), for failure messages. */
  readonly output: () => string
  readonly waitFor: (predicate: (event: JobEvent) => boolean, timeoutMillis?: number) => Promise<JobEvent>
  readonly exited: Promise<number | null>
  readonly kill: () => Promise<void>
  /** SIGTERM; resolves with the exit code. */
  readonly terminate: () => Promise<number | null>
}

const script = join(import.meta.dirname, "TestWorker.ts")

export const startWorker = async (id: string, env: Record<string, string>): Promise<WorkerProcess> => {
  const child: ChildProcess = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, TEST_WORKER_ID: id },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const events: Array<JobEvent> = []
  const waiters: Array<{ predicate: (e: JobEvent) => boolean; resolve: (e: JobEvent) => void }> = []
  let log = ""
  let partial = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    partial += chunk.toString("utf8")
    const lines = partial.split("\n")
    partial = lines.pop() ?? ""
    for (const line of lines) {
      if (!line.startsWith("{\"ev\"")) {
        log += `${line}\n`
        continue
      }
      const event = JSON.parse(line) as JobEvent
      events.push(event)
      for (const waiter of [...waiters]) {
        if (waiter.predicate(event)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(event)
        }
      }
    }
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString("utf8")
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))

  const waitFor = (predicate: (e: JobEvent) => boolean, timeoutMillis = 30_000) => {
    const seen = events.find(predicate)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise<JobEvent>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker ${id}: no matching event within ${timeoutMillis} ms\n${log}`)),
        timeoutMillis
      )
      waiters.push({
        predicate,
        resolve: (e) => {
          clearTimeout(timer)
          resolve(e)
        }
      })
    })
  }

  const handle: WorkerProcess = {
    id,
    pid: child.pid ?? -1,
    events,
    output: () => log,
    waitFor,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      await exited
    },
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      return exited
    }
  }
  await Promise.race([
    waitFor((e) => e.ev === "ready", 30_000),
    exited.then((code) => Promise.reject(new Error(`worker ${id} exited with ${code} before ready:\n${log}`)))
  ])
  return handle
}
