# Real Kuma control planes for the sandbox, sourced by scripts/sandbox.sh (which provides cdir,
# cluster_index, kc, spawn, wait_for, pid_alive, log, die, ...).
#
# The cluster named $KUMA_GLOBAL_CLUSTER runs the global control plane; every other cluster runs a
# zone control plane named after the cluster, connected to the global one over KDS on loopback.
# Each kuma-cp runs in Kubernetes mode OUTSIDE its cluster, as the chart would run it inside:
# - its environment is the one `kumactl install control-plane` renders for the Deployment, with
#   only in-cluster paths and ports overridden;
# - it talks to its kube-apiserver as the chart's identity (the service account user below, by a
#   client certificate of the cluster's CA), because that is the user its webhooks let through for
#   its own writes (KDS sync, generated MeshServices), while everything else is admitted like a
#   user's;
# - the chart's own Mutating/ValidatingWebhookConfigurations are registered with
#   clientConfig.url https://127.0.0.1:<port><path>, so Kuma's admission checks every object and
#   injects the sidecar into every pod of a meshed namespace.
# Per zone, a kwok Pod annotated kuma.io/ingress (and one kuma.io/egress) makes the zone CP create
# its ZoneIngress (ZoneEgress): cross-zone endpoints point at the ingress (kuma-proxies.sh).
#
# Ports: PORT_BASE + 1000 + 10*index + (0 API http, 1 API https, 2 dp-server, 3 diagnostics,
# 4 KDS (global), 5 admission webhooks, 6 monitoring assignment, 7 inter-cp).
# Not all of them on loopback: the official kuma-cp binds five of its servers on every interface
# (0.0.0.0), because Kuma has a port setting for each but no address setting: dp-server and MADS
# (monitoring assignment) on a zone CP, KDS on the global one, diagnostics and inter-CP on both.
# Only the API (http and https) and the admission server are bound to 127.0.0.1. kuma_start logs
# which ports of each CP are open beyond loopback.
#
# SANDBOX_GLOBAL_MODE=universal runs the global CP in Universal mode instead (memory store, no
# Kubernetes: objects only through its HTTP API), as Kong Mesh's Universal or Konnect global
# CPs are reached. It keeps the global cluster's slot (directory, ports, CA); that cluster still
# runs, empty of Kuma. Its API wants a user token even from loopback, as a remote CP would: the
# token is signed offline with the sandbox's own key (kumactl generate user-token) and written
# to <dir>/global/kuma/admin-token.

KUMA_CP_USER="system:serviceaccount:$GLOBAL_NAMESPACE:kuma-control-plane"
KUMA_CHART_JS="$SCRIPT_DIR/sandbox/kuma-chart.js"

# Kuma is installed when scripts/toolchain.sh has linked both binaries into .toolchain/bin (it
# does so only after checking that they are Kuma 2.14.x).
kuma_installed() { [ -x "$ROOT/.toolchain/bin/kuma-cp" ] && [ -x "$ROOT/.toolchain/bin/kumactl" ]; }
# Whether the Kuma control planes run (SANDBOX_KUMA, see scripts/sandbox.sh).
kuma_enabled() {
  case "$KUMA_SETTING" in
    0) return 1 ;;
    1) return 0 ;; # kuma_check has failed already when it is not installed
    *) kuma_installed ;;
  esac
}
# kuma_why: one line saying whether the Kuma control planes run, and why
kuma_why() {
  local bins=".toolchain/bin/kuma-cp and kumactl"
  case "$KUMA_SETTING" in
    0) echo "Kuma control planes: none (SANDBOX_KUMA=0)" ;;
    1) if kuma_installed; then echo "Kuma control planes: run (SANDBOX_KUMA=1, required; installed: $bins)"
      else echo "Kuma control planes: required (SANDBOX_KUMA=1) but not installed (no $bins): up fails"; fi ;;
    *) if kuma_installed; then echo "Kuma control planes: run (installed: $bins; SANDBOX_KUMA=0 for none)"
      else echo "Kuma control planes: none (not installed: no $bins; SANDBOX_KUMA=1 to require them)"; fi ;;
  esac
}
# kuma_check: with SANDBOX_KUMA=1, fail (before anything starts) unless Kuma is installed
kuma_check() {
  if [ "$KUMA_SETTING" = 1 ] && ! kuma_installed; then die "$(kuma_missing_message)"; fi
}
kuma_role() { if [ "$1" = "$KUMA_GLOBAL_CLUSTER" ]; then echo global; else echo zone; fi; }
kuma_universal() { [ "$1" = "$KUMA_GLOBAL_CLUSTER" ] && [ "$KUMA_GLOBAL_MODE" = universal ]; }
kuma_dir() { printf '%s/kuma' "$(cdir "$1")"; }

