import * as pulumi from "@pulumi/pulumi";
import { FailoverSettings, durationMs, minimumRequestTimeoutMs } from "../components/failover";
import type { KongGatewayArgs } from "../components/gateway";
import type { KumaApiConnection } from "../components/kuma-api";
import type { ZonePlatformArgs } from "../components/platform";
import type { RouteBackend } from "../components/route";
import { DNS_LABEL, DNS_SUBDOMAIN, IMAGE_REF, MAX_DURATION_MS, Pattern, Reader, formatProblem, isPlainObject } from "./validate";

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
    /** Zones to fail over to, most preferred first; empty means any other zone. */
    failoverOrder: string[];
}

export interface EchoConfig {
    image: string;
    replicas: number;
    port: number;
}

/** The gateway settings every zone shares: what KongGateway takes, less where it goes. */
export type GatewayConfig = Omit<KongGatewayArgs, "zone" | "namespace">;

export interface PlatformConfig extends Omit<ZonePlatformArgs, "zone"> {
    /** Install cert-manager and Kong Operator in every zone before the gateway objects. */
    install: boolean;
}

/** A global control plane on Kubernetes: its objects are custom resources on its own cluster. */
export interface KubernetesGlobalConfig {
    kind: "kubernetes";
    /** The global control plane's own cluster (Kuma: never a zone's). */
    cluster: ClusterConfig;
    systemNamespace: string;
}

/** A Universal or Konnect global control plane: its objects go through Kuma's HTTP API. */
export interface ApiGlobalConfig {
    kind: "api";
    api: KumaApiConnection;
}

export type GlobalConfig = KubernetesGlobalConfig | ApiGlobalConfig;

export type MeshServicesMode = "Exclusive" | "Everywhere" | "ReachableBackends";

export interface MeshConfig {
    name: string;
    /**
     * `patch` (default): the Mesh exists (the global control plane creates `default` at start-up) and
     * we server-side-apply only our fields, giving them back on destroy; `create`: we own the Mesh
     * (a control plane started with KUMA_DEFAULTS_SKIP_MESH_CREATION, or another mesh name);
     * `none`: hands off.
     */
    manage: "create" | "patch" | "none";
    meshServicesMode: MeshServicesMode;
    zoneEgress: boolean;
}

export interface FailoverConfig extends FailoverSettings {
    enabled: boolean;
    /** The cross-zone failover objective: `dr status` fails a zone whose control planes' worst case exceeds it. */
    targetSeconds: number;
}

export interface StackConfig {
    zones: ZoneConfig[];
    global: GlobalConfig;
    mesh: MeshConfig;
    echo: EchoConfig;
    gateway: GatewayConfig;
    platform: PlatformConfig;
    failover: FailoverConfig;
    /** Only the zones' gateway pods may call echo (MeshTrafficPermission). */
    gatewaysOnly: boolean;
    /** Let `pulumi up` go ahead for the reachable clusters while one is down. */
    skipUnreachableClusters: boolean;
}

/** Raw stack config, as `pulumi config` hands it over: keys without the namespace. */
export type RawConfig = Record<string, unknown>;

export const TOP_LEVEL_KEYS = ["zones", "global", "mesh", "echo", "gateway", "platform", "failover", "gatewaysOnly",
    "skipUnreachableClusters"] as const;

