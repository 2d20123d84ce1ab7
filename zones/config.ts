import * as pulumi from "@pulumi/pulumi";
import type { RouteBackend } from "../components/route";
import { DNS_LABEL, DNS_SUBDOMAIN, IMAGE_REF, Reader, formatProblem, isPlainObject } from "./validate";

/** The stack config namespace: keys are `mesh-dr:<key>`. */
export const CONFIG_NAMESPACE = "mesh-dr";

/** A Kubernetes cluster the program talks to, through one explicit provider. */
export interface ClusterConfig {
    /** Provider name: the zone name, or "global" for a cluster of its own. */
    name: string;
    /** kubeconfig context; the kubeconfig's current context when absent. */
    context?: string;
    /** kubeconfig file path or contents (contents always arrive as a secret). */
    kubeconfig?: string;
}

export interface ZoneConfig {
    name: string;
    cluster: ClusterConfig;
    /** `multizone` routes /echo to the MMZS; `local` to the zone's own echo Service. */
    routeBackend: RouteBackend;
    echoReplicas: number;
}

export interface EchoConfig {
    image: string;
    replicas: number;
    port: number;
}

export interface GatewayConfig {
    /** GatewayClass name (cluster scoped, one per zone cluster). */
    className: string;
    serviceType: "LoadBalancer" | "NodePort" | "ClusterIP";
    replicas: number;
    listenerPort: number;
    /** KONG_DNS_ORDER on the proxy: skipping SRV avoids Kuma DNS "not implemented" answers (kumahq/kuma#2829). */
    dnsOrder: string;
}

export interface PlatformConfig {
    /** Install cert-manager and Kong Operator in every zone before the gateway objects. */
    install: boolean;
    certManagerVersion: string;
    kongOperatorVersion: string;
    kongOperatorRepo: string;
}

export interface GlobalConfig {
    /** The cluster hosting the global control plane: a zone's, or one of its own. */
    cluster: ClusterConfig;
    /** Set when the global control plane shares a zone's cluster. */
    zone?: string;
    systemNamespace: string;
}

export interface StackConfig {
    zones: ZoneConfig[];
    global: GlobalConfig;
    meshName: string;
    echo: EchoConfig;
    gateway: GatewayConfig;
    platform: PlatformConfig;
    /** Let `pulumi up` go ahead for the reachable clusters while one is down. */
    skipUnreachableClusters: boolean;
}

/** Raw stack config, as `pulumi config` hands it over: keys without the namespace. */
export type RawConfig = Record<string, unknown>;

export const TOP_LEVEL_KEYS = ["zones", "global", "meshName", "echo", "gateway", "platform", "skipUnreachableClusters"] as const;
const ZONE_KEYS = ["name", "context", "kubeconfig", "routeBackend", "echoReplicas"] as const;
const CLUSTER_KEYS = ["context", "kubeconfig"] as const;

export const DEFAULTS = {
    systemNamespace: "kong-mesh-system",
    meshName: "default",
    echo: { image: "kong/go-echo:0.3.0", replicas: 2, port: 1027 },
    gateway: { className: "kong", serviceType: "LoadBalancer", replicas: 1, listenerPort: 80, dnsOrder: "LAST,A,CNAME" },
    platform: {
        install: false,
        certManagerVersion: "v1.19.1",
        kongOperatorVersion: "1.3.0",
        kongOperatorRepo: "https://charts.konghq.com",
    },
} as const;

const DNS_ORDER = /^(LAST|SRV|A|AAAA|CNAME)(,(LAST|SRV|A|AAAA|CNAME))*$/;
const SEMVER = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;

/** True when a kubeconfig value is the file's contents rather than a path to it. */
export function isKubeconfigContents(value: string): boolean {
    return value.includes("\n") || /^\s*(apiVersion|clusters|kind)\s*:/.test(value) || value.trimStart().startsWith("{");
}

/** Thrown for a bad stack config; the message lists every problem. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map(p => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}

function readCluster(r: Reader, key: string, raw: Record<string, unknown>, name: string,
                     secretKeys: ReadonlySet<string>, topKey: string): ClusterConfig {
    const context = r.string(`${key}.context`, raw.context, undefined);
    const kubeconfig = r.string(`${key}.kubeconfig`, raw.kubeconfig, undefined);
    if (kubeconfig !== undefined && isKubeconfigContents(kubeconfig) && !secretKeys.has(topKey)) {
        r.problem(`${key}.kubeconfig`, "<kubeconfig contents>",
            "holds kubeconfig contents in plain text",
            `store it as a secret: pulumi config set --secret --path '${key.replace(`${CONFIG_NAMESPACE}:`, "")}.kubeconfig' < kubeconfig.yaml, or give a file path instead`);
    }
    return { name, context, kubeconfig };
}

/**
 * Validates raw stack config into typed values, reporting every problem at once.
 * `secretKeys` holds the top-level keys that Pulumi stores as secrets.
 */
