import * as pulumi from "@pulumi/pulumi";
import { GlobalControlPlane } from "./global-control-plane";
import { DISPLAY_NAME_LABEL, NAMESPACE_LABEL, multiZoneServiceEnvoyCluster, multiZoneServiceHostname } from "./names";

export interface MeshMultiZoneServiceArgs {
    controlPlane: GlobalControlPlane;
    /** The MMZS name, also the display name of the zones' MeshServices it joins (`echo`). */
    serviceName: string;
    /** The namespace of the service in every zone: a same-named Service elsewhere never joins. */
    serviceNamespace: string;
    meshName: string;
    /** The service's port; every zone's Service and route use the same. */
    port: number;
}

export function meshMultiZoneServiceSpec(serviceName: string, serviceNamespace: string, port: number) {
    return {
        selector: {
            meshService: { matchLabels: { [DISPLAY_NAME_LABEL]: serviceName, [NAMESPACE_LABEL]: serviceNamespace } },
        },
        ports: [{ port, name: "http", appProtocol: "http" }],
    };
}

/**
 * The global MeshMultiZoneService joining a service's MeshService of every zone. It lives on the
 * global control plane; its hostname and port are what the zones' routes point at.
 */
export class MeshMultiZoneService extends pulumi.ComponentResource {
    readonly resource: pulumi.CustomResource;
    /** `<name>.mzsvc.mesh.local`: the ExternalName target in every zone. */
    readonly hostname: pulumi.Output<string>;
    readonly port: number;
    /** Labels that select this MMZS in policy targetRefs (copies synced to zones keep them). */
    readonly targetLabels: Record<string, string>;
    /** Its Envoy cluster on the gateways. */
    readonly envoyCluster: string;

    constructor(name: string, args: MeshMultiZoneServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:MeshMultiZoneService", name, {}, opts);

        const placed = args.controlPlane.place(
            name,
            {
                kind: "MeshMultiZoneService",
                name: args.serviceName,
                mesh: args.meshName,
                spec: meshMultiZoneServiceSpec(args.serviceName, args.serviceNamespace, args.port),
            },
            { parent: this },
        );
        this.resource = placed.resource;

        // Derived from the created object's name, so the routes wait for the MMZS to exist.
        this.hostname = placed.name.apply(multiZoneServiceHostname);
        this.port = args.port;
        this.targetLabels = { [DISPLAY_NAME_LABEL]: args.serviceName };
        this.envoyCluster = multiZoneServiceEnvoyCluster(
            args.meshName,
            args.serviceName,
            args.controlPlane.namespace,
            args.port,
        );

        this.registerOutputs({ hostname: this.hostname, port: this.port });
    }
}
