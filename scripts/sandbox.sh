#!/usr/bin/env bash
# Local Kubernetes sandbox for mesh-dr: one real control plane per cluster on 127.0.0.1, no
# container engine. Per cluster: kube-apiserver (TLS, client-certificate auth, RBAC, PodSecurity),
# kube-controller-manager, kube-scheduler and kwok with 2 fake Nodes (pods become Running/Ready
# with IPs, so Deployments become Available and Services get ready Endpoints). One etcd is shared
# by all clusters of a sandbox, each cluster under its own --etcd-prefix.
#
#   sandbox.sh up [cluster...]           start clusters (default: global zone1 zone2) and their Kuma
#                                        control planes; running ones are left alone (CRDs
#                                        re-applied only if the files changed)
#   sandbox.sh down [cluster...]         stop clusters (default: all, then the etcd too) and delete
#                                        their data (the index file stays: same ports next time)
#   sandbox.sh stop-apiserver <cluster>  stop only that cluster's kube-apiserver (zone outage);
#                                        its other components (kuma-cp too) are frozen (SIGSTOP)
#   sandbox.sh start-apiserver <cluster> start it again (same port, same data), thaw the others
#   sandbox.sh status                    one line per cluster: name, port, running components
#   sandbox.sh kubeconfig <cluster>      print the path of the cluster's admin kubeconfig
#   sandbox.sh gateway <zone>            after `pulumi up`: a stand-in for Kong Operator's gateway
#                                        pod in the zone, so its zone CP computes a gateway config
#
# Environment:
#   SANDBOX_DIR        where everything goes (default <repo>/.sandbox)
#   SANDBOX_PORT_BASE  first port (default 16443). Cluster with index i (assigned on its first
#                      `up`, stored in <dir>/<cluster>/index) uses base+10*i (kube-apiserver),
#                      +1 (kube-controller-manager), +2 (kube-scheduler), +3 (kwok); the shared
#                      etcd uses base+8 (client) and base+9 (peer); its kuma-cp uses
#                      base+1000+10*i+(0..7) (see scripts/sandbox/kuma.sh). A second sandbox needs
#                      its own SANDBOX_DIR and a SANDBOX_PORT_BASE at least 10*clusters away.
#   SANDBOX_GLOBAL     the cluster of the global control plane: it gets namespace kong-mesh-system
#                      and the global kuma-cp; every other cluster is a zone (default: global)
#   SANDBOX_KUMA       1 (default) = run Kuma control planes (scripts/sandbox/kuma.sh); 0 = none
#   SANDBOX_GLOBAL_MODE  kubernetes (default) or universal: the global kuma-cp in Universal mode,
#                      reached only through its API with a token (see scripts/sandbox/kuma.sh)
#   SANDBOX_KUMA_ENV   extra "KEY=VALUE ..." settings for every kuma-cp
#   SANDBOX_CRDS_DIR   CRD directory (default <repo>/.toolchain/crds, filled by toolchain.sh crds)
#   SANDBOX_SKIP_CRDS  1 = do not install CRDs
#   SANDBOX_TIMEOUT    seconds to wait for each readiness check (default 180)
#   SANDBOX_STOP_TIMEOUT  seconds between TERM and KILL when stopping a process (default 20)
#
# Layout of <dir>/<cluster>/: index, kubeconfig (context and cluster = cluster name, user
# <cluster>-admin in system:masters, embedded CA), pki/ (per-cluster CA, serving and client
# certificates, front-proxy CA, service-account key pair), kubeconfigs/ (one per component),
# run/*.pid, logs/*.log (crds.log: the CRD installation), ready (set when `up` finished), kuma/
# (the kuma-cp's certificates, kubeconfig, rendered chart, environment, kumactl.yaml).
# The shared etcd lives in <dir>/_etcd/ (data/, etcd.pid, etcd.log); a cluster's objects are the
# etcd keys under /sandbox/<cluster>/. Every process runs in its own session (setsid), so it
# outlives the shell that started it; only the pid files tell which processes are ours.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$SCRIPT_DIR/env.sh"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

