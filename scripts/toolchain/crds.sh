# The real CRDs the sandbox's kube-apiservers validate every object against, sourced by
# scripts/toolchain.sh (which provides ROOT, BIN_DIR, MESH_DR_CACHE, module_dir, die, warn,
# CLEANUP and, from toolchain/kuma.sh, KUMA_RELEASE). Written to .toolchain/crds/{gateway-api,
# kuma,kong-operator}/ with .toolchain/crds/SOURCES.txt naming each file's source. No stand-ins:
# a set with no source fails, naming every source tried.
# - Gateway API: the standard channel, from its published Go module.
# - Kuma: `kumactl install crds` where Kuma is installed (every kuma.io CRD of that release:
#   kuma-cp in Kubernetes mode watches every kind), else the copy in ../shared/crds/.
# - Kong Operator's GatewayConfiguration: its release tree where there is internet (kept in the
#   cache once fetched), else ../shared/crds/. Its Go module is refused by the Go module proxy.

GATEWAY_API_MODULE=sigs.k8s.io/gateway-api
GATEWAY_API_VERSION=v1.5.1
KONG_OPERATOR_VERSION=v2.2.3
KONG_OPERATOR_CRDS=(gateway-operator.konghq.com_gatewayconfigurations.yaml)
# The data files beside a clone of this repository (see ../shared/crds/README.md).
SHARED_CRDS=${MESH_DR_SHARED_CRDS:-$(cd "$ROOT/.." && pwd)/shared/crds}

CRDS_DIR=$ROOT/.toolchain/crds

# is_crd <file> <name>: the file defines this CustomResourceDefinition.
is_crd() { grep -q '^kind: CustomResourceDefinition' "$1" && grep -q "^  name: $2\$" "$1"; }

# crds_kuma <dir>: echoes the SOURCES lines; fails naming the sources tried.
crds_kuma() {
  local dir=$1 f v copy=$SHARED_CRDS/kuma-v$KUMA_RELEASE
  if [ -x "$BIN_DIR/kumactl" ]; then
    v=$(kuma_version_of "$BIN_DIR/kumactl")
    "$BIN_DIR/kumactl" install crds >"$dir/kumactl-install-crds.yaml" 2>"$dir/kumactl.err" ||
      die "kumactl install crds failed: $(tail -n3 "$dir/kumactl.err")"
    rm -f "$dir/kumactl.err"
    echo "REAL  kuma/kumactl-install-crds.yaml  <- kumactl install crds (Kuma $v, $(readlink -f "$BIN_DIR/kumactl"))"
    return 0
  fi
  if [ -n "$(find "$copy" -maxdepth 1 -name 'kuma.io_*.yaml' 2>/dev/null | head -n1)" ]; then
    cp "$copy"/kuma.io_*.yaml "$dir/"
    for f in "$dir"/*.yaml; do
      echo "REAL  kuma/$(basename "$f")  <- $copy/$(basename "$f") (Kuma v$KUMA_RELEASE deployments/charts/kuma/crds/)"
    done
    return 0
  fi
  die "no source for Kuma's CRDs: no kumactl installed ($(kuma_missing_message)), and no $copy/kuma.io_*.yaml"
}

crds_kong_operator() {
  local dir=$1 f url cache=$MESH_DR_CACHE/crds/kong-operator-$KONG_OPERATOR_VERSION copy=$SHARED_CRDS/kong-operator-$KONG_OPERATOR_VERSION
  local base=https://raw.githubusercontent.com/Kong/kong-operator/$KONG_OPERATOR_VERSION/config/crd/kong-operator
  mkdir -p "$cache"
  for f in "${KONG_OPERATOR_CRDS[@]}"; do
    url=$base/$f
    if [ ! -s "$cache/$f" ] &&
      curl -fsSL --proto '=https' --connect-timeout 5 --max-time 60 -o "$cache/$f.tmp" "$url" 2>/dev/null &&
      is_crd "$cache/$f.tmp" "${f#*_}"; then
      mv -f "$cache/$f.tmp" "$cache/$f"
    fi
    rm -f "$cache/$f.tmp"
    if [ -s "$cache/$f" ]; then
      cp "$cache/$f" "$dir/$f"
      echo "REAL  kong-operator/$f  <- $url (cached in $cache)"
    elif [ -s "$copy/$f" ]; then
      cp "$copy/$f" "$dir/$f"
      echo "REAL  kong-operator/$f  <- $copy/$f (Kong Operator $KONG_OPERATOR_VERSION config/crd/kong-operator/)"
    else
      die "no source for Kong Operator's $f: $url cannot be fetched (no internet?) and there is no $copy/$f"
    fi
  done
}

crds() {
  local tmp gw_sum f sources
  command -v go >/dev/null 2>&1 || die "fetching Gateway API's CRDs needs Go (>= 1.26) on PATH"
  mkdir -p "$ROOT/.toolchain"
  tmp=$(mktemp -d "$ROOT/.toolchain/crds.tmp.XXXXXX")
  CLEANUP+=("$tmp")
  mkdir -p "$tmp/gateway-api" "$tmp/kuma" "$tmp/kong-operator"

  module_dir "$GATEWAY_API_MODULE" "$GATEWAY_API_VERSION"
  gw_sum=$MODULE_SUM
  cp "$MODULE_DIR"/config/crd/standard/*.yaml "$tmp/gateway-api/"
  sources=$(
    for f in "$tmp"/gateway-api/*.yaml; do
      echo "REAL  gateway-api/$(basename "$f")  <- $GATEWAY_API_MODULE@$GATEWAY_API_VERSION ($gw_sum) config/crd/standard/$(basename "$f")"
    done
    crds_kuma "$tmp/kuma"
    crds_kong_operator "$tmp/kong-operator"
  )
  chmod -R u+w,go+r "$tmp"
  {
    echo "# Sources of the CRDs in .toolchain/crds/, written by scripts/toolchain.sh crds: each file copied"
    echo "# verbatim from upstream (no stand-ins)."
    echo
    echo "$sources"
  } >"$tmp/SOURCES.txt"

  # Replace .toolchain/crds only when something changed (a running sandbox may be reading it).
  if [ -d "$CRDS_DIR" ] && diff -r "$CRDS_DIR" "$tmp" >/dev/null 2>&1; then
    echo "==> CRDs up to date in .toolchain/crds ($(crds_summary))"
    rm -rf "$tmp"
  else
    rm -rf "$CRDS_DIR.old"
    [ ! -d "$CRDS_DIR" ] || mv "$CRDS_DIR" "$CRDS_DIR.old"
    mv "$tmp" "$CRDS_DIR"
    rm -rf "$CRDS_DIR.old"
    echo "==> CRDs written to .toolchain/crds ($(crds_summary))"
  fi
}

# One line per set: how many files and from where (the --check view of SOURCES.txt).
crds_summary() {
  awk '/^REAL/ {split($2, p, "/"); n[p[1]]++; src = $4; if (src ~ /^\//) sub(/\/[^\/]*$/, "", src); s[p[1]] = src}
    END {for (k in n) printf "%s%s: %d from %s", (i++ ? "; " : ""), k, n[k], s[k]}' "$CRDS_DIR/SOURCES.txt"
}
