import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EchoWorkload, EchoWorkloadArgs } from "./echo";
import { KongGateway, KongGatewayArgs } from "./gateway";
import { K8S_NAMES, MANAGED_BY, SIDECAR_INJECTION, zoneResourceName } from "./names";
import { ZonePlatform, ZonePlatformArgs } from "./platform";
import { EchoRoute, RouteBackend } from "./route";

export interface MeshZoneArgs {
    /** Zone name; prefixes every resource name (`zone1-echo`). */
    zone: string;
    echo: Pick<EchoWorkloadArgs, "image" | "replicas">;
    gateway: Omit<KongGatewayArgs, "zone" | "namespace">;
    /** The global MeshMultiZoneService this zone's route reaches. */
    multiZoneService: { hostname: pulumi.Input<string>; port: number };
    routeBackend: RouteBackend;
    /** When set, cert-manager and Kong Operator are installed first. */
    platform?: Omit<ZonePlatformArgs, "zone">;
}

/**
 * One Kong Mesh zone of the walkthrough, on that zone's cluster: namespace `kong` in the mesh,
 * the echo workload, a Kong Gateway run by Kong Operator, and the `/echo` route.
 */
export class MeshZone extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly echo: EchoWorkload;
    readonly gateway: KongGateway;
    readonly route: EchoRoute;
    readonly platform?: ZonePlatform;

    constructor(name: string, args: MeshZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:MeshZone", name, {}, opts);
        const zone = args.zone;

        // The injection label must be there before any pod starts, so everything below uses this name.
        this.namespace = new k8s.core.v1.Namespace(zoneResourceName(zone, K8S_NAMES.namespace), {
            metadata: { name: K8S_NAMES.namespace, labels: { ...SIDECAR_INJECTION, ...MANAGED_BY } },
        }, { parent: this });
        const namespace = this.namespace.metadata.name;

        if (args.platform) {
            this.platform = new ZonePlatform(zoneResourceName(zone, "platform"), { zone, ...args.platform }, { parent: this });
        }

        this.echo = new EchoWorkload(zoneResourceName(zone, "echo"), {
            zone, namespace, ...args.echo, port: args.multiZoneService.port,
        }, { parent: this });

        this.gateway = new KongGateway(zoneResourceName(zone, "gateway"), { zone, namespace, ...args.gateway },
            { parent: this, dependsOn: this.platform ? [this.platform] : [] });

        this.route = new EchoRoute(zoneResourceName(zone, "route"), {
            zone,
            namespace,
            gatewayName: this.gateway.gatewayName,
            multiZoneHostname: args.multiZoneService.hostname,
            port: args.multiZoneService.port,
            backend: args.routeBackend,
        }, { parent: this, dependsOn: this.platform ? [this.platform] : [] });

        this.registerOutputs({ namespace, gateway: this.gateway.gatewayName, route: this.route.route.metadata.name });
    }
}
