#!/usr/bin/env bash
# The offline toolchain: builds the tools this project needs from published Go modules (through
# the wrapper modules in tools/) and puts them into .toolchain/bin/ (git-ignored), which
# scripts/env.sh puts first on PATH; Pulumi's plugins stay off PATH (see DIST_DIR below).
#
#   bash scripts/toolchain.sh               all binaries, the provider plugin registration, Kuma's
#                                           links if it is installed, the CRDs
#   bash scripts/toolchain.sh <name...>     only these (names below, `kuma` or `crds`)
#   bash scripts/toolchain.sh --check       list each binary, its version and whether it is present,
#                                           Kuma, and each CRD set's source
#   bash scripts/toolchain.sh crds          only the CRDs into .toolchain/crds/ (toolchain/crds.sh)
#   bash scripts/toolchain.sh kuma          Kuma: the installed one, else its official release
#                                           downloaded into the cache (toolchain/kuma.sh)
#   bash scripts/toolchain.sh --require-kuma  fail at once unless Kuma is installed
#
# Names: pulumi pulumi-language-nodejs pulumi-resource-kubernetes kube-apiserver
#        kube-controller-manager kube-scheduler kubectl etcd kwok actionlint kube-score
#
# Kuma (kuma-cp, kumactl) is a tool the user installs; nothing here builds it. Without it the
# sandbox runs no control plane (see toolchain/kuma.sh).
#
# Every binary is built into $MESH_DR_CACHE/bin/<name>-<version> (written as .tmp, then renamed,
# so an interrupted build is never taken for a good one) and skipped when already there; a binary
# of exactly the right version found on PATH outside .toolchain/bin is linked instead of building.
# Build logs: $MESH_DR_CACHE/logs/<name>-<version>.log. Builds run one at a time, and a lock
# serialises concurrent runs of this script (two big Go builds at once on a small machine only
# make both slower).
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

# ---------------------------------------------------------------------------------------------
# Pinned versions. Change a version here together with the wrapper module in tools/.

PULUMI_VERSION=v3.274.1
# The Node language host comes from sdk/v3 v3.68.0 (see tools/pulumi-language-nodejs/go.mod).
LANGHOST_VERSION=v3.68.0
K8S_VERSION=v1.34.4
K8S_BUILD_DATE=2026-02-10T12:53:36Z
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
ACTIONLINT_VERSION=v1.7.12
KUBE_SCORE_VERSION=v1.20.0

# @pulumi/kubernetes versions this toolchain can build the provider plugin for, mapped to the Go
# module version of github.com/pulumi/pulumi-kubernetes/provider/v4 (untagged: the pseudo-version
# of the release commit) that tools/pulumi-kubernetes/go.mod requires.
provider_module_version() {
  case $1 in
    4.25.0) echo v4.0.0-20260115033456-f47bc2d6f199 ;;
    *) return 1 ;;
  esac
}

ALL_BINS=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes kube-apiserver
  kube-controller-manager kube-scheduler kubectl etcd kwok actionlint kube-score)

BIN_DIR=$ROOT/.toolchain/bin
# Pulumi's own layout. The CLI looks for the plugins it bundles (the Node language host and
# pulumi-resource-pulumi-nodejs, which runs dynamic providers) next to its real executable, and
# warns "using <plugin> from $PATH" on every run for any plugin it finds on PATH instead. So a
# pulumi built here runs from this directory, with those two beside it as Pulumi's release
# archive has them, and the Kubernetes provider is only in Pulumi's plugin cache.
DIST_DIR=$MESH_DR_CACHE/dist/pulumi-$PULUMI_VERSION
TOOLS=$ROOT/tools
CACHE_BIN=$MESH_DR_CACHE/bin
LOG_DIR=$MESH_DR_CACHE/logs

export GOWORK=off
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"

