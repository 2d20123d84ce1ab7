import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY_POD_LABELS, K8S_NAMES, MANAGED_BY, zoneResourceName } from "./names";

export const GATEWAY_CONFIGURATION_API = "gateway-operator.konghq.com/v2beta1";
export const GATEWAY_API = "gateway.networking.k8s.io/v1";
export const KONG_OPERATOR_CONTROLLER = "konghq.com/gateway-operator";

export interface KongGatewayArgs {
    zone: string;
    namespace: pulumi.Input<string>;
    className: string;
    serviceType: "LoadBalancer" | "NodePort" | "ClusterIP";
    replicas: number;
    listenerPort: number;
    /** KONG_DNS_ORDER for the proxy container (kumahq/kuma#2829). */
    dnsOrder: string;
}

/**
 * GatewayConfiguration spec: data-plane pods join the mesh as a delegated gateway
 * (`kuma.io/gateway: enabled`) and carry our stable labels for MeshTrafficPermission.
 */
export function gatewayConfigurationSpec(args: Pick<KongGatewayArgs, "serviceType" | "replicas" | "dnsOrder">) {
    return {
        dataPlaneOptions: {
            deployment: {
                replicas: args.replicas,
                podTemplateSpec: {
                    metadata: {
                        labels: { ...GATEWAY_POD_LABELS },
                        annotations: { "kuma.io/gateway": "enabled" },
                    },
                    // Merged into Kong Operator's own template: the container is matched by name.
                    spec: {
                        containers: [
                            {
                                name: "proxy",
                                env: [{ name: "KONG_DNS_ORDER", value: args.dnsOrder }],
                                // Kong writes its prefix directory, so the root filesystem stays writable.
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    capabilities: { drop: ["ALL"] },
                                    seccompProfile: { type: "RuntimeDefault" },
                                },
                            },
                        ],
                    },
                },
            },
            network: { services: { ingress: { type: args.serviceType } } },
        },
    };
}

/** The zone's Kong Gateway, run by Kong Operator: GatewayConfiguration, GatewayClass and Gateway `kong`. */
export class KongGateway extends pulumi.ComponentResource {
    readonly gatewayConfiguration: k8s.apiextensions.CustomResource;
    readonly gatewayClass: k8s.apiextensions.CustomResource;
    readonly gateway: k8s.apiextensions.CustomResource;
    /** Name of the Gateway, for routes' parentRefs. */
    readonly gatewayName: pulumi.Output<string>;

    constructor(name: string, args: KongGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:KongGateway", name, {}, opts);
        const labels = { ...MANAGED_BY };

        this.gatewayConfiguration = new k8s.apiextensions.CustomResource(
            zoneResourceName(args.zone, K8S_NAMES.gatewayConfiguration),
            {
                apiVersion: GATEWAY_CONFIGURATION_API,
                kind: "GatewayConfiguration",
                metadata: { name: K8S_NAMES.gatewayConfiguration, namespace: args.namespace, labels },
                spec: gatewayConfigurationSpec(args),
            },
            { parent: this },
        );

        this.gatewayClass = new k8s.apiextensions.CustomResource(
            zoneResourceName(args.zone, args.className),
            {
                apiVersion: GATEWAY_API,
                kind: "GatewayClass",
                metadata: { name: args.className, labels },
                spec: {
                    controllerName: KONG_OPERATOR_CONTROLLER,
                    parametersRef: {
                        group: GATEWAY_CONFIGURATION_API.split("/")[0],
                        kind: "GatewayConfiguration",
                        name: this.gatewayConfiguration.metadata.name,
                        namespace: this.gatewayConfiguration.metadata.namespace,
                    },
                },
            },
            { parent: this },
        );

        this.gateway = new k8s.apiextensions.CustomResource(
            zoneResourceName(args.zone, K8S_NAMES.gateway),
            {
                apiVersion: GATEWAY_API,
                kind: "Gateway",
                metadata: { name: K8S_NAMES.gateway, namespace: args.namespace, labels },
                spec: {
                    gatewayClassName: this.gatewayClass.metadata.name,
                    listeners: [{ name: "http", protocol: "HTTP", port: args.listenerPort }],
                },
            },
            { parent: this },
        );
        this.gatewayName = this.gateway.metadata.name;

        this.registerOutputs({ gatewayName: this.gatewayName });
    }
}