kuma_port() { # <cluster> <api|api-https|dp|diagnostics|kds|webhook|monitoring|inter-cp>
  local base=$((PORT_BASE + 1000 + 10 * $(cluster_index "$1")))
  case "$2" in
    api) echo "$base" ;;
    api-https) echo $((base + 1)) ;;
    dp) echo $((base + 2)) ;;
    diagnostics) echo $((base + 3)) ;;
    kds) echo $((base + 4)) ;;
    webhook) echo $((base + 5)) ;;
    monitoring) echo $((base + 6)) ;;
    inter-cp) echo $((base + 7)) ;;
    *) die "no kuma port $2" ;;
  esac
}

# The CP's serving certificate (webhooks, KDS, dp-server) and its client identity, both from the
# cluster's CA, so the webhooks' caBundle is the CA every sandbox kubeconfig already trusts.
kuma_certs() {
  local c=$1 d pki
  d=$(kuma_dir "$c"); pki="$(cdir "$c")/pki"
  [ -f "$d/certs/.complete" ] && return 0
  rm -rf "$d/certs"; mkdir -p "$d/certs"; chmod 700 "$d/certs"
  cat >"$d/certs/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[serving]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, DNS:localhost, DNS:kong-mesh-control-plane.$GLOBAL_NAMESPACE.svc, DNS:kuma-control-plane.$GLOBAL_NAMESPACE.svc
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
EOF
  # the serving certificate here (tls.*, the name the admission server reads); the client one
  # beside the cluster's others, for write_kubeconfig
  local n subj ext out
  for n in tls kuma-control-plane; do
    if [ "$n" = tls ]; then subj="/CN=kong-mesh-control-plane.$GLOBAL_NAMESPACE.svc" ext=serving out=$d/certs/$n
    else subj="/O=system:masters/CN=$KUMA_CP_USER" ext=client out=$pki/$n; fi
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$out.key" -out "$out.csr" -subj "$subj" -config "$d/certs/openssl.cnf" 2>/dev/null
    openssl x509 -req -in "$out.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
      -set_serial "0x$(openssl rand -hex 16)" -days 3650 \
      -extfile "$d/certs/openssl.cnf" -extensions "$ext" -out "$out.crt" 2>/dev/null
    rm -f "$out.csr"; chmod 600 "$out.key"
  done
  cp "$pki/ca.crt" "$d/certs/ca.crt"
  touch "$d/certs/.complete"
}

# The chart as `kumactl install control-plane` renders it for this CP.
kuma_render_chart() {
  local c=$1 d args
  d=$(kuma_dir "$c")
  args=(--mode "$(kuma_role "$c")" --namespace "$GLOBAL_NAMESPACE" --without-kubernetes-connection)
  if [ "$(kuma_role "$c")" = zone ]; then
    args+=(--zone "$c" --kds-global-address "grpcs://127.0.0.1:$(kuma_port "$KUMA_GLOBAL_CLUSTER" kds)")
  fi
  kumactl install control-plane "${args[@]}" >"$d/chart.yaml" 2>"$d/chart.err" ||
    die_log "$d/chart.err" "$c: kumactl install control-plane failed"
  node "$KUMA_CHART_JS" "$d/chart.yaml" env >"$d/chart.env"
}