die() { echo "toolchain: error: $*" >&2; exit 1; }
warn() { echo "toolchain: warning: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# Versions

# The @pulumi/kubernetes version in package-lock.json: read once by init_provider_version (not in
# a subshell, so that it is cached), then echoed by provider_version.
PROVIDER_VERSION=
provider_version() { init_provider_version; echo "$PROVIDER_VERSION"; }
init_provider_version() {
  if [ -z "$PROVIDER_VERSION" ]; then
    [ -f "$ROOT/package-lock.json" ] || die "no package-lock.json in $ROOT"
    PROVIDER_VERSION=$(node -e '
      const lock = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const p = (lock.packages || {})["node_modules/@pulumi/kubernetes"] || (lock.dependencies || {})["@pulumi/kubernetes"];
      if (!p || !p.version) process.exit(3);
      console.log(p.version);' "$ROOT/package-lock.json") ||
      die "package-lock.json names no @pulumi/kubernetes version"
  fi
}

want_version() {
  case $1 in
    pulumi) echo "$PULUMI_VERSION" ;;
    pulumi-language-nodejs) echo "$LANGHOST_VERSION" ;;
    pulumi-resource-kubernetes) echo "v$(provider_version)" ;;
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl) echo "$K8S_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    actionlint) echo "$ACTIONLINT_VERSION" ;;
    kube-score) echo "$KUBE_SCORE_VERSION" ;;
    *) return 1 ;;
  esac
}

# reported_version <name> <path>: the version the binary reports (vX.Y.Z), empty if it has no
# version command or does not answer.
reported_version() {
  local name=$1 p=$2 out=
  case $name in
    pulumi) out=$(timeout 20 "$p" version 2>/dev/null | head -n1) ;;
    kubectl)
      out=$(timeout 20 "$p" version --client -o json 2>/dev/null |
        sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n1) ;;
    kube-apiserver | kube-controller-manager | kube-scheduler)
      out=$(timeout 20 "$p" --version 2>/dev/null | awk '$1 == "Kubernetes" {print $2; exit}') ;;
    etcd) out=$(timeout 20 "$p" --version 2>/dev/null | awk '/^etcd Version:/ {print "v" $3; exit}') ;;
    kwok) out=$(timeout 20 "$p" --version 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "version") {print $(i + 1); exit}}') ;;
    actionlint) out=$(timeout 20 "$p" --version 2>/dev/null | head -n1) ;;
    # "kube-score version: 1.20.0, commit: ..."
    kube-score) out=$(timeout 20 "$p" version 2>/dev/null | sed -n 's/^kube-score version: \([^,]*\),.*/v\1/p') ;;
  esac
  echo "$out"
}

has_version_command() { case $1 in pulumi-language-nodejs | pulumi-resource-kubernetes) return 1 ;; esac; }

