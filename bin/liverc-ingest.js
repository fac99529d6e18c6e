#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through Node's built-in type stripping
// (Node >= 22.19), so there is no build step between `npm ci` and `npx liverc-ingest`.
const [major, minor] = process.versions.node.split(".").map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `liverc-ingest needs Node >= 22.19 (this is ${process.version}). ` +
      "Run it through npm (npx liverc-ingest / npm run ...), which uses the Node 24 installed by `npm ci`.\n"
  )
  process.exit(1)
}
await import("../src/cli/main.ts")
