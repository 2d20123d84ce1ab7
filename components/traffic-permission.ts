import * as pulumi from "@pulumi/pulumi";
import { GlobalControlPlane } from "./global-control-plane";
import { ECHO_LABELS, GATEWAY_POD_LABELS } from "./names";

export interface EchoTrafficPermissionArgs {
    controlPlane: GlobalControlPlane;
    serviceName: string;
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
    readonly permission: pulumi.CustomResource;

    constructor(name: string, args: EchoTrafficPermissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:EchoTrafficPermission", name, {}, opts);
        const objectName = `${args.serviceName}-gateways-only`;
        const placed = args.controlPlane.place(objectName, {
            kind: "MeshTrafficPermission", name: objectName, mesh: args.meshName, spec: gatewaysOnlyPermissionSpec(),
        }, { parent: this });
        this.permission = placed.resource;
        this.registerOutputs({ permission: placed.name });
    }
}
