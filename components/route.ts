import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY_API } from "./gateway";
import { K8S_NAMES, MANAGED_BY, zoneResourceName } from "./names";

export type RouteBackend = "multizone" | "local";

export interface EchoRouteArgs {
    zone: string;
    namespace: pulumi.Input<string>;
    gatewayName: pulumi.Input<string>;
    /** The MeshMultiZoneService's hostname, from the global component. */
    multiZoneHostname: pulumi.Input<string>;
    /** The echo port: the same on the echo Service, the MMZS and this route. */
    port: number;
    /** `multizone` (default) sends /echo through the MMZS; `local` to the zone's own echo Service. */
    backend: RouteBackend;
}

/** The Service the route's backendRef names for a backend choice. */
export function routeBackendService(backend: RouteBackend): string {
    return backend === "multizone" ? K8S_NAMES.mmzsBackend : K8S_NAMES.echo;
}

export function httpRouteSpec(gatewayName: pulumi.Input<string>, backend: RouteBackend, port: number) {
    return {
        parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: gatewayName }],
        rules: [{
            matches: [{ path: { type: "PathPrefix", value: "/echo" } }],
            backendRefs: [{ name: routeBackendService(backend), port }],
        }],
    };
}

/**
 * How the zone's gateway reaches echo: the ExternalName Service `echo-mmzs-service`, a CNAME
 * to the MMZS hostname that only the mesh resolves, and the HTTPRoute `echo` on `/echo`.
 */
export class EchoRoute extends pulumi.ComponentResource {
    readonly multiZoneBackend: k8s.core.v1.Service;
    readonly route: k8s.apiextensions.CustomResource;

    constructor(name: string, args: EchoRouteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:EchoRoute", name, {}, opts);
        const labels = { ...MANAGED_BY };

        this.multiZoneBackend = new k8s.core.v1.Service(zoneResourceName(args.zone, K8S_NAMES.mmzsBackend), {
            metadata: { name: K8S_NAMES.mmzsBackend, namespace: args.namespace, labels },
            spec: {
                type: "ExternalName",
                externalName: args.multiZoneHostname,
                ports: [{ name: "http", port: args.port, targetPort: args.port }],
            },
        }, { parent: this });

        this.route = new k8s.apiextensions.CustomResource(zoneResourceName(args.zone, K8S_NAMES.route), {
            apiVersion: GATEWAY_API,
            kind: "HTTPRoute",
            metadata: { name: K8S_NAMES.route, namespace: args.namespace, labels },
            spec: httpRouteSpec(args.gatewayName, args.backend, args.port),
        }, { parent: this, dependsOn: [this.multiZoneBackend] });

        this.registerOutputs({ route: this.route.metadata.name, multiZoneBackend: this.multiZoneBackend.metadata.name });
    }
}
