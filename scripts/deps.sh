#!/usr/bin/env bash
# The npm packages of the whole repository — the program and the policy pack, an npm workspace —
# from the one package-lock.json. Installs them when node_modules is missing or was installed from
# another lock; otherwise does nothing. Every npm script that needs them runs this first, under Node 22
# (env.sh), so `npm start` and `npm test` work from a fresh clone in either order.
# `deps.sh chromium` also installs Debian's Chromium when it is missing: the tests render the DR
# tool's drill reports in it (headless, driven by puppeteer-core; no browser is downloaded).
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

if [ "${1:-}" = chromium ] && ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing chromium (Debian package) for the drill-report tests" >&2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >&2 ||
      echo "deps: could not install chromium with apt-get; the report tests will fail until it is on PATH" >&2
  else
    echo "deps: chromium is missing and this is not root with apt-get: install it (sudo apt-get install chromium); the report tests fail without it" >&2
  fi
fi

# npm writes node_modules/.package-lock.json when an install completes; we record the digest of the
# package-lock.json it installed. Stale means: no completed install, or another lock than that one.
# By content, not by time: a checkout or a new git worktree rewrites an unchanged lock.
LOCK_DIGEST=node_modules/.mesh-dr-lock.sha256
digest() { sha256sum <package-lock.json | cut -d' ' -f1; }
stale() {
  [ -f node_modules/.package-lock.json ] || return 0
  # An install from before the digest was recorded: judged by time once, then recorded.
  if [ ! -f "$LOCK_DIGEST" ]; then
    [ package-lock.json -nt node_modules/.package-lock.json ] && return 0
    digest >"$LOCK_DIGEST"
  fi
  [ "$(digest)" != "$(cat "$LOCK_DIGEST")" ]
}

stale || exit 0
# Two scripts started at once (npm start beside npm test) must not install over each other.
exec 8<package-lock.json
flock 8
stale || exit 0
echo "==> installing npm packages from package-lock.json (program and policy pack)" >&2
# --ignore-scripts: @pulumi/kubernetes' install script would download its provider plugin;
# scripts/toolchain.sh builds that plugin instead.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
digest >"$LOCK_DIGEST"