export const DEFAULTS = {
    systemNamespace: "kong-mesh-system",
    // The global control plane creates Mesh `default` at start-up: adopt it, never take it over.
    mesh: { name: "default", manage: "patch", meshServicesMode: "Exclusive", zoneEgress: false },
    echo: { image: "kong/go-echo:0.3.0", replicas: 2, port: 1027 },
    gateway: { className: "kong", serviceType: "LoadBalancer", replicas: 1, listenerPort: 80, dnsOrder: "LAST,A,CNAME" },
    platform: {
        install: false,
        certManagerVersion: "v1.19.1",
        kongOperatorVersion: "1.3.0",
        kongOperatorRepo: "https://charts.konghq.com",
    },
    failover: {
        healthCheck: { interval: "5s", timeout: "2s", unhealthyThreshold: 2, healthyThreshold: 1, path: "/" },
        circuitBreaker: { interval: "5s", baseEjectionTime: "30s", consecutiveFailures: 5, maxEjectionPercent: 100 },
        retry: { numRetries: 3, perTryTimeout: "2s", backOffBase: "25ms", backOffMax: "250ms" },
        timeout: { connect: "2s" },
        // Met by the DR profile with twice its worst case (2.5 s), missed by Kuma's defaults (9 s).
        targetSeconds: 5,
    },
} as const;

const DNS_ORDER: Pattern = { re: /^(LAST|SRV|A|AAAA|CNAME)(,(LAST|SRV|A|AAAA|CNAME))*$/, what: "is not a list of DNS record types" };
const SEMVER: Pattern = { re: /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, what: "is not an exact version (x.y.z)" };
const REPO_URL: Pattern = { re: /^(https?|oci):\/\/\S+$/, what: "is not an http(s) or oci URL" };
const HTTP_URL: Pattern = { re: /^https?:\/\/[^\s/]+(\/\S*)?$/, what: "is not an http(s) URL" };
const HTTP_PATH: Pattern = { re: /^\/\S*$/, what: "is not an absolute HTTP path" };
const k = (key: string) => `${CONFIG_NAMESPACE}:${key}`;

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

function readCluster(r: Reader, key: string, raw: Record<string, unknown>, name: string, secret: boolean): ClusterConfig {
    const context = r.string(`${key}.context`, raw.context, undefined);
    const kubeconfig = r.string(`${key}.kubeconfig`, raw.kubeconfig, undefined);
    if (kubeconfig !== undefined && isKubeconfigContents(kubeconfig) && !secret) {
        r.problem(`${key}.kubeconfig`, "<kubeconfig contents>", "holds kubeconfig contents in plain text",
            `store it as a secret: pulumi config set --secret --path '${key.slice(k("").length)}.kubeconfig' < kubeconfig.yaml, or give a file path instead`);
    }
    return { name, context, kubeconfig };
}

