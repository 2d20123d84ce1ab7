import * as pulumi from "@pulumi/pulumi";
import { GlobalControlPlane } from "./global-control-plane";
import { serviceNames } from "./names";

export interface FailoverSettings {
    healthCheck: {
        interval: string;
        timeout: string;
        unhealthyThreshold: number;
        healthyThreshold: number;
        path: string;
    };
    circuitBreaker: {
        interval: string;
        baseEjectionTime: string;
        consecutiveFailures: number;
        maxEjectionPercent: number;
    };
    retry: { numRetries: number; perTryTimeout: string; backOffBase: string; backOffMax: string };
    timeout: { connect: string; request: string };
}

export interface FailoverPoliciesArgs extends FailoverSettings {
    /** The MMZS the policies target, by the labels its synced copies keep. */
    serviceName: string;
    targetLabels: Record<string, string>;
    controlPlane: GlobalControlPlane;
    meshName: string;
    /** Per zone, the zones to fail over to in order; zones absent here fail over to any zone. */
    failoverOrder: Record<string, string[]>;
    /** The MMZS's Envoy cluster on the gateways, which the active health check is patched into. */
    envoyCluster: string;
}

/** Kuma policy kinds that make failover happen, by the suffix of their object names. */
export const FAILOVER_POLICY_KINDS = {
    MeshHealthCheck: "health-check",
    MeshCircuitBreaker: "circuit-breaker",
    MeshRetry: "retry",
    MeshTimeout: "timeout",
    MeshLoadBalancingStrategy: "load-balancing",
} as const;

/** The MeshProxyPatch that puts the active health check on the MMZS's Envoy cluster. */
export const HEALTH_CHECK_PATCH_SUFFIX = "mmzs-health-check";
export type FailoverPolicyKind = keyof typeof FAILOVER_POLICY_KINDS;

/** The `to` part every failover policy shares: calls to the MMZS from any proxy of the mesh. */
function toMultiZoneService(targetLabels: Record<string, string>, conf: object) {
    return {
        targetRef: { kind: "Mesh" },
        to: [{ targetRef: { kind: "MeshMultiZoneService", labels: targetLabels }, default: conf }],
    };
}

/** Cross-zone failover rules: the listed order first (one priority each), then any other zone. */
export function crossZoneFailover(failoverOrder: Record<string, string[]>) {
    const ordered = Object.entries(failoverOrder).flatMap(([from, targets]) =>
        targets.map(to => ({ from: { zones: [from] }, to: { type: "Only", zones: [to] } })),
    );
    return [...ordered, { to: { type: "Any" } }];
}

export function failoverPolicySpecs(args: FailoverSpecArgs): Record<FailoverPolicyKind, object> {
    const { healthCheck: hc, circuitBreaker: cb, retry, timeout } = args;
    const d = kumaDuration;
    const to = (conf: object) => toMultiZoneService(args.targetLabels, conf);
    return {
        MeshHealthCheck: to({
            interval: d(hc.interval),
            timeout: d(hc.timeout),
            unhealthyThreshold: hc.unhealthyThreshold,
            healthyThreshold: hc.healthyThreshold,
            http: { path: hc.path, expectedStatuses: [200] },
        }),
        MeshCircuitBreaker: to({
            outlierDetection: {
                disabled: false,
                // 0 turns panic mode off: never send traffic to a dead zone because all of it is
                // dead. Kuma 2.14 takes it here (in MeshHealthCheck it is deprecated).
                healthyPanicThreshold: 0,
                interval: d(cb.interval),
                baseEjectionTime: d(cb.baseEjectionTime),
                maxEjectionPercent: cb.maxEjectionPercent,
                detectors: {
                    totalFailures: { consecutive: cb.consecutiveFailures },
                    gatewayFailures: { consecutive: cb.consecutiveFailures },
                },
            },
        }),
        MeshRetry: to({
            http: {
                numRetries: retry.numRetries,
                perTryTimeout: d(retry.perTryTimeout),
                backOff: { baseInterval: d(retry.backOffBase), maxInterval: d(retry.backOffMax) },
                retryOn: ["5xx", "GatewayError", "Reset", "ConnectFailure"],
                // A retry goes to another host, and after one failure to the next priority (zone).
                hostSelection: [
                    { predicate: "OmitPreviousHosts" },
                    { predicate: "OmitPreviousPriorities", updateFrequency: 1 },
                ],
            },
        }),
        MeshTimeout: to({
            connectionTimeout: d(timeout.connect),
            http: { requestTimeout: d(timeout.request) },
        }),
        MeshLoadBalancingStrategy: to({
            localityAwareness: { disabled: false, crossZone: { failover: crossZoneFailover(args.failoverOrder) } },
        }),
    };
}
type FailoverSpecArgs = FailoverSettings & Pick<FailoverPoliciesArgs, "targetLabels" | "failoverOrder">;