# find_on_path <name> <version>: a binary of exactly this version on PATH, outside .toolchain/bin.
find_on_path() {
  local name=$1 want=$2 d real_bin p
  has_version_command "$name" || return 1
  real_bin=$(cd "$BIN_DIR" 2>/dev/null && pwd -P || echo "$BIN_DIR")
  local IFS=:
  for d in $PATH; do
    [ -n "$d" ] && [ -d "$d" ] || continue
    [ "$(cd "$d" && pwd -P)" = "$real_bin" ] && continue
    p=$d/$name
    [ -x "$p" ] && [ ! -d "$p" ] || continue
    if [ "$(reported_version "$name" "$p")" = "$want" ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

link() { # link <name> <target>
  [ "$(readlink "$BIN_DIR/$1" 2>/dev/null)" = "$2" ] || ln -sfn "$2" "$BIN_DIR/$1"
}

# ---------------------------------------------------------------------------------------------
# Builds

# build <name> <version> <wrapper dir> <package> <ldflags> <estimate> [pre-step function]
build() {
  local name=$1 ver=$2 dir=$3 pkg=$4 ldflags=$5 estimate=$6 pre=${7:-}
  local out=$CACHE_BIN/$name-$ver log=$LOG_DIR/$name-$ver.log start=$SECONDS
  command -v go >/dev/null 2>&1 || die "building $name needs Go (>= 1.26) on PATH"
  echo "==> building $name $ver ($estimate)"
  mkdir -p "$CACHE_BIN" "$LOG_DIR"
  rm -f "$out.tmp"
  if ! {
    echo "# $(date -u +%FT%TZ) $name $ver in $dir"
    if [ -n "$pre" ]; then "$pre" "$dir" "$ver"; fi &&
      (cd "$dir" && set -x && go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  } >"$log" 2>&1; then
    rm -f "$out.tmp"
    echo "toolchain: error: building $name $ver failed after $((SECONDS - start))s (log: $log)" >&2
    echo "---- last 40 lines of $log ----" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  mv -f "$out.tmp" "$out"
  echo "    done in $((SECONDS - start))s"
}

k8s_ldflags() {
  local p ld="-s -w" major minor
  major=${K8S_VERSION#v}; major=${major%%.*}
  minor=${K8S_VERSION#v*.}; minor=${minor%%.*}
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=archive -X $p.buildDate=$K8S_BUILD_DATE"
  done
  echo "$ld"
}

# Writes the git-ignored schema-embed.json / terraform-mapping-embed.json the provider embeds.
provider_pre() {
  local dir=$1 ver=${2#v} src
  (cd "$dir" && set -x && go mod download github.com/pulumi/pulumi-kubernetes/provider/v4) || return 1
  src=$(cd "$dir" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4) || return 1
  (cd "$dir" && set -x && go run ./gen "$src/cmd/pulumi-resource-kubernetes" "$ver" .)
}

check_provider_known() {
  provider_module_version "$PROVIDER_VERSION" >/dev/null ||
    die "package-lock.json pins @pulumi/kubernetes $PROVIDER_VERSION, but this toolchain only knows how to build the provider plugin for 4.25.0 (provider_module_version in scripts/toolchain.sh, tools/pulumi-kubernetes/go.mod): the plugin version must equal the npm package version. Pin @pulumi/kubernetes to a version listed there, or add the new one (its provider/v4 pseudo-version) to both."
}

# require_pinned <wrapper> <module> <version>: the wrapper module selects exactly this version
# (catches a version bumped here but not in tools/<wrapper>/go.mod, or the other way round).
require_pinned() {
  local have
  command -v go >/dev/null 2>&1 || die "building needs Go (>= 1.26) on PATH"
  have=$(cd "$TOOLS/$1" && go list -m -f '{{.Version}}' "$2" 2>&1) ||
    die "tools/$1: cannot resolve $2: $have"
  [ "$have" = "$3" ] ||
    die "tools/$1/go.mod selects $2 $have, but scripts/toolchain.sh pins $3: update one of them"
}

build_one() { # build_one <name>: build into the cache unless already there
  local name=$1 ver
  ver=$(want_version "$name")
  [ -x "$CACHE_BIN/$name-$ver" ] && return 0
  case $name in
    pulumi)
      require_pinned pulumi github.com/pulumi/pulumi/pkg/v3 "$ver"
      require_pinned pulumi github.com/pulumi/pulumi/sdk/v3 "$ver"
      build pulumi "$ver" "$TOOLS/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
        "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$ver" \
        "this takes about 5 minutes" ;;
    pulumi-language-nodejs)
      require_pinned pulumi-language-nodejs github.com/pulumi/pulumi/sdk/v3 "$ver"
      build pulumi-language-nodejs "$ver" "$TOOLS/pulumi-language-nodejs" \
        github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
        "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$ver" \
        "about a minute" ;;
    pulumi-resource-kubernetes)
      check_provider_known
      require_pinned pulumi-kubernetes github.com/pulumi/pulumi-kubernetes/provider/v4 \
        "$(provider_module_version "${ver#v}")"
      # The provider's version string has no leading v (as upstream's release builds).
      build pulumi-resource-kubernetes "$ver" "$TOOLS/pulumi-kubernetes" . \
        "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${ver#v}" \
        "this takes about 8 minutes" provider_pre ;;
    kube-apiserver | kube-controller-manager | kube-scheduler | kubectl)
      require_pinned kubernetes k8s.io/kubernetes "$ver"
      local est="this takes about 5 minutes"
      [ -x "$CACHE_BIN/kube-apiserver-$ver" ] && est="about a minute or two after kube-apiserver"
      build "$name" "$ver" "$TOOLS/kubernetes" "k8s.io/kubernetes/cmd/$name" "$(k8s_ldflags)" "$est" ;;
    etcd)
      require_pinned etcd go.etcd.io/etcd/server/v3 "$ver"
      # The etcd version string is the api/v3 version package's constant (3.6.16): no ldflag.
      build etcd "$ver" "$TOOLS/etcd" go.etcd.io/etcd/server/v3 "-s -w" "about a minute" ;;
    kwok)
      require_pinned kwok sigs.k8s.io/kwok "$ver"
      build kwok "$ver" "$TOOLS/kwok" sigs.k8s.io/kwok/cmd/kwok \
        "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${ver#v} -X sigs.k8s.io/kwok/pkg/consts.PreRelease=GA" \
        "about 2 minutes" ;;
    actionlint)
      require_pinned actionlint github.com/rhysd/actionlint "$ver"
      build actionlint "$ver" "$TOOLS/actionlint" github.com/rhysd/actionlint/cmd/actionlint \
        "-s -w -X github.com/rhysd/actionlint.version=$ver" "under a minute" ;;
    kube-score)
      require_pinned kube-score github.com/zegl/kube-score "$ver"
      build kube-score "$ver" "$TOOLS/kube-score" github.com/zegl/kube-score/cmd/kube-score \
        "-s -w -X main.version=${ver#v}" "under a minute" ;;
  esac
}

