import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { failoverDetectionModel } from "../components/cp-profile";
import { FailoverPolicies } from "../components/failover";
import { MeshSettings } from "../components/mesh";
import { MeshMultiZoneService } from "../components/multizone-service";
import { serviceNames } from "../components/names";
import { ServiceTrafficPermission } from "../components/traffic-permission";
import { MeshZone } from "../components/zone";
import { ServiceConfig, StackConfig, clustersOf } from "./config";
import { globalControlPlane, globalControlPlaneOutput } from "./global";
import { clusterProvider } from "./providers";
import { deployerRbac, rbacSettingsOf } from "./rbac";

export interface ZoneOutputs {
    cluster: string;
    context?: string;
    namespace: pulumi.Output<string>;
    gateway: pulumi.Output<string>;
    /** The first service's HTTPRoute (echo's, without `services`). */
    route: pulumi.Output<string>;
}

/** What a client needs of a service's MeshMultiZoneService. */
export interface MultiZoneServiceOutput {
    name: string;
    hostname: pulumi.Output<string>;
    port: number;
    envoyCluster: string;
}

export interface ServiceOutputs extends MultiZoneServiceOutput {
    namespace: string;
    /** Path prefixes on every zone's gateway. */
    routes: string[];
    /** Whether mesh-dr deploys the workload, or wires DR for a Service that already runs. */
    deployed: boolean;
}

export interface DeployedStack {
    zones: Record<string, ZoneOutputs>;
    /** The first service's (echo's, without `services`). */
    multiZoneService: MultiZoneServiceOutput;
    services: Record<string, ServiceOutputs>;
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

/** A service's global objects: its MeshMultiZoneService, failover policies and traffic permission. */
function globalObjects(
    s: ServiceConfig,
    config: StackConfig,
    controlPlane: ReturnType<typeof globalControlPlane>,
    opts: pulumi.ComponentResourceOptions,
): MeshMultiZoneService {
    const meshName = config.mesh.name;
    const names = serviceNames(s.name);
    const mmzs = new MeshMultiZoneService(
        names.components.multiZoneService,
        {
            controlPlane,
            serviceName: s.name,
            serviceNamespace: s.namespace,
            meshName,
            port: s.port,
        },
        opts,
    );
    if (s.failover.enabled) {
        new FailoverPolicies(
            names.components.failover,
            {
                ...s.failover,
                controlPlane,
                serviceName: s.name,
                meshName,
                targetLabels: mmzs.targetLabels,
                envoyCluster: mmzs.envoyCluster,
                failoverOrder: Object.fromEntries(
                    config.zones.filter(z => z.failoverOrder.length > 0).map(z => [z.name, z.failoverOrder]),
                ),
            },
            opts,
        );
    }
    if (s.gatewaysOnly) {
        new ServiceTrafficPermission(
            names.components.permission,
            {
                controlPlane,
                serviceName: s.name,
                meshName,
                podLabels: s.podLabels!,
                serviceNamespace: s.namespace,
            },
            opts,
        );
    }
    return mmzs;
}

/** Turns validated stack config into providers, the global objects and one MeshZone per zone. */
export function deployStack(config: StackConfig): DeployedStack {
    const providers = new Map<string, k8s.Provider>(
        clustersOf(config).map(c => [c.name, clusterProvider(c, config.skipUnreachableClusters)]),
    );
    const providerOf = (cluster: { name: string }) => providers.get(cluster.name)!;
    const controlPlane = globalControlPlane(config.global, providerOf);
    const meshName = config.mesh.name;

    // Policies and the MMZS name the Mesh, so they wait for it when we manage it.
    const mesh =
        config.mesh.manage === "none"
            ? undefined
            : new MeshSettings(`${meshName}-mesh`, {
                  controlPlane,
                  meshName,
                  mode: config.mesh.manage,
                  meshServicesMode: config.mesh.meshServicesMode,
                  zoneEgress: config.mesh.zoneEgress,
              });
    const afterMesh = { dependsOn: mesh ? [mesh] : [] };
    const mmzs = new Map(config.services.map(s => [s.name, globalObjects(s, config, controlPlane, afterMesh)]));

    const { install: installPlatform, ...platform } = config.platform;
    const first = config.services[0].name;
    const zones: Record<string, ZoneOutputs> = {};
    for (const z of config.zones) {
        const zone = new MeshZone(
            z.name,
            {
                zone: z.name,
                gateway: config.gateway,
                services: config.services.map(s => ({
                    name: s.name,
                    namespace: s.namespace,
                    port: s.port,
                    paths: s.routes,
                    backend: z.services[s.name].routeBackend,
                    multiZoneHostname: mmzs.get(s.name)!.hostname,
                    workload: s.workload && { ...s.workload, replicas: z.services[s.name].replicas! },
                })),
                platform: installPlatform ? platform : undefined,
            },
            { provider: providerOf(z.cluster) },
        );
        zones[z.name] = {
            cluster: z.cluster.name,
            context: z.cluster.context,
            namespace: zone.namespace.metadata.name,
            gateway: zone.gateway.gatewayName,
            route: zone.routes[first].route.metadata.name,
        };
    }

    const multiZoneService = (s: ServiceConfig): MultiZoneServiceOutput => {
        const m = mmzs.get(s.name)!;
        return { name: s.name, hostname: m.hostname, port: m.port, envoyCluster: m.envoyCluster };
    };
    return {
        zones,
        multiZoneService: multiZoneService(config.services[0]),
        services: Object.fromEntries(
            config.services.map(s => [
                s.name,
                {
                    ...multiZoneService(s),
                    namespace: s.namespace,
                    routes: s.routes,
                    deployed: s.workload !== undefined,
                },
            ]),
        ),
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
