// Names and labels fixed by the walkthrough, and how Pulumi resource names are derived from them.
// Everything else takes these values from here instead of retyping them.

/** Kubernetes object names the walkthrough fixes. */
export const K8S_NAMES = {
    namespace: "kong",
    echo: "echo",
    gateway: "kong",
    gatewayConfiguration: "kong",
    route: "echo",
    mmzsBackend: "echo-mmzs-service",
    multiZoneService: "echo",
} as const;

/** The echo workload's selector labels (as in the upstream echo-service.yaml). */
export const ECHO_LABELS = { app: "echo" } as const;

/** Marks every object this program manages, so users and tests can find them. */
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "mesh-dr" } as const;

/**
 * Our stable label on Kong Operator's data-plane pods. Kuma turns pod labels into
 * dataplane tags, so MeshTrafficPermission can name exactly these callers.
 */
export const GATEWAY_POD_LABELS = { "app.kubernetes.io/name": "kong-gateway", "app.kubernetes.io/part-of": "mesh-dr" } as const;

/** Namespace label that makes Kuma inject sidecars into every pod of the namespace. */
export const SIDECAR_INJECTION = { "kuma.io/sidecar-injection": "enabled" } as const;

/** Kuma's label for a MeshService's original Service name, the MMZS selector. */
export const DISPLAY_NAME_LABEL = "kuma.io/display-name";

/** The hostname Kuma's default HostnameGenerator gives a MeshMultiZoneService. */
export function multiZoneServiceHostname(displayName: string): string {
    return `${displayName}.mzsvc.mesh.local`;
}

/**
 * The Envoy cluster Kuma generates for a MeshMultiZoneService port on a proxy without workload
 * identity (builtin mTLS; delegated gateways): `<mesh>_<name>_<namespace>__mzsvc_<port>`, as read
 * from a real zone CP's computed config. (With MeshIdentity it would be a KRI, `kri_mzsvc_...`.)
 */
export function multiZoneServiceEnvoyCluster(mesh: string, name: string, namespace: string, port: number): string {
    return `${mesh}_${name}_${namespace}__mzsvc_${port}`;
}

/** Pulumi resource name of an object in a zone: `<zone>-<kubernetes name>`, e.g. `zone1-echo`. */
export function zoneResourceName(zone: string, k8sName: string): string {
    return `${zone}-${k8sName}`;
}