# ensure <name>: .toolchain/bin/<name> -> a binary on PATH of the right version (for pulumi: a
# release's, its language host beside it), else the cache (for pulumi: DIST_DIR). The plugins get
# no link there (and lose one an older toolchain made): the language host is part of pulumi's
# directory, the provider is registered from the cache.
ensure() {
  local name=$1 ver p
  ver=$(want_version "$name")
  case $name in
    pulumi-language-nodejs) rm -f "$BIN_DIR/$name"; ensure pulumi; return ;;
    pulumi-resource-kubernetes) rm -f "$BIN_DIR/$name"; build_one "$name"; return ;;
  esac
  if p=$(find_on_path "$name" "$ver") &&
    { [ "$name" != pulumi ] || [ -x "$(dirname "$(readlink -f "$p")")/pulumi-language-nodejs" ]; }; then
    [ "$(readlink "$BIN_DIR/$name" 2>/dev/null)" = "$p" ] || echo "==> $name $ver: using $p from PATH"
    link "$name" "$p"
    return 0
  fi
  build_one "$name"
  if [ "$name" = pulumi ]; then
    assemble_dist
    link pulumi "$DIST_DIR/pulumi"
  else
    link "$name" "$CACHE_BIN/$name-$ver"
  fi
}

# DIST_DIR: pulumi and the language host as hard links into the cache, and the Node SDK's
# dynamic-provider script from the CLI's own sdk module (the file Pulumi's release ships).
assemble_dist() {
  build_one pulumi-language-nodejs
  mkdir -p "$DIST_DIR"
  place ln "$CACHE_BIN/pulumi-$PULUMI_VERSION" "$DIST_DIR/pulumi"
  place ln "$CACHE_BIN/pulumi-language-nodejs-$LANGHOST_VERSION" "$DIST_DIR/pulumi-language-nodejs"
  if [ ! -x "$DIST_DIR/pulumi-resource-pulumi-nodejs" ]; then
    module_dir github.com/pulumi/pulumi/sdk/v3 "$PULUMI_VERSION"
    place cp "$MODULE_DIR/nodejs/dist/pulumi-resource-pulumi-nodejs" "$DIST_DIR/pulumi-resource-pulumi-nodejs"
  fi
}

