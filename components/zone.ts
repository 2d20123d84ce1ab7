import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KongGateway, KongGatewayArgs } from "./gateway";
import { K8S_NAMES, MANAGED_BY, SIDECAR_INJECTION, serviceNames, zoneResourceName } from "./names";
import { ZonePlatform, ZonePlatformArgs } from "./platform";
import { RouteBackend, ServiceRoute } from "./service-route";
import { ServiceWorkload, WorkloadSpec } from "./service-workload";

/** One service as a zone sees it: routed on the zone's gateway, and deployed when it has a workload. */
export interface ZoneServiceArgs {
    name: string;
    /** Where the service's Service runs in the zone. */
    namespace: string;
    port: number;
    /** Path prefixes on the zone's gateway. */
    paths: string[];
    backend: RouteBackend;
    /** The service's MeshMultiZoneService hostname, which the bridge points at. */
    multiZoneHostname: pulumi.Input<string>;
    /** Deployed by mesh-dr; absent when the service already runs in the zone. */
    workload?: WorkloadSpec & { replicas: number };
}

export interface MeshZoneArgs {
    /** Zone name; prefixes every resource name (`zone1-echo`). */
    zone: string;
    gateway: Omit<KongGatewayArgs, "zone" | "namespace">;
    services: ZoneServiceArgs[];
    /** When set, cert-manager and Kong Operator are installed first. */
    platform?: Omit<ZonePlatformArgs, "zone">;
}

/**
 * One Kong Mesh zone, on that zone's cluster: namespace `kong` in the mesh with a Kong Gateway run
 * by Kong Operator, and per service its route on the gateway and, when declared, its workload. A
 * service namespace mesh-dr did not create is joined to the mesh by a patch of its injection label,
 * given back on destroy; the namespace itself is never created or deleted.
 */
export class MeshZone extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly gateway: KongGateway;
    readonly routes: Record<string, ServiceRoute> = {};
    readonly workloads: Record<string, ServiceWorkload> = {};
    readonly platform?: ZonePlatform;

    constructor(name: string, args: MeshZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:MeshZone", name, {}, opts);
        const zone = args.zone;

        // The injection label must be there before any pod starts, so everything below uses this name.
        this.namespace = new k8s.core.v1.Namespace(
            zoneResourceName(zone, K8S_NAMES.namespace),
            {
                metadata: { name: K8S_NAMES.namespace, labels: { ...SIDECAR_INJECTION, ...MANAGED_BY } },
            },
            { parent: this },
        );
        const namespace = this.namespace.metadata.name;
        const inMesh = new Map<string, pulumi.Output<string>>([[K8S_NAMES.namespace, namespace]]);
        for (const ns of new Set(args.services.map(s => s.namespace))) {
            if (inMesh.has(ns)) continue;
            const patch = new k8s.core.v1.NamespacePatch(
                zoneResourceName(zone, ns),
                {
                    metadata: { name: ns, labels: { ...SIDECAR_INJECTION } },
                },
                { parent: this },
            );
            inMesh.set(
                ns,
                patch.metadata.apply(m => m.name!),
            );
        }

        if (args.platform) {
            this.platform = new ZonePlatform(
                zoneResourceName(zone, "platform"),
                { zone, ...args.platform },
                { parent: this },
            );
        }
        const afterPlatform = { parent: this, dependsOn: this.platform ? [this.platform] : [] };

        for (const s of args.services.filter(x => x.workload)) {
            this.workloads[s.name] = new ServiceWorkload(
                serviceNames(s.name).zoneObjects(zone).workload,
                {
                    service: s.name,
                    namespace: inMesh.get(s.namespace)!,
                    port: s.port,
                    ...s.workload!,
                },
                { parent: this },
            );
        }

        this.gateway = new KongGateway(
            zoneResourceName(zone, "gateway"),
            { zone, namespace, ...args.gateway },
            afterPlatform,
        );

        for (const s of args.services) {
            this.routes[s.name] = new ServiceRoute(
                serviceNames(s.name).zoneObjects(zone).routeComponent,
                {
                    zone,
                    service: s.name,
                    namespace,
                    gatewayName: this.gateway.gatewayName,
                    multiZoneHostname: s.multiZoneHostname,
                    port: s.port,
                    paths: s.paths,
                    backend: s.backend,
                },
                afterPlatform,
            );
        }

        this.registerOutputs({ namespace, gateway: this.gateway.gatewayName });
    }
}