function readZones(r: Reader, raw: RawConfig, echoReplicas: number, secret: boolean): ZoneConfig[] {
    const list = r.list(k("zones"), raw.zones);
    if (raw.zones === undefined) {
        r.problem(k("zones"), undefined, "is required",
            "list the zones, e.g. pulumi config set --path 'zones[0].name' zone1 && pulumi config set --path 'zones[0].context' zone1");
    } else if (Array.isArray(raw.zones) && list.length === 0) {
        r.problem(k("zones"), raw.zones, "is empty", "list at least one zone (two or more for disaster recovery)");
    }
    const zones: ZoneConfig[] = [];
    // Where each zone stands in the config's list, which may hold entries that are no zone.
    const listIndex: number[] = [];
    const seen = new Set<string>();
    list.forEach((zr, i) => {
        const key = k(`zones[${i}]`);
        if (!isPlainObject(zr)) {
            r.problem(key, zr, "is not a map", `set ${key} to {name: zone${i + 1}, context: zone${i + 1}}`);
            return;
        }
        const z = r.object(key, zr, ["name", "context", "kubeconfig", "routeBackend", "echoReplicas", "failoverOrder"]);
        // An empty YAML `name:` arrives as null.
        if (z.name == null) r.problem(`${key}.name`, z.name, "is required", `give every zone a name, e.g. "zone${i + 1}"`);
        const name = r.string(`${key}.name`, z.name, undefined, DNS_LABEL,
            `give ${key}.name a DNS-1123 label: lower-case letters, digits and '-', e.g. "zone${i + 1}"`);
        if (name === "global") r.problem(`${key}.name`, name, "is reserved for the global control plane's own cluster", "choose another zone name");
        if (name !== undefined && name.length > 40) {
            r.problem(`${key}.name`, name, "is longer than 40 characters", "choose a shorter zone name (it prefixes resource names)");
        }
        if (name !== undefined && seen.has(name)) r.problem(`${key}.name`, name, "is used by another zone", "give every zone a distinct name");
        if (name !== undefined) seen.add(name);
        const zoneName = name ?? `zones[${i}]`;
        listIndex.push(i);
        zones.push({
            name: zoneName,
            cluster: readCluster(r, key, z, zoneName, secret),
            routeBackend: r.oneOf(`${key}.routeBackend`, z.routeBackend, ["multizone", "local"] as const, "multizone"),
            echoReplicas: r.integer(`${key}.echoReplicas`, z.echoReplicas, echoReplicas, 1, 100),
            failoverOrder: r.list(`${key}.failoverOrder`, z.failoverOrder).map((o, j) => {
                // An empty YAML entry arrives as null: it names no zone.
                if (o == null) r.problem(`${key}.failoverOrder[${j}]`, o, "is empty", "name another zone, or remove the entry");
                return r.string(`${key}.failoverOrder[${j}]`, o, "", DNS_LABEL, "name another zone");
            }),
        });
    });
    // Failover targets are checked once every zone name is known.
    zones.forEach((z, n) => z.failoverOrder.forEach((target, j) => {
        if (target === "") return; // a bad entry, already reported
        const key = k(`zones[${listIndex[n]}].failoverOrder[${j}]`);
        if (target === z.name) r.problem(key, target, "is the zone itself", "list only other zones to fail over to");
        else if (!seen.has(target)) r.problem(key, target, "is not among the zones", `use one of ${[...seen].join(", ")}`);
        else if (z.failoverOrder.indexOf(target) < j) r.problem(key, target, "is listed twice", "list each zone once");
    }));
    // Two zones on one cluster would manage the same objects twice and recover from nothing.
    const clusterOwner = new Map<string, number>();
    zones.forEach((z, n) => {
        const where = clusterKey(z.cluster);
        const first = clusterOwner.get(where);
        if (first === undefined) clusterOwner.set(where, n);
        else r.problem(k(`zones[${listIndex[n]}]`), { context: z.cluster.context, kubeconfig: z.cluster.kubeconfig && "<set>" },
            `points at the same cluster as zones[${listIndex[first]}] (${zones[first].name})`,
            "give every zone its own cluster: a distinct context and/or kubeconfig");
    });
    return zones;
}

/** Identifies a cluster by how it is reached: the same context in the same kubeconfig. */
function clusterKey(c: ClusterConfig): string {
    return `${c.context ?? "<current context>"}\u0000${c.kubeconfig ?? "<default kubeconfig>"}`;
}

/** Kuma's rule for a global control plane on Kubernetes, quoted in every problem that breaks it. */
export const GLOBAL_OWN_CLUSTER_RULE = "a global control plane on Kubernetes must run on a cluster of its own, " +
    "apart from the objects the zone control planes sync (Kuma's multi-zone deployment docs)";
const GLOBAL_FIX = "give the global control plane's own cluster: pulumi config set --path 'global.context' <its context> " +
    "(or global.kubeconfig); or, for a Universal or Konnect global control plane, its API: pulumi config set --path 'global.api.url' <url>";

