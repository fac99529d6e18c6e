#!/usr/bin/env bash
# The README's test command, proven the way a new user meets it: on fresh clones of this checkout
# (committed work only), `npm ci && npm test`, then again with an embedded PostgreSQL
# (TEST_DATABASE_URL=embedded) and no nats-server anywhere on PATH or in the clone, so the suites
# fetch their own. The machine's own services keep running (CI uses them). Prints each wall time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# As the quickstart: the system's npm, whatever its Node; `npm ci` brings the Node 24 the scripts run on.

run() {
  local label=$1
  shift
  local dir
  dir=$(mktemp -d)
  git clone -q "$here" "$dir"
  local started=$SECONDS
  if (cd "$dir" && env "$@" bash -c 'npm ci --no-audit --no-fund && npm test'); then
    echo "fresh-clone-check: $label: passed in $((SECONDS - started)) s"
  else
    echo "fresh-clone-check: $label: FAILED after $((SECONDS - started)) s (clone kept in $dir)" >&2
    exit 1
  fi
  rm -rf "$dir"
}

run "npm ci && npm test"
# PATH without any directory that holds a nats-server binary.
bare_path=
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  if [ -n "$d" ] && [ ! -x "$d/nats-server" ]; then bare_path=${bare_path:+$bare_path:}$d; fi
done
run "TEST_DATABASE_URL=embedded, no nats-server on PATH" -u NATS_SERVER_BIN PATH="$bare_path" TEST_DATABASE_URL=embedded
