# Stand-in pods for the Kuma zone control planes, sourced by scripts/sandbox.sh: kwok Pods that a
# zone CP turns into its ZoneIngress and ZoneEgress, and the gateway stand-in (`sandbox.sh gateway`)
# it turns into a delegated-gateway Dataplane. No Envoy runs in any of them.

# The image the chart would run the zone proxies with; kwok never pulls it.
KUMA_DP_IMAGE=kong/kuma-dp:2.14.3

# A zone's ZoneIngress and ZoneEgress, from kwok Pods the zone CP's pod controller turns into them
# (as from the chart's ingress/egress Deployments). The public address is a documentation address:
# no Envoy runs here, the CP only needs it to build other zones' endpoints.
kuma_zone_proxies() {
  local c=$1 idx
  idx=$(cluster_index "$c")
  {
    zone_proxy_yaml ingress 10001 "kuma.io/ingress: enabled, kuma.io/ingress-public-address: \"192.0.2.$((idx + 1))\", kuma.io/ingress-public-port: \"10001\""
    echo ---
    zone_proxy_yaml egress 10002 "kuma.io/egress: enabled"
  } | kc "$c" apply --server-side --force-conflicts --field-manager=sandbox -f - >/dev/null
}

zone_proxy_yaml() { # <ingress|egress> <port> <annotations, flow style>
  cat <<EOF
apiVersion: v1
kind: Service
metadata: {name: kuma-$1, namespace: $GLOBAL_NAMESPACE}
spec:
  selector: {app: kuma-$1}
  ports: [{name: $1, port: $2, targetPort: $2, protocol: TCP}]
---
apiVersion: v1
kind: Pod
metadata:
  name: kuma-$1
  namespace: $GLOBAL_NAMESPACE
  labels: {app: kuma-$1}
  annotations: {$3}
spec:
  containers:
  - {name: $1, image: "$KUMA_DP_IMAGE", ports: [{containerPort: $2, name: $1}]}
EOF
}

zone_ingress_exists() { [ -n "$(kc "$1" -n "$GLOBAL_NAMESPACE" get zoneingresses -o name 2>/dev/null)" ]; }

# kuma_gateway <zone>: what Kong Operator would run in the zone's `kong` namespace (it does not run
# here): a data-plane Pod with the gateway labels and kuma.io/gateway: enabled, which the zone CP
# turns into a delegated-gateway Dataplane. No Envoy connects, so the DataplaneInsight a connected
# proxy would have is written with the CP's own identity (the webhook allows only the CP to): the
# inspect API (/meshes/<mesh>/dataplanes/<name>/_config) needs it to compute the proxy's config.
# The namespace comes from `pulumi up`; the mesh from the namespace's Dataplanes.
KUMA_GATEWAY_POD=kong-gateway-standin
kuma_gateway() {
  local c=$1 mesh
  kc "$c" get namespace kong -o name >/dev/null 2>&1 || die "$c: no namespace kong yet (run pulumi up first)"
  kc "$c" apply --server-side --field-manager=sandbox -f - >/dev/null <<EOF2
apiVersion: v1
kind: Pod
metadata:
  name: $KUMA_GATEWAY_POD
  namespace: kong
  labels: {app.kubernetes.io/name: kong-gateway, app.kubernetes.io/part-of: mesh-dr}
  annotations: {kuma.io/gateway: enabled}
spec:
  containers:
  - {name: proxy, image: "kong/kong-gateway:3.11", ports: [{containerPort: 8000, name: proxy}]}
EOF2
  wait_for "$c: Dataplane of the gateway stand-in" "$(pidfile_of "$c" kuma-cp)" "$(logfile_of "$c" kuma-cp)" \
    kc "$c" -n kong get dataplane "$KUMA_GATEWAY_POD"
  mesh=$(kc "$c" -n kong get dataplane "$KUMA_GATEWAY_POD" -o jsonpath='{.mesh}')
  kubectl --kubeconfig "$(kuma_dir "$c")/kubeconfig" apply --server-side --field-manager=sandbox -f - >/dev/null <<EOF2
apiVersion: kuma.io/v1alpha1
kind: DataplaneInsight
metadata: {name: $KUMA_GATEWAY_POD, namespace: kong, labels: {kuma.io/mesh: $mesh}}
mesh: $mesh
status: {}
EOF2
  log "$c: gateway stand-in $KUMA_GATEWAY_POD.kong; its config: curl http://127.0.0.1:$(kuma_port "$c" api)/meshes/$mesh/dataplanes/$KUMA_GATEWAY_POD.kong/_config"
}
