# What Kuma's global control plane creates at start-up, for a sandbox that runs no Kuma, sourced
# by scripts/sandbox.sh: Mesh `default`, the default policies of the new mesh and the global
# HostnameGenerators, on the global cluster only, stored as a Kubernetes-mode global CP stores
# them (the chart's webhooks in place), so that the program's `mesh.manage: patch` finds the
# same Mesh (and gives its fields back on destroy) as with a real global CP. Also the note at the
# end of such an `up`: what is therefore not checked, and how to install Kuma.
#
# Written from reading kumahq/kuma at tag v2.14.3 (no code of it is copied here):
# - pkg/defaults/components.go, pkg/defaults/mesh.go (EnsureDefaultMeshExists): unless
#   KUMA_DEFAULTS_SKIP_MESH_CREATION (false in the chart), the global CP creates Mesh `default`
#   with an empty spec when there is none, at every start: no mtls, no meshServices, nothing.
# - pkg/core/managers/apis/mesh/mesh_manager.go (Create) -> pkg/defaults/mesh/mesh.go
#   (EnsureDefaultMeshResources): for the new mesh, the policies mesh-timeout-all-<mesh>,
#   mesh-gateways-timeout-all-<mesh>, mesh-circuit-breaker-all-<mesh> and mesh-retry-all-<mesh>
#   in the system namespace (TrafficPermission/TrafficRoute only with
#   KUMA_DEFAULTS_CREATE_MESH_ROUTING_RESOURCES, false by default); specs in
#   pkg/defaults/mesh/meshtimeout.go, meshcircuitbreaker.go, meshretry.go with the durations of
#   pkg/plugins/policies/core/defaults/consts.go; labels as pkg/core/resources/labels/compute.go
#   computes them for a global CP on Kubernetes (kuma.io/mesh, k8s.kuma.io/namespace,
#   kuma.io/policy-role: system).
# - pkg/plugins/runtime/k8s/webhooks/owner_reference_mutator.go (the chart's mutating webhook,
#   deployments/charts/kuma/templates/cp-webhooks-and-secrets.yaml): each policy gets an
#   ownerReference to its Mesh.
# - pkg/plugins/runtime/k8s/controllers/mesh_controller.go: then the Mesh is annotated
#   k8s.kuma.io/mesh-defaults-generated: "true"; a Mesh with it never gets default policies
#   again (one an operator deleted stays deleted).
# - pkg/defaults/hostname_generator.go: the five synced-* HostnameGenerators of a global CP.
# Not reproduced, as no program reads them: the secrets a CP keeps for itself (the signing keys
# dataplane-token-signing-key-default-1 and zone-token-signing-key-1, the inter-CP CA) and what
# it computes while it runs (MeshInsight, zone insights).
#
# Kuma writes these with Get-then-Create (never overwriting one that exists) through its
# controller-runtime client, which the API server records as field manager kuma-cp, operation
# Update. So does this file: `kubectl create --field-manager=kuma-cp` of what is missing. It never
# changes an object that exists, so it cannot take back a field the program has patched.

KUMA_DEFAULTS_MANAGER=kuma-cp
KUMA_DEFAULTS_DONE=k8s.kuma.io/mesh-defaults-generated
KUMA_DEFAULTS_MADE="" # what kuma_defaults_up created

