import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { topologyFiles } from "../src/cli/TopologyExport.ts"

// `npm run nats:export`: rewrites nats/streams/*.json and nats/consumers/*.json from
// the topology's defaults (src/streams/Topology.ts).
const root = join(import.meta.dirname, "..", "nats")
for (const [path, content] of Object.entries(topologyFiles())) {
  const target = join(root, path)
  mkdirSync(dirname(target), { recursive: true })
  writeFileSync(target, content)
  console.log(`wrote nats/${path}`)
}