SANDBOX_DIR="${SANDBOX_DIR:-$ROOT/.sandbox}"
mkdir -p "$SANDBOX_DIR"
SANDBOX_DIR="$(cd "$SANDBOX_DIR" && pwd)"
[[ "$SANDBOX_DIR" =~ [[:space:]] ]] && { echo "sandbox: SANDBOX_DIR must not contain white space: $SANDBOX_DIR" >&2; exit 2; }
PORT_BASE="${SANDBOX_PORT_BASE:-16443}"
CRDS_DIR="${SANDBOX_CRDS_DIR:-$ROOT/.toolchain/crds}"
CRD_SETS=(gateway-api kuma kong-operator)
TIMEOUT="${SANDBOX_TIMEOUT:-180}"
STOP_TIMEOUT="${SANDBOX_STOP_TIMEOUT:-20}"
KWOK_CONFIG="$SCRIPT_DIR/sandbox/kwok.yaml"
ETCD_DIR="$SANDBOX_DIR/_etcd"
ETCD_PORT=$((PORT_BASE + 8))
ETCD_PEER_PORT=$((PORT_BASE + 9))
ETCD_URL="http://127.0.0.1:$ETCD_PORT"
SERVICE_CIDR="10.96.0.0/16"
SERVICE_APISERVER_IP="10.96.0.1"
NODES_PER_CLUSTER=2
COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kwok)
GLOBAL_NAMESPACE=kong-mesh-system

# Kept below Linux's ephemeral port range (32768+): there any client socket may already hold one.
[[ "$PORT_BASE" =~ ^[0-9]+$ ]] && ((PORT_BASE >= 1024 && PORT_BASE <= 31000)) ||
  { echo "sandbox: SANDBOX_PORT_BASE must be a number in 1024..31000 (its Kuma ports stay below the ephemeral port range)" >&2; exit 2; }

# shellcheck source=sandbox/kuma.sh
source "$SCRIPT_DIR/sandbox/kuma.sh"

# ---------------------------------------------------------------------------------------------
# output helpers

T0=${EPOCHREALTIME/./}
elapsed() { local d=$(( (${EPOCHREALTIME/./} - T0) / 100000 )); printf '%d.%ds' $((d / 10)) $((d % 10)); }
log() { printf '[%7s] %s\n' "$(elapsed)" "$*" >&2; }
die() { printf 'sandbox: error: %s\n' "$*" >&2; exit 1; }
# die_log <log file> <message>: fail with the last 30 lines of a component's log
die_log() {
  local logf=$1; shift
  printf 'sandbox: error: %s\n' "$*" >&2
  if [ -f "$logf" ]; then
    printf -- '---- last 30 lines of %s ----\n' "$logf" >&2
    tail -n 30 "$logf" >&2 || true
    printf -- '---- end of %s ----\n' "$logf" >&2
  fi
  exit 1
}

# ---------------------------------------------------------------------------------------------
# clusters, ports, paths

valid_name() { [[ "$1" =~ ^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$ ]]; }
check_names() { local c; for c in "$@"; do valid_name "$c" || die "invalid cluster name '$c' (lower-case DNS label, <= 40 chars)"; done; }
cdir() { printf '%s/%s' "$SANDBOX_DIR" "$1"; }
kubeconfig_of() { printf '%s/%s/kubeconfig' "$SANDBOX_DIR" "$1"; }

# clusters known in this sandbox (every <dir>/<name>/index), in index order
known_clusters() {
  local f
  for f in "$SANDBOX_DIR"/*/index; do
    [ -f "$f" ] || continue
    printf '%s %s\n' "$(<"$f")" "$(basename "$(dirname "$f")")"
  done | sort -n | awk '{print $2}'
}

# index of a cluster; assigned (smallest free) on first use and kept, so ports are stable
cluster_index() {
  local c=$1 f
  f="$(cdir "$c")/index"
  if [ ! -s "$f" ]; then
    local used i=0
    used=" $(cat "$SANDBOX_DIR"/*/index 2>/dev/null | tr '\n' ' ' || true) "
    while [[ "$used" == *" $i "* ]]; do i=$((i + 1)); done
    mkdir -p "$(dirname "$f")"
    echo "$i" >"$f"
  fi
  cat "$f"
}

port_of() { # <cluster> <component>
  local base=$((PORT_BASE + 10 * $(cluster_index "$1")))
  case "$2" in
    kube-apiserver) echo "$base" ;;
    kube-controller-manager) echo $((base + 1)) ;;
    kube-scheduler) echo $((base + 2)) ;;
    kwok) echo $((base + 3)) ;;
    *) die "no port for $2" ;;
  esac
}

