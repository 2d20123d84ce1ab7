# Shared helpers of scripts/sandbox.sh, which sources this file: output (log, die), the sandbox's
# layout (cluster names, indexes, ports, paths), processes (spawn, stop_pidfiles, wait_for,
# pid_alive) and the clients (need_bins, lock, kc).

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
proc_state() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }

# spawn <pidfile> <logfile> <binary> <args...>: start a daemon in its own session, detached from
# our stdio and lock, and record its pid. It outlives this run, so it gets the system temp folder,
# not the run's (scripts/env.sh), which goes when the run ends.
spawn() {
  local pidf=$1 logf=$2; shift 2
  mkdir -p "$(dirname "$pidf")" "$(dirname "$logf")"
  rm -f "$pidf"
  printf '\n==== %s starting: %s\n' "$(date -Is)" "$*" >>"$logf"
  # shellcheck disable=SC2016 # expanded by the inner bash
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
  kuma_check
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