# kuma_profile_env <global|zone> <array name>: appends the control-plane profile's settings
# (SANDBOX_KUMA_PROFILE: the DR profile the docs recommend, or Kuma's defaults), generated from the
# one table in components/cp-profile.ts, so the sandbox runs what users are told to install.
kuma_profile_env() {
  local -n into=$2
  local lines
  lines=$(node -r ts-node/register/transpile-only "$ROOT/dr/profile.ts" env "$1" "$KUMA_PROFILE") ||
    die "dr/profile.ts env $1 $KUMA_PROFILE failed"
  mapfile -t -O "${#into[@]}" into <<<"$lines"
}

kuma_start() {
  local c=$1 d role pidf logf
  d=$(kuma_dir "$c"); role=$(kuma_role "$c")
  pidf=$(pidfile_of "$c" kuma-cp); logf=$(logfile_of "$c" kuma-cp)
  pid_alive "$pidf" && return 0
  local p
  for p in api api-https dp diagnostics kds webhook monitoring inter-cp; do
    port_in_use "$(kuma_port "$c" "$p")" && die "$c: port $(kuma_port "$c" "$p") (kuma-cp $p) is in use by another process"
  done
  mkdir -p "$d/work"
  kuma_certs "$c"
  if kuma_universal "$c"; then kuma_start_universal "$c"; return 0; fi
  # the CP's own identity (the chart's service account user)
  write_kubeconfig "$d/kubeconfig" "$c" kuma-control-plane kuma-control-plane
  kuma_render_chart "$c"
  ensure_system_namespace "$c"
  local envs
  mapfile -t envs <"$d/chart.env"
  envs+=(
    KUBECONFIG="$d/kubeconfig"
    KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$(port_of "$c" kube-apiserver)"
    KUMA_MODE="$role" KUMA_ENVIRONMENT=kubernetes KUMA_STORE_TYPE=kubernetes
    KUMA_STORE_KUBERNETES_SYSTEM_NAMESPACE="$GLOBAL_NAMESPACE"
    KUMA_RUNTIME_KUBERNETES_CONTROL_PLANE_SERVICE_NAME=kuma-control-plane
    KUMA_RUNTIME_KUBERNETES_ALLOWED_USERS="$KUMA_CP_USER"
    KUMA_GENERAL_TLS_CERT_FILE="$d/certs/tls.crt" KUMA_GENERAL_TLS_KEY_FILE="$d/certs/tls.key"
    KUMA_GENERAL_WORK_DIR="$d/work"
    KUMA_RUNTIME_KUBERNETES_ADMISSION_SERVER_ADDRESS=127.0.0.1
    KUMA_RUNTIME_KUBERNETES_ADMISSION_SERVER_PORT="$(kuma_port "$c" webhook)"
    KUMA_RUNTIME_KUBERNETES_ADMISSION_SERVER_CERT_DIR="$d/certs"
    KUMA_RUNTIME_KUBERNETES_INJECTOR_CA_CERT_FILE="$d/certs/ca.crt"
    KUMA_API_SERVER_HTTP_INTERFACE=127.0.0.1 KUMA_API_SERVER_HTTP_PORT="$(kuma_port "$c" api)"
    KUMA_API_SERVER_HTTPS_INTERFACE=127.0.0.1 KUMA_API_SERVER_HTTPS_PORT="$(kuma_port "$c" api-https)"
    KUMA_API_SERVER_READ_ONLY=false KUMA_API_SERVER_AUTHN_LOCALHOST_IS_ADMIN=true
    KUMA_DP_SERVER_PORT="$(kuma_port "$c" dp)"
    KUMA_DIAGNOSTICS_SERVER_PORT="$(kuma_port "$c" diagnostics)"
    KUMA_MULTIZONE_GLOBAL_KDS_GRPC_PORT="$(kuma_port "$c" kds)"
    KUMA_MONITORING_ASSIGNMENT_SERVER_PORT="$(kuma_port "$c" monitoring)"
    KUMA_INTER_CP_SERVER_PORT="$(kuma_port "$c" inter-cp)" KUMA_INTER_CP_CATALOG_INSTANCE_ADDRESS=127.0.0.1
  )
  if [ "$role" = zone ]; then
    envs+=(KUMA_MULTIZONE_ZONE_NAME="$c"
      KUMA_MULTIZONE_ZONE_GLOBAL_ADDRESS="grpcs://127.0.0.1:$(kuma_port "$KUMA_GLOBAL_CLUSTER" kds)"
      KUMA_MULTIZONE_ZONE_KDS_ROOT_CA_FILE="$(kuma_dir "$KUMA_GLOBAL_CLUSTER")/certs/ca.crt")
  fi
  kuma_profile_env "$role" envs
  # Extra settings for experiments, e.g. SANDBOX_KUMA_ENV="KUMA_X=1 KUMA_Y=2".
  # shellcheck disable=SC2206
  [ -z "${SANDBOX_KUMA_ENV:-}" ] || envs+=(${SANDBOX_KUMA_ENV})
  printf '%s\n' "${envs[@]}" >"$d/env"
  # The config file holds nothing (the settings are the environment above); naming it puts this
  # sandbox's directory on kuma-cp's command line, which is how pid_alive knows the process is ours.
  echo "# kuma-cp is configured by the environment in ./env" >"$d/kuma-cp.yaml"
  spawn "$pidf" "$logf" env "${envs[@]}" "$(command -v kuma-cp)" run --config-file="$d/kuma-cp.yaml" --log-level=info
  log "$c: kuma-cp ($role) starting, API http://127.0.0.1:$(kuma_port "$c" api)"
  kuma_listen_warning "$c"
}

