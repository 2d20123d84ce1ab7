// Names and labels fixed by the walkthrough, and how Pulumi resource names are derived from them.
// Everything else takes these values from here instead of retyping them.

/** Kubernetes object names the walkthrough fixes: the zone's gateway and the namespace it runs in. */
export const K8S_NAMES = {
    namespace: "kong",
    gateway: "kong",
    gatewayConfiguration: "kong",
    /** The walkthrough's service, which a stack without `services` runs (and the DR tool drills). */
    echo: "echo",
} as const;

/** What a stack without `services` runs: the walkthrough's echo. */
export const WALKTHROUGH_SERVICE = K8S_NAMES.echo;

/**
 * The names one service gives its objects, derived here once: its Kubernetes Service (in every
 * zone), MeshMultiZoneService and HTTPRoute share the service's name; the bridge, the route's
 * ExternalName Service beside the gateway, adds a suffix, and so do the global policies.
 */
export function serviceNames(service: string) {
    const bridge = `${service}-mmzs-service`;
    return {
        service,
        multiZoneService: service,
        route: service,
        /** The path prefix the gateway routes to it unless told otherwise. */
        defaultRoute: `/${service}`,
        bridge,
        /** The MeshTrafficPermission of `gatewaysOnly`. */
        permission: `${service}-gateways-only`,
        /** A failover policy's name: `<service>-<suffix>` (components/failover.ts). */
        policy: (suffix: string) => `${service}-${suffix}`,
        /** Pulumi names of the global components. */
        components: {
            multiZoneService: `${service}-mmzs`,
            failover: `${service}-failover`,
            permission: `${service}-permission`,
        },
        /** Pulumi names in a zone: the workload component and its objects are `<zone>-<service>`, like the HTTPRoute. */
        zoneObjects: (zone: string) => ({
            workload: zoneResourceName(zone, service),
            routeComponent: zoneResourceName(zone, `${service}-route`),
            bridge: zoneResourceName(zone, bridge),
            httpRoute: zoneResourceName(zone, service),
        }),
    };
}

/** Before services, the walkthrough's route component was `<zone>-route`. */
export function walkthroughRouteComponent(zone: string): string {
    return zoneResourceName(zone, "route");
}

/** A deployed workload's selector labels (for echo, as in the upstream echo-service.yaml). */
export function workloadLabels(service: string) {
    return { app: service };
}

/** Marks every object this program manages, so users and tests can find them. */
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "mesh-dr" } as const;

/**
 * Our stable label on Kong Operator's data-plane pods. Kuma turns pod labels into
 * dataplane tags, so MeshTrafficPermission can name exactly these callers.
 */
export const GATEWAY_POD_LABELS = {
    "app.kubernetes.io/name": "kong-gateway",
    "app.kubernetes.io/part-of": "mesh-dr",
} as const;

/** Namespace label that makes Kuma inject sidecars into every pod of the namespace. */
export const SIDECAR_INJECTION = { "kuma.io/sidecar-injection": "enabled" } as const;

/** Kuma's label for a MeshService's original Service name, the MMZS selector. */
export const DISPLAY_NAME_LABEL = "kuma.io/display-name";

/** Kuma's label for a MeshService's original Service namespace: with the display name, it picks one Service. */
export const NAMESPACE_LABEL = "k8s.kuma.io/namespace";

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
