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

# A file:// backend keeps its locks as <backend>/.pulumi/locks/<org>/<project>/<stack>/*.json
# holding the pid and host of their run: never take the lock of a run that is still going.
backend="${PULUMI_BACKEND_URL:-}"
if [[ "$backend" == file://* ]]; then
  for lock in "${backend#file://}"/.pulumi/locks/*/*/"$stack"/*.json; do
    [ -f "$lock" ] || continue
    read -r pid host < <(node -e 'const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(l.pid, l.hostname)' "$lock")
    if [ "$host" = "$(hostname)" ] && kill -0 "$pid" 2>/dev/null; then
      echo "recover: stack $stack is locked by pid $pid on this machine, which is still running; wait for it to end" >&2
      exit 1
    fi
  done
fi

# A run killed while it saved the checkpoint can leave it unreadable ("failed to load checkpoint:
# EOF", seen once in CI): put back the backend's own backup of the previous save. The steps it
# lacks are found again by the refresh and adopted by the up below.
if [[ "$backend" == file://* ]]; then
  for cp in "${backend#file://}"/.pulumi/stacks/*/"$stack".json; do
    [ -f "$cp" ] || continue
    if ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$cp" 2>/dev/null && [ -s "$cp.bak" ]; then
      echo "recover: $cp is unreadable; restoring the backend's backup $cp.bak" >&2
      cp "$cp.bak" "$cp"
    fi
  done
fi

pulumi cancel --yes --stack "$stack"
pulumi refresh --yes --skip-preview --non-interactive --clear-pending-creates --stack "$stack"
PULUMI_K8S_ENABLE_PATCH_FORCE=true pulumi up --yes --skip-preview --non-interactive --stack "$stack"
