import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY_API } from "./gateway";
import { MANAGED_BY, WALKTHROUGH_SERVICE, serviceNames, walkthroughRouteComponent } from "./names";

export type RouteBackend = "multizone" | "local";

export interface ServiceRouteArgs {
    zone: string;
    /** The service's name: its HTTPRoute's, and with a suffix its bridge's. */
    service: string;
    /** The gateway's namespace, where the bridge and the HTTPRoute live. */
    namespace: pulumi.Input<string>;
    gatewayName: pulumi.Input<string>;
    /** The MeshMultiZoneService's hostname, from the global component. */
    multiZoneHostname: pulumi.Input<string>;
    /** The service's port: the same on its Service, the MMZS, the bridge and this route. */
    port: number;
    /** Path prefixes the gateway routes to the service. */
    paths: string[];
    /** `multizone` (default) sends the paths through the MMZS; `local` to the zone's own Service. */
    backend: RouteBackend;
}

/** The Service the route's backendRef names for a backend choice. */
export function routeBackendService(service: string, backend: RouteBackend): string {
    const names = serviceNames(service);
    return backend === "multizone" ? names.bridge : names.service;
}

export function httpRouteSpec(
    service: string,
    gatewayName: pulumi.Input<string>,
    backend: RouteBackend,
    port: number,
    paths: string[],
) {
    return {
        parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: gatewayName }],
        rules: [
            {
                matches: paths.map(value => ({ path: { type: "PathPrefix", value } })),
                backendRefs: [{ name: routeBackendService(service, backend), port }],
            },
        ],
    };
}

/**
 * How the zone's gateway reaches a service: the bridge, an ExternalName Service `<name>-mmzs-service`
 * that CNAMEs to the MMZS hostname only the mesh resolves, and the HTTPRoute `<name>` on its paths.
 * Both sit beside the gateway, so the route's backendRef stays in its own namespace (no ReferenceGrant).
 */
export class ServiceRoute extends pulumi.ComponentResource {
    readonly multiZoneBackend: k8s.core.v1.Service;
    readonly route: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ServiceRouteArgs, opts?: pulumi.ComponentResourceOptions) {
        // The walkthrough's route was the EchoRoute `<zone>-route`: the alias keeps its objects in place.
        const aliases =
            args.service === WALKTHROUGH_SERVICE
                ? [{ name: walkthroughRouteComponent(args.zone), type: "mesh-dr:index:EchoRoute" }]
                : [];
        super("mesh-dr:index:ServiceRoute", name, {}, { ...opts, aliases });
        const labels = { ...MANAGED_BY };
        const names = serviceNames(args.service);
        const zoneNames = names.zoneObjects(args.zone);

        this.multiZoneBackend = new k8s.core.v1.Service(
            zoneNames.bridge,
            {
                metadata: { name: names.bridge, namespace: args.namespace, labels },
                spec: {
                    type: "ExternalName",
                    externalName: args.multiZoneHostname,
                    ports: [{ name: "http", port: args.port, targetPort: args.port }],
                },
            },
            { parent: this },
        );

        this.route = new k8s.apiextensions.CustomResource(
            zoneNames.httpRoute,
            {
                apiVersion: GATEWAY_API,
                kind: "HTTPRoute",
                metadata: { name: names.route, namespace: args.namespace, labels },
                spec: httpRouteSpec(args.service, args.gatewayName, args.backend, args.port, args.paths),
            },
            { parent: this, dependsOn: [this.multiZoneBackend] },
        );

        this.registerOutputs({
            route: this.route.metadata.name,
            multiZoneBackend: this.multiZoneBackend.metadata.name,
        });
    }
}