function readGlobal(r: Reader, raw: RawConfig, zones: ZoneConfig[], secret: boolean): GlobalConfig {
    if (raw.global == null) r.problem(k("global"), raw.global, `is required: ${GLOBAL_OWN_CLUSTER_RULE}`, GLOBAL_FIX);
    const g = r.object(k("global"), raw.global, ["zone", "context", "kubeconfig", "systemNamespace", "api"]);
    if (g.api != null) return readGlobalApi(r, g, secret);
    const systemNamespace = r.string(k("global.systemNamespace"), g.systemNamespace, DEFAULTS.systemNamespace, DNS_LABEL,
        `set ${k("global.systemNamespace")} to the global control plane's namespace: kong-mesh-system (Kong Mesh) or kuma-system (Kuma)`);
    // Earlier versions put the global control plane on a zone's cluster; Kuma forbids it.
    if (g.zone != null) r.problem(k("global.zone"), g.zone, `is no longer supported: ${GLOBAL_OWN_CLUSTER_RULE}`, GLOBAL_FIX);
    const cluster = readCluster(r, k("global"), g, "global", secret);
    // An empty YAML `context:` arrives as null: that is no cluster at all.
    if (raw.global != null && g.zone == null && cluster.context === undefined && cluster.kubeconfig === undefined) {
        r.problem(k("global"), raw.global, `names no cluster: ${GLOBAL_OWN_CLUSTER_RULE}`, GLOBAL_FIX);
    }
    const sameAsZone = zones.find(z => clusterKey(z.cluster) === clusterKey(cluster));
    if (sameAsZone && (cluster.context !== undefined || cluster.kubeconfig !== undefined)) {
        r.problem(k("global"), { context: cluster.context, kubeconfig: cluster.kubeconfig && "<set>" },
            `points at zone ${sameAsZone.name}'s cluster: ${GLOBAL_OWN_CLUSTER_RULE}`, GLOBAL_FIX);
    }
    return { kind: "kubernetes", cluster, systemNamespace };
}

/** `global.api`: Kuma's HTTP API instead of a cluster; the token is a secret like a kubeconfig. */
function readGlobalApi(r: Reader, g: Record<string, unknown>, secret: boolean): ApiGlobalConfig {
    const clusterKeys = ["zone", "context", "kubeconfig", "systemNamespace"].filter(key => g[key] != null);
    if (clusterKeys.length > 0) {
        r.problem(k("global"), Object.fromEntries(clusterKeys.map(key => [key, key === "kubeconfig" ? "<set>" : g[key]])),
            "sets a cluster's keys as well as api: a global control plane is either on a Kubernetes cluster or reached through its API",
            `keep api (Universal, Konnect) or ${clusterKeys.join("/")} (Kubernetes), not both`);
    }
    const a = r.object(k("global.api"), g.api, ["url", "token", "caCert"]);
    if (a.url == null) {
        r.problem(k("global.api.url"), a.url, "is required", "set the global control plane's API URL, e.g. https://kuma-global.example.com:5682");
    }
    const url = r.string(k("global.api.url"), a.url, "", HTTP_URL,
        "set the API's base URL, e.g. https://kuma-global.example.com:5682 or Konnect's https://<region>.api.konghq.com/v1/mesh/control-planes/<id>/api");
    const token = r.string(k("global.api.token"), a.token, undefined);
    if (token !== undefined && !secret) {
        r.problem(k("global.api.token"), "<token>", "holds a token in plain text",
            "store it as a secret: pulumi config set --secret --path 'global.api.token' <token>");
    }
    const caCert = r.string(k("global.api.caCert"), a.caCert, undefined, undefined,
        "set it to the PEM file of the CA that signed the API's certificate, or its contents");
    return { kind: "api", api: { url, token, caCert } };
}

function readMesh(r: Reader, raw: RawConfig): MeshConfig {
    const m = r.object(k("mesh"), raw.mesh, ["name", "manage", "meshServicesMode", "zoneEgress"]);
    return {
        name: r.string(k("mesh.name"), m.name, DEFAULTS.mesh.name, DNS_LABEL,
            `set ${k("mesh.name")} to the name of the Mesh the zones belong to (default "default")`),
        manage: r.oneOf(k("mesh.manage"), m.manage, ["create", "patch", "none"] as const, DEFAULTS.mesh.manage),
        // Disabled is not offered: without MeshServices there is nothing for the MMZS to join.
        meshServicesMode: r.oneOf(k("mesh.meshServicesMode"), m.meshServicesMode, ["Exclusive", "Everywhere", "ReachableBackends"] as const,
            DEFAULTS.mesh.meshServicesMode),
        zoneEgress: r.boolean(k("mesh.zoneEgress"), m.zoneEgress, DEFAULTS.mesh.zoneEgress),
    };
}

