#!/usr/bin/env bash
# The npm packages of the whole repository — the program and the policy pack, an npm workspace —
# from the one package-lock.json. Installs them when node_modules is missing or older than the
# lock; otherwise does nothing. Every npm script that needs them runs this first, under Node 22
# (env.sh), so `npm start` and `npm test` work from a fresh clone in either order.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

# npm writes node_modules/.package-lock.json when an install completes.
stale() { [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }

stale || exit 0
# Two scripts started at once (npm start beside npm test) must not install over each other.
exec 8<package-lock.json
flock 8
stale || exit 0
echo "==> installing npm packages from package-lock.json (program and policy pack)" >&2
# --ignore-scripts: @pulumi/kubernetes' install script would download its provider plugin;
# scripts/toolchain.sh builds that plugin instead.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