# place ln|cp <src> <dest>: dest as a hard link to src, or an executable copy of it (module files
# are read-only), unless it is one already; renamed into place, so a concurrent run never sees
# it half there.
place() {
  local tmp=$3.$$.tmp
  case $1 in
    ln) [ "$2" -ef "$3" ] && return 0; ln -f "$2" "$tmp" ;;
    cp) install -m 0755 "$2" "$tmp" ;;
  esac
  mv -f "$tmp" "$3"
}

# installed_path <name>: where the toolchain keeps <name> (the plugins are off PATH, see DIST_DIR).
installed_path() {
  case $1 in
    pulumi-language-nodejs) echo "$(dirname "$(readlink -f "$BIN_DIR/pulumi" || echo "$BIN_DIR/pulumi")")/$1" ;;
    pulumi-resource-kubernetes) echo "$CACHE_BIN/$1-$(want_version "$1")" ;;
    *) echo "$BIN_DIR/$1" ;;
  esac
}

# Registers the provider plugin in the Pulumi plugin cache ($PULUMI_HOME/plugins, default
# ~/.pulumi/plugins) offline, unless `pulumi plugin ls` already lists this version.
plugin_listed() {
  "$BIN_DIR/pulumi" plugin ls --json 2>/dev/null | node -e '
    const [v] = process.argv.slice(1);
    const l = JSON.parse(require("fs").readFileSync(0, "utf8") || "[]");
    process.exit(l.some((p) => p.kind === "resource" && p.name === "kubernetes" && p.version === v) ? 0 : 1);' "$1"
}

register_provider() {
  local v
  v=$(provider_version)
  plugin_listed "$v" && return 0
  echo "==> registering the kubernetes $v resource plugin with pulumi (${PULUMI_HOME:-~/.pulumi}/plugins)"
  "$BIN_DIR/pulumi" plugin install resource kubernetes "$v" \
    --file "$(installed_path pulumi-resource-kubernetes)" >/dev/null ||
    die "pulumi plugin install resource kubernetes $v --file ... failed"
  plugin_listed "$v" || die "pulumi plugin ls does not list kubernetes $v after installing it"
}

# ---------------------------------------------------------------------------------------------
# CRDs (toolchain/crds.sh) and Kuma (toolchain/kuma.sh)

# module_dir <module> <version>: sets MODULE_DIR (the module's directory in the Go module cache)
# and MODULE_SUM (its go.sum hash), downloading it if needed.
module_dir() {
  local json
  json=$(cd "$MESH_DR_CACHE" && go mod download -json "$1@$2" 2>&1) || {
    printf '%s\n' "$json" >&2
    die "cannot download Go module $1@$2"
  }
  MODULE_DIR=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  MODULE_SUM=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p')
  [ -d "$MODULE_DIR" ] || die "go mod download $1@$2 gave no directory"
}

# shellcheck source=toolchain/kuma.sh
source "$ROOT/scripts/toolchain/kuma.sh"
# shellcheck source=toolchain/crds.sh
source "$ROOT/scripts/toolchain/crds.sh"


# ---------------------------------------------------------------------------------------------
# --check

check() {
  local name want have status p rc=0 v
  printf '%-28s %-10s %-10s %s\n' NAME WANT HAVE STATUS
  for name in "${ALL_BINS[@]}"; do
    want=$(want_version "$name")
    have=-
    if [ -e "$(installed_path "$name")" ]; then
      p=$(readlink -f "$(installed_path "$name")")
      if has_version_command "$name"; then
        have=$(reported_version "$name" "$p")
        [ -n "$have" ] || have="?"
      else
        have="($([ "$p" -ef "$CACHE_BIN/$name-$want" ] && echo "$want" || echo other))"
      fi
      status="present -> $p"
      if has_version_command "$name" && [ "$have" != "$want" ]; then status="WRONG VERSION -> $p"; rc=1; fi
    elif [ -x "$CACHE_BIN/$name-$want" ]; then
      status="cached, not linked (run: bash scripts/toolchain.sh $name)"; rc=1
    else
      status="MISSING (run: bash scripts/toolchain.sh $name)"; rc=1
    fi
    printf '%-28s %-10s %-10s %s\n' "$name" "$want" "$have" "$status"
  done
  v=$(provider_version)
  if [ -x "$BIN_DIR/pulumi" ] && plugin_listed "$v"; then
    echo "plugin resource kubernetes $v: registered (${PULUMI_HOME:-~/.pulumi}/plugins)"
  else
    echo "plugin resource kubernetes $v: NOT registered (run: bash scripts/toolchain.sh pulumi-resource-kubernetes)"
    rc=1
  fi
  kuma_check || rc=1
  if [ -f "$CRDS_DIR/SOURCES.txt" ]; then
    echo "crds: $(crds_summary) (.toolchain/crds/SOURCES.txt)"
  else
    echo "crds: MISSING (run: bash scripts/toolchain.sh crds)"
    rc=1
  fi
  return $rc
}

