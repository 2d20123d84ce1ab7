import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MeshMultiZoneService } from "../components/multizone-service";
import { K8S_NAMES } from "../components/names";
import { MeshZone } from "../components/zone";
import { StackConfig, clustersOf } from "./config";
import { clusterProvider } from "./providers";

export interface ZoneOutputs {
    cluster: string;
    context?: string;
    namespace: pulumi.Output<string>;
    gateway: pulumi.Output<string>;
    route: pulumi.Output<string>;
}

export interface DeployedStack {
    zones: Record<string, ZoneOutputs>;
    multiZoneService: { name: string; hostname: pulumi.Output<string>; port: number; namespace: string; cluster: string };
    globalControlPlane: { cluster: string; zone?: string; namespace: string };
}

/** Turns validated stack config into providers, the global MMZS and one MeshZone per zone. */
export function deployStack(config: StackConfig): DeployedStack {
    const providers = new Map<string, k8s.Provider>(
        clustersOf(config).map(c => [c.name, clusterProvider(c, config.skipUnreachableClusters)]));
    const providerOf = (cluster: { name: string }) => providers.get(cluster.name)!;

    const mmzs = new MeshMultiZoneService(`${K8S_NAMES.multiZoneService}-mmzs`, {
        serviceName: K8S_NAMES.multiZoneService,
        systemNamespace: config.global.systemNamespace,
        meshName: config.meshName,
        port: config.echo.port,
    }, { provider: providerOf(config.global.cluster) });

    const zones: Record<string, ZoneOutputs> = {};
    for (const z of config.zones) {
        const zone = new MeshZone(z.name, {
            zone: z.name,
            echo: { image: config.echo.image, replicas: z.echoReplicas },
            gateway: config.gateway,
            multiZoneService: { hostname: mmzs.hostname, port: mmzs.port },
            routeBackend: z.routeBackend,
            platform: config.platform.install ? config.platform : undefined,
        }, { provider: providerOf(z.cluster) });
        zones[z.name] = {
            cluster: z.cluster.name,
            context: z.cluster.context,
            namespace: zone.namespace.metadata.name,
            gateway: zone.gateway.gatewayName,
            route: zone.route.route.metadata.name,
        };
    }

    return {
        zones,
        multiZoneService: {
            name: K8S_NAMES.multiZoneService,
            hostname: mmzs.hostname,
            port: mmzs.port,
            namespace: config.global.systemNamespace,
            cluster: config.global.cluster.name,
        },
        globalControlPlane: { cluster: config.global.cluster.name, zone: config.global.zone, namespace: config.global.systemNamespace },
    };
}
