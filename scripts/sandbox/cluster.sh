# One cluster's Kubernetes, sourced by scripts/sandbox.sh: kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok (start, wait until healthy), its fake Nodes, which components run, the
# outage freeze (SIGSTOP) and thaw, and the control planes' system namespace.

prepare_cluster() { # <cluster> <fresh: 1 = never started since its last down>
  local c=$1 fresh=$2 d
  d=$(cdir "$c")
  mkdir -p "$d/run" "$d/logs"
  gen_pki "$c"
  write_kubeconfig "$d/kubeconfig" "$c" admin "$c-admin"
  local comp
  for comp in kube-controller-manager kube-scheduler kwok; do
    write_kubeconfig "$d/kubeconfigs/$comp.kubeconfig" "$c" "$comp" "$comp"
  done
  # a new cluster must not inherit keys of an earlier cluster of the same name (e.g. one taken
  # down while etcd was not running)
  if ((fresh)); then etcd_delete_prefix "$c" || die "could not clear etcd prefix of $c"; fi
}

start_apiserver() {
  local c=$1 d port
  d=$(cdir "$c"); port=$(port_of "$c" kube-apiserver)
  port_in_use "$port" && die "$c: port $port (kube-apiserver) is in use by another process"
  # --endpoint-reconciler-type=none: the `kubernetes` Service cannot get 127.0.0.1 as endpoint
  # (Endpoints reject loopback addresses) and no pod ever calls the API through it here.
  # --shutdown-send-retry-after: on TERM, drain short requests then close the open watches after
  # 2s; by default the apiserver waits the whole --request-timeout (60s) for watch connections.
  spawn "$(pidfile_of "$c" kube-apiserver)" "$(logfile_of "$c" kube-apiserver)" \
    "$(command -v kube-apiserver)" \
    --etcd-servers="$ETCD_URL" \
    --etcd-prefix="/sandbox/$c" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="$port" \
    --endpoint-reconciler-type=none \
    --shutdown-send-retry-after=true \
    --tls-cert-file="$d/pki/apiserver.crt" \
    --tls-private-key-file="$d/pki/apiserver.key" \
    --client-ca-file="$d/pki/ca.crt" \
    --requestheader-client-ca-file="$d/pki/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$d/pki/front-proxy-client.crt" \
    --proxy-client-key-file="$d/pki/front-proxy-client.key" \
    --authorization-mode=RBAC \
    --anonymous-auth=true \
    --allow-privileged=true \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$d/pki/sa.pub" \
    --service-account-signing-key-file="$d/pki/sa.key" \
    --profiling=false \
    --event-ttl=1h
}

# Flags the controller manager and the scheduler share: one kubeconfig for everything, health
# endpoint on loopback, no leader election (one replica). Word-split on purpose: SANDBOX_DIR has no
# white space (checked at start-up).
control_plane_flags() {
  local kcfg=$1 port=$2
  echo --kubeconfig="$kcfg" --authentication-kubeconfig="$kcfg" --authorization-kubeconfig="$kcfg" \
    --bind-address=127.0.0.1 --secure-port="$port" --leader-elect=false --profiling=false
}

start_controller_manager() {
  local c=$1 d port kcfg
  d=$(cdir "$c"); port=$(port_of "$c" kube-controller-manager)
  kcfg="$d/kubeconfigs/kube-controller-manager.kubeconfig"
  port_in_use "$port" && die "$c: port $port (kube-controller-manager) is in use by another process"
  # --node-monitor-grace-period=10m: during stop-apiserver (a zone outage) nobody renews the fake
  # Nodes' Leases; with the default 50s the node lifecycle controller marks them NotReady right
  # after the restart (from its stale cache) and taints them, and new pods wait until kwok has
  # re-initialised the Nodes. The zone's "kubelets" are healthy in that scenario, so outages up
  # to 10 minutes leave Node status alone.
  # --use-service-account-credentials=false: with per-controller ServiceAccount tokens the
  # controller manager exits (klog.Fatal in ConfigOrDie) when the apiserver is unreachable while
  # it starts its controllers, e.g. a stop-apiserver right after `up`.
  # shellcheck disable=SC2046 # control_plane_flags is split on purpose (see there)
  spawn "$(pidfile_of "$c" kube-controller-manager)" "$(logfile_of "$c" kube-controller-manager)" \
    "$(command -v kube-controller-manager)" \
    $(control_plane_flags "$kcfg" "$port") \
    --node-monitor-grace-period=10m \
    --controllers='*,-service-lb-controller,-cloud-node-lifecycle-controller,-node-route-controller' \
    --use-service-account-credentials=false \
    --service-account-private-key-file="$d/pki/sa.key" \
    --root-ca-file="$d/pki/ca.crt" \
    --cluster-signing-cert-file="$d/pki/ca.crt" \
    --cluster-signing-key-file="$d/pki/ca.key" \
    --cluster-name="$c"
}

start_scheduler() {
  local c=$1 d port kcfg
  d=$(cdir "$c"); port=$(port_of "$c" kube-scheduler)
  kcfg="$d/kubeconfigs/kube-scheduler.kubeconfig"
  port_in_use "$port" && die "$c: port $port (kube-scheduler) is in use by another process"
  # shellcheck disable=SC2046 # control_plane_flags is split on purpose (see there)
  spawn "$(pidfile_of "$c" kube-scheduler)" "$(logfile_of "$c" kube-scheduler)" \
    "$(command -v kube-scheduler)" \
    $(control_plane_flags "$kcfg" "$port")
}