# ---------------------------------------------------------------------------------------------

usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"; }

# CLEANUP and its EXIT trap: scripts/env.sh.

targets=()
for a in "$@"; do
  case $a in
    -h | --help) usage; exit 0 ;;
    --check) init_provider_version; check; exit $? ;;
    --require-kuma) kuma_find || die "$(kuma_missing_message)"; exit 0 ;;
    crds | kuma) targets+=("$a") ;;
    *)
      if [ "$a" = pulumi-resource-kubernetes ]; then init_provider_version; check_provider_known; fi
      want_version "$a" >/dev/null ||
        die "unknown name '$a' (known: ${ALL_BINS[*]} kuma crds; or --check, --require-kuma)"
      targets+=("$a") ;;
  esac
done
if ((${#targets[@]} == 0)); then
  init_provider_version
  check_provider_known
  targets=("${ALL_BINS[@]}" kuma-links crds)
fi

# Binaries that need no build (on PATH or in the cache at their version) need no lock either:
# linking them cannot race a build, so `npm run test:integration` (actionlint, kube-score) is not held up behind
# another run's long build. The rest (registration, CRDs, the language host's pairing) take it.
prebuilt() {
  case $1 in crds | kuma | kuma-links | pulumi-resource-kubernetes | pulumi-language-nodejs) return 1 ;; esac
  local v
  v=$(want_version "$1")
  # pulumi's directory (DIST_DIR) holds the language host too.
  { [ -x "$CACHE_BIN/$1-$v" ] && { [ "$1" != pulumi ] || [ -x "$CACHE_BIN/pulumi-language-nodejs-$LANGHOST_VERSION" ]; }; } ||
    find_on_path "$1" "$v" >/dev/null
}
all_prebuilt=true
for t in "${targets[@]}"; do prebuilt "$t" || { all_prebuilt=false; break; }; done
if $all_prebuilt; then
  mkdir -p "$BIN_DIR"
  for t in "${targets[@]}"; do ensure "$t"; done
  echo "==> toolchain ready in .toolchain/bin: ${targets[*]}"
  exit 0
fi

mkdir -p "$BIN_DIR" "$MESH_DR_CACHE"
exec 9>"$MESH_DR_CACHE/toolchain.lock"
if ! flock -n 9; then
  echo "==> waiting for another scripts/toolchain.sh run to finish (lock $MESH_DR_CACHE/toolchain.lock)"
  flock 9
fi

started=$SECONDS
for t in "${targets[@]}"; do
  case $t in
    crds) crds ;;
    kuma) kuma_link || { kuma_install && kuma_link; } ;;
    kuma-links) kuma_link || warn "$(kuma_missing_message) Until then the sandbox runs without control planes, and npm run test:kuma fails." ;;
    pulumi-resource-kubernetes)
      # Registration needs the CLI.
      [ -x "$BIN_DIR/pulumi" ] || ensure pulumi
      ensure pulumi-resource-kubernetes
      register_provider ;;
    *) ensure "$t" ;;
  esac
done
echo "==> toolchain ready in .toolchain/bin ($((SECONDS - started))s)"