# kuma_listen_warning <cluster>: the CP's servers that listen on every interface (see the header)
kuma_listen_warning() {
  local c=$1 role open p list="" local_only
  role=$(kuma_role "$c")
  if [ "$role" = global ]; then open="KDS:kds diagnostics:diagnostics inter-CP:inter-cp"
  else open="dp-server:dp MADS:monitoring diagnostics:diagnostics inter-CP:inter-cp"; fi
  for p in $open; do list+="${list:+, }${p%%:*} :$(kuma_port "$c" "${p#*:}")"; done
  local_only="API :$(kuma_port "$c" api) and :$(kuma_port "$c" api-https)"
  kuma_universal "$c" || local_only+=", admission server :$(kuma_port "$c" webhook)"
  log "$c: warning: kuma-cp ($role) listens on every interface (0.0.0.0), not just loopback, with $list: Kuma has a port setting for these servers but no address setting. Its $local_only are bound to 127.0.0.1"
}

# The Universal global CP: settings are all ours (no chart renders a Universal CP's environment).
kuma_start_universal() {
  local c=$1 d pidf logf
  d=$(kuma_dir "$c"); pidf=$(pidfile_of "$c" kuma-cp); logf=$(logfile_of "$c" kuma-cp)
  kuma_user_token "$c"
  local envs=(
    KUMA_MODE=global KUMA_ENVIRONMENT=universal KUMA_STORE_TYPE=memory
    KUMA_GENERAL_TLS_CERT_FILE="$d/certs/tls.crt" KUMA_GENERAL_TLS_KEY_FILE="$d/certs/tls.key"
    KUMA_GENERAL_WORK_DIR="$d/work"
    KUMA_API_SERVER_HTTP_INTERFACE=127.0.0.1 KUMA_API_SERVER_HTTP_PORT="$(kuma_port "$c" api)"
    KUMA_API_SERVER_HTTPS_INTERFACE=127.0.0.1 KUMA_API_SERVER_HTTPS_PORT="$(kuma_port "$c" api-https)"
    KUMA_API_SERVER_READ_ONLY=false KUMA_API_SERVER_AUTHN_LOCALHOST_IS_ADMIN=false
    KUMA_API_SERVER_AUTHN_TOKENS_BOOTSTRAP_ADMIN_TOKEN=false
    KUMA_DP_SERVER_PORT="$(kuma_port "$c" dp)"
    KUMA_DIAGNOSTICS_SERVER_PORT="$(kuma_port "$c" diagnostics)"
    KUMA_MULTIZONE_GLOBAL_KDS_GRPC_PORT="$(kuma_port "$c" kds)"
    KUMA_MONITORING_ASSIGNMENT_SERVER_PORT="$(kuma_port "$c" monitoring)"
    KUMA_INTER_CP_SERVER_PORT="$(kuma_port "$c" inter-cp)" KUMA_INTER_CP_CATALOG_INSTANCE_ADDRESS=127.0.0.1
  )
  kuma_profile_env global envs
  # shellcheck disable=SC2206
  [ -z "${SANDBOX_KUMA_ENV:-}" ] || envs+=(${SANDBOX_KUMA_ENV})
  printf '%s\n' "${envs[@]}" >"$d/env"
  # The token validator's public key has no environment variable: it goes in the config file.
  cat >"$d/kuma-cp.yaml" <<EOF
# kuma-cp (Universal global) is configured by the environment in ./env, and this:
apiServer:
  authn:
    tokens:
      validator:
        publicKeys:
        - kid: sandbox-1
          keyFile: $d/certs/user-token.pub
EOF
  spawn "$pidf" "$logf" env "${envs[@]}" "$(command -v kuma-cp)" run --config-file="$d/kuma-cp.yaml" --log-level=info
  log "$c: kuma-cp (global, Universal) starting, API https://127.0.0.1:$(kuma_port "$c" api-https) (token: $d/admin-token)"
  kuma_listen_warning "$c"
}

# An admin user token, signed offline with the sandbox's key, which the Universal CP trusts.
kuma_user_token() {
  local d
  d=$(kuma_dir "$1")
  [ -s "$d/admin-token" ] && return 0
  openssl genrsa -traditional -out "$d/certs/user-token.key" 2048 2>/dev/null
  openssl rsa -in "$d/certs/user-token.key" -pubout -out "$d/certs/user-token.pub" 2>/dev/null
  chmod 600 "$d/certs/user-token.key"
  (umask 077; kumactl generate user-token --name admin --group mesh-system:admin --valid-for 8760h \
    --kid sandbox-1 --signing-key-path "$d/certs/user-token.key" >"$d/admin-token")
}

# Calls to a CP's API, with the admin token where the CP wants one.
kuma_curl() { # <cluster> <path>
  local d auth=()
  d=$(kuma_dir "$1")
  kuma_universal "$1" && auth=(-H "Authorization: Bearer $(cat "$d/admin-token")")
  curl -sf --noproxy "*" --max-time 5 "${auth[@]}" "http://127.0.0.1:$(kuma_port "$1" api)$2"
}

kuma_api_up() { curl -sf --noproxy "*" --max-time 5 "http://127.0.0.1:$1/" >/dev/null; }
# the admission server answers TLS (any HTTP status) once its certificate is loaded
kuma_webhook_up() { [ "$(curl -sk --noproxy "*" --max-time 5 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$1/")" != 000 ]; }

kuma_wait() {
  local c=$1 pidf logf d
  pidf=$(pidfile_of "$c" kuma-cp); logf=$(logfile_of "$c" kuma-cp); d=$(kuma_dir "$c")
  wait_for "$c: kuma-cp API" "$pidf" "$logf" kuma_api_up "$(kuma_port "$c" api)"
  if kuma_universal "$c"; then
    kumactl config control-planes add --config-file "$d/kumactl.yaml" --name "$c" --overwrite \
      --address "https://127.0.0.1:$(kuma_port "$c" api-https)" --ca-cert-file "$d/certs/ca.crt" \
      --auth-type tokens --auth-conf "token=$(cat "$d/admin-token")" >/dev/null
    chmod 600 "$d/kumactl.yaml"
    log "$c: kuma-cp (global, Universal) ready"
    return 0
  fi
  wait_for "$c: kuma-cp admission server" "$pidf" "$logf" kuma_webhook_up "$(kuma_port "$c" webhook)"
  node "$KUMA_CHART_JS" "$d/chart.yaml" webhooks "https://127.0.0.1:$(kuma_port "$c" webhook)" "$d/certs/ca.crt" "kuma-$c" >"$d/webhooks.yaml"
  kc "$c" apply --server-side --force-conflicts --field-manager=sandbox -f "$d/webhooks.yaml" >/dev/null
  # kumactl pointed at this CP: kumactl --config-file <dir>/kumactl.yaml get meshes
  kumactl config control-planes add --config-file "$d/kumactl.yaml" --name "$c" --overwrite \
    --address "http://127.0.0.1:$(kuma_port "$c" api)" >/dev/null
  log "$c: kuma-cp ($(kuma_role "$c")) ready, webhooks registered on https://127.0.0.1:$(kuma_port "$c" webhook)"
}

# KDS works both ways once the global's Mesh has reached the zone and the zone shows as online.
zone_connected() {
  kc "$1" get meshes -o name 2>/dev/null | grep -q . &&
    kuma_curl "$KUMA_GLOBAL_CLUSTER" "/zones/$1/_overview" |
    node -e 'const o = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const s = o.zoneInsight?.subscriptions ?? []; const last = s[s.length - 1];
      process.exit(last && last.connectTime && !last.disconnectTime ? 0 : 1);'
}

# kuma_up <clusters...>: the global CP first (zone CPs dial it), then the zones'.
kuma_up() {
  local c zones=()
  for c in "$@"; do [ "$(kuma_role "$c")" = zone ] && zones+=("$c"); done
  [[ " $* " == *" $KUMA_GLOBAL_CLUSTER "* ]] ||
    die "Kuma needs a global cluster of its own: include '$KUMA_GLOBAL_CLUSTER' (sandbox.sh up $KUMA_GLOBAL_CLUSTER ${zones[*]}), or SANDBOX_KUMA=0 for none"
  # Each kuma-cp and kube component holds inotify instances; Linux's default of 128 per user runs
  # out with two or three sandboxes at once (kuma-cp then exits: "couldn't initialize inotify").
  local inotify
  inotify=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 0)
  ((inotify == 0 || inotify >= 512)) ||
    log "warning: fs.inotify.max_user_instances is $inotify; more than one sandbox at a time needs more (sysctl -w fs.inotify.max_user_instances=1024)"
  kuma_start "$KUMA_GLOBAL_CLUSTER"
  kuma_wait "$KUMA_GLOBAL_CLUSTER"
  for c in "${zones[@]}"; do kuma_start "$c"; done
  for c in "${zones[@]}"; do
    kuma_wait "$c"
    kuma_zone_proxies "$c"
  done
  for c in "${zones[@]}"; do
    wait_for "$c: zone CP connected to the global CP (KDS)" "$(pidfile_of "$c" kuma-cp)" "$(logfile_of "$c" kuma-cp)" zone_connected "$c"
    wait_for "$c: ZoneIngress" "$(pidfile_of "$c" kuma-cp)" "$(logfile_of "$c" kuma-cp)" zone_ingress_exists "$c"
    log "$c: zone CP connected to $KUMA_GLOBAL_CLUSTER, ZoneIngress present"
  done
}
