import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DISPLAY_NAME_LABEL, MANAGED_BY, multiZoneServiceEnvoyCluster, multiZoneServiceHostname } from "./names";

export const KUMA_API = "kuma.io/v1alpha1";

export interface MeshMultiZoneServiceArgs {
    /** The MMZS name, also the display name of the zones' MeshServices it joins (`echo`). */
    serviceName: string;
    /** The global control plane's system namespace: the only one its webhook accepts. */
    systemNamespace: string;
    meshName: string;
    /** The echo port; every zone's Service and route use the same. */
    port: number;
}

export function meshMultiZoneServiceSpec(serviceName: string, port: number) {
    return {
        selector: { meshService: { matchLabels: { [DISPLAY_NAME_LABEL]: serviceName } } },
        ports: [{ port, name: "http", appProtocol: "http" }],
    };
}

/**
 * The global MeshMultiZoneService joining every zone's `echo` MeshService. It lives on the
 * global control plane's cluster; its hostname and port are what the zones' routes point at.
 */
export class MeshMultiZoneService extends pulumi.ComponentResource {
    readonly resource: k8s.apiextensions.CustomResource;
    /** `<name>.mzsvc.mesh.local`: the ExternalName target in every zone. */
    readonly hostname: pulumi.Output<string>;
    readonly port: number;
    /** Labels that select this MMZS in policy targetRefs (copies synced to zones keep them). */
    readonly targetLabels: Record<string, string>;
    /** Its Envoy cluster on the gateways. */
    readonly envoyCluster: string;

    constructor(name: string, args: MeshMultiZoneServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:MeshMultiZoneService", name, {}, opts);

        this.resource = new k8s.apiextensions.CustomResource(name, {
            apiVersion: KUMA_API,
            kind: "MeshMultiZoneService",
            metadata: {
                name: args.serviceName,
                namespace: args.systemNamespace,
                labels: { "kuma.io/mesh": args.meshName, ...MANAGED_BY },
            },
            spec: meshMultiZoneServiceSpec(args.serviceName, args.port),
        }, { parent: this });

        // Derived from the created object's name, so the routes wait for the MMZS to exist.
        this.hostname = this.resource.metadata.name.apply(multiZoneServiceHostname);
        this.port = args.port;
        this.targetLabels = { [DISPLAY_NAME_LABEL]: args.serviceName };
        this.envoyCluster = multiZoneServiceEnvoyCluster(args.meshName, args.serviceName, args.systemNamespace, args.port);

        this.registerOutputs({ hostname: this.hostname, port: this.port });
    }
}
