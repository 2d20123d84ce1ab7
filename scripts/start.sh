#!/usr/bin/env bash
# `npm start`: from a fresh clone to a converged two-zone sandbox, with nothing installed by hand.
# Node 22, dependencies, the offline toolchain, the local clusters, a local state backend,
# then `pulumi up` of the `sandbox` stack. Running it again converges with no changes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
started=$SECONDS

step() { echo; echo "==> $* ($((SECONDS - started))s)"; }

step "npm packages"
bash scripts/deps.sh

step "toolchain (pulumi, kubernetes provider, kube-apiserver, etcd, kwok; Kuma if installed)"
bash scripts/toolchain.sh

# The sandbox's clusters: the global control plane's own, then the zones of Pulumi.sandbox.yaml.
mapfile -t clusters < <(node -e '
  const cfg = require("yaml").parse(require("fs").readFileSync("Pulumi.sandbox.yaml", "utf8")).config;
  console.log("global");
  for (const z of cfg["mesh-dr:zones"]) console.log(z.name);')
step "sandbox clusters: ${clusters[*]}"
bash scripts/sandbox.sh up "${clusters[@]}"

# A local file backend: state stays in this clone, outside git. Where, from the file the DR tool
# reads too (dr/backend.ts), so that it finds this stack by itself.
read -r stack state_dir passphrase < <(node -p 'const b = require("./scripts/sandbox-backend.json"); [b.stack, b.stateDir, b.passphrase].join(" ")')
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$ROOT/$state_dir}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-$passphrase}"
mkdir -p "$ROOT/$state_dir"
step "pulumi up (stack $stack, backend $PULUMI_BACKEND_URL)"
pulumi stack select --create "$stack" --non-interactive >/dev/null
# --refresh: `npm run sandbox:down` wipes the clusters, and the state must notice before it converges.
pulumi up --stack "$stack" --yes --non-interactive --skip-preview --suppress-progress --refresh

# Kuma control planes run when Kuma is installed (scripts/toolchain/kuma.sh).
kuma=false
# Read whole, not piped into grep -q: pipefail would take the early exit's SIGPIPE for a failure.
sandbox_status=$(bash scripts/sandbox.sh status 2>/dev/null)
[[ "$sandbox_status" == *" kuma-global-api="* ]] && kuma=true
if $kuma; then
  step "gateway stand-ins (Kong Operator does not run offline), so each zone CP computes a gateway config"
  for c in "${clusters[@]:1}"; do bash scripts/sandbox.sh gateway "$c"; done
fi

step "stack outputs"
pulumi stack output --stack "$stack" --json

echo
echo "Done in $((SECONDS - started))s."
if ! $kuma; then
  cat <<MSG

No Kuma control plane runs: $([ -x .toolchain/bin/kuma-cp ] && echo "SANDBOX_KUMA=${SANDBOX_KUMA:-} turned them off" || echo "Kuma is not installed"). The stack is deployed to real kube-apiservers
with the real CRDs, but nothing checks what only Kuma does: its admission of our objects, the
MeshServices it generates, the MMZS status, the gateways' computed routes. So
\`npm run dr -- status --stack sandbox\` says NOT READY. To run the real control planes:
  $(kuma_missing_message)
then run npm start again.
MSG
fi
cat <<MSG

Look around (source scripts/env.sh first, to have kubectl$($kuma && echo " and kumactl") on PATH):
  kubectl --kubeconfig .sandbox/zone1/kubeconfig -n kong get pods,services,deployments,httproutes
  kubectl --kubeconfig .sandbox/global/kubeconfig -n kong-mesh-system get meshmultizoneservices,meshretries,meshhealthchecks
MSG
$kuma && cat <<MSG
  kubectl --kubeconfig .sandbox/zone1/kubeconfig -n kong get meshservices,dataplanes
  kumactl --config-file .sandbox/global/kuma/kumactl.yaml inspect zones
  kumactl --config-file .sandbox/zone1/kuma/kumactl.yaml get meshmultizoneservices -o yaml   (status: the zone's view)
  kumactl --config-file .sandbox/zone1/kuma/kumactl.yaml inspect dataplanes
  kumactl --config-file .sandbox/zone1/kuma/kumactl.yaml inspect dataplane kong-gateway-standin.kong --type config   (the gateway's Envoy config)
MSG
cat <<MSG
  npm run sandbox:status     (every cluster and control plane, with ports and memory)

Preview a change:   PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE=$PULUMI_CONFIG_PASSPHRASE bash scripts/env.sh pulumi preview --stack $stack --diff
Destroy the stack:  PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE=$PULUMI_CONFIG_PASSPHRASE bash scripts/env.sh pulumi destroy --stack $stack --yes
  (scripts/env.sh runs pulumi with the toolchain and a temp folder of its own, removed when it
  ends: the Kubernetes provider leaves a copy of each kubeconfig, keys included, in TMPDIR)
Stop the clusters and control planes:  npm run sandbox:down
MSG
