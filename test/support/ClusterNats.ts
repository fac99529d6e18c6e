import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { binaryVersion } from "../../src/broker/NatsServerBinary.ts"
import { freePort, natsServerBinary } from "./NatsTestServer.ts"

/**
 * The 3-node JetStream cluster of nats/cluster/node-{1,2,3}.conf, rendered into a temp dir: the
 * same server names, cluster name and settings, but free loopback ports (client, route, monitoring)
 * and temp stores, so a test never collides with a cluster a developer runs from the repo. Each
 * node can be killed (SIGKILL) and restarted on its own ports and store.
 */

const shippedConfigs = join(import.meta.dirname, "..", "..", "nats", "cluster")

/** The ports the shipped files use, per node: client 423N, route 623N, monitoring 823N. */
const shippedPorts = (node: number) => ({ client: 4230 + node, route: 6230 + node, http: 8230 + node })

export interface ClusterNode {
  readonly name: string
  readonly url: string
  readonly clientPort: number
  readonly kill: () => Promise<void>
  /** Start again on the same ports and store; resolves once the node reports JetStream healthy. */
  readonly restart: () => Promise<void>
  readonly running: () => boolean
}

export interface NatsCluster {
  readonly nodes: ReadonlyArray<ClusterNode>
  /** The nats-server version the nodes run. */
  readonly version: string
  /** Every node, comma separated, as NATS_URL. */
  readonly url: string
  readonly nodeNamed: (serverName: string) => ClusterNode
  readonly stop: () => Promise<void>
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/** `/healthz` answers 200 once the node's JetStream is up and caught up with the meta group. */
const healthy = async (httpPort: number) => {
  try {
    const response = await fetch(`http://127.0.0.1:${httpPort}/healthz`, { signal: AbortSignal.timeout(1000) })
    await response.arrayBuffer()
    return response.status === 200
  } catch {
    return false
  }
}

interface MetaCluster {
  readonly leader?: string
  readonly cluster_size?: number
  readonly replicas?: ReadonlyArray<{ readonly current?: boolean }>
}

const metaOf = async (httpPort: number): Promise<MetaCluster | undefined> => {
  try {
    const response = await fetch(`http://127.0.0.1:${httpPort}/jsz`, { signal: AbortSignal.timeout(1000) })
    return ((await response.json()) as { meta_cluster?: MetaCluster }).meta_cluster
  } catch {
    return undefined
  }
}

/**
 * Whether the JetStream meta group has formed: every node names the same leader, and on the
 * leader (the only node that tracks it) every other node is a current peer. /healthz can answer
 * before that, and a replicated stream created then is refused with "no suitable peers for
 * placement".
 */
const metaFormed = async (httpPorts: ReadonlyArray<number>) => {
  const metas = await Promise.all(httpPorts.map(metaOf))
  const leader = metas[0]?.leader ?? ""
  if (leader === "" || metas.some((meta) => meta?.leader !== leader)) return false
  return metas.some((meta) =>
    (meta?.cluster_size ?? 0) >= httpPorts.length && (meta?.replicas ?? []).length >= httpPorts.length - 1 &&
    (meta?.replicas ?? []).every((peer) => peer.current === true)
  )
}

const render = (text: string, from: ReturnType<typeof shippedPorts>[], to: ReturnType<typeof shippedPorts>[], storeDir: string) => {
  let out = text.replace(/store_dir:\s*"[^"]*"/, `store_dir: "${storeDir}"`)
  from.forEach((ports, i) => {
    const target = to[i]!
    out = out
      .replaceAll(`127.0.0.1:${ports.client}`, `127.0.0.1:${target.client}`)
      .replaceAll(`127.0.0.1:${ports.route}`, `127.0.0.1:${target.route}`)
      .replaceAll(`127.0.0.1:${ports.http}`, `127.0.0.1:${target.http}`)
  })
  return out
}

export const startNatsCluster = async (): Promise<NatsCluster> => {
  const bin = natsServerBinary()
  const root = mkdtempSync(join(tmpdir(), "liverc-cluster-"))
  const indexes = [1, 2, 3]
  const from = indexes.map(shippedPorts)
  const to: Array<ReturnType<typeof shippedPorts>> = []
  for (const _ of indexes) to.push({ client: await freePort(), route: await freePort(), http: await freePort() })

  const nodes = indexes.map((node, i) => {
    const text = readFileSync(join(shippedConfigs, `node-${node}.conf`), "utf8")
    const name = /server_name:\s*(\S+)/.exec(text)?.[1] ?? `n${node}`
    const storeDir = join(root, `n${node}`)
    mkdirSync(storeDir, { recursive: true })
    const configFile = join(root, `node-${node}.conf`)
    writeFileSync(configFile, render(text, from, to, storeDir))
    const ports = to[i]!
    let child: ChildProcess | undefined
    let stderr = ""

    const launch = async () => {
      stderr = ""
      const started = spawn(bin, ["-c", configFile], { stdio: ["ignore", "ignore", "pipe"] })
      child = started
      started.stderr?.on("data", (chunk) => {
        stderr = (stderr + String(chunk)).slice(-4000)
      })
      const deadline = Date.now() + 15_000
      while (!(await listening(ports.client))) {
        if (started.exitCode !== null) throw new Error(`${name} exited with ${started.exitCode}: ${stderr}`)
        if (Date.now() > deadline) throw new Error(`${name} did not listen on ${ports.client}: ${stderr}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }

    const waitHealthy = async (timeoutMillis: number) => {
      const deadline = Date.now() + timeoutMillis
      while (!(await healthy(ports.http))) {
        if (Date.now() > deadline) throw new Error(`${name} JetStream not healthy within ${timeoutMillis} ms: ${stderr}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }

    const terminate = async (signal: NodeJS.Signals) => {
      const running = child
      child = undefined
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
      await new Promise<void>((resolve) => {
        running.once("exit", () => resolve())
        running.kill(signal)
      })
    }

    const handle: ClusterNode & { launch: () => Promise<void>; waitHealthy: (ms: number) => Promise<void>; terminate: typeof terminate } = {
      name,
      url: `nats://127.0.0.1:${ports.client}`,
      clientPort: ports.client,
      kill: () => terminate("SIGKILL"),
      restart: async () => {
        await terminate("SIGKILL")
        await launch()
        await waitHealthy(60_000)
      },
      running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
      launch,
      waitHealthy,
      terminate
    }
    return handle
  })

  const stop = async () => {
    await Promise.all(nodes.map((node) => node.terminate("SIGTERM")))
    rmSync(root, { recursive: true, force: true })
  }
  try {
    await Promise.all(nodes.map((node) => node.launch()))
    await Promise.all(nodes.map((node) => node.waitHealthy(60_000)))
    const deadline = Date.now() + 60_000
    while (!(await metaFormed(to.map((ports) => ports.http)))) {
      if (Date.now() > deadline) throw new Error("the cluster's JetStream meta group did not form within 60 s")
      await new Promise((r) => setTimeout(r, 100))
    }
  } catch (error) {
    await stop()
    throw error
  }
  return {
    nodes,
    version: binaryVersion(bin) ?? "unknown",
    url: nodes.map((node) => node.url).join(","),
    nodeNamed: (serverName) => {
      const node = nodes.find((n) => n.name === serverName)
      if (node === undefined) throw new Error(`no cluster node named ${serverName}`)
      return node
    },
    stop
  }
}
