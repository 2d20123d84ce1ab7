# Kuma, a tool the user installs: never built or vendored by this project. Sourced by
# scripts/toolchain.sh (which provides ROOT, BIN_DIR, MESH_DR_CACHE, die, warn and, from env.sh,
# kuma_missing_message).
#
# Kong Mesh 2.14 runs Kuma 2.14. Accepted: kuma-cp and kumactl reporting 2.14.x, any patch: patch
# releases keep the CRDs and the API this project is checked against (../shared/crds and
# ../shared/kuma-api hold 2.14.3's), while another minor changes policy schemas and defaults.
# Looked for, in order: $KUMA_HOME/bin, PATH (outside .toolchain/bin), and the release that
# `toolchain.sh kuma` unpacked into $MESH_DR_CACHE/kuma-<version>/. The pair found is linked into
# .toolchain/bin, which is how the sandbox knows that Kuma is installed.

KUMA_SERIES=2.14
KUMA_RELEASE=2.14.3
KUMA_BINS=(kuma-cp kumactl)

# kuma_version_of <binary>: the version it reports (2.14.3), empty when it does not answer.
# `kuma-cp version` prints "Kuma: 2.14.3"; `kumactl version` "Client: Kuma 2.14.3" and then asks
# a control plane for its own (stderr, ignored).
kuma_version_of() {
  timeout 20 "$1" version 2>/dev/null </dev/null | awk 'NR == 1 {print $NF}' || true
}

kuma_accepted() { [[ "$1" == "$KUMA_SERIES".* ]] && [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; }

# kuma_candidates: one directory per line that may hold the pair.
kuma_candidates() {
  local d real_bin
  [ -z "${KUMA_HOME:-}" ] || echo "$KUMA_HOME/bin"
  real_bin=$(cd "$BIN_DIR" 2>/dev/null && pwd -P || echo "$BIN_DIR")
  local IFS=:
  for d in $PATH; do
    [ -n "$d" ] && [ -d "$d" ] || continue
    [ "$(cd "$d" && pwd -P)" = "$real_bin" ] && continue
    echo "$d"
  done
  echo "$MESH_DR_CACHE/kuma-$KUMA_RELEASE/bin"
}

# kuma_find: sets KUMA_DIR and KUMA_FOUND_VERSION to the first directory whose kuma-cp and
# kumactl both report an accepted version; KUMA_REJECTED lists the pairs refused, and why.
kuma_find() {
  local d b v vs
  KUMA_DIR= KUMA_FOUND_VERSION= KUMA_REJECTED=()
  while IFS= read -r d; do
    [ -x "$d/kuma-cp" ] || [ -x "$d/kumactl" ] || continue
    vs=()
    for b in "${KUMA_BINS[@]}"; do
      if [ -x "$d/$b" ]; then v=$(kuma_version_of "$d/$b"); else v=missing; fi
      vs+=("${v:-?}")
    done
    if kuma_accepted "${vs[0]}" && [ "${vs[0]}" = "${vs[1]}" ]; then
      KUMA_DIR=$d KUMA_FOUND_VERSION=${vs[0]}
      return 0
    fi
    KUMA_REJECTED+=("$d (kuma-cp ${vs[0]}, kumactl ${vs[1]}; want both at one $KUMA_SERIES.x)")
  done < <(kuma_candidates)
  return 1
}

# The old source build's leftovers are never used again (nothing builds Kuma here any more).
kuma_old_build() {
  find "$MESH_DR_CACHE/bin" -maxdepth 1 \( -name 'kuma-cp-v*' -o -name 'kumactl-v*' \) 2>/dev/null
  find "$MESH_DR_CACHE/src" -maxdepth 1 -name 'kuma*' 2>/dev/null
  find "$MESH_DR_CACHE" -maxdepth 1 -name 'kuma-v*' 2>/dev/null
}
kuma_remove_old_build() {
  local f
  while IFS= read -r f; do
    [ -n "$f" ] || continue
    echo "==> removing $f (left by the old Kuma source build; Kuma is now installed, not built)"
    rm -rf "$f"
  done < <(kuma_old_build)
}

# kuma_link: links the Kuma found into .toolchain/bin, or removes the links when there is none.
kuma_link() {
  local b r
  kuma_remove_old_build
  if kuma_find; then
    for b in "${KUMA_BINS[@]}"; do
      [ "$(readlink "$BIN_DIR/$b" 2>/dev/null)" = "$KUMA_DIR/$b" ] && continue
      ln -sfn "$KUMA_DIR/$b" "$BIN_DIR/$b"
      echo "==> $b $KUMA_FOUND_VERSION: using $KUMA_DIR/$b"
    done
    return 0
  fi
  rm -f "${KUMA_BINS[@]/#/$BIN_DIR/}"
  for r in "${KUMA_REJECTED[@]}"; do warn "not using $r"; done
  return 1
}

kuma_arch() {
  case $(uname -m) in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) die "Kuma publishes linux-amd64 and linux-arm64 releases; this machine is $(uname -m)" ;;
  esac
}