start_kwok() {
  local c=$1 d port idx
  d=$(cdir "$c"); port=$(port_of "$c" kwok); idx=$(cluster_index "$c")
  port_in_use "$port" && die "$c: port $port (kwok) is in use by another process"
  spawn "$(pidfile_of "$c" kwok)" "$(logfile_of "$c" kwok)" \
    "$(command -v kwok)" \
    --config="$KWOK_CONFIG" \
    --kubeconfig="$d/kubeconfigs/kwok.kubeconfig" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr="10.$((100 + idx % 150)).0.1/16" \
    --node-ip="10.$((100 + idx % 150)).255.254" \
    --node-lease-duration-seconds=40 \
    --server-address="127.0.0.1:$port"
}

start_component() { # <cluster> <component>
  case "$2" in
    kube-apiserver) start_apiserver "$1" ;;
    kube-controller-manager) start_controller_manager "$1" ;;
    kube-scheduler) start_scheduler "$1" ;;
    kwok) start_kwok "$1" ;;
  esac
}

apiserver_ready() {
  local c=$1 d
  d="$(cdir "$c")/pki"
  curl -sf --noproxy "*" --max-time 5 --cacert "$d/ca.crt" --cert "$d/admin.crt" --key "$d/admin.key" \
    "https://127.0.0.1:$(port_of "$c" kube-apiserver)/readyz" | grep -qx ok
}
https_healthz() { curl -skf --noproxy "*" --max-time 5 "https://127.0.0.1:$1/healthz" | grep -qx ok; }
http_healthz() { curl -sf --noproxy "*" --max-time 5 "http://127.0.0.1:$1/healthz" | grep -qx ok; }
default_sa_exists() { kc "$1" -n default get serviceaccount default -o name; }

wait_component() { # <cluster> <component>
  local c=$1 comp=$2 pidf logf
  pidf=$(pidfile_of "$c" "$comp"); logf=$(logfile_of "$c" "$comp")
  case "$comp" in
    kube-apiserver) wait_for "$c: kube-apiserver" "$pidf" "$logf" apiserver_ready "$c" ;;
    kube-controller-manager | kube-scheduler)
      wait_for "$c: $comp" "$pidf" "$logf" https_healthz "$(port_of "$c" "$comp")" ;;
    kwok) wait_for "$c: kwok" "$pidf" "$logf" http_healthz "$(port_of "$c" kwok)" ;;
  esac
}

node_names() { local i; for i in $(seq 1 "$NODES_PER_CLUSTER"); do echo "$1-node-$i"; done; }

ensure_nodes() {
  local c=$1 idx n i=0 missing=()
  idx=$(cluster_index "$c")
  for n in $(node_names "$c"); do
    kc "$c" get node "$n" -o name >/dev/null 2>&1 || missing+=("$n")
  done
  ((${#missing[@]})) || return 0
  for n in $(node_names "$c"); do
    i=$((i + 1))
    [[ " ${missing[*]} " == *" $n "* ]] || continue
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $n
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: $n
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    topology.kubernetes.io/region: sandbox
    topology.kubernetes.io/zone: $c
spec:
  podCIDR: 10.$((100 + idx % 150)).$i.0/24
  podCIDRs: [10.$((100 + idx % 150)).$i.0/24]
status:
  addresses:
  - type: InternalIP
    address: 10.$((100 + idx % 150)).255.$i
  - type: Hostname
    address: $n
  allocatable: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
  capacity: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
EOF
  done | kc "$c" create -f - >/dev/null
}

nodes_ready() {
  local c=$1 n
  for n in $(node_names "$c"); do
    [ "$(kc "$c" get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = True ] || return 1
  done
}

component_running() { pid_alive "$(pidfile_of "$1" "$2")"; }

cluster_running() {
  local c=$1 comp
  pid_alive "$ETCD_DIR/etcd.pid" || return 1
  for comp in "${COMPONENTS[@]}"; do component_running "$c" "$comp" || return 1; done
}

cluster_any_running() {
  local c=$1 comp
  for comp in "${COMPONENTS[@]}" kuma-cp; do component_running "$c" "$comp" && return 0; done
  return 1
}


# stop-apiserver freezes the cluster's other components (SIGSTOP) before it stops the apiserver
# and start-apiserver thaws them (SIGCONT) once the new one is ready: they reconnect at once (a
# Deployment scaled right after start-apiserver rolled out in 1.5s). Left running, they retry
# all through the outage and, by client-go's watch back-off (up to 30s, doubled by jitter), see
# the apiserver again only 30-90s after it is back (measured: 53s and 84s for that Deployment).
freeze_cluster() { signal_cluster "$1" STOP; }
thaw_cluster() { signal_cluster "$1" CONT; }
signal_cluster() { # <cluster> <signal>: to every running component but the apiserver
  local c=$1 sig=$2 comp pidf
  for comp in kube-controller-manager kube-scheduler kwok kuma-cp; do
    pidf=$(pidfile_of "$c" "$comp")
    if pid_alive "$pidf"; then kill "-$sig" "$(<"$pidf")" 2>/dev/null || true; fi
  done
}

# The control planes' system namespace. Labelled as the chart's namespace template does: never
# injected, and (the label existing) inside the namespaceSelector of Kuma's validating webhook.
ensure_system_namespace() {
  kc "$1" apply --server-side --field-manager=sandbox -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $GLOBAL_NAMESPACE
  labels: {kuma.io/sidecar-injection: disabled}
EOF
}