/**
 * MeshHealthCheck never reaches the MMZS cluster while another zone is reachable (see
 * docs/failover.md), so the same check is patched into that Envoy cluster directly. A check of a remote
 * zone's endpoint goes through its zone ingress to a healthy echo there: it fails when the zone
 * is gone, even when that zone's control plane is gone too and can no longer say so.
 */
export function healthCheckPatchSpec(hc: FailoverSettings["healthCheck"], envoyCluster: string) {
    return {
        targetRef: { kind: "Mesh" },
        default: {
            appendModifications: [
                {
                    cluster: {
                        operation: "Patch",
                        match: { name: envoyCluster },
                        jsonPatches: [{ op: "add", path: "/healthChecks", value: [envoyHealthCheck(hc)] }],
                    },
                },
            ],
        },
    };
}

/** The health check as Envoy's own HealthCheck (proto JSON: durations in seconds). */
export function envoyHealthCheck(hc: FailoverSettings["healthCheck"]) {
    const seconds = (d: string) => `${durationMs(d) / 1000}s`;
    return {
        timeout: seconds(hc.timeout),
        interval: seconds(hc.interval),
        unhealthyThreshold: hc.unhealthyThreshold,
        healthyThreshold: hc.healthyThreshold,
        httpHealthCheck: { path: hc.path, expectedStatuses: [{ start: 200, end: 201 }] },
    };
}

/** Milliseconds of a Kuma duration such as "5s", "250ms", "1m" or "1h". */
export function durationMs(d: string): number {
    const m = /^(\d+)(ms|s|m|h)$/.exec(d);
    if (!m) throw new Error(`not a duration: ${d}`);
    return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

/**
 * A duration as Kuma stores it (Go's time.Duration text: "8.75s", "1m30s", "250ms"). Sent in any
 * other spelling ("8750ms", "90s"), it would come back different on every refresh: a diff forever.
 */
export function kumaDuration(d: string): string {
    const ms = durationMs(d);
    if (ms === 0) return "0s";
    if (ms < 1000) return `${ms}ms`;
    const h = Math.floor(ms / 3_600_000),
        m = Math.floor(ms / 60_000) % 60,
        s = (ms % 60_000) / 1000;
    return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}

/**
 * The smallest request timeout that lets every retry run to its per-try timeout, with the
 * longest back-off between tries: shorter, and MeshTimeout would cut retries off.
 */
export function minimumRequestTimeoutMs(retry: FailoverSettings["retry"]): number {
    return (retry.numRetries + 1) * durationMs(retry.perTryTimeout) + retry.numRetries * durationMs(retry.backOffMax);
}

/**
 * Health checks, outlier detection, retries, timeouts and zone-aware load balancing for the MMZS,
 * and the active health check patched into its Envoy cluster.
 */
export class FailoverPolicies extends pulumi.ComponentResource {
    readonly policies: Record<FailoverPolicyKind, pulumi.CustomResource>;
    readonly healthCheckPatch: pulumi.CustomResource;

    constructor(name: string, args: FailoverPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh-dr:index:FailoverPolicies", name, {}, opts);
        const specs: Record<string, object> = failoverPolicySpecs(args);
        const make = (kind: string, suffix: string, spec = specs[kind]) => {
            const objectName = serviceNames(args.serviceName).policy(suffix);
            return args.controlPlane.place(
                objectName,
                { kind, name: objectName, mesh: args.meshName, spec },
                { parent: this },
            ).resource;
        };
        const policy = (kind: FailoverPolicyKind) => make(kind, FAILOVER_POLICY_KINDS[kind]);
        this.policies = {
            MeshHealthCheck: policy("MeshHealthCheck"),
            MeshCircuitBreaker: policy("MeshCircuitBreaker"),
            MeshRetry: policy("MeshRetry"),
            MeshTimeout: policy("MeshTimeout"),
            MeshLoadBalancingStrategy: policy("MeshLoadBalancingStrategy"),
        };
        this.healthCheckPatch = make(
            "MeshProxyPatch",
            HEALTH_CHECK_PATCH_SUFFIX,
            healthCheckPatchSpec(args.healthCheck, args.envoyCluster),
        );
        this.registerOutputs({ policies: [...Object.keys(this.policies), "MeshProxyPatch"] });
    }
}
