import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY } from "./names";
import { KUMA_API } from "./multizone-service";

export const MTLS_BACKEND = "ca-1";

export interface MeshSettingsArgs {
    meshName: string;
    /** `create` a Mesh we own, or `patch` one the control-plane install created. */
    mode: "create" | "patch";
    meshServicesMode: "Exclusive" | "Everywhere" | "ReachableBackends";
    zoneEgress: boolean;
}

/**
 * What cross-zone failover needs from the Mesh: mTLS (zone ingress routes by SNI, so there
 * is no cross-zone traffic without it) and MeshServices (what the MMZS joins).
 */
export function meshSpec(args: Pick<MeshSettingsArgs, "meshServicesMode" | "zoneEgress">) {
    return {
        mtls: { enabledBackend: MTLS_BACKEND, backends: [{ name: MTLS_BACKEND, type: "builtin" }] },
        meshServices: { mode: args.meshServicesMode },
        // Kuma stores the Mesh without false defaults: sending `zoneEgress: false` would show
        // as a diff on every refresh.
        ...(args.zoneEgress ? { routing: { zoneEgress: true } } : {}),
    };
}

/** The Mesh the zones share, created or patched on the global control plane. */
export class MeshSettings extends pulumi.ComponentResource {
    readonly mesh: k8s.apiextensions.CustomResource | k8s.apiextensions.CustomResourcePatch;

    constructor(name: string, args: MeshSettingsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:MeshSettings", name, {}, opts);
        const props = {
            apiVersion: KUMA_API,
            kind: "Mesh",
            metadata: { name: args.meshName, labels: { ...MANAGED_BY } },
            spec: meshSpec(args),
        };
        // A patch server-side-applies only our fields to a Mesh someone else created (for
        // instance the control plane's `default`), and gives them back on destroy.
        this.mesh = args.mode === "patch"
            ? new k8s.apiextensions.CustomResourcePatch(name, props, { parent: this })
            : new k8s.apiextensions.CustomResource(name, props, { parent: this });
        this.registerOutputs({ mesh: this.mesh.metadata.name });
    }
}