function readEcho(r: Reader, raw: RawConfig): EchoConfig {
    const e = r.object(k("echo"), raw.echo, ["image", "replicas", "port"]);
    return {
        image: r.string(k("echo.image"), e.image, DEFAULTS.echo.image, IMAGE_REF,
            `set ${k("echo.image")} to an image reference such as "${DEFAULTS.echo.image}" (lower-case repository, tag or digest)`),
        replicas: r.integer(k("echo.replicas"), e.replicas, DEFAULTS.echo.replicas, 1, 100),
        port: r.integer(k("echo.port"), e.port, DEFAULTS.echo.port, 1, 65535),
    };
}

function readGateway(r: Reader, raw: RawConfig): GatewayConfig {
    const g = r.object(k("gateway"), raw.gateway, ["className", "serviceType", "replicas", "listenerPort", "dnsOrder"]);
    return {
        className: r.string(k("gateway.className"), g.className, DEFAULTS.gateway.className, DNS_SUBDOMAIN,
            `set ${k("gateway.className")} to a DNS-1123 name such as "kong"`),
        serviceType: r.oneOf(k("gateway.serviceType"), g.serviceType, ["LoadBalancer", "NodePort", "ClusterIP"] as const,
            DEFAULTS.gateway.serviceType),
        replicas: r.integer(k("gateway.replicas"), g.replicas, DEFAULTS.gateway.replicas, 1, 100),
        listenerPort: r.integer(k("gateway.listenerPort"), g.listenerPort, DEFAULTS.gateway.listenerPort, 1, 65535),
        dnsOrder: r.string(k("gateway.dnsOrder"), g.dnsOrder, DEFAULTS.gateway.dnsOrder, DNS_ORDER,
            `set ${k("gateway.dnsOrder")} to a comma-separated list of LAST, SRV, A, AAAA, CNAME, e.g. "${DEFAULTS.gateway.dnsOrder}"`),
    };
}

function readPlatform(r: Reader, raw: RawConfig): PlatformConfig {
    const p = r.object(k("platform"), raw.platform, ["install", "certManagerVersion", "kongOperatorVersion", "kongOperatorRepo"]);
    const d = DEFAULTS.platform;
    return {
        install: r.boolean(k("platform.install"), p.install, d.install),
        certManagerVersion: r.string(k("platform.certManagerVersion"), p.certManagerVersion, d.certManagerVersion, SEMVER,
            `pin ${k("platform.certManagerVersion")} to a release such as "${d.certManagerVersion}"`),
        kongOperatorVersion: r.string(k("platform.kongOperatorVersion"), p.kongOperatorVersion, d.kongOperatorVersion, SEMVER,
            `pin ${k("platform.kongOperatorVersion")} to a chart version such as "${d.kongOperatorVersion}"`),
        kongOperatorRepo: r.string(k("platform.kongOperatorRepo"), p.kongOperatorRepo, d.kongOperatorRepo, REPO_URL,
            `set ${k("platform.kongOperatorRepo")} to a Helm repository URL`),
    };
}

