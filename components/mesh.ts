import * as pulumi from "@pulumi/pulumi";
import { GlobalControlPlane } from "./global-control-plane";

export const MTLS_BACKEND = "ca-1";

export interface MeshSettingsArgs {
    controlPlane: GlobalControlPlane;
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
    readonly mesh: pulumi.CustomResource;

    constructor(name: string, args: MeshSettingsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:MeshSettings", name, {}, opts);
        // Patched: only our fields are set on a Mesh someone else created (for instance the
        // control plane's `default`), and given back on destroy.
        const placed = args.controlPlane.place(
            name,
            {
                kind: "Mesh",
                name: args.meshName,
                spec: meshSpec(args),
                adopt: args.mode === "patch",
            },
            { parent: this },
        );
        this.mesh = placed.resource;
        this.registerOutputs({ mesh: placed.name });
    }
}