pidfile_of() { printf '%s/run/%s.pid' "$(cdir "$1")" "$2"; }
logfile_of() { printf '%s/logs/%s.log' "$(cdir "$1")" "$2"; }

# ---------------------------------------------------------------------------------------------
# processes

# pid_alive <pidfile>: the recorded process exists, is not a zombie, and belongs to this sandbox
pid_alive() {
  local pidf=$1 pid
  [ -s "$pidf" ] || return 1
  pid=$(<"$pidf")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  proc_alive "$pid"
}
proc_alive() {
  local pid=$1 st
  [ -r "/proc/$pid/stat" ] || return 1
  st=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$SANDBOX_DIR/"
}

port_in_use() { ss -Hltn "( sport = :$1 )" 2>/dev/null | grep -q .; }

# spawn <pidfile> <logfile> <binary> <args...>: start a daemon in its own session, detached from
# our stdio and lock, and record its pid. It outlives this run, so it gets the system temp folder,
# not the run's (scripts/env.sh), which goes when the run ends.
spawn() {
  local pidf=$1 logf=$2; shift 2
  mkdir -p "$(dirname "$pidf")" "$(dirname "$logf")"
  rm -f "$pidf"
  printf '\n==== %s starting: %s\n' "$(date -Is)" "$*" >>"$logf"
  (TMPDIR=$MESH_DR_SYSTEM_TMPDIR setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidf" "$@" \
    </dev/null >>"$logf" 2>&1 9>&- &)
  local i
  for i in $(seq 1 100); do
    [ -s "$pidf" ] && return 0
    sleep 0.05
  done
  die_log "$logf" "could not start $1"
}

# stop_pidfiles <pidfile...>: TERM all, wait up to STOP_TIMEOUT, then KILL; remove the pid files.
# Fails if a process is still there afterwards.
stop_pidfiles() {
  local pidf pids=() files=() pid
  for pidf in "$@"; do
    if pid_alive "$pidf"; then
      pid=$(<"$pidf")
      kill -TERM "$pid" 2>/dev/null || true
      kill -CONT "$pid" 2>/dev/null || true # a frozen process (stop-apiserver) must see the TERM
      pids+=("$pid"); files+=("$pidf")
    else
      rm -f "$pidf"
    fi
  done
  ((${#pids[@]})) || return 0
  local deadline=$((SECONDS + STOP_TIMEOUT)) left
  while :; do
    left=()
    for pid in "${pids[@]}"; do proc_alive "$pid" && left+=("$pid"); done
    ((${#left[@]})) || break
    if ((SECONDS >= deadline)); then
      log "still running after ${STOP_TIMEOUT}s, sending KILL to: ${left[*]}"
      for pid in "${left[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
      sleep 1
      left=()
      for pid in "${pids[@]}"; do proc_alive "$pid" && left+=("$pid"); done
      ((${#left[@]})) && die "processes did not exit: ${left[*]}"
      break
    fi
    sleep 0.2
  done
  rm -f "${files[@]}"
}

# wait_for <description> <pidfile or -> <logfile> <command...>: poll until the command succeeds;
# fail early (with the log) if the process died, or after TIMEOUT seconds
wait_for() {
  local what=$1 pidf=$2 logf=$3; shift 3
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if [ "$pidf" != - ] && ! pid_alive "$pidf"; then
      die_log "$logf" "$what: the process exited"
    fi
    ((SECONDS < deadline)) || die_log "$logf" "$what: not ready after ${TIMEOUT}s"
    sleep 0.3
  done
}

need_bins() {
  local b missing=()
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl openssl curl \
    $(kuma_enabled && echo kuma-cp kumactl); do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  ((${#missing[@]} == 0)) ||
    die "missing on PATH: ${missing[*]} (build them with: bash scripts/toolchain.sh)"
}

lock() {
  exec 9>"$SANDBOX_DIR/.lock"
  flock -w 900 9 || die "another sandbox.sh holds $SANDBOX_DIR/.lock"
}

kc() { # kc <cluster> <kubectl args...>
  local c=$1; shift
  kubectl --kubeconfig "$(kubeconfig_of "$c")" --cache-dir "$(cdir "$c")/.kube-cache" "$@"
}

# ---------------------------------------------------------------------------------------------
# etcd (shared)

etcd_healthy() { curl -sf --noproxy "*" --max-time 2 "$ETCD_URL/health" | grep -q '"health":"true"'; }

ensure_etcd() {
  local pidf="$ETCD_DIR/etcd.pid" logf="$ETCD_DIR/etcd.log"
  if pid_alive "$pidf"; then
    wait_for "etcd" "$pidf" "$logf" etcd_healthy
    return 0
  fi
  port_in_use "$ETCD_PORT" && die "port $ETCD_PORT (etcd) is in use by another process"
  port_in_use "$ETCD_PEER_PORT" && die "port $ETCD_PEER_PORT (etcd peer) is in use by another process"
  mkdir -p "$ETCD_DIR/data"
  chmod 700 "$ETCD_DIR/data"
  spawn "$pidf" "$logf" "$(command -v etcd)" \
    --name=sandbox \
    --data-dir="$ETCD_DIR/data" \
    --listen-client-urls="$ETCD_URL" \
    --advertise-client-urls="$ETCD_URL" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="sandbox=http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster-state=new \
    --unsafe-no-fsync \
    --max-request-bytes=10485760 \
    --quota-backend-bytes=4294967296 \
    --log-level=warn
  wait_for "etcd" "$pidf" "$logf" etcd_healthy
  log "etcd ready ($ETCD_URL)"
}

# etcd_delete_prefix <cluster>: drop all of a cluster's keys (through etcd's JSON gateway)
etcd_delete_prefix() {
  local prefix="/sandbox/$1/" end="/sandbox/$1" k e
  k=$(printf '%s' "$prefix" | base64 -w0)
  e=$(printf '%s0' "$end" | base64 -w0) # '/' + 1 = '0'
  curl -sf --noproxy "*" --max-time 30 -X POST "$ETCD_URL/v3/kv/deleterange" \
    -d "{\"key\":\"$k\",\"range_end\":\"$e\"}" >/dev/null
}

# ---------------------------------------------------------------------------------------------
# certificates and kubeconfigs

write_openssl_cnf() {
  cat >"$1" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP:127.0.0.1, IP:$SERVICE_APISERVER_IP
[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
EOF
}

# leaf <pki dir> <name> <subject> <extensions section>
leaf() {
  local d=$1 n=$2 subj=$3 ext=$4
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/$n.key" -out "$d/$n.csr" -subj "$subj" -config "$d/openssl.cnf" 2>/dev/null
  openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 3650 \
    -extfile "$d/openssl.cnf" -extensions "$ext" -out "$d/$n.crt" 2>/dev/null
  rm -f "$d/$n.csr"
}

gen_pki() {
  local c=$1 d
  d="$(cdir "$c")/pki"
  [ -f "$d/.complete" ] && return 0
  rm -rf "$d"; mkdir -p "$d"; chmod 700 "$d"
  write_openssl_cnf "$d/openssl.cnf"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/ca.key" -out "$d/ca.crt" -days 3650 -subj "/CN=sandbox-$c-ca" \
    -config "$d/openssl.cnf" -extensions v3_ca 2>/dev/null
  leaf "$d" apiserver "/CN=kube-apiserver" v3_server
  leaf "$d" admin "/O=system:masters/CN=sandbox-admin" v3_client
  # kube-controller-manager runs every controller with its own identity (see start_controller_manager)
  leaf "$d" kube-controller-manager "/O=system:masters/CN=system:kube-controller-manager" v3_client
  leaf "$d" kube-scheduler "/CN=system:kube-scheduler" v3_client
  leaf "$d" kwok "/O=system:masters/CN=kwok" v3_client
  # request-header (front proxy) CA: kube-controller-manager and kube-scheduler read it from the
  # extension-apiserver-authentication ConfigMap and log an error every minute when it is missing
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/front-proxy-ca.key" -out "$d/front-proxy-ca.crt" -days 3650 \
    -subj "/CN=sandbox-$c-front-proxy-ca" -config "$d/openssl.cnf" -extensions v3_ca 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/front-proxy-client.key" -out "$d/front-proxy-client.csr" \
    -subj "/CN=front-proxy-client" -config "$d/openssl.cnf" 2>/dev/null
  openssl x509 -req -in "$d/front-proxy-client.csr" -CA "$d/front-proxy-ca.crt" \
    -CAkey "$d/front-proxy-ca.key" -set_serial "0x$(openssl rand -hex 16)" -days 3650 \
    -extfile "$d/openssl.cnf" -extensions v3_client -out "$d/front-proxy-client.crt" 2>/dev/null
  rm -f "$d/front-proxy-client.csr"
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  chmod 600 "$d"/*.key
  touch "$d/.complete"
}

# write_kubeconfig <file> <cluster> <cert name in pki> <user name>
write_kubeconfig() {
  local f=$1 c=$2 n=$3 user=$4 d
  d="$(cdir "$c")/pki"
  mkdir -p "$(dirname "$f")"
  (umask 077 && cat >"$f.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $c
  cluster:
    server: https://127.0.0.1:$(port_of "$c" kube-apiserver)
    certificate-authority-data: $(base64 -w0 "$d/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$d/$n.crt")
    client-key-data: $(base64 -w0 "$d/$n.key")
contexts:
- name: $c
  context:
    cluster: $c
    user: $user
current-context: $c
preferences: {}
EOF
  )
  mv "$f.tmp" "$f"
}

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

# ---------------------------------------------------------------------------------------------
# components

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

proc_state() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }

# stop-apiserver freezes the cluster's other components (SIGSTOP) before it stops the apiserver
# and start-apiserver thaws them (SIGCONT) once the new one is ready: they reconnect at once (a
# Deployment scaled right after start-apiserver rolled out in 1.5s). Left running, they retry
# all through the outage and, by client-go's watch back-off (up to 30s, doubled by jitter), see
# the apiserver again only 30-90s after it is back (measured: 53s and 84s for that Deployment).
freeze_cluster() {
  local c=$1 comp pidf
  for comp in kube-controller-manager kube-scheduler kwok kuma-cp; do
    pidf=$(pidfile_of "$c" "$comp")
    pid_alive "$pidf" && kill -STOP "$(<"$pidf")" 2>/dev/null || true
  done
}
thaw_cluster() {
  local c=$1 comp pidf
  for comp in kube-controller-manager kube-scheduler kwok kuma-cp; do
    pidf=$(pidfile_of "$c" "$comp")
    pid_alive "$pidf" && kill -CONT "$(<"$pidf")" 2>/dev/null || true
  done
}

# ---------------------------------------------------------------------------------------------
# CRDs

crd_files() {
  local s
  for s in "${CRD_SETS[@]}"; do
    find "$CRDS_DIR/$s" -maxdepth 1 -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) 2>/dev/null
  done | sort
}

check_crd_dirs() {
  local s missing=()
  for s in "${CRD_SETS[@]}"; do
    [ -n "$(find "$CRDS_DIR/$s" -maxdepth 1 -type f -name '*.y*ml' 2>/dev/null | head -n1)" ] || missing+=("$s")
  done
  ((${#missing[@]})) || return 0
  if [ -z "${SANDBOX_CRDS_DIR:-}" ] && [ -f "$ROOT/scripts/toolchain.sh" ]; then
    log "CRDs missing (${missing[*]}): running scripts/toolchain.sh crds"
    bash "$ROOT/scripts/toolchain.sh" crds >&2 || die "scripts/toolchain.sh crds failed"
    missing=()
    for s in "${CRD_SETS[@]}"; do
      [ -n "$(find "$CRDS_DIR/$s" -maxdepth 1 -type f -name '*.y*ml' 2>/dev/null | head -n1)" ] || missing+=("$s")
    done
    ((${#missing[@]})) || return 0
  fi
  die "no CRD files in $CRDS_DIR/{${missing[*]// /,}} (run: bash scripts/toolchain.sh crds; or SANDBOX_SKIP_CRDS=1)"
}

# install_crds <cluster> <checksum>: server-side apply + wait Established; output to crds.log
install_crds() {
  local c=$1 sum=$2 d s args=() names
  d=$(cdir "$c")
  for s in "${CRD_SETS[@]}"; do args+=(-f "$CRDS_DIR/$s"); done
  names=$(kc "$c" apply --server-side --force-conflicts --field-manager=sandbox "${args[@]}" -o name) || return 1
  printf '%s\n' "$names"
  names=$(printf '%s\n' "$names" | grep '^customresourcedefinition' | sed 's|^[^/]*/||' || true)
  # not `kubectl wait`: it fails instead of waiting while a new CRD has no status.conditions yet
  local deadline=$((SECONDS + TIMEOUT)) pending
  while [ -n "$names" ]; do
    # shellcheck disable=SC2086
    pending=$(kc "$c" get crd $names -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Established")].status}{"\n"}{end}' |
      awk '$2 != "True" {print $1}') || pending=$names
    [ -z "$pending" ] && break
    if ((SECONDS >= deadline)); then
      echo "not Established after ${TIMEOUT}s: $pending"
      return 1
    fi
    sleep 0.3
  done
  # shellcheck disable=SC2086
  [ -z "$names" ] || printf '%s condition met\n' $names
  echo "$sum" >"$d/crds.sum"
}

install_all_crds() {
  local c sum pids=() todo=() rc=0 i
  sum=$(crd_files | xargs -r cat | md5sum | cut -d' ' -f1)
  for c in "$@"; do
    [ "$(cat "$(cdir "$c")/crds.sum" 2>/dev/null)" = "$sum" ] && continue
    todo+=("$c")
  done
  ((${#todo[@]})) || return 0
  log "installing $(crd_files | wc -l) CRD files on: ${todo[*]}"
  for c in "${todo[@]}"; do
    install_crds "$c" "$sum" >"$(logfile_of "$c" crds)" 2>&1 &
    pids+=($!)
  done
  for i in "${!todo[@]}"; do
    if wait "${pids[$i]}"; then
      log "${todo[$i]}: $(grep -c ' condition met$' "$(logfile_of "${todo[$i]}" crds)") CRDs Established"
    else
      rc=1
      printf 'sandbox: error: %s: CRD installation failed\n---- last 30 lines of %s ----\n' \
        "${todo[$i]}" "$(logfile_of "${todo[$i]}" crds)" >&2
      tail -n 30 "$(logfile_of "${todo[$i]}" crds)" >&2
    fi
  done
  ((rc == 0)) || exit 1
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

# ---------------------------------------------------------------------------------------------
# commands

cmd_up() {
  local clusters=("$@")
  ((${#clusters[@]})) || clusters=("$KUMA_GLOBAL_CLUSTER" zone1 zone2)
  check_names "${clusters[@]}"
  local global=$KUMA_GLOBAL_CLUSTER
  check_names "$global"
  need_bins
  [ -f "$KWOK_CONFIG" ] || die "missing $KWOK_CONFIG"
  [ "${SANDBOX_SKIP_CRDS:-0}" = 1 ] || check_crd_dirs
  lock
  log "sandbox $SANDBOX_DIR: up ${clusters[*]}"

  local c comp todo=()
  for c in "${clusters[@]}"; do
    cluster_index "$c" >/dev/null
    if cluster_running "$c" && [ -f "$(cdir "$c")/ready" ]; then
      log "$c: already running (https://127.0.0.1:$(port_of "$c" kube-apiserver))"
    else
      todo+=("$c")
    fi
  done

  if ((${#todo[@]})); then
    ensure_etcd
    local pids=() fresh=() i
    for c in "${todo[@]}"; do
      rm -f "$(cdir "$c")/ready"
      mkdir -p "$(cdir "$c")/logs"
      if [ -f "$(cdir "$c")/pki/.complete" ]; then fresh+=(0); else fresh+=(1); fi
      gen_pki "$c" >"$(logfile_of "$c" pki)" 2>&1 & pids+=($!)
    done
    for i in "${!todo[@]}"; do
      wait "${pids[$i]}" || die_log "$(logfile_of "${todo[$i]}" pki)" "${todo[$i]}: certificate generation failed"
    done
    for i in "${!todo[@]}"; do prepare_cluster "${todo[$i]}" "${fresh[$i]}"; done
    for c in "${todo[@]}"; do
      if ! component_running "$c" kube-apiserver; then
        start_apiserver "$c"
        log "$c: kube-apiserver starting on https://127.0.0.1:$(port_of "$c" kube-apiserver)"
      fi
    done
    for c in "${todo[@]}"; do
      wait_component "$c" kube-apiserver
      log "$c: kube-apiserver ready"
      thaw_cluster "$c"
    done
    for c in "${todo[@]}"; do
      for comp in kube-controller-manager kube-scheduler kwok; do
        component_running "$c" "$comp" || start_component "$c" "$comp"
      done
      ensure_nodes "$c"
    done
    for c in "${todo[@]}"; do
      for comp in kube-controller-manager kube-scheduler kwok; do wait_component "$c" "$comp"; done
      log "$c: kube-controller-manager, kube-scheduler, kwok healthy"
    done
    for c in "${todo[@]}"; do
      wait_for "$c: default ServiceAccount (serviceaccount controller)" \
        "$(pidfile_of "$c" kube-controller-manager)" "$(logfile_of "$c" kube-controller-manager)" \
        default_sa_exists "$c"
      wait_for "$c: fake nodes Ready" "$(pidfile_of "$c" kwok)" "$(logfile_of "$c" kwok)" \
        nodes_ready "$c"
      log "$c: default ServiceAccount present, $NODES_PER_CLUSTER fake nodes Ready"
    done
  fi
  # CRDs: on the clusters just started, and on running ones whose CRD files changed since
  if [ "${SANDBOX_SKIP_CRDS:-0}" != 1 ]; then
    local crd_targets=()
    for c in "${clusters[@]}"; do cluster_running "$c" && crd_targets+=("$c"); done
    ((${#crd_targets[@]} == 0)) || install_all_crds "${crd_targets[@]}"
  fi
  for c in "${todo[@]}"; do touch "$(cdir "$c")/ready"; done

  if cluster_running "$global"; then
    ensure_system_namespace "$global"
    log "$global: namespace $GLOBAL_NAMESPACE present (global cluster)"
  elif [[ " ${clusters[*]} " == *" $global "* ]]; then
    log "warning: global cluster $global is not running; namespace $GLOBAL_NAMESPACE not ensured"
  fi
  if kuma_enabled; then kuma_up "${clusters[@]}"; fi
  for c in "${clusters[@]}"; do
    log "$c: https://127.0.0.1:$(port_of "$c" kube-apiserver)  kubeconfig $(kubeconfig_of "$c")"
  done
  log "up done in $(elapsed)"
}

cmd_down() {
  local clusters=("$@") all=0 c comp pidfs=()
  if ((${#clusters[@]} == 0)); then
    all=1
    mapfile -t clusters < <(known_clusters)
  fi
  check_names "${clusters[@]}"
  lock
  log "sandbox $SANDBOX_DIR: down ${clusters[*]:-(no clusters)}"
  # remember every pid we are about to stop, to verify afterwards
  local recorded=()
  for c in "${clusters[@]}"; do
    for comp in kuma-cp kwok kube-scheduler kube-controller-manager kube-apiserver; do
      pidfs+=("$(pidfile_of "$c" "$comp")")
      pid_alive "$(pidfile_of "$c" "$comp")" && recorded+=("$(<"$(pidfile_of "$c" "$comp")")")
    done
  done
  stop_pidfiles "${pidfs[@]}"
  for c in "${clusters[@]}"; do
    if ((!all)) && pid_alive "$ETCD_DIR/etcd.pid"; then
      etcd_delete_prefix "$c" || log "warning: could not delete etcd keys of $c"
    fi
    # keep only the index (stable ports); everything else is data
    local d; d=$(cdir "$c")
    if [ -d "$d" ]; then
      find "$d" -mindepth 1 -maxdepth 1 ! -name index -exec rm -rf {} +
    fi
    log "$c: stopped, data removed"
  done
  local others=0
  for c in $(known_clusters); do cluster_any_running "$c" && others=1; done
  if ((all || !others)); then
    pid_alive "$ETCD_DIR/etcd.pid" && recorded+=("$(<"$ETCD_DIR/etcd.pid")")
    stop_pidfiles "$ETCD_DIR/etcd.pid"
    rm -rf "$ETCD_DIR"
    log "etcd stopped, data removed"
  fi
  local pid left=()
  for pid in "${recorded[@]}"; do [ -d "/proc/$pid" ] && proc_alive "$pid" && left+=("$pid"); done
  ((${#left[@]} == 0)) || die "still running: ${left[*]}"
  log "down done in $(elapsed)"
}

cmd_stop_apiserver() {
  local c=${1:-}
  [ -n "$c" ] || die "usage: sandbox.sh stop-apiserver <cluster>"
  check_names "$c"
  [ -f "$(cdir "$c")/index" ] || die "unknown cluster $c"
  lock
  # freeze first, so that they never see the apiserver going away (and back off)
  freeze_cluster "$c"
  if component_running "$c" kube-apiserver; then
    stop_pidfiles "$(pidfile_of "$c" kube-apiserver)"
    log "$c: kube-apiserver stopped (port $(port_of "$c" kube-apiserver))"
  else
    log "$c: kube-apiserver was not running"
  fi
  log "$c: kube-controller-manager, kube-scheduler, kwok frozen until start-apiserver"
}

cmd_start_apiserver() {
  local c=${1:-}
  [ -n "$c" ] || die "usage: sandbox.sh start-apiserver <cluster>"
  check_names "$c"
  [ -f "$(cdir "$c")/pki/.complete" ] || die "cluster $c was never started (use: sandbox.sh up $c)"
  need_bins
  lock
  ensure_etcd
  if component_running "$c" kube-apiserver; then
    log "$c: kube-apiserver already running"
  else
    start_apiserver "$c"
    log "$c: kube-apiserver starting on https://127.0.0.1:$(port_of "$c" kube-apiserver)"
  fi
  wait_component "$c" kube-apiserver
  log "$c: kube-apiserver ready in $(elapsed)"
  thaw_cluster "$c"
  # one that died meanwhile is restarted
  local comp
  for comp in kube-controller-manager kube-scheduler kwok; do
    if ! component_running "$c" "$comp"; then
      log "$c: $comp was not running (last lines of its log below); restarting it"
      tail -n 5 "$(logfile_of "$c" "$comp")" >&2 || true
      start_component "$c" "$comp"
      wait_component "$c" "$comp"
    fi
  done
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

cmd_status() {
  local c comp running rss pid etcd=""
  pid_alive "$ETCD_DIR/etcd.pid" && etcd="etcd"
  local any=0
  for c in $(known_clusters); do
    [ -f "$(kubeconfig_of "$c")" ] || continue # taken down: only its index is left
    any=1
    running=() rss=0
    [ -n "$etcd" ] && running+=(etcd)
    for comp in "${COMPONENTS[@]}" kuma-cp; do
      if component_running "$c" "$comp"; then
        pid=$(<"$(pidfile_of "$c" "$comp")")
        if [ "$(proc_state "$pid")" = T ]; then running+=("$comp(frozen)"); else running+=("$comp"); fi
        rss=$((rss + $(rss_kib "$pid")))
      fi
    done
    local list; list=$(IFS=,; echo "${running[*]:-}")
    printf '%s port=%s running=%s rss=%dMiB' "$c" "$(port_of "$c" kube-apiserver)" "${list:-none}" $((rss / 1024))
    component_running "$c" kuma-cp && printf ' kuma-%s-api=http://127.0.0.1:%s' "$(kuma_role "$c")" "$(kuma_port "$c" api)"
    echo
  done
  ((any)) || echo "sandbox: no clusters in $SANDBOX_DIR" >&2
  if [ -n "$etcd" ]; then
    echo "sandbox: shared etcd $ETCD_URL rss=$(( $(rss_kib "$(<"$ETCD_DIR/etcd.pid")") / 1024 ))MiB" >&2
  fi
}

cmd_kubeconfig() {
  local c=${1:-}
  [ -n "$c" ] || die "usage: sandbox.sh kubeconfig <cluster>"
  check_names "$c"
  [ -f "$(kubeconfig_of "$c")" ] || die "no kubeconfig for $c (run: sandbox.sh up $c)"
  kubeconfig_of "$c"
  echo
}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; }

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    stop-apiserver) cmd_stop_apiserver "$@" ;;
    start-apiserver) cmd_start_apiserver "$@" ;;
    status) cmd_status ;;
    kubeconfig) cmd_kubeconfig "$@" ;;
    gateway)
      [ $# = 1 ] || die "usage: sandbox.sh gateway <zone>"
      check_names "$1"; kuma_enabled || die "the gateway stand-in needs Kuma (SANDBOX_KUMA=1)"
      component_running "$1" kuma-cp || die "$1: no kuma-cp running (run: sandbox.sh up)"
      kuma_gateway "$1" ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
