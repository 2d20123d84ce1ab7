// The walkthrough's echo (kong/go-echo, as in the upstream echo-service.yaml): what a stack
// without `services` deploys in every zone.
import type * as k8s from "@pulumi/kubernetes";
import { K8S_NAMES } from "./names";
import { ExtraPort, WorkloadSpec, workloadPodSpec } from "./service-workload";

/** The port go-echo serves HTTP on inside the container; the Service port maps to it by name. */
export const ECHO_CONTAINER_HTTP_PORT = 1027;

/** go-echo's other listeners, published on its Service as upstream does. */
export const ECHO_EXTRA_PORTS: ExtraPort[] = [
    { name: "tcp", port: 1025, protocol: "TCP" },
    { name: "udp", port: 1026, protocol: "UDP" },
    { name: "tls", port: 1030, protocol: "TCP" },
];

/** echo's workload, from its image. */
export function echoWorkload(image: string): WorkloadSpec {
    return { image, targetPort: ECHO_CONTAINER_HTTP_PORT, readinessPath: "/", extraPorts: ECHO_EXTRA_PORTS };
}

/** echo's pod spec (what the e2e admits under the restricted Pod Security Standard). */
export function echoPodSpec(image: string): k8s.types.input.core.v1.PodSpec {
    return workloadPodSpec(K8S_NAMES.echo, echoWorkload(image));
}
