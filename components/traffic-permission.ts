import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ECHO_LABELS, GATEWAY_POD_LABELS, MANAGED_BY } from "./names";
import { KUMA_API } from "./multizone-service";

export interface EchoTrafficPermissionArgs {
    serviceName: string;
    systemNamespace: string;
    meshName: string;
}

/**
 * Least privilege for echo: deny every caller in the mesh, then allow the zones' gateway pods
 * (by our stable label, which Kuma carries into their mTLS identity as tags). The more
 * specific MeshSubset rule wins over the mesh-wide deny.
 */
export function gatewaysOnlyPermissionSpec() {
    return {
        targetRef: { kind: "Dataplane", labels: { ...ECHO_LABELS } },
        from: [
            { targetRef: { kind: "Mesh" }, default: { action: "Deny" } },
            { targetRef: { kind: "MeshSubset", tags: { "app.kubernetes.io/name": GATEWAY_POD_LABELS["app.kubernetes.io/name"] } }, default: { action: "Allow" } },
        ],
    };
}

export class EchoTrafficPermission extends pulumi.ComponentResource {
    readonly permission: k8s.apiextensions.CustomResource;

    constructor(name: string, args: EchoTrafficPermissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:EchoTrafficPermission", name, {}, opts);
        const objectName = `${args.serviceName}-gateways-only`;
        this.permission = new k8s.apiextensions.CustomResource(objectName, {
            apiVersion: KUMA_API,
            kind: "MeshTrafficPermission",
            metadata: { name: objectName, namespace: args.systemNamespace, labels: { "kuma.io/mesh": args.meshName, ...MANAGED_BY } },
            spec: gatewaysOnlyPermissionSpec(),
        }, { parent: this });
        this.registerOutputs({ permission: this.permission.metadata.name });
    }
}
