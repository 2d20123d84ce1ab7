import * as pulumi from "@pulumi/pulumi";
import { GlobalControlPlane } from "./global-control-plane";
import { GATEWAY_POD_LABELS, NAMESPACE_LABEL, serviceNames } from "./names";

export interface ServiceTrafficPermissionArgs {
    controlPlane: GlobalControlPlane;
    serviceName: string;
    meshName: string;
    /** The labels of the service's pods, which Kuma gives their Dataplanes: what the permission targets. */
    podLabels: Record<string, string>;
    /** The service's namespace: pods with the same labels elsewhere are not its pods. */
    serviceNamespace: string;
}

/**
 * Least privilege for a service: deny every caller in the mesh, then allow the zones' gateway pods
 * (by our stable label, which Kuma carries into their mTLS identity as tags). The more
 * specific MeshSubset rule wins over the mesh-wide deny. The target is the service's pods: their
 * labels, in its namespace (Kuma labels every Dataplane of a Kubernetes zone with its namespace).
 */
export function gatewaysOnlyPermissionSpec(podLabels: Record<string, string>, serviceNamespace: string) {
    return {
        targetRef: { kind: "Dataplane", labels: { ...podLabels, [NAMESPACE_LABEL]: serviceNamespace } },
        from: [
            { targetRef: { kind: "Mesh" }, default: { action: "Deny" } },
            {
                targetRef: {
                    kind: "MeshSubset",
                    tags: { "app.kubernetes.io/name": GATEWAY_POD_LABELS["app.kubernetes.io/name"] },
                },
                default: { action: "Allow" },
            },
        ],
    };
}

export class ServiceTrafficPermission extends pulumi.ComponentResource {
    readonly permission: pulumi.CustomResource;

    constructor(name: string, args: ServiceTrafficPermissionArgs, opts?: pulumi.ComponentResourceOptions) {
        // The walkthrough's echo had an EchoTrafficPermission: the alias keeps its object in place.
        super(
            "mesh-dr:index:ServiceTrafficPermission",
            name,
            {},
            { ...opts, aliases: [{ type: "mesh-dr:index:EchoTrafficPermission" }] },
        );
        const objectName = serviceNames(args.serviceName).permission;
        const placed = args.controlPlane.place(
            objectName,
            {
                kind: "MeshTrafficPermission",
                name: objectName,
                mesh: args.meshName,
                spec: gatewaysOnlyPermissionSpec(args.podLabels, args.serviceNamespace),
            },
            { parent: this },
        );
        this.permission = placed.resource;
        this.registerOutputs({ permission: placed.name });
    }
}
