# The etcd all clusters of a sandbox share (each under its own --etcd-prefix), sourced by
# scripts/sandbox.sh: start it, check it, drop a cluster's keys.

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
