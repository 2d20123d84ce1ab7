import * as certmanager from "@pulumi/kubernetes-cert-manager";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { zoneResourceName } from "./names";

export const CERT_MANAGER_NAMESPACE = "cert-manager";
export const KONG_OPERATOR_NAMESPACE = "kong-system";

export interface ZonePlatformArgs {
    zone: string;
    certManagerVersion: string;
    kongOperatorVersion: string;
    kongOperatorRepo: string;
}

/** Helm values for the kong-operator chart: webhook certificates issued by cert-manager. */
export function kongOperatorValues() {
    // Without cert-manager the chart makes its certificates with Helm `lookup`,
    // which yields a new CA on every update; cert-manager keeps them stable.
    return { global: { webhooks: { options: { certManager: { enabled: true } } } } };
}

/**
 * What a zone needs before its gateway objects mean anything: cert-manager and Kong Operator
 * (whose chart also installs the Gateway API CRDs).
 */
export class ZonePlatform extends pulumi.ComponentResource {
    readonly certManager: certmanager.CertManager;
    readonly kongOperator: k8s.helm.v3.Release;

    constructor(name: string, args: ZonePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:ZonePlatform", name, {}, opts);

        this.certManager = new certmanager.CertManager(
            zoneResourceName(args.zone, "cert-manager"),
            {
                installCRDs: true,
                helmOptions: {
                    namespace: CERT_MANAGER_NAMESPACE,
                    createNamespace: true,
                    version: args.certManagerVersion,
                },
            },
            { parent: this },
        );

        // helm.v3.Release runs real Helm, so chart hooks and lookups behave as documented.
        this.kongOperator = new k8s.helm.v3.Release(
            zoneResourceName(args.zone, "kong-operator"),
            {
                name: "kong-operator",
                chart: "kong-operator",
                version: args.kongOperatorVersion,
                repositoryOpts: { repo: args.kongOperatorRepo },
                namespace: KONG_OPERATOR_NAMESPACE,
                createNamespace: true,
                values: kongOperatorValues(),
            },
            { parent: this, dependsOn: [this.certManager] },
        );

        this.registerOutputs({ kongOperatorStatus: this.kongOperator.status });
    }
}
