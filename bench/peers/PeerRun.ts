import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"

/**
 * What bench:queue measures of every queue, ours and its peers, the same way: N no-op jobs with a
 * job id, enqueued by this process with `window` enqueues in flight, completed by worker
 * processes with a fixed concurrency each, every job's final status kept and read back.
 */

export interface PeerOptions {
  readonly jobs: number
  readonly window: number
  readonly workers: number
  /** Jobs each worker process runs at once. */
  readonly concurrency: number
}

export interface QueueRun {
  readonly jobsPerSecond: number
  readonly enqueuePerSecond: number
  /** Enqueue-to-completed latency percentiles, ms. */
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** CPU µs per job: the broker or database server, all worker processes, the enqueuing client. */
  readonly cpu: { readonly server: number; readonly workers: number; readonly client: number }
}

/** user + system CPU of a process so far, in ms (Linux /proc); 0 once it is gone. */
export const cpuMillis = (pid: number): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return 0
  }
}

export const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

/** Runs `enqueue` over 0..jobs-1 with `window` calls in flight. */
export const enqueueAll = async (jobs: number, window: number, enqueue: (i: number) => Promise<unknown>) => {
  let next = 0
  const loop = async () => {
    while (next < jobs) await enqueue(next++)
  }
  await Promise.all(Array.from({ length: Math.min(window, jobs) }, loop))
}

/** The figures of a run from when each job was enqueued and when it completed (epoch ms). */
export const summarize = (
  jobs: number,
  t0: number,
  enqueuedAt: number,
  latencies: Array<number>,
  lastCompletion: number,
  cpu: QueueRun["cpu"]
): QueueRun => {
  latencies.sort((a, b) => a - b)
  return {
    jobsPerSecond: jobs / ((lastCompletion - t0) / 1000),
    enqueuePerSecond: jobs / ((enqueuedAt - t0) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    cpu
  }
}

export interface PeerWorker {
  readonly pid: number
  readonly stop: () => Promise<void>
}

/** Spawns a peer's worker script, resolved once it prints `ready`. */
export const startPeerWorker = (script: string, env: Record<string, string>): Promise<PeerWorker> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    child.stderr?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4000)
    })
    child.stdout?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4000)
      if (output.includes("ready\n")) {
        resolve({
          pid: child.pid ?? -1,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
            await exited
          }
        })
      }
    })
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} before ready:\n${output}`)))
  })

export const pause = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))