# The tarball kuma.io's installer downloads. KUMA_RELEASE_URL overrides it (a mirror of yours).
kuma_release_url() {
  local arch=$1
  echo "${KUMA_RELEASE_URL:-https://packages.konghq.com/public/kuma-binaries-release/raw/names/kuma-linux-$arch/versions/$KUMA_RELEASE/kuma-$KUMA_RELEASE-linux-$arch.tar.gz}"
}

# kuma_install: the official release into $MESH_DR_CACHE/kuma-<version>/. No checksum is
# published for it, so what is unpacked is checked instead: the archive is a whole gzip'd tar
# (a download cut short fails here); every entry lies under kuma-<version>/ (no absolute path,
# no ..); bin/kuma-cp and bin/kumactl are there and report exactly <version> when run. Its
# SHA-256 is printed and kept beside it; KUMA_SHA256 (one you trust, e.g. from another machine)
# makes a different digest an error before anything is unpacked.
kuma_install() {
  local arch url dest=$MESH_DR_CACHE/kuma-$KUMA_RELEASE dl tmp sum bad b v
  arch=$(kuma_arch)
  url=$(kuma_release_url "$arch")
  command -v curl >/dev/null 2>&1 || die "installing Kuma needs curl"
  mkdir -p "$MESH_DR_CACHE/downloads"
  dl=$MESH_DR_CACHE/downloads/kuma-$KUMA_RELEASE-linux-$arch.tar.gz
  echo "==> downloading Kuma $KUMA_RELEASE (linux-$arch) from $url"
  # Fails fast without a network, and gives up on a stalled transfer instead of hanging.
  if ! curl -fsSL --proto '=https,file' --connect-timeout 15 --speed-limit 10240 --speed-time 60 \
    --max-time 1800 -o "$dl.tmp" "$url" 2>"$dl.err"; then
    rm -f "$dl.tmp"
    die "cannot download Kuma $KUMA_RELEASE from $url: $(tail -n1 "$dl.err"). Without internet access, install Kuma $KUMA_SERIES.x by other means and put its bin/ on PATH or set KUMA_HOME (or set KUMA_RELEASE_URL to a mirror)."
  fi
  rm -f "$dl.err"
  sum=$(sha256sum "$dl.tmp" | cut -d' ' -f1)
  if [ -n "${KUMA_SHA256:-}" ] && [ "$sum" != "$KUMA_SHA256" ]; then
    rm -f "$dl.tmp"
    die "the Kuma $KUMA_RELEASE download has SHA-256 $sum, not KUMA_SHA256=$KUMA_SHA256: refused"
  fi
  gzip -t "$dl.tmp" 2>/dev/null || { rm -f "$dl.tmp"; die "$url: not a whole gzip file (cut short?)"; }
  bad=$(tar -tzf "$dl.tmp" | awk -v top="kuma-$KUMA_RELEASE/" 'index($0, top) != 1 || /(^|\/)\.\.(\/|$)/' | head -n3)
  [ -z "$bad" ] || { rm -f "$dl.tmp"; die "$url: entries outside kuma-$KUMA_RELEASE/: $bad"; }
  tmp=$(mktemp -d "$MESH_DR_CACHE/kuma-unpack.XXXXXX")
  CLEANUP+=("$tmp")
  tar -xzf "$dl.tmp" -C "$tmp" --no-same-owner
  for b in "${KUMA_BINS[@]}"; do
    [ -x "$tmp/kuma-$KUMA_RELEASE/bin/$b" ] || die "$url: no bin/$b in kuma-$KUMA_RELEASE/"
    v=$(kuma_version_of "$tmp/kuma-$KUMA_RELEASE/bin/$b")
    [ "$v" = "$KUMA_RELEASE" ] || die "$url: bin/$b reports version '${v:-none}', not $KUMA_RELEASE"
  done
  echo "$sum  kuma-$KUMA_RELEASE-linux-$arch.tar.gz" >"$tmp/kuma-$KUMA_RELEASE/SHA256"
  rm -rf "$dest"
  mv "$tmp/kuma-$KUMA_RELEASE" "$dest"
  rm -f "$dl.tmp"
  echo "    installed in $dest (SHA-256 of the download: $sum)"
}

# kuma_check: the --check lines.
kuma_check() {
  local f rc=0
  while IFS= read -r f; do
    [ -n "$f" ] && { echo "kuma: STALE $f (the old source build's; removed by the next bash scripts/toolchain.sh)"; rc=1; }
  done < <(kuma_old_build)
  if kuma_find; then
    echo "kuma: $KUMA_FOUND_VERSION in $KUMA_DIR$([ "$(readlink "$BIN_DIR/kuma-cp" 2>/dev/null)" = "$KUMA_DIR/kuma-cp" ] && echo ", linked" || echo ", not linked (run: bash scripts/toolchain.sh)")"
  else
    for f in "${KUMA_REJECTED[@]}"; do echo "kuma: not using $f"; done
    echo "kuma: not installed (optional: the sandbox then runs no control plane; npm run test:kuma needs it). $(kuma_missing_message)"
  fi
  return $rc
}
