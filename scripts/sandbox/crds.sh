# CRDs, sourced by scripts/sandbox.sh: the files of $CRDS_DIR/{gateway-api,kuma,kong-operator},
# installed by server-side apply on every cluster (again only when the files changed), each
# waited for until Established.

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