function readFailover(r: Reader, raw: RawConfig): FailoverConfig {
    const f = r.object(k("failover"), raw.failover, ["enabled", "targetSeconds", "healthCheck", "circuitBreaker", "retry", "timeout"]);
    const d = DEFAULTS.failover;
    const hc = r.object(k("failover.healthCheck"), f.healthCheck, ["interval", "timeout", "unhealthyThreshold", "healthyThreshold", "path"]);
    const cb = r.object(k("failover.circuitBreaker"), f.circuitBreaker, ["interval", "baseEjectionTime", "consecutiveFailures", "maxEjectionPercent"]);
    const rt = r.object(k("failover.retry"), f.retry, ["numRetries", "perTryTimeout", "backOffBase", "backOffMax"]);
    const to = r.object(k("failover.timeout"), f.timeout, ["connect", "request"]);
    const retry = {
        numRetries: r.integer(k("failover.retry.numRetries"), rt.numRetries, d.retry.numRetries, 0, 10),
        perTryTimeout: r.duration(k("failover.retry.perTryTimeout"), rt.perTryTimeout, d.retry.perTryTimeout),
        backOffBase: r.duration(k("failover.retry.backOffBase"), rt.backOffBase, d.retry.backOffBase),
        backOffMax: r.duration(k("failover.retry.backOffMax"), rt.backOffMax, d.retry.backOffMax),
    };
    // Cross-key checks only compare values the user set correctly, not defaults standing in for bad ones.
    const retryKeys = ["numRetries", "perTryTimeout", "backOffBase", "backOffMax"].map(key => k(`failover.retry.${key}`));
    if (!r.failed(...retryKeys) && durationMs(retry.backOffBase) > durationMs(retry.backOffMax)) {
        r.problem(k("failover.retry.backOffBase"), retry.backOffBase, `is longer than backOffMax (${retry.backOffMax})`,
            "make backOffBase at most backOffMax (Envoy rejects a base above the maximum)");
    }
    const minimumMs = minimumRequestTimeoutMs(retry);
    const request = r.duration(k("failover.timeout.request"), to.request, `${minimumMs}ms`);
    if (!r.failed(...retryKeys, k("failover.timeout.request")) && durationMs(request) < minimumMs) {
        r.problem(k("failover.timeout.request"), request, `is shorter than the retries need ((numRetries+1) × perTryTimeout + numRetries × backOffMax = ${minimumMs}ms)`,
            `raise it to at least ${minimumMs}ms, or lower failover.retry.numRetries / perTryTimeout`);
    } else if (durationMs(request) > MAX_DURATION_MS) {
        r.problem(k("failover.timeout.request"), request, "(what the retries need) is longer than Kuma accepts (about 292 years)",
            "lower failover.retry.numRetries, perTryTimeout or backOffMax");
    }
    const healthCheck = {
        interval: r.duration(k("failover.healthCheck.interval"), hc.interval, d.healthCheck.interval),
        timeout: r.duration(k("failover.healthCheck.timeout"), hc.timeout, d.healthCheck.timeout),
        unhealthyThreshold: r.integer(k("failover.healthCheck.unhealthyThreshold"), hc.unhealthyThreshold, d.healthCheck.unhealthyThreshold, 1, 100),
        healthyThreshold: r.integer(k("failover.healthCheck.healthyThreshold"), hc.healthyThreshold, d.healthCheck.healthyThreshold, 1, 100),
        path: r.string(k("failover.healthCheck.path"), hc.path, d.healthCheck.path, HTTP_PATH, `set ${k("failover.healthCheck.path")} to an absolute HTTP path such as "/"`),
    };
    if (!r.failed(k("failover.healthCheck.interval"), k("failover.healthCheck.timeout")) &&
        durationMs(healthCheck.timeout) >= durationMs(healthCheck.interval)) {
        r.problem(k("failover.healthCheck.timeout"), healthCheck.timeout, `is not shorter than the interval (${healthCheck.interval})`,
            "make the health-check timeout shorter than its interval, so checks do not overlap");
    }
    return {
        enabled: r.boolean(k("failover.enabled"), f.enabled, true),
        targetSeconds: r.number(k("failover.targetSeconds"), f.targetSeconds, d.targetSeconds, 0, 3600),
        healthCheck,
        circuitBreaker: {
            interval: r.duration(k("failover.circuitBreaker.interval"), cb.interval, d.circuitBreaker.interval),
            baseEjectionTime: r.duration(k("failover.circuitBreaker.baseEjectionTime"), cb.baseEjectionTime, d.circuitBreaker.baseEjectionTime),
            consecutiveFailures: r.integer(k("failover.circuitBreaker.consecutiveFailures"), cb.consecutiveFailures, d.circuitBreaker.consecutiveFailures, 1, 1000),
            maxEjectionPercent: r.integer(k("failover.circuitBreaker.maxEjectionPercent"), cb.maxEjectionPercent, d.circuitBreaker.maxEjectionPercent, 0, 100),
        },
        retry,
        timeout: { connect: r.duration(k("failover.timeout.connect"), to.connect, d.timeout.connect), request },
    };
}

