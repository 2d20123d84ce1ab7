import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY, workloadLabels } from "./names";

/** A port the container serves besides the routed HTTP one, published on the Service as it is. */
export interface ExtraPort {
    name: string;
    port: number;
    protocol: "TCP" | "UDP" | "SCTP";
}

/** What mesh-dr deploys of a service in every zone (`services[i].workload`). */
export interface WorkloadSpec {
    image: string;
    /** The port the container serves HTTP on; the Service's `http` port maps to it by name. */
    targetPort: number;
    /** Where the readiness probe asks: a pod that fails it leaves the MeshService, and failover starts. */
    readinessPath: string;
    extraPorts: ExtraPort[];
}

export interface ServiceWorkloadArgs extends WorkloadSpec {
    /** The Service's name, also its container's and its pods' `app` label. */
    service: string;
    namespace: pulumi.Input<string>;
    replicas: number;
    /** Service port of the HTTP listener: the port the MMZS, the bridge and the routes use too. */
    port: number;
}

/**
 * Kuma's sidecar answers the kubelet's probes on the pod's behalf (virtual probes on 9000, the
 * application probe proxy on 9001, kuma-cp defaults), so these ports take the probes.
 */
export const KUMA_PROBE_PORTS = [9000, 9001] as const;

/** Service ports: the extra ones as they are, and `http` with appProtocol so Kuma applies HTTP policies; by container port. */
export function workloadServicePorts(
    w: Pick<WorkloadSpec, "targetPort" | "extraPorts">,
    httpPort: number,
): k8s.types.input.core.v1.ServicePort[] {
    const http = {
        name: "http",
        port: httpPort,
        targetPort: "http",
        protocol: "TCP",
        appProtocol: "http",
        containerPort: w.targetPort,
    };
    const extra = w.extraPorts.map(p => ({
        name: p.name,
        port: p.port,
        targetPort: p.port,
        protocol: p.protocol,
        containerPort: p.port,
    }));
    return [...extra, http]
        .sort((a, b) => a.containerPort - b.containerPort)
        .map(({ containerPort: _, ...port }) => port);
}

/**
 * A pinned image (a tag other than latest, or a digest) is pulled once per node: a zone then
 * recovers its pods without the registry, which may be down with the zone. An unpinned one is
 * pulled every time, as Kubernetes' own default would.
 */
export function imagePullPolicy(image: string): "IfNotPresent" | "Always" {
    const pinned = image.includes("@sha256:") || (/:[^/:]+$/.test(image) && !image.endsWith(":latest"));
    return pinned ? "IfNotPresent" : "Always";
}

/** Pod spec that passes the `restricted` Pod Security Standard and spreads replicas over nodes. */
export function workloadPodSpec(service: string, w: WorkloadSpec): k8s.types.input.core.v1.PodSpec {
    const fromField = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    const ports = [
        ...w.extraPorts.map(p => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
        { name: "http", containerPort: w.targetPort, protocol: "TCP" },
    ].sort((a, b) => a.containerPort - b.containerPort);
    return {
        automountServiceAccountToken: false,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: "RuntimeDefault" },
        },
        topologySpreadConstraints: [
            {
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                // ScheduleAnyway: a one-node cluster must still run every replica.
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: workloadLabels(service) },
            },
        ],
        containers: [
            {
                name: service,
                image: w.image,
                imagePullPolicy: imagePullPolicy(w.image),
                ports,
                env: [
                    fromField("NODE_NAME", "spec.nodeName"),
                    fromField("POD_NAME", "metadata.name"),
                    fromField("POD_NAMESPACE", "metadata.namespace"),
                    fromField("POD_IP", "status.podIP"),
                ],
                readinessProbe: {
                    httpGet: { path: w.readinessPath, port: "http" },
                    periodSeconds: 5,
                    failureThreshold: 2,
                },
                resources: {
                    // The root filesystem is read-only: ephemeral storage is the container's logs.
                    requests: { cpu: "10m", memory: "32Mi", "ephemeral-storage": "32Mi" },
                    limits: { cpu: "200m", memory: "64Mi", "ephemeral-storage": "128Mi" },
                },
                securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                },
            },
        ],
    };
}

/**
 * Ingress to the pods on the ports they serve and Kuma's probe ports only. Who may call is the
 * mesh's decision (mTLS identities, MeshTrafficPermission): callers in any namespace and the zone
 * ingress (other zones) reach the pods' sidecars on these ports, so no source is singled out.
 */
export function workloadNetworkPolicySpec(service: string, w: Pick<WorkloadSpec, "targetPort" | "extraPorts">) {
    const ports = [
        { port: w.targetPort, protocol: "TCP" },
        ...w.extraPorts.map(p => ({ port: p.port, protocol: p.protocol })),
        ...KUMA_PROBE_PORTS.map(port => ({ port, protocol: "TCP" })),
    ];
    return { podSelector: { matchLabels: workloadLabels(service) }, policyTypes: ["Ingress"], ingress: [{ ports }] };
}

/** A service's Deployment and Service in one zone, hardened, with a PodDisruptionBudget and a NetworkPolicy. */
export class ServiceWorkload extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;
    readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    readonly networkPolicy: k8s.networking.v1.NetworkPolicy;

    constructor(name: string, args: ServiceWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        // The walkthrough's echo was an EchoWorkload: the alias keeps its objects in place.
        super(
            "mesh-dr:index:ServiceWorkload",
            name,
            {},
            { ...opts, aliases: [{ type: "mesh-dr:index:EchoWorkload" }] },
        );
        const labels = workloadLabels(args.service);
        const metadata = { name: args.service, namespace: args.namespace, labels: { ...labels, ...MANAGED_BY } };

        this.deployment = new k8s.apps.v1.Deployment(
            name,
            {
                metadata,
                spec: {
                    replicas: args.replicas,
                    selector: { matchLabels: labels },
                    template: { metadata: { labels }, spec: workloadPodSpec(args.service, args) },
                },
            },
            { parent: this },
        );

        this.service = new k8s.core.v1.Service(
            name,
            {
                metadata,
                spec: { selector: labels, ports: workloadServicePorts(args, args.port) },
            },
            { parent: this },
        );

        // maxUnavailable rather than minAvailable: a single replica must still allow node drains.
        this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
            name,
            {
                metadata,
                spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
            },
            { parent: this },
        );

        this.networkPolicy = new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata,
                spec: workloadNetworkPolicySpec(args.service, args),
            },
            { parent: this },
        );

        this.registerOutputs({ deployment: this.deployment.metadata.name, service: this.service.metadata.name });
    }
}
