#!/usr/bin/env bash
# Starts this policy pack as an executable analyzer plugin:
#   pulumi preview --policy-pack policy/run-policy-pack.sh
# The CLI (v3.274.1) runs a policy pack *directory* through the Node.js language host's RunPlugin,
# which the language host built for this repo (v3.68.0, tools/pulumi-language-nodejs) does not
# implement. Given an executable file instead, the CLI runs it directly with the engine's address
# as its argument and reads the analyzer's gRPC port from its stdout (resource/plugin/
# analyzer_plugin.go). This does what a newer language host does for kind=analyzer: node runs
# @pulumi/pulumi's run-policy-pack (ts-node, type-checked) on this directory, from this directory.
# policy/ is an npm workspace of the root package: its modules are hoisted into the root
# node_modules, so they are found by Node's resolution from here, as the CLI's own launcher does.
# Needs the root install (scripts/deps.sh, run by npm test and npm start) and Node >= 22 on PATH
# (scripts/env.sh).
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 22 ]; then
  echo "mesh-dr policy pack: needs Node >= 22 on PATH (found ${major}); source scripts/env.sh first" >&2
  exit 1
fi
cd "$dir"
if ! run=$(node -p 'require.resolve("@pulumi/policy") && require.resolve("@pulumi/pulumi/cmd/run-policy-pack")' 2>/dev/null); then
  echo "mesh-dr policy pack: dependencies missing; run: bash $(dirname "$dir")/scripts/deps.sh" >&2
  exit 1
fi
exec node "$run" "$@" "$dir"