/**
 * Validates raw stack config into typed values, reporting every problem at once.
 * `secretKeys` holds the top-level keys that Pulumi stores as secrets.
 */
export function parseConfig(raw: RawConfig, secretKeys: ReadonlySet<string> = new Set()): StackConfig {
    // A problem under a secret key shows `[secret]`, never the decrypted value.
    const r = new Reader(key => [...secretKeys].some(s => key === k(s) || key.startsWith(`${k(s)}.`) || key.startsWith(`${k(s)}[`)));
    for (const key of Object.keys(raw)) {
        if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
            r.problem(k(key), raw[key], "is not a known setting",
                `remove it, or use one of ${TOP_LEVEL_KEYS.map(k).join(", ")} (see docs/configuration.md)`);
        }
    }
    const echo = readEcho(r, raw);
    const zones = readZones(r, raw, echo.replicas, secretKeys.has("zones"));
    const config: StackConfig = {
        zones,
        global: readGlobal(r, raw, zones, secretKeys.has("global")),
        mesh: readMesh(r, raw),
        echo,
        gateway: readGateway(r, raw),
        platform: readPlatform(r, raw),
        failover: readFailover(r, raw),
        gatewaysOnly: r.boolean(k("gatewaysOnly"), raw.gatewaysOnly, true),
        skipUnreachableClusters: r.boolean(k("skipUnreachableClusters"), raw.skipUnreachableClusters, false),
    };
    if (r.problems.length > 0) throw new ConfigError(r.problems.map(formatProblem));
    return config;
}

/**
 * Validates config as Pulumi hands it over (full keys, text values, secret or not): from the
 * program's runtime, or from a stack read through the Automation API (the DR tool).
 */
export function parseConfigEntries(entries: Iterable<{ fullKey: string; value: string; secret: boolean }>): StackConfig {
    const prefix = k("");
    const raw: RawConfig = {};
    const secretKeys = new Set<string>();
    for (const { fullKey, value, secret } of entries) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        raw[key] = parseValue(value);
        if (secret) secretKeys.add(key);
    }
    return parseConfig(raw, secretKeys);
}

/**
 * The namespace Kuma's control planes run in on Kubernetes (and where zone CPs keep the copies of
 * global objects): the global's system namespace, or Kong Mesh's default beside an API global.
 */
export function controlPlaneNamespace(config: StackConfig): string {
    return config.global.kind === "kubernetes" ? config.global.systemNamespace : DEFAULTS.systemNamespace;
}

/** Every cluster of the stack: each zone's, then the global control plane's when it has one. */
export function clustersOf(config: StackConfig): ClusterConfig[] {
    return [...config.zones.map(z => z.cluster), ...(config.global.kind === "kubernetes" ? [config.global.cluster] : [])];
}

/**
 * Reads and validates this stack's `mesh-dr:*` config. A bad config becomes a RunError:
 * Pulumi prints its message without a stack trace and exits non-zero before anything registers.
 */
export function loadConfig(): StackConfig {
    const entries = Object.entries(pulumi.runtime.allConfig()).map(([fullKey, value]) => ({ fullKey, value, secret: isConfigSecret(fullKey) }));
    try {
        return parseConfigEntries(entries);
    } catch (e) {
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
}

/** The SDK exports this at runtime but leaves it out of its typings. */
function isConfigSecret(fullKey: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
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