export function parseConfig(raw: RawConfig, secretKeys: ReadonlySet<string> = new Set()): StackConfig {
    const r = new Reader();
    const k = (key: string) => `${CONFIG_NAMESPACE}:${key}`;

    for (const key of Object.keys(raw)) {
        if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
            r.problem(k(key), raw[key], "is not a known setting",
                `remove it, or use one of ${TOP_LEVEL_KEYS.map(k).join(", ")} (see the README's config reference)`);
        }
    }

    const echoRaw = r.object(k("echo"), raw.echo, ["image", "replicas", "port"]);
    const echo: EchoConfig = {
        image: r.string(k("echo.image"), echoRaw.image, DEFAULTS.echo.image, IMAGE_REF,
            `set ${k("echo.image")} to an image reference such as "${DEFAULTS.echo.image}" (lower-case repository, tag or digest)`),
        replicas: r.integer(k("echo.replicas"), echoRaw.replicas, DEFAULTS.echo.replicas, 1, 100),
        port: r.integer(k("echo.port"), echoRaw.port, DEFAULTS.echo.port, 1, 65535),
    };

    const zonesRaw = r.list(k("zones"), raw.zones);
    if (raw.zones === undefined) {
        r.problem(k("zones"), undefined, "is required",
            `list the zones, e.g. pulumi config set --path 'zones[0].name' zone1 && pulumi config set --path 'zones[0].context' zone1`);
    } else if (Array.isArray(raw.zones) && zonesRaw.length === 0) {
        r.problem(k("zones"), raw.zones, "is empty", "list at least one zone (two or more for disaster recovery)");
    }
    const zones: ZoneConfig[] = [];
    const seen = new Set<string>();
    zonesRaw.forEach((zr, i) => {
        const key = k(`zones[${i}]`);
        if (!isPlainObject(zr)) {
            r.problem(key, zr, "is not a map", `set ${key} to {name: zone${i + 1}, context: zone${i + 1}}`);
            return;
        }
        const z = r.object(key, zr, ZONE_KEYS);
        const name = r.string(`${key}.name`, z.name, undefined, DNS_LABEL,
            `give ${key}.name a DNS-1123 label: lower-case letters, digits and '-', e.g. "zone${i + 1}"`);
        if (z.name === undefined) {
            r.problem(`${key}.name`, undefined, "is required", `give every zone a name, e.g. "zone${i + 1}"`);
        }
        if (name !== undefined && name === "global") {
            r.problem(`${key}.name`, name, "is reserved for the global control plane's own cluster", "choose another zone name");
        }
        if (name !== undefined && name.length > 40) {
            r.problem(`${key}.name`, name, "is longer than 40 characters", "choose a shorter zone name (it prefixes resource names)");
        }
        if (name !== undefined && seen.has(name)) {
            r.problem(`${key}.name`, name, "is used by another zone", "give every zone a distinct name");
        }
        if (name !== undefined) seen.add(name);
        zones.push({
            name: name ?? `zones[${i}]`,
            cluster: readCluster(r, key, z, name ?? `zones[${i}]`, secretKeys, "zones"),
            routeBackend: r.oneOf(`${key}.routeBackend`, z.routeBackend, ["multizone", "local"] as const, "multizone"),
            echoReplicas: r.integer(`${key}.echoReplicas`, z.echoReplicas, echo.replicas, 1, 100),
        });
    });

    const globalRaw = r.object(k("global"), raw.global, ["zone", ...CLUSTER_KEYS, "systemNamespace"]);
    const systemNamespace = r.string(k("global.systemNamespace"), globalRaw.systemNamespace, DEFAULTS.systemNamespace, DNS_LABEL,
        `set ${k("global.systemNamespace")} to the global control plane's namespace: kong-mesh-system (Kong Mesh) or kuma-system (Kuma)`);
    const ownCluster = globalRaw.context !== undefined || globalRaw.kubeconfig !== undefined;
    let global: GlobalConfig;
    if (ownCluster) {
        if (globalRaw.zone !== undefined) {
            r.problem(k("global.zone"), globalRaw.zone, "is set together with global.context/kubeconfig",
                "either name the zone that hosts the global control plane, or give its own cluster's context/kubeconfig, not both");
        }
        global = { cluster: readCluster(r, k("global"), globalRaw, "global", secretKeys, "global"), systemNamespace };
    } else {
        const zoneName = r.string(k("global.zone"), globalRaw.zone, zones[0]?.name);
        const zone = zones.find(z => z.name === zoneName);
        if (zoneName !== undefined && zone === undefined && zones.length > 0) {
            r.problem(k("global.zone"), zoneName, "is not among the zones",
                `set it to one of ${zones.map(z => z.name).join(", ")}, or give the global cluster's own context/kubeconfig`);
        }
        global = { cluster: zone?.cluster ?? { name: "global" }, zone: zone?.name, systemNamespace };
    }

    const meshName = r.string(k("meshName"), raw.meshName, DEFAULTS.meshName, DNS_LABEL,
        `set ${k("meshName")} to the name of the Mesh the zones belong to (default "default")`);

    const gwRaw = r.object(k("gateway"), raw.gateway, ["className", "serviceType", "replicas", "listenerPort", "dnsOrder"]);
    const gateway: GatewayConfig = {
        className: r.string(k("gateway.className"), gwRaw.className, DEFAULTS.gateway.className, DNS_SUBDOMAIN,
            `set ${k("gateway.className")} to a DNS-1123 name such as "kong"`),
        serviceType: r.oneOf(k("gateway.serviceType"), gwRaw.serviceType, ["LoadBalancer", "NodePort", "ClusterIP"] as const,
            DEFAULTS.gateway.serviceType),
        replicas: r.integer(k("gateway.replicas"), gwRaw.replicas, DEFAULTS.gateway.replicas, 1, 100),
        listenerPort: r.integer(k("gateway.listenerPort"), gwRaw.listenerPort, DEFAULTS.gateway.listenerPort, 1, 65535),
        dnsOrder: r.string(k("gateway.dnsOrder"), gwRaw.dnsOrder, DEFAULTS.gateway.dnsOrder, DNS_ORDER,
            `set ${k("gateway.dnsOrder")} to a comma-separated list of LAST, SRV, A, AAAA, CNAME, e.g. "${DEFAULTS.gateway.dnsOrder}"`),
    };

    const pRaw = r.object(k("platform"), raw.platform, ["install", "certManagerVersion", "kongOperatorVersion", "kongOperatorRepo"]);
    const platform: PlatformConfig = {
        install: r.boolean(k("platform.install"), pRaw.install, DEFAULTS.platform.install),
        certManagerVersion: r.string(k("platform.certManagerVersion"), pRaw.certManagerVersion, DEFAULTS.platform.certManagerVersion,
            SEMVER, `pin ${k("platform.certManagerVersion")} to a release such as "${DEFAULTS.platform.certManagerVersion}"`),
        kongOperatorVersion: r.string(k("platform.kongOperatorVersion"), pRaw.kongOperatorVersion, DEFAULTS.platform.kongOperatorVersion,
            SEMVER, `pin ${k("platform.kongOperatorVersion")} to a chart version such as "${DEFAULTS.platform.kongOperatorVersion}"`),
        kongOperatorRepo: r.string(k("platform.kongOperatorRepo"), pRaw.kongOperatorRepo, DEFAULTS.platform.kongOperatorRepo,
            /^(https?|oci):\/\/\S+$/, `set ${k("platform.kongOperatorRepo")} to a Helm repository URL`),
    };

    const skipUnreachableClusters = r.boolean(k("skipUnreachableClusters"), raw.skipUnreachableClusters, false);

    if (r.problems.length > 0) throw new ConfigError(r.problems.map(formatProblem));
    return { zones, global, meshName, echo, gateway, platform, skipUnreachableClusters };
}

/** Every distinct cluster of the stack: each zone's, plus the global one when it has its own. */
export function clustersOf(config: StackConfig): ClusterConfig[] {
    const zoneClusters = config.zones.map(z => z.cluster);
    return config.global.zone === undefined ? [...zoneClusters, config.global.cluster] : zoneClusters;
}

/**
 * Reads and validates this stack's `mesh-dr:*` config. A bad config becomes a RunError:
 * Pulumi prints its message without a stack trace and exits non-zero before anything registers.
 */
export function loadConfig(): StackConfig {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const raw: RawConfig = {};
    const secretKeys = new Set<string>();
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        raw[key] = parseValue(value);
        if (isConfigSecret(fullKey)) secretKeys.add(key);
    }
    try {
        return parseConfig(raw, secretKeys);
    } catch (e) {
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
}

/** The SDK exports this at runtime but leaves it out of its typings. */
function isConfigSecret(fullKey: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    return runtime.isConfigSecret?.(fullKey) ?? false;
}

/** Structured config arrives as JSON text; scalars as plain strings. */
function parseValue(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}
