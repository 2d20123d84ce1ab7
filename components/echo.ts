import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ECHO_LABELS, K8S_NAMES, MANAGED_BY, zoneResourceName } from "./names";

/** The port go-echo serves HTTP on inside the container; the Service port maps to it by name. */
export const ECHO_CONTAINER_HTTP_PORT = 1027;

export interface EchoWorkloadArgs {
    zone: string;
    namespace: pulumi.Input<string>;
    image: string;
    replicas: number;
    /** Service port of the HTTP listener: the port the MMZS and the route use too. */
    port: number;
}

/** Service ports of the upstream echo-service.yaml; `http` carries appProtocol so Kuma applies HTTP policies. */
export function echoServicePorts(httpPort: number): k8s.types.input.core.v1.ServicePort[] {
    return [
        { name: "tcp", port: 1025, targetPort: 1025, protocol: "TCP" },
        { name: "udp", port: 1026, targetPort: 1026, protocol: "UDP" },
        { name: "http", port: httpPort, targetPort: "http", protocol: "TCP", appProtocol: "http" },
        { name: "tls", port: 1030, targetPort: 1030, protocol: "TCP" },
    ];
}

/** Pod spec that passes the `restricted` Pod Security Standard and spreads replicas over nodes. */
export function echoPodSpec(image: string): k8s.types.input.core.v1.PodSpec {
    const fromField = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    return {
        automountServiceAccountToken: false,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: "RuntimeDefault" },
        },
        topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            // ScheduleAnyway: a one-node cluster must still run every replica.
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: { ...ECHO_LABELS } },
        }],
        containers: [{
            name: "echo",
            image,
            ports: [
                { name: "tcp", containerPort: 1025, protocol: "TCP" },
                { name: "udp", containerPort: 1026, protocol: "UDP" },
                { name: "http", containerPort: ECHO_CONTAINER_HTTP_PORT, protocol: "TCP" },
                { name: "tls", containerPort: 1030, protocol: "TCP" },
            ],
            env: [
                fromField("NODE_NAME", "spec.nodeName"),
                fromField("POD_NAME", "metadata.name"),
                fromField("POD_NAMESPACE", "metadata.namespace"),
                fromField("POD_IP", "status.podIP"),
            ],
            readinessProbe: {
                httpGet: { path: "/", port: "http" },
                periodSeconds: 5,
                failureThreshold: 2,
            },
            resources: {
                requests: { cpu: "10m", memory: "32Mi" },
                limits: { cpu: "200m", memory: "64Mi" },
            },
            securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
            },
        }],
    };
}

/** The walkthrough's `echo` Deployment and Service, hardened, with a PodDisruptionBudget. */
export class EchoWorkload extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;
    readonly service: k8s.core.v1.Service;
    readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;

    constructor(name: string, args: EchoWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:EchoWorkload", name, {}, opts);
        const metadata = { name: K8S_NAMES.echo, namespace: args.namespace, labels: { ...ECHO_LABELS, ...MANAGED_BY } };
        const resourceName = zoneResourceName(args.zone, K8S_NAMES.echo);

        this.deployment = new k8s.apps.v1.Deployment(resourceName, {
            metadata,
            spec: {
                replicas: args.replicas,
                selector: { matchLabels: { ...ECHO_LABELS } },
                template: { metadata: { labels: { ...ECHO_LABELS } }, spec: echoPodSpec(args.image) },
            },
        }, { parent: this });

        this.service = new k8s.core.v1.Service(resourceName, {
            metadata,
            spec: { selector: { ...ECHO_LABELS }, ports: echoServicePorts(args.port) },
        }, { parent: this });

        // maxUnavailable rather than minAvailable: a single replica must still allow node drains.
        this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(resourceName, {
            metadata,
            spec: { maxUnavailable: 1, selector: { matchLabels: { ...ECHO_LABELS } } },
        }, { parent: this });

        this.registerOutputs({ deployment: this.deployment.metadata.name, service: this.service.metadata.name });
    }
}