# kuma_defaults_up <global cluster>: what the global CP would have created, where it is missing
kuma_defaults_up() {
  local c=$1 uid
  KUMA_DEFAULTS_MADE=""
  if ! kc "$c" get mesh default -o name >/dev/null 2>&1; then
    kuma_defaults_create "$c" <<EOF
apiVersion: kuma.io/v1alpha1
kind: Mesh
metadata:
  name: default
spec: {}
EOF
  fi
  if [ "$(kc "$c" get mesh default -o "jsonpath={.metadata.annotations.${KUMA_DEFAULTS_DONE//./\\.}}")" != true ]; then
    uid=$(kc "$c" get mesh default -o 'jsonpath={.metadata.uid}')
    kuma_defaults_create "$c" < <(kuma_default_policies default "$uid")
    kc "$c" annotate mesh default "$KUMA_DEFAULTS_DONE=true" --field-manager="$KUMA_DEFAULTS_MANAGER" >/dev/null
  fi
  kuma_defaults_create "$c" < <(kuma_hostname_generators)
  if [ -n "$KUMA_DEFAULTS_MADE" ]; then
    log "$c: created as Kuma's global CP does at start-up:${KUMA_DEFAULTS_MADE//.kuma.io/}"
  else
    log "$c: Mesh default and the 5 HostnameGenerators of a global CP present (the default policies come with a new Mesh only, as with Kuma)"
  fi
}

# kuma_defaults_create <cluster>: create the objects on stdin that do not exist yet; adds the
# names of those created to KUMA_DEFAULTS_MADE
kuma_defaults_create() {
  local logf out
  logf=$(logfile_of "$1" kuma-defaults)
  if ! out=$(kc "$1" create --field-manager="$KUMA_DEFAULTS_MANAGER" -o name -f - 2>"$logf"); then
    if grep -v '(AlreadyExists)' "$logf" | grep -q .; then die_log "$logf" "$1: could not create Kuma's start-up defaults"; fi
  fi
  [ -z "$out" ] || KUMA_DEFAULTS_MADE+=" ${out//$'\n'/ }"
}

# kuma_default_policies <mesh> <mesh uid>: pkg/defaults/mesh/*.go at v2.14.3, as stored on Kubernetes
kuma_default_policies() {
  local mesh=$1 uid=$2 kind name
  for kind in MeshTimeout:mesh-timeout-all MeshTimeout:mesh-gateways-timeout-all \
    MeshCircuitBreaker:mesh-circuit-breaker-all MeshRetry:mesh-retry-all; do
    name=${kind#*:}-$mesh
    cat <<EOF
---
apiVersion: kuma.io/v1alpha1
kind: ${kind%%:*}
metadata:
  name: $name
  namespace: $GLOBAL_NAMESPACE
  labels: {kuma.io/mesh: $mesh, k8s.kuma.io/namespace: $GLOBAL_NAMESPACE, kuma.io/policy-role: system}
  ownerReferences: [{apiVersion: kuma.io/v1alpha1, kind: Mesh, name: $mesh, uid: $uid}]
spec:
EOF
    case ${kind#*:} in
      mesh-timeout-all) cat <<'EOF' ;;
  targetRef: {kind: Mesh, proxyTypes: [Sidecar]}
  from:
  - targetRef: {kind: Mesh}
    default:
      connectionTimeout: 10s
      idleTimeout: 2h0m0s
      http: {requestTimeout: 0s, streamIdleTimeout: 1h0m0s, maxStreamDuration: 0s}
  to:
  - targetRef: {kind: Mesh}
    default:
      connectionTimeout: 5s
      idleTimeout: 1h0m0s
      http: {requestTimeout: 15s, streamIdleTimeout: 30m0s}
EOF
      mesh-gateways-timeout-all) cat <<'EOF' ;;
  targetRef: {kind: Mesh, proxyTypes: [Gateway]}
  from:
  - targetRef: {kind: Mesh}
    default:
      idleTimeout: 5m0s
      http: {streamIdleTimeout: 5s, requestHeadersTimeout: 500ms}
  to:
  - targetRef: {kind: Mesh}
    default:
      idleTimeout: 1h0m0s
      http: {streamIdleTimeout: 5s}
EOF
      mesh-circuit-breaker-all) cat <<'EOF' ;;
  targetRef: {kind: Mesh}
  to:
  - targetRef: {kind: Mesh}
    default:
      connectionLimits: {maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3}
EOF
      mesh-retry-all) cat <<'EOF' ;;
  targetRef: {kind: Mesh}
  to:
  - targetRef: {kind: Mesh}
    default:
      tcp: {maxConnectAttempt: 5}
      http:
        numRetries: 5
        perTryTimeout: 16s
        backOff: {baseInterval: 25ms, maxInterval: 250ms}
      grpc:
        numRetries: 5
        perTryTimeout: 16s
        backOff: {baseInterval: 25ms, maxInterval: 250ms}
EOF
    esac
  done
}

# kuma_hostname_generators: pkg/defaults/hostname_generator.go at v2.14.3 (global CP), as stored
# on Kubernetes: in the system namespace, labelled by the defaulting webhook with it
kuma_hostname_generators() {
  local g name selector template
  for g in \
    'synced-mesh-multi-zone-service|meshMultiZoneService: {matchLabels: {kuma.io/origin: global}}|{{ .DisplayName }}.mzsvc.mesh.local' \
    'synced-kube-mesh-service|meshService: {matchLabels: {kuma.io/origin: global, k8s.kuma.io/is-headless-service: "false", kuma.io/env: kubernetes}}|{{ .DisplayName }}.{{ .Namespace }}.svc.{{ .Zone }}.mesh.local' \
    'synced-headless-kube-mesh-service|meshService: {matchLabels: {kuma.io/origin: global, k8s.kuma.io/is-headless-service: "true", kuma.io/env: kubernetes}}|{{ label "statefulset.kubernetes.io/pod-name" }}.{{ label "k8s.kuma.io/service-name" }}.{{ .Namespace }}.svc.{{ .Zone }}.mesh.local' \
    'synced-universal-mesh-service|meshService: {matchLabels: {kuma.io/origin: global, kuma.io/env: universal}}|{{ .DisplayName }}.svc.{{ .Zone }}.mesh.local' \
    'synced-mesh-external-service|meshExternalService: {matchLabels: {kuma.io/origin: global}}|{{ .DisplayName }}.extsvc.mesh.local'; do
    IFS='|' read -r name selector template <<<"$g"
    cat <<EOF
---
apiVersion: kuma.io/v1alpha1
kind: HostnameGenerator
metadata:
  name: $name
  namespace: $GLOBAL_NAMESPACE
  labels: {k8s.kuma.io/namespace: $GLOBAL_NAMESPACE}
spec:
  selector: {$selector}
  template: '$template'
EOF
  done
}

# The end of `up` without Kuma: what is not there, and how to get it.
kuma_absent_note() {
  local why="Kuma is not installed"
  [ "$KUMA_SETTING" != 0 ] || why="SANDBOX_KUMA=0"
  log "no Kuma control plane runs ($why). Not checked therefore: Kuma's admission (its webhooks), MeshServices (zone CPs generate them), the MeshMultiZoneService status, computed gateway routes; \`npm run dr -- status\` will say NOT READY"
  if kuma_installed; then
    log "Kuma is installed: unset SANDBOX_KUMA (or set it to 1) to run its control planes"
  else
    log "$(kuma_missing_message)"
  fi
}
