#!/usr/bin/env bash
# npm run recover -- <stack>: the one command after a `pulumi up` of <stack> was killed (SIGKILL,
# a lost CI runner) or interrupted (Ctrl-C). Run it only once that deploy has stopped: it
#   1. removes the stale stack lock (`pulumi cancel`); on a file:// backend it first refuses when
#      a lock's process is still alive on this machine;
#   2. reads every object back from the clusters (`pulumi refresh`) and drops the creates the
#      engine had started but not recorded (`--clear-pending-creates`): the objects themselves
#      are not lost, see 3;
#   3. deploys again (`pulumi up`): the Kubernetes provider creates with server-side apply, which
#      adopts an object an interrupted create already made instead of failing or duplicating it.
#      That object's fields belong to the dead run's field manager (each create gets its own), so
#      this one `up` applies with force (PULUMI_K8S_ENABLE_PATCH_FORCE): the program takes back
#      every field it declares, also from anyone who changed it by hand meanwhile.
# Backend and secrets come from the usual environment (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE).
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
stack="${1:?usage: npm run recover -- <stack>}"

# On a file:// backend, <backend>/.pulumi holds the stack's checkpoint, locks, history and backups.
backend="${PULUMI_BACKEND_URL:-}"
state_dir=""
if [[ "$backend" == file://* ]]; then
  state_dir="${backend#file://}"
  state_dir="${state_dir%%\?*}/.pulumi"
fi

# Locks are <state_dir>/locks/<org>/<project>/<stack>/*.json holding the pid and host of their run:
# never take the lock of a run that is still going.
if [ -n "$state_dir" ]; then
  for lock in "$state_dir"/locks/*/*/"$stack"/*.json; do
    [ -f "$lock" ] || continue
    read -r pid host < <(node -e 'const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(l.pid, l.hostname)' "$lock")
    if [ "$host" = "$(hostname)" ] && kill -0 "$pid" 2>/dev/null; then
      echo "recover: stack $stack is locked by pid $pid on this machine, which is still running; wait for it to end" >&2
      exit 1
    fi
  done
fi

# The file backend (gocloud's fileblob) writes each file atomically (temp file, then rename), but
# first rewrites its metadata sidecar <file>.attrs in place (truncate, then write). A run killed
# between the two leaves the sidecar empty, and every later read of the checkpoint fails with
# "failed to load checkpoint: EOF" although the checkpoint itself is whole. The sidecar holds only
# a content type and a checksum, and the backend does without a missing one: remove unreadable ones.
if [ -n "$state_dir" ] && [ -d "$state_dir" ]; then
  node -e '
    const fs = require("fs"), path = require("path");
    for (const f of fs.readdirSync(process.argv[1], { recursive: true, encoding: "utf8" })) {
      const file = path.join(process.argv[1], f);
      if (!f.endsWith(".attrs") || !fs.statSync(file).isFile()) continue;
      try { JSON.parse(fs.readFileSync(file, "utf8")); } catch {
        console.error(`recover: ${file} was cut short by a killed run (the backend would fail with "EOF"); removing it`);
        fs.rmSync(file);
      }
    }' "$state_dir"
fi

pulumi cancel --yes --stack "$stack"
pulumi refresh --yes --skip-preview --non-interactive --clear-pending-creates --stack "$stack"
PULUMI_K8S_ENABLE_PATCH_FORCE=true pulumi up --yes --skip-preview --non-interactive --stack "$stack"
