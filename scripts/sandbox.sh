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
#   SANDBOX_KUMA       auto (default, also when unset) = run Kuma control planes (scripts/sandbox/
#                      kuma.sh) iff Kuma is installed: .toolchain/bin/kuma-cp and kumactl, which
#                      scripts/toolchain.sh links there once it has checked they are Kuma 2.14.x;
#                      1 = Kuma required (up fails at once when it is not installed); 0 = none.
#                      Without Kuma, the global cluster gets Mesh `default` and its default
#                      policies as Kuma's global CP creates them (scripts/sandbox/kuma-defaults.sh).
#   SANDBOX_GLOBAL_MODE  kubernetes (default) or universal: the global kuma-cp in Universal mode,
#                      reached only through its API with a token (see scripts/sandbox/kuma.sh)
#   SANDBOX_KUMA_PROFILE  dr (default) = every kuma-cp runs the control-plane DR profile
#                      (docs/failover.md, components/cp-profile.ts); default = Kuma's own settings
#   SANDBOX_KUMA_ENV   extra "KEY=VALUE ..." settings for every kuma-cp (after the profile's)
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
# Code: this file holds the settings and the commands; scripts/sandbox/ the rest, one concern a
# file: lib.sh (output, layout, processes), etcd.sh, pki.sh, cluster.sh (the Kubernetes
# components, fake Nodes, freeze/thaw), crds.sh, kuma.sh (the Kuma control planes),
# kuma-proxies.sh (the stand-in pods their zone CPs turn into proxies), kuma-defaults.sh
# (without them: what Kuma's global CP creates at start-up).

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$SCRIPT_DIR/env.sh"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

SANDBOX_DIR="${SANDBOX_DIR:-$ROOT/.sandbox}"
mkdir -p "$SANDBOX_DIR"
SANDBOX_DIR="$(cd "$SANDBOX_DIR" && pwd)"
[[ "$SANDBOX_DIR" =~ [[:space:]] ]] && { echo "sandbox: SANDBOX_DIR must not contain white space: $SANDBOX_DIR" >&2; exit 2; }
PORT_BASE="${SANDBOX_PORT_BASE:-16443}"
# Kept below Linux's ephemeral port range (32768+): there any client socket may already hold one.
{ [[ "$PORT_BASE" =~ ^[0-9]+$ ]] && ((PORT_BASE >= 1024 && PORT_BASE <= 31000)); } ||
  { echo "sandbox: SANDBOX_PORT_BASE must be a number in 1024..31000 (its Kuma ports stay below the ephemeral port range)" >&2; exit 2; }
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
KUMA_GLOBAL_CLUSTER="${SANDBOX_GLOBAL:-global}"
KUMA_GLOBAL_MODE="${SANDBOX_GLOBAL_MODE:-kubernetes}"
KUMA_SETTING="${SANDBOX_KUMA:-auto}"
KUMA_PROFILE="${SANDBOX_KUMA_PROFILE:-dr}"
[[ "$KUMA_PROFILE" =~ ^(dr|default)$ ]] ||
  { echo "sandbox: SANDBOX_KUMA_PROFILE must be dr or default, not '$KUMA_PROFILE'" >&2; exit 2; }
[[ "$KUMA_SETTING" =~ ^(auto|0|1)$ ]] ||
  { echo "sandbox: SANDBOX_KUMA must be auto, 1 or 0, not '$KUMA_SETTING'" >&2; exit 2; }
[[ "$KUMA_GLOBAL_MODE" =~ ^(kubernetes|universal)$ ]] ||
  { echo "sandbox: SANDBOX_GLOBAL_MODE must be kubernetes or universal, not '$KUMA_GLOBAL_MODE'" >&2; exit 2; }

# The rest of the sandbox, by concern (each file says what it holds).
# shellcheck source=sandbox/lib.sh
source "$SCRIPT_DIR/sandbox/lib.sh"
# shellcheck source=sandbox/etcd.sh
source "$SCRIPT_DIR/sandbox/etcd.sh"
# shellcheck source=sandbox/pki.sh
source "$SCRIPT_DIR/sandbox/pki.sh"
# shellcheck source=sandbox/cluster.sh
source "$SCRIPT_DIR/sandbox/cluster.sh"
# shellcheck source=sandbox/crds.sh
source "$SCRIPT_DIR/sandbox/crds.sh"
# shellcheck source=sandbox/kuma.sh
source "$SCRIPT_DIR/sandbox/kuma.sh"
# shellcheck source=sandbox/kuma-proxies.sh
source "$SCRIPT_DIR/sandbox/kuma-proxies.sh"
# shellcheck source=sandbox/kuma-defaults.sh
source "$SCRIPT_DIR/sandbox/kuma-defaults.sh"

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
  log "$(kuma_why)"

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
    if kuma_enabled; then :
    elif [ "$KUMA_GLOBAL_MODE" = universal ]; then
      log "$global: no Mesh default here: with SANDBOX_GLOBAL_MODE=universal it lives in the Universal global CP's own store, and none runs"
    elif ! kc "$global" get crd meshes.kuma.io -o name >/dev/null 2>&1; then
      log "warning: $global: no Mesh default: the kuma.io CRDs are not installed (SANDBOX_SKIP_CRDS=1?)"
    else
      kuma_defaults_up "$global"
    fi
  elif [[ " ${clusters[*]} " == *" $global "* ]]; then
    log "warning: global cluster $global is not running; namespace $GLOBAL_NAMESPACE not ensured"
  fi
  if kuma_enabled; then kuma_up "${clusters[@]}"; fi
  for c in "${clusters[@]}"; do
    log "$c: https://127.0.0.1:$(port_of "$c" kube-apiserver)  kubeconfig $(kubeconfig_of "$c")"
  done
  kuma_enabled || kuma_absent_note
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
  local c comp running rss pid etcd="" kuma_on=()
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
        [ "$comp" != kuma-cp ] || kuma_on+=("$c")
      fi
    done
    local list; list=$(IFS=,; echo "${running[*]:-}")
    printf '%s port=%s running=%s rss=%dMiB' "$c" "$(port_of "$c" kube-apiserver)" "${list:-none}" $((rss / 1024))
    component_running "$c" kuma-cp && printf ' kuma-%s-api=http://127.0.0.1:%s' "$(kuma_role "$c")" "$(kuma_port "$c" api)"
    echo
  done
  ((any)) || echo "sandbox: no clusters in $SANDBOX_DIR" >&2
  echo "sandbox: $(kuma_why); kuma-cp running on: $(IFS=,; echo "${kuma_on[*]:-none}")" >&2
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
      check_names "$1"
      kuma_enabled || die "the gateway stand-in needs the zone's Kuma control plane; $(kuma_why)$(kuma_installed || echo ". $(kuma_missing_message)")"
      component_running "$1" kuma-cp || die "$1: no kuma-cp running (run: sandbox.sh up)"
      kuma_gateway "$1" ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
