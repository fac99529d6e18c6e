#!/usr/bin/env bash
# Puts a current nats-server (>= 2.12) at .tools/bin/nats-server, from Debian's packages.
#
# Debian's stable suites ship an end-of-life 2.9; `sid` ships the current release as one static
# binary. The package is fetched with a private apt state under a temporary folder, so the
# machine's apt configuration, lists and cache are never touched and no root is needed to write
# them. apt still checks the suite's signature and the package's hash. Idempotent: a binary that is
# already there and current is kept. Prints the installed version on stdout.
set -euo pipefail

required_major=2
required_minor=12
root="$(cd "$(dirname "$0")/.." && pwd)"
dest_dir="$root/.tools/bin"
dest="$dest_dir/nats-server"

say() { echo "install-nats-server: $*" >&2; }
fail() { say "$*"; exit 1; }

# Prints "MAJOR.MINOR.PATCH" of a nats-server binary, or nothing when it does not run.
version_of() {
  "$1" --version 2>/dev/null | sed -n 's/^nats-server: v\{0,1\}\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -1
}

is_current() {
  local v major minor
  v=$(version_of "$1")
  [ -n "$v" ] || return 1
  major=${v%%.*}; minor=${v#*.}; minor=${minor%%.*}
  [ "$major" -gt "$required_major" ] || { [ "$major" -eq "$required_major" ] && [ "$minor" -ge "$required_minor" ]; }
}

if [ -x "$dest" ] && is_current "$dest"; then
  say "already installed: $dest"
  echo "$(version_of "$dest")"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
  fail "this script needs Debian or Ubuntu (apt-get, dpkg-deb). Install nats-server >= $required_major.$required_minor yourself: your package manager, or a release binary from https://github.com/nats-io/nats-server/releases; then set NATS_SERVER_BIN to it."
[ "$(uname -m)" = "x86_64" ] || [ "$(uname -m)" = "aarch64" ] ||
  fail "unsupported architecture $(uname -m): install nats-server >= $required_major.$required_minor yourself and set NATS_SERVER_BIN"

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || fail "Debian's archive keyring ($keyring) is missing: install the debian-archive-keyring package, or install nats-server >= $required_major.$required_minor yourself and set NATS_SERVER_BIN"

mirror=""
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/debian.sources | grep -v security | head -1 | awk '{print $2}')
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
fi
mirror=${NATS_DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/etc/sources.list.d" "$work/etc/preferences.d" "$work/lists/partial" "$work/cache/archives/partial"
: >"$work/etc/sources.list"
printf 'Types: deb\nURIs: %s\nSuites: sid\nComponents: main\nSigned-By: %s\n' "$mirror" "$keyring" >"$work/etc/sources.list.d/sid.sources"
apt_opts=(
  -o "Dir::Etc=$work/etc" -o "Dir::Etc::sourcelist=$work/etc/sources.list"
  -o "Dir::Etc::sourceparts=$work/etc/sources.list.d" -o "Dir::Etc::preferencesparts=$work/etc/preferences.d"
  -o "Dir::Etc::trustedparts=/etc/apt/trusted.gpg.d" -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache" -o "Debug::NoLocking=1"
)
# apt drops privileges to _apt for downloads; as root into a private folder that user cannot write.
[ "$(id -u)" -eq 0 ] && apt_opts+=(-o "APT::Sandbox::User=root")

say "fetching nats-server from Debian sid at $mirror (private apt state in $work)"
apt-get "${apt_opts[@]}" update -qq >"$work/apt.log" 2>&1 ||
  fail "apt-get update of Debian sid failed (no network to $mirror?): $(tail -3 "$work/apt.log" | tr '\n' ' ')"
candidate=$(apt-cache "${apt_opts[@]}" madison nats-server 2>/dev/null | awk -F'|' 'NR==1 {gsub(/ /, "", $2); print $2}')
[ -n "$candidate" ] || fail "Debian sid lists no nats-server package"
(cd "$work" && apt-get "${apt_opts[@]}" download nats-server >>"$work/apt.log" 2>&1) ||
  fail "download of nats-server $candidate failed: $(tail -3 "$work/apt.log" | tr '\n' ' ')"
dpkg-deb -x "$work"/nats-server_*.deb "$work/x"
fetched="$work/x/usr/sbin/nats-server"
[ -x "$fetched" ] || fail "the nats-server package holds no usr/sbin/nats-server"
is_current "$fetched" ||
  fail "Debian sid's nats-server is $(version_of "$fetched" || echo unrunnable); this project needs >= $required_major.$required_minor"

mkdir -p "$dest_dir"
install -m 0755 "$fetched" "$dest.tmp"
mv -f "$dest.tmp" "$dest"
say "installed $dest"
echo "$(version_of "$dest")"
