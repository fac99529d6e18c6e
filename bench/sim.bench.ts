import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Pool } from "undici"
import { freePort } from "../test/support/NatsTestServer.ts"

/**
 * `npm run bench:sim`: how many requests per second the LiveRC simulator sustains as its own
 * process (as benchmarks and the demo run it), driven from this process over keep-alive
 * connections. Phases: one cached dashboard, 500 cached race pages, the same race pages answered
 * 304 by ETag, and race pages never seen before (each rendered from the seed).
 *
 * The ceiling is a bare node:http server in its own process answering a fixed buffer of the same
 * size as the dashboard: the ratio says what routing, stats, limits and caching cost.
 *
 * Knobs: BENCH_SECONDS per phase (5), BENCH_CONNECTIONS (64).
 */

const seconds = Number(process.env["BENCH_SECONDS"] ?? 5)
const connections = Number(process.env["BENCH_CONNECTIONS"] ?? 64)
const bin = fileURLToPath(new URL("../bin/liverc-ingest.js", import.meta.url))

const startProcess = async (args: ReadonlyArray<string>, ready: string): Promise<ChildProcess> => {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const deadline = Date.now() + 30_000
  while (!output.includes(ready)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start: ${args.join(" ")}\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return child
}

interface Phase {
  requests: number
  bytes: number
  readonly statuses: Map<number, number>
  readonly latencies: Array<number>
  readonly elapsedMs: number
}

const run = async (
  origin: string,
  next: (i: number) => { readonly path: string; readonly headers?: Record<string, string> }
): Promise<Phase> => {
  const pool = new Pool(origin, { connections, pipelining: 1 })
  const phase: Phase = { requests: 0, bytes: 0, statuses: new Map(), latencies: [], elapsedMs: 0 }
  const started = performance.now()
  const end = started + seconds * 1000
  let counter = 0
  const worker = async () => {
    while (performance.now() < end) {
      const { headers, path } = next(counter++)
      const t = performance.now()
      const response = await pool.request({ method: "GET", path, ...(headers === undefined ? {} : { headers }) })
      const body = Buffer.from(await response.body.arrayBuffer())
      phase.latencies.push(performance.now() - t)
      phase.requests++
      phase.bytes += body.byteLength
      phase.statuses.set(response.statusCode, (phase.statuses.get(response.statusCode) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: connections }, worker))
  await pool.close()
  return { ...phase, elapsedMs: performance.now() - started }
}

const percentile = (values: Array<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

const report = (name: string, phase: Phase) => {
  const rps = (phase.requests / phase.elapsedMs) * 1000
  const mbps = (phase.bytes / phase.elapsedMs) * 1000 / 1e6
  console.log(
    `${name.padEnd(34)} ${rps.toFixed(0).padStart(7)} req/s ${mbps.toFixed(1).padStart(7)} MB/s   p50 ${
      percentile(phase.latencies, 50).toFixed(1)
    } ms  p99 ${percentile(phase.latencies, 99).toFixed(1)} ms   statuses ${JSON.stringify(Object.fromEntries(phase.statuses))}`
  )
  return rps
}

const simPort = await freePort()
const sim = await startProcess([bin, "sim", "--port", String(simPort), "--tracks", "10000"], "LIVERC_ROOT_URL=")
const simOrigin = `http://127.0.0.1:${simPort}`
const dashboard = "/t/riverside-rc-1/"
const dashboardBytes = (await (await fetch(`${simOrigin}${dashboard}`)).arrayBuffer()).byteLength
const barePort = await freePort()
const bare = await startProcess([
  "-e",
  `const b=Buffer.alloc(${dashboardBytes},120);require("node:http").createServer((q,s)=>{s.writeHead(200,{"content-type":"text/html","content-length":b.length});s.end(b)}).listen(${barePort},"127.0.0.1",()=>console.log("ready"))`
], "ready")

try {
  console.log(`simulator as its own process, ${connections} keep-alive connections, ${seconds} s per phase, ${process.env["BENCH_NOTE"] ?? "2 cores"}`)
  const races = Array.from({ length: 500 }, (_, i) => `/t/riverside-rc-1/results/?p=view_race_result&id=${3_189_112_100 + (i % 12) + 1 + Math.floor(i / 12) * 100}`)
  for (const path of races) await fetch(`${simOrigin}${path}`).then((r) => r.arrayBuffer())
  const etags = await Promise.all(races.map(async (path) => (await fetch(`${simOrigin}${path}`)).headers.get("etag") ?? ""))

  const ceiling = report(`bare node:http, ${dashboardBytes} B (ceiling)`, await run(`http://127.0.0.1:${barePort}`, () => ({ path: "/" })))
  const cached = report(`sim dashboard, ${dashboardBytes} B, cached`, await run(simOrigin, () => ({ path: dashboard })))
  report("sim 500 race pages, cached", await run(simOrigin, (i) => ({ path: races[i % races.length] as string })))
  report("sim 500 race pages, 304 by ETag", await run(simOrigin, (i) => ({ path: races[i % races.length] as string, headers: { "if-none-match": etags[i % races.length] as string } })))
  report("sim race pages never seen (render)", await run(simOrigin, (i) => ({ path: `/t/riverside-rc-2/results/?p=view_race_result&id=${5_000_000 + i}` })))
  console.log(`ratio sim / bare node:http on the same page size: ${(cached / ceiling).toFixed(2)}`)
  const stats = (await (await fetch(`${simOrigin}/__sim/stats`)).json()) as { total: number; maxRequestsInAnySecond: number; peakConcurrency: number }
  console.log(`simulator's own count: ${stats.total} requests, busiest 1 s window ${stats.maxRequestsInAnySecond}, peak concurrency ${stats.peakConcurrency}`)
} finally {
  sim.kill("SIGTERM")
  bare.kill("SIGTERM")
}
