import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { failoverDetectionModel } from "../components/cp-profile";
import { FailoverPolicies } from "../components/failover";
import { MeshSettings } from "../components/mesh";
import { MeshMultiZoneService } from "../components/multizone-service";
import { K8S_NAMES } from "../components/names";
import { EchoTrafficPermission } from "../components/traffic-permission";
import { MeshZone } from "../components/zone";
import { StackConfig, clustersOf } from "./config";
import { globalControlPlane, globalControlPlaneOutput } from "./global";
import { clusterProvider } from "./providers";
import { deployerRbac, rbacSettingsOf } from "./rbac";

export interface ZoneOutputs {
    cluster: string;
    context?: string;
    namespace: pulumi.Output<string>;
    gateway: pulumi.Output<string>;
    route: pulumi.Output<string>;
}

export interface DeployedStack {
    zones: Record<string, ZoneOutputs>;
    multiZoneService: { name: string; hostname: pulumi.Output<string>; port: number; envoyCluster: string };
    globalControlPlane: ReturnType<typeof globalControlPlaneOutput>;
    /** The worst cases with Kuma's default control-plane settings, and under the DR profile. */
    failover: {
        enabled: boolean;
        targetSeconds: number;
        sameZoneWorstCaseSeconds: number;
        otherZoneWorstCaseSeconds: number;
        drProfile: ReturnType<typeof failoverDetectionModel>;
    };
    /** The RBAC objects the deploy identity needs, per cluster part (docs/team-workflow.md, "Least privilege"). */
    deployerRbac: { zone: object[]; global: object[] };
}

/** Turns validated stack config into providers, the global objects and one MeshZone per zone. */
export function deployStack(config: StackConfig): DeployedStack {
    const providers = new Map<string, k8s.Provider>(
        clustersOf(config).map(c => [c.name, clusterProvider(c, config.skipUnreachableClusters)]));
    const providerOf = (cluster: { name: string }) => providers.get(cluster.name)!;
    const controlPlane = globalControlPlane(config.global, providerOf);
    const meshName = config.mesh.name;
    const serviceName = K8S_NAMES.multiZoneService;

    // Policies and the MMZS name the Mesh, so they wait for it when we manage it.
    const mesh = config.mesh.manage === "none" ? undefined : new MeshSettings(`${meshName}-mesh`, {
        controlPlane, meshName, mode: config.mesh.manage, meshServicesMode: config.mesh.meshServicesMode, zoneEgress: config.mesh.zoneEgress,
    });
    const afterMesh = { dependsOn: mesh ? [mesh] : [] };

    const mmzs = new MeshMultiZoneService(`${serviceName}-mmzs`, {
        controlPlane, serviceName, meshName, port: config.echo.port,
    }, afterMesh);

    if (config.failover.enabled) {
        new FailoverPolicies(`${serviceName}-failover`, {
            ...config.failover,
            controlPlane, serviceName, meshName,
            targetLabels: mmzs.targetLabels,
            envoyCluster: mmzs.envoyCluster,
            failoverOrder: Object.fromEntries(config.zones.filter(z => z.failoverOrder.length > 0).map(z => [z.name, z.failoverOrder])),
        }, afterMesh);
    }
    if (config.gatewaysOnly) {
        new EchoTrafficPermission(`${serviceName}-permission`, { controlPlane, serviceName, meshName }, afterMesh);
    }

    const { install: installPlatform, ...platform } = config.platform;
    const zones: Record<string, ZoneOutputs> = {};
    for (const z of config.zones) {
        const zone = new MeshZone(z.name, {
            zone: z.name,
            echo: { image: config.echo.image, replicas: z.echoReplicas },
            gateway: config.gateway,
            multiZoneService: { hostname: mmzs.hostname, port: mmzs.port },
            routeBackend: z.routeBackend,
            platform: installPlatform ? platform : undefined,
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
            name: serviceName, hostname: mmzs.hostname, port: mmzs.port, envoyCluster: mmzs.envoyCluster,
        },
        globalControlPlane: globalControlPlaneOutput(config.global, meshName),
        // Kuma's own endpoint removal, with or without our failover policies. The stack does not
        // know its control planes' settings (`dr status` reads them): Kuma's defaults stay the
        // outputs drills plan for, as the slower case.
        failover: {
            enabled: config.failover.enabled,
            targetSeconds: config.failover.targetSeconds,
            ...failoverDetectionModel("default"),
            drProfile: failoverDetectionModel("dr"),
        },
        deployerRbac: {
            zone: deployerRbac("zone", rbacSettingsOf(config)),
            // An API global control plane is not reached through Kubernetes: no RBAC there.
            global: config.global.kind === "kubernetes" ? deployerRbac("global", rbacSettingsOf(config)) : [],
        },
    };
}
