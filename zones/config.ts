import * as pulumi from "@pulumi/pulumi";
import {
    FAILOVER_POLICY_KINDS,
    FailoverSettings,
    HEALTH_CHECK_PATCH_SUFFIX,
    durationMs,
    minimumRequestTimeoutMs,
} from "../components/failover";
import type { KongGatewayArgs } from "../components/gateway";
import type { KumaApiConnection } from "../components/kuma-api";
import type { ZonePlatformArgs } from "../components/platform";
import { echoWorkload } from "../components/echo";
import { K8S_NAMES, WALKTHROUGH_SERVICE, serviceNames, workloadLabels, zoneResourceName } from "../components/names";
import type { RouteBackend } from "../components/service-route";
import { ExtraPort, KUMA_PROBE_PORTS, WorkloadSpec } from "../components/service-workload";
import {
    DNS_LABEL,
    DNS_SUBDOMAIN,
    IMAGE_REF,
    MAX_DURATION_MS,
    Pattern,
    Reader,
    formatProblem,
    isPlainObject,
} from "./validate";

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
    /** Zones to fail over to, most preferred first; empty means any other zone. */
    failoverOrder: string[];
    /** Every service's settings in this zone, by service name. */
    services: Record<string, ZoneServiceConfig>;
}

export interface EchoConfig {
    image: string;
    replicas: number;
    port: number;
}

/** A service mesh-dr wires DR for (`services[i]`): in every zone, under one name, in one namespace. */
export interface ServiceConfig {
    /** The Kubernetes Service's name in every zone; its MMZS's and HTTPRoute's too. */
    name: string;
    /** The Service port the MMZS, the bridge and the routes use. */
    port: number;
    /** Where the Service runs in every zone. */
    namespace: string;
    /** Path prefixes on every zone's gateway. */
    routes: string[];
    /** Only the zones' gateway pods may call it. */
    gatewaysOnly: boolean;
    failover: FailoverConfig;
    /** Its pods' labels, which the gatewaysOnly permission targets; unset only when that is off. */
    podLabels?: Record<string, string>;
    /** Deployed by mesh-dr in every zone; absent when the Service already runs there. */
    workload?: WorkloadSpec & { replicas: number };
}

/** A service's settings in one zone (`zones[i].services.<name>`). */
export interface ZoneServiceConfig {
    /** `multizone` routes the service's paths to its MMZS; `local` to the zone's own Service. */
    routeBackend: RouteBackend;
    /** Replicas of the deployed workload in this zone; undefined for a service mesh-dr does not deploy. */
    replicas?: number;
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
    /** The services mesh-dr wires DR for; without `services`, the walkthrough's echo alone. */
    services: ServiceConfig[];
    /** The first service (echo, without `services`): what the DR tool drills. */
    echo: ServiceConfig;
    gateway: GatewayConfig;
    platform: PlatformConfig;
    /** The stack-wide failover settings, which a service's own `failover` overrides. */
    failover: FailoverConfig;
    /** Only the zones' gateway pods may call a service (MeshTrafficPermission), unless the service says otherwise. */
    gatewaysOnly: boolean;
    /** Let `pulumi up` go ahead for the reachable clusters while one is down. */
    skipUnreachableClusters: boolean;
}

/** Raw stack config, as `pulumi config` hands it over: keys without the namespace. */
export type RawConfig = Record<string, unknown>;

export const TOP_LEVEL_KEYS = [
    "zones",
    "global",
    "mesh",
    "services",
    "echo",
    "gateway",
    "platform",
    "failover",
    "gatewaysOnly",
    "skipUnreachableClusters",
] as const;

export const DEFAULTS = {
    systemNamespace: "kong-mesh-system",
    // The global control plane creates Mesh `default` at start-up: adopt it, never take it over.
    mesh: { name: "default", manage: "patch", meshServicesMode: "Exclusive", zoneEgress: false },
    echo: { image: "kong/go-echo:0.3.0", replicas: 2, port: 1027 },
    gateway: {
        className: "kong",
        serviceType: "LoadBalancer",
        replicas: 1,
        listenerPort: 80,
        dnsOrder: "LAST,A,CNAME",
    },
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

const DNS_ORDER: Pattern = {
    re: /^(LAST|SRV|A|AAAA|CNAME)(,(LAST|SRV|A|AAAA|CNAME))*$/,
    what: "is not a list of DNS record types",
};
const SEMVER: Pattern = { re: /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, what: "is not an exact version (x.y.z)" };
const REPO_URL: Pattern = { re: /^(https?|oci):\/\/\S+$/, what: "is not an http(s) or oci URL" };
const HTTP_URL: Pattern = { re: /^https?:\/\/[^\s/]+(\/\S*)?$/, what: "is not an http(s) URL" };
const HTTP_PATH: Pattern = { re: /^\/\S*$/, what: "is not an absolute HTTP path" };
const k = (key: string) => `${CONFIG_NAMESPACE}:${key}`;

/** True when a kubeconfig value is the file's contents rather than a path to it. */
export function isKubeconfigContents(value: string): boolean {
    return (
        value.includes("\n") || /^\s*(apiVersion|clusters|kind)\s*:/.test(value) || value.trimStart().startsWith("{")
    );
}

/** Thrown for a bad stack config; the message lists every problem. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map(p => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

function readCluster(
    r: Reader,
    key: string,
    raw: Record<string, unknown>,
    name: string,
    secret: boolean,
): ClusterConfig {
    const context = r.string(`${key}.context`, raw.context, undefined);
    const kubeconfig = r.string(`${key}.kubeconfig`, raw.kubeconfig, undefined);
    if (kubeconfig !== undefined && isKubeconfigContents(kubeconfig) && !secret) {
        r.problem(
            `${key}.kubeconfig`,
            "<kubeconfig contents>",
            "holds kubeconfig contents in plain text",
            `store it as a secret: pulumi config set --secret --path '${key.slice(k("").length)}.kubeconfig' < kubeconfig.yaml, or give a file path instead`,
        );
    }
    return { name, context, kubeconfig };
}

function readZones(r: Reader, raw: RawConfig, services: ServiceConfig[], secret: boolean): ZoneConfig[] {
    const list = r.list(k("zones"), raw.zones);
    if (raw.zones === undefined) {
        r.problem(
            k("zones"),
            undefined,
            "is required",
            "list the zones, e.g. pulumi config set --path 'zones[0].name' zone1 && pulumi config set --path 'zones[0].context' zone1",
        );
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
        const z = r.object(key, zr, [
            "name",
            "context",
            "kubeconfig",
            "services",
            "routeBackend",
            "echoReplicas",
            "failoverOrder",
        ]);
        // An empty YAML `name:` arrives as null.
        if (z.name == null)
            r.problem(`${key}.name`, z.name, "is required", `give every zone a name, e.g. "zone${i + 1}"`);
        const name = r.string(
            `${key}.name`,
            z.name,
            undefined,
            DNS_LABEL,
            `give ${key}.name a DNS-1123 label: lower-case letters, digits and '-', e.g. "zone${i + 1}"`,
        );
        if (name === "global")
            r.problem(
                `${key}.name`,
                name,
                "is reserved for the global control plane's own cluster",
                "choose another zone name",
            );
        if (name !== undefined && name.length > 40) {
            r.problem(
                `${key}.name`,
                name,
                "is longer than 40 characters",
                "choose a shorter zone name (it prefixes resource names)",
            );
        }
        if (name !== undefined && seen.has(name))
            r.problem(`${key}.name`, name, "is used by another zone", "give every zone a distinct name");
        if (name !== undefined) seen.add(name);
        const zoneName = name ?? `zones[${i}]`;
        listIndex.push(i);
        zones.push({
            name: zoneName,
            cluster: readCluster(r, key, z, zoneName, secret),
            services: zoneServices(r, key, z, services, raw.services != null),
            failoverOrder: r.list(`${key}.failoverOrder`, z.failoverOrder).map((o, j) => {
                // An empty YAML entry arrives as null: it names no zone.
                if (o == null)
                    r.problem(`${key}.failoverOrder[${j}]`, o, "is empty", "name another zone, or remove the entry");
                return r.string(`${key}.failoverOrder[${j}]`, o, "", DNS_LABEL, "name another zone");
            }),
        });
    });
    // Failover targets are checked once every zone name is known.
    zones.forEach((z, n) =>
        z.failoverOrder.forEach((target, j) => {
            if (target === "") return; // a bad entry, already reported
            const key = k(`zones[${listIndex[n]}].failoverOrder[${j}]`);
            if (target === z.name)
                r.problem(key, target, "is the zone itself", "list only other zones to fail over to");
            else if (!seen.has(target))
                r.problem(key, target, "is not among the zones", `use one of ${[...seen].join(", ")}`);
            else if (z.failoverOrder.indexOf(target) < j)
                r.problem(key, target, "is listed twice", "list each zone once");
        }),
    );
    // Two zones on one cluster would manage the same objects twice and recover from nothing.
    const clusterOwner = new Map<string, number>();
    zones.forEach((z, n) => {
        const where = clusterKey(z.cluster);
        const first = clusterOwner.get(where);
        if (first === undefined) clusterOwner.set(where, n);
        else
            r.problem(
                k(`zones[${listIndex[n]}]`),
                { context: z.cluster.context, kubeconfig: z.cluster.kubeconfig && "<set>" },
                `points at the same cluster as zones[${listIndex[first]}] (${zones[first].name})`,
                "give every zone its own cluster: a distinct context and/or kubeconfig",
            );
    });
    return zones;
}

/** Identifies a cluster by how it is reached: the same context in the same kubeconfig. */
function clusterKey(c: ClusterConfig): string {
    return `${c.context ?? "<current context>"}\u0000${c.kubeconfig ?? "<default kubeconfig>"}`;
}

/** Kuma's rule for a global control plane on Kubernetes, quoted in every problem that breaks it. */
export const GLOBAL_OWN_CLUSTER_RULE =
    "a global control plane on Kubernetes must run on a cluster of its own, " +
    "apart from the objects the zone control planes sync (Kuma's multi-zone deployment docs)";
const GLOBAL_FIX =
    "give the global control plane's own cluster: pulumi config set --path 'global.context' <its context> " +
    "(or global.kubeconfig); or, for a Universal or Konnect global control plane, its API: pulumi config set --path 'global.api.url' <url>";

function readGlobal(r: Reader, raw: RawConfig, zones: ZoneConfig[], secret: boolean): GlobalConfig {
    if (raw.global == null) r.problem(k("global"), raw.global, `is required: ${GLOBAL_OWN_CLUSTER_RULE}`, GLOBAL_FIX);
    const g = r.object(k("global"), raw.global, ["zone", "context", "kubeconfig", "systemNamespace", "api"]);
    if (g.api != null) return readGlobalApi(r, g, secret);
    const systemNamespace = r.string(
        k("global.systemNamespace"),
        g.systemNamespace,
        DEFAULTS.systemNamespace,
        DNS_LABEL,
        `set ${k("global.systemNamespace")} to the global control plane's namespace: kong-mesh-system (Kong Mesh) or kuma-system (Kuma)`,
    );
    // Earlier versions put the global control plane on a zone's cluster; Kuma forbids it.
    if (g.zone != null)
        r.problem(k("global.zone"), g.zone, `is no longer supported: ${GLOBAL_OWN_CLUSTER_RULE}`, GLOBAL_FIX);
    const cluster = readCluster(r, k("global"), g, "global", secret);
    // An empty YAML `context:` arrives as null: that is no cluster at all.
    if (raw.global != null && g.zone == null && cluster.context === undefined && cluster.kubeconfig === undefined) {
        r.problem(k("global"), raw.global, `names no cluster: ${GLOBAL_OWN_CLUSTER_RULE}`, GLOBAL_FIX);
    }
    const sameAsZone = zones.find(z => clusterKey(z.cluster) === clusterKey(cluster));
    if (sameAsZone && (cluster.context !== undefined || cluster.kubeconfig !== undefined)) {
        r.problem(
            k("global"),
            { context: cluster.context, kubeconfig: cluster.kubeconfig && "<set>" },
            `points at zone ${sameAsZone.name}'s cluster: ${GLOBAL_OWN_CLUSTER_RULE}`,
            GLOBAL_FIX,
        );
    }
    return { kind: "kubernetes", cluster, systemNamespace };
}

/** `global.api`: Kuma's HTTP API instead of a cluster; the token is a secret like a kubeconfig. */
function readGlobalApi(r: Reader, g: Record<string, unknown>, secret: boolean): ApiGlobalConfig {
    const clusterKeys = ["zone", "context", "kubeconfig", "systemNamespace"].filter(key => g[key] != null);
    if (clusterKeys.length > 0) {
        r.problem(
            k("global"),
            Object.fromEntries(clusterKeys.map(key => [key, key === "kubeconfig" ? "<set>" : g[key]])),
            "sets a cluster's keys as well as api: a global control plane is either on a Kubernetes cluster or reached through its API",
            `keep api (Universal, Konnect) or ${clusterKeys.join("/")} (Kubernetes), not both`,
        );
    }
    const a = r.object(k("global.api"), g.api, ["url", "token", "caCert"]);
    if (a.url == null) {
        r.problem(
            k("global.api.url"),
            a.url,
            "is required",
            "set the global control plane's API URL, e.g. https://kuma-global.example.com:5682",
        );
    }
    const url = r.string(
        k("global.api.url"),
        a.url,
        "",
        HTTP_URL,
        "set the API's base URL, e.g. https://kuma-global.example.com:5682 or Konnect's https://<region>.api.konghq.com/v1/mesh/control-planes/<id>/api",
    );
    const token = r.string(k("global.api.token"), a.token, undefined);
    if (token !== undefined && !secret) {
        r.problem(
            k("global.api.token"),
            "<token>",
            "holds a token in plain text",
            "store it as a secret: pulumi config set --secret --path 'global.api.token' <token>",
        );
    }
    const caCert = r.string(
        k("global.api.caCert"),
        a.caCert,
        undefined,
        undefined,
        "set it to the PEM file of the CA that signed the API's certificate, or its contents",
    );
    return { kind: "api", api: { url, token, caCert } };
}

function readMesh(r: Reader, raw: RawConfig): MeshConfig {
    const m = r.object(k("mesh"), raw.mesh, ["name", "manage", "meshServicesMode", "zoneEgress"]);
    return {
        name: r.string(
            k("mesh.name"),
            m.name,
            DEFAULTS.mesh.name,
            DNS_LABEL,
            `set ${k("mesh.name")} to the name of the Mesh the zones belong to (default "default")`,
        ),
        manage: r.oneOf(k("mesh.manage"), m.manage, ["create", "patch", "none"] as const, DEFAULTS.mesh.manage),
        // Disabled is not offered: without MeshServices there is nothing for the MMZS to join.
        meshServicesMode: r.oneOf(
            k("mesh.meshServicesMode"),
            m.meshServicesMode,
            ["Exclusive", "Everywhere", "ReachableBackends"] as const,
            DEFAULTS.mesh.meshServicesMode,
        ),
        zoneEgress: r.boolean(k("mesh.zoneEgress"), m.zoneEgress, DEFAULTS.mesh.zoneEgress),
    };
}

function readEcho(r: Reader, raw: RawConfig): EchoConfig {
    const e = r.object(k("echo"), raw.echo, ["image", "replicas", "port"]);
    return {
        image: r.string(
            k("echo.image"),
            e.image,
            DEFAULTS.echo.image,
            IMAGE_REF,
            `set ${k("echo.image")} to an image reference such as "${DEFAULTS.echo.image}" (lower-case repository, tag or digest)`,
        ),
        replicas: r.integer(k("echo.replicas"), e.replicas, DEFAULTS.echo.replicas, 1, 100),
        port: r.integer(k("echo.port"), e.port, DEFAULTS.echo.port, 1, 65535),
    };
}

/** Kubernetes' and Kuma's limit on object names (DNS-1123 labels) and label values. */
const NAME_LIMIT = 63;

/** Every Kubernetes and Kuma object name a service derives besides its own (Pulumi names have no limit). */
function derivedObjectNames(service: string): string[] {
    const n = serviceNames(service);
    return [
        n.bridge,
        n.permission,
        ...[...Object.values(FAILOVER_POLICY_KINDS), HEALTH_CHECK_PATCH_SUFFIX].map(n.policy),
    ];
}

/** The longest suffix a derived name adds: `-mmzs-health-check`. */
const LONGEST_SUFFIX = derivedObjectNames("").reduce((a, b) => (b.length > a.length ? b : a));

/** The longest service name whose every derived name stays within the limit. */
export const MAX_SERVICE_NAME_LENGTH = NAME_LIMIT - LONGEST_SUFFIX.length;

/** A Service name is a DNS-1035 label; ours also leaves room for the longest derived name. */
const SERVICE_NAME: Pattern = {
    re: new RegExp(`^(?=.{1,${MAX_SERVICE_NAME_LENGTH}}$)[a-z]([-a-z0-9]*[a-z0-9])?$`),
    what:
        `is not a DNS-1035 label of at most ${MAX_SERVICE_NAME_LENGTH} characters (lower-case letters, digits and '-', ` +
        `starting with a letter; its longest derived name, <name>${LONGEST_SUFFIX}, must stay within ${NAME_LIMIT})`,
};
/** What the Gateway API's HTTPRoute accepts as a path (its CRD's pattern), at most 1024 characters. */
const ROUTE_PATH: Pattern = {
    re: /^(?=.{1,1024}$)\/(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})*$/,
    what: "is not a path prefix the Gateway API accepts (an absolute path of URL characters, at most 1024)",
};
/** The Gateway API refuses these in a path: `//`, `/./`, `/../`, a trailing `/.` or `/..`, an encoded `/`. */
const UNSAFE_PATH = /\/\/|\/\.\.?(\/|$)|%2f/i;
/** A Service or container port name (IANA_SVC_NAME): 15 characters, a letter among them, no `--`. */
const PORT_NAME: Pattern = {
    re: /^(?=.{1,15}$)(?=[^a-z]*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    what: "is not a port name (at most 15 lower-case letters, digits and '-', with a letter, no '--')",
};
const LABEL_KEY: Pattern = {
    re: /^((?=[^/]{1,253}\/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(?=[^/]{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
    what: "is not a label key ([prefix/]name: a DNS-1123 subdomain of at most 253 characters, a name of at most 63)",
};
const LABEL_VALUE: Pattern = {
    re: /^(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
    what: "is not a label value (at most 63 letters, digits, '-', '_', '.')",
};

/** Without `services`, the stack runs the walkthrough's echo from the old `echo` keys. */
function walkthroughService(echo: EchoConfig, stack: Pick<StackConfig, "failover" | "gatewaysOnly">): ServiceConfig {
    const name = WALKTHROUGH_SERVICE;
    return {
        name,
        port: echo.port,
        namespace: K8S_NAMES.namespace,
        routes: [serviceNames(name).defaultRoute],
        gatewaysOnly: stack.gatewaysOnly,
        failover: stack.failover,
        podLabels: workloadLabels(name),
        workload: { ...echoWorkload(echo.image), replicas: echo.replicas },
    };
}

const SERVICE_KEYS = [
    "name",
    "port",
    "namespace",
    "routes",
    "appProtocol",
    "gatewaysOnly",
    "failover",
    "podLabels",
    "workload",
];

/**
 * `services`, or the walkthrough's echo from the `echo` keys without it. `stackFailoverKeys`: the
 * keys the stack-wide failover parse already reported, so a service that inherits them does not repeat them.
 */
function readServices(
    r: Reader,
    raw: RawConfig,
    stack: Pick<StackConfig, "failover" | "gatewaysOnly">,
    stackFailoverKeys: ReadonlySet<string>,
): { services: ServiceConfig[]; keys: string[] } {
    if (raw.services == null) return { services: [walkthroughService(readEcho(r, raw), stack)], keys: [k("echo")] };
    if (raw.echo != null) {
        r.problem(
            k("echo"),
            raw.echo,
            "sets the walkthrough echo, and services is set too",
            `move it into services as {name: ${WALKTHROUGH_SERVICE}, port: <echo.port>, workload: {image: <echo.image>, replicas: <echo.replicas>}} and remove ${k("echo")}`,
        );
    }
    const list = r.list(k("services"), raw.services);
    if (Array.isArray(raw.services) && list.length === 0) {
        r.problem(
            k("services"),
            raw.services,
            "is empty",
            "list at least one service, or remove services to run the walkthrough's echo",
        );
    }
    const services: ServiceConfig[] = [];
    // Each service's key, `services[i]`: the list may hold entries that are no service.
    const keys: string[] = [];
    const seen = new Set<string>();
    // A path goes to one service: prefixes are compared without a trailing slash, as the Gateway API matches them.
    const claimed = new Map<string, string>();
    const claim = (key: string, path: string, service: string) => {
        const normal = path.replace(/\/+$/, "") || "/";
        const other = claimed.get(normal);
        if (other === undefined) claimed.set(normal, service);
        else if (other === service) r.problem(key, path, "is listed twice", "list each path once");
        else r.problem(key, path, `is claimed by service ${other} too`, "give each path prefix to one service");
    };
    list.forEach((sr, i) => {
        const key = k(`services[${i}]`);
        if (!isPlainObject(sr)) {
            r.problem(key, sr, "is not a map", `set ${key} to {name: <Service name>, port: <Service port>}`);
            return;
        }
        const s = r.object(key, sr, SERVICE_KEYS);
        if (s.name == null)
            r.problem(`${key}.name`, s.name, "is required", 'give the Kubernetes Service\'s name, e.g. "api"');
        const named = r.string(
            `${key}.name`,
            s.name,
            undefined,
            SERVICE_NAME,
            `give ${key}.name the Service's name, e.g. "api"`,
        );
        if (named !== undefined && seen.has(named))
            r.problem(`${key}.name`, named, "is used by another service", "give every service a distinct name");
        if (named !== undefined) seen.add(named);
        const name = named ?? `services[${i}]`;
        if (s.port == null)
            r.problem(`${key}.port`, s.port, "is required", "set the Service port the gateway routes to, e.g. 8080");
        const port = r.integer(`${key}.port`, s.port, 0, 1, 65535);
        const appProtocol = r.string(`${key}.appProtocol`, s.appProtocol, "http");
        if (appProtocol !== "http") {
            r.problem(
                `${key}.appProtocol`,
                appProtocol,
                "is not routed by the gateway: its listener and HTTPRoutes carry HTTP only " +
                    "(a TCP, TLS or gRPC service needs a route kind mesh-dr does not manage)",
                "set it to http, or leave the service out of services",
            );
        }
        const gatewaysOnly = r.boolean(`${key}.gatewaysOnly`, s.gatewaysOnly, stack.gatewaysOnly);
        const workload = s.workload == null ? undefined : readWorkload(r, `${key}.workload`, s.workload, port);
        if (workload && s.podLabels != null) {
            r.problem(
                `${key}.podLabels`,
                s.podLabels,
                `is set for a service mesh-dr deploys, whose pods carry ${JSON.stringify(workloadLabels(name))}`,
                "remove podLabels (or workload, for a Service that already runs in every zone)",
            );
        }
        if (!workload && gatewaysOnly && s.podLabels == null) {
            r.problem(
                `${key}.podLabels`,
                s.podLabels,
                "is required for gatewaysOnly on a service mesh-dr does not deploy: " +
                    "the MeshTrafficPermission finds the service's pods by their labels",
                `set it to the Service's selector, e.g. {app: ${named ?? "<name>"}}, or set ${key}.gatewaysOnly to false`,
            );
        }
        keys.push(key);
        services.push({
            name,
            port,
            namespace: r.string(
                `${key}.namespace`,
                s.namespace,
                K8S_NAMES.namespace,
                DNS_LABEL,
                `set ${key}.namespace to the namespace the Service runs in, in every zone (default ${K8S_NAMES.namespace})`,
            ),
            routes: readRoutes(r, `${key}.routes`, s.routes, named, (pk, path) => claim(pk, path, name)),
            gatewaysOnly,
            failover: readServiceFailover(r, `${key}.failover`, s.failover, raw, stack.failover, stackFailoverKeys),
            podLabels: workload ? workloadLabels(name) : readPodLabels(r, `${key}.podLabels`, s.podLabels),
            workload,
        });
    });
    return { services, keys };
}

function readRoutes(
    r: Reader,
    key: string,
    value: unknown,
    name: string | undefined,
    claim: (key: string, path: string) => void,
): string[] {
    if (value == null) {
        const routes = name === undefined ? [] : [serviceNames(name).defaultRoute];
        routes.forEach(path => claim(key, path));
        return routes;
    }
    const example = `/${name ?? "api"}`;
    const list = r.list(key, value);
    if (Array.isArray(value) && list.length === 0)
        r.problem(
            key,
            value,
            "is empty",
            `list at least one path prefix, e.g. ["${example}"], or remove it for that default`,
        );
    return list.flatMap((p, j) => {
        const pk = `${key}[${j}]`;
        // An empty YAML entry arrives as null.
        if (p == null) r.problem(pk, p, "is empty", `give a path prefix such as "${example}", or remove the entry`);
        const path = r.string(pk, p, "", ROUTE_PATH, `set ${pk} to a path prefix such as "${example}"`);
        if (path !== "" && UNSAFE_PATH.test(path)) {
            r.problem(
                pk,
                path,
                "holds //, /./ or /../, ends in /. or /.., or encodes a /: the Gateway API refuses it",
                "write the path without them",
            );
            return [];
        }
        if (path === "") return [];
        claim(pk, path);
        return [path];
    });
}

function readPodLabels(r: Reader, key: string, value: unknown): Record<string, string> | undefined {
    const fix = "give the labels of the Service's pods (its selector), e.g. {app: <name>}";
    if (value == null) return undefined;
    if (!isPlainObject(value) || Object.keys(value).length === 0) {
        r.problem(key, value, isPlainObject(value) ? "is empty" : "is not a map of labels", fix);
        return undefined;
    }
    return Object.fromEntries(
        Object.entries(value).flatMap(([lk, lv]) => {
            if (!LABEL_KEY.re.test(lk)) {
                r.problem(
                    `${key}.${lk}`,
                    lv,
                    `is under a key that ${LABEL_KEY.what}`,
                    "use the label keys of the Service's selector",
                );
                return [];
            }
            const v = r.string(`${key}.${lk}`, lv, "", LABEL_VALUE, "use the label values of the Service's selector");
            return v === "" ? [] : [[lk, v]];
        }),
    );
}

function readWorkload(r: Reader, key: string, value: unknown, port: number): ServiceConfig["workload"] {
    const w = r.object(key, value, ["image", "replicas", "targetPort", "readinessPath", "extraPorts"]);
    if (!isPlainObject(value)) return undefined;
    if (w.image == null)
        r.problem(`${key}.image`, w.image, "is required", `set it to the image to run, e.g. "${DEFAULTS.echo.image}"`);
    const image = r.string(
        `${key}.image`,
        w.image,
        "",
        IMAGE_REF,
        `set ${key}.image to an image reference such as "${DEFAULTS.echo.image}" (lower-case repository, tag or digest)`,
    );
    const targetPort = r.integer(`${key}.targetPort`, w.targetPort, Math.max(port, 1), 1, 65535);
    const probePorts = KUMA_PROBE_PORTS as readonly number[];
    const sidecarsPort = `a port Kuma's sidecar takes in the pod for the kubelet's probes (${probePorts.join(", ")})`;
    if (probePorts.includes(targetPort)) {
        r.problem(
            `${key}.targetPort`,
            w.targetPort,
            w.targetPort == null ? `defaults to the port (${targetPort}), ${sidecarsPort}` : `is ${sidecarsPort}`,
            `set ${key}.targetPort to the port the container serves HTTP on, other than ${probePorts.join(" and ")}`,
        );
    }
    const taken = new Map<string, string>([
        [`${targetPort}/TCP`, `${key}.targetPort`],
        [`${port}/TCP`, "the service's port"],
    ]);
    const names = new Set<string>();
    const extraPorts = r.list(`${key}.extraPorts`, w.extraPorts).flatMap((e, j): ExtraPort[] => {
        const ek = `${key}.extraPorts[${j}]`;
        if (!isPlainObject(e)) {
            r.problem(ek, e, "is not a map", `set ${ek} to {name: <port name>, port: <number>, protocol: TCP}`);
            return [];
        }
        const x = r.object(ek, e, ["name", "port", "protocol"]);
        if (x.name == null) r.problem(`${ek}.name`, x.name, "is required", 'name the port, e.g. "metrics"');
        if (x.port == null) r.problem(`${ek}.port`, x.port, "is required", "give the port the container listens on");
        const name = r.string(`${ek}.name`, x.name, "", PORT_NAME, `name the port, e.g. "metrics"`);
        const extra = r.integer(`${ek}.port`, x.port, 0, 1, 65535);
        const protocol = r.oneOf(`${ek}.protocol`, x.protocol, ["TCP", "UDP", "SCTP"] as const, "TCP");
        if (name === "http") r.problem(`${ek}.name`, name, "is the routed port's name", "give this port another name");
        else if (name !== "" && names.has(name))
            r.problem(`${ek}.name`, name, "names another extra port too", "give every port its own name");
        names.add(name);
        const clash = taken.get(`${extra}/${protocol}`);
        if (probePorts.includes(extra)) r.problem(`${ek}.port`, x.port, `is ${sidecarsPort}`, "serve on another port");
        else if (extra !== 0 && clash)
            r.problem(`${ek}.port`, x.port, `is ${clash} too (${protocol})`, "give every port its own number");
        taken.set(`${extra}/${protocol}`, ek);
        return name === "" || extra === 0 ? [] : [{ name, port: extra, protocol }];
    });
    return {
        image,
        targetPort,
        extraPorts,
        replicas: r.integer(`${key}.replicas`, w.replicas, DEFAULTS.echo.replicas, 1, 100),
        readinessPath: r.string(
            `${key}.readinessPath`,
            w.readinessPath,
            "/",
            HTTP_PATH,
            `set ${key}.readinessPath to the absolute HTTP path that answers 200 while the pod can serve, e.g. "/healthz"`,
        ),
    };
}

/** Merges a service's `failover` over the stack-wide one: maps key by key, anything else replaced. */
function overlay(base: unknown, over: unknown): unknown {
    if (!isPlainObject(base) || !isPlainObject(over)) return over;
    // fromEntries and hasOwn: a key such as `__proto__` stays a key, as JSON.parse leaves it.
    const keys = new Set([...Object.keys(base), ...Object.keys(over)]);
    return Object.fromEntries(
        [...keys].map(key => [key, Object.hasOwn(over, key) ? overlay(base[key], over[key]) : base[key]]),
    );
}

/** Every key a value sets, as problems name them (`<key>.retry.numRetries`), with what it holds there. */
function keysSet(key: string, value: unknown, into = new Map<string, unknown>()): Map<string, unknown> {
    into.set(key, value);
    if (isPlainObject(value)) for (const [k2, v] of Object.entries(value)) keysSet(`${key}.${k2}`, v, into);
    return into;
}

/**
 * A service's `failover`: the stack-wide settings with the service's own over them, validated as
 * `failover` is. A problem lands on the service's key; one the stack-wide settings already have,
 * and the service does not set, is not repeated.
 */
function readServiceFailover(
    r: Reader,
    key: string,
    over: unknown,
    raw: RawConfig,
    stack: FailoverConfig,
    stackFailoverKeys: ReadonlySet<string>,
): FailoverConfig {
    if (over == null) return stack;
    const scoped = new Reader();
    const failover = readFailover(scoped, { failover: overlay(raw.failover, over) });
    const top = k("failover");
    const own = keysSet(top, over);
    for (const p of scoped.problems) {
        if (!own.has(p.key) && stackFailoverKeys.has(p.key)) continue;
        r.problem(
            `${key}${p.key.slice(top.length)}`,
            own.has(p.key) ? p.value : undefined,
            p.message,
            p.fix.split(top).join(key),
        );
    }
    return failover;
}

/**
 * `zones[i].services`: per service, the route backend and the deployed workload's replicas. While
 * neither `services` nor the zone's `services` is set, the old `routeBackend` and `echoReplicas`
 * are the walkthrough echo's.
 */
function zoneServices(
    r: Reader,
    key: string,
    z: Record<string, unknown>,
    services: ServiceConfig[],
    servicesSet: boolean,
): Record<string, ZoneServiceConfig> {
    const legacy = z.services == null && !servicesSet;
    for (const [old, now] of [
        ["routeBackend", "routeBackend"],
        ["echoReplicas", "replicas"],
    ]) {
        if (legacy || z[old] == null) continue;
        r.problem(
            `${key}.${old}`,
            z[old],
            `is the walkthrough echo's setting, and ${servicesSet ? k("services") : `${key}.services`} is set too`,
            `use ${key}.services.<name>.${now} instead`,
        );
    }
    const given = legacy
        ? { [WALKTHROUGH_SERVICE]: { routeBackend: z.routeBackend, replicas: z.echoReplicas } }
        : r.object(`${key}.services`, z.services, [...new Set(services.map(s => s.name))]);
    // The old keys are reported under their own names.
    const at = (name: string, setting: string) =>
        legacy ? `${key}.${setting === "replicas" ? "echoReplicas" : setting}` : `${key}.services.${name}.${setting}`;
    return Object.fromEntries(
        services.map(s => {
            const v = legacy
                ? (given[s.name] as Record<string, unknown>)
                : r.object(`${key}.services.${s.name}`, given[s.name], ["routeBackend", "replicas"]);
            const routeBackend = r.oneOf(
                at(s.name, "routeBackend"),
                v.routeBackend,
                ["multizone", "local"] as const,
                "multizone",
            );
            if (routeBackend === "local" && s.namespace !== K8S_NAMES.namespace) {
                r.problem(
                    at(s.name, "routeBackend"),
                    routeBackend,
                    `would send the gateway (namespace ${K8S_NAMES.namespace}) to Service ${s.namespace}/${s.name}: ` +
                        "a backendRef across namespaces, which needs a ReferenceGrant that mesh-dr does not make for a mode that defeats DR",
                    "remove it (multizone, the default, routes through the MeshMultiZoneService)",
                );
            }
            if (!s.workload && v.replicas != null) {
                r.problem(
                    at(s.name, "replicas"),
                    v.replicas,
                    `is set for service ${s.name}, which mesh-dr does not deploy (it has no workload)`,
                    "remove it: whoever deploys the Service scales it",
                );
            }
            const replicas = s.workload
                ? r.integer(at(s.name, "replicas"), v.replicas, s.workload.replicas, 1, 100)
                : undefined;
            return [s.name, { routeBackend, replicas }];
        }),
    );
}

/** Namespaces Kuma never injects sidecars into: a service there never joins the mesh, and mesh-dr would label them. */
function checkServiceNamespaces(r: Reader, services: ServiceConfig[], keys: string[], global: GlobalConfig): void {
    const controlPlane = global.kind === "kubernetes" ? global.systemNamespace : DEFAULTS.systemNamespace;
    const reserved = [controlPlane, "kube-system", "kube-public", "kube-node-lease"];
    services.forEach((s, i) => {
        if (!reserved.includes(s.namespace)) return;
        r.problem(
            `${keys[i]}.namespace`,
            s.namespace,
            "is a namespace Kuma keeps out of the mesh (the control plane's, or Kubernetes' own)",
            "run the Service in a namespace of its own (default kong)",
        );
    });
}

/**
 * Names that two services, or one service in two zones, would both derive (`<zone>-<service>` of
 * zone z-a's service b and zone z's service a-b; a service named like another's bridge): Pulumi and
 * Kubernetes would see one object twice. Reported on the later service.
 */
function checkDerivedNames(r: Reader, services: ServiceConfig[], keys: string[], zones: ZoneConfig[]): void {
    const owner = new Map<string, string>();
    const patches = new Map<string, string>();
    services.forEach((s, i) => {
        // A name already refused stands in as `services[i]`: nothing derives from it.
        if (!SERVICE_NAME.re.test(s.name)) return;
        const names = serviceNames(s.name);
        const mine = new Map<string, string>(
            [...derivedObjectNames(s.name), ...Object.values(names.components)].map(n => [
                n,
                "the global control plane",
            ]),
        );
        for (const z of zones) for (const n of Object.values(names.zoneObjects(z.name))) mine.set(n, `zone ${z.name}`);
        for (const [n, where] of mine) {
            const other = owner.get(n);
            if (other === undefined) owner.set(n, s.name);
            else if (other !== s.name) {
                r.problem(
                    `${keys[i]}.name`,
                    s.name,
                    `derives the name "${n}" (${where}), which service ${other} derives too`,
                    "rename one of the services (or the zone)",
                );
                break;
            }
        }
        if (s.namespace === K8S_NAMES.namespace) return;
        for (const z of zones) {
            const n = zoneResourceName(z.name, s.namespace);
            const other = patches.get(n);
            if (other !== undefined && other !== `${z.name}/${s.namespace}`) {
                r.problem(
                    `${keys[i]}.namespace`,
                    s.namespace,
                    `gives zone ${z.name}'s namespace label the name "${n}", as namespace ${other} has`,
                    "use another namespace (or rename the zone)",
                );
                break;
            }
            patches.set(n, `${z.name}/${s.namespace}`);
        }
    });
}

function readGateway(r: Reader, raw: RawConfig): GatewayConfig {
    const g = r.object(k("gateway"), raw.gateway, ["className", "serviceType", "replicas", "listenerPort", "dnsOrder"]);
    return {
        className: r.string(
            k("gateway.className"),
            g.className,
            DEFAULTS.gateway.className,
            DNS_SUBDOMAIN,
            `set ${k("gateway.className")} to a DNS-1123 name such as "kong"`,
        ),
        serviceType: r.oneOf(
            k("gateway.serviceType"),
            g.serviceType,
            ["LoadBalancer", "NodePort", "ClusterIP"] as const,
            DEFAULTS.gateway.serviceType,
        ),
        replicas: r.integer(k("gateway.replicas"), g.replicas, DEFAULTS.gateway.replicas, 1, 100),
        listenerPort: r.integer(k("gateway.listenerPort"), g.listenerPort, DEFAULTS.gateway.listenerPort, 1, 65535),
        dnsOrder: r.string(
            k("gateway.dnsOrder"),
            g.dnsOrder,
            DEFAULTS.gateway.dnsOrder,
            DNS_ORDER,
            `set ${k("gateway.dnsOrder")} to a comma-separated list of LAST, SRV, A, AAAA, CNAME, e.g. "${DEFAULTS.gateway.dnsOrder}"`,
        ),
    };
}

function readPlatform(r: Reader, raw: RawConfig): PlatformConfig {
    const p = r.object(k("platform"), raw.platform, [
        "install",
        "certManagerVersion",
        "kongOperatorVersion",
        "kongOperatorRepo",
    ]);
    const d = DEFAULTS.platform;
    return {
        install: r.boolean(k("platform.install"), p.install, d.install),
        certManagerVersion: r.string(
            k("platform.certManagerVersion"),
            p.certManagerVersion,
            d.certManagerVersion,
            SEMVER,
            `pin ${k("platform.certManagerVersion")} to a release such as "${d.certManagerVersion}"`,
        ),
        kongOperatorVersion: r.string(
            k("platform.kongOperatorVersion"),
            p.kongOperatorVersion,
            d.kongOperatorVersion,
            SEMVER,
            `pin ${k("platform.kongOperatorVersion")} to a chart version such as "${d.kongOperatorVersion}"`,
        ),
        kongOperatorRepo: r.string(
            k("platform.kongOperatorRepo"),
            p.kongOperatorRepo,
            d.kongOperatorRepo,
            REPO_URL,
            `set ${k("platform.kongOperatorRepo")} to a Helm repository URL`,
        ),
    };
}

function readFailover(r: Reader, raw: RawConfig): FailoverConfig {
    const f = r.object(k("failover"), raw.failover, [
        "enabled",
        "targetSeconds",
        "healthCheck",
        "circuitBreaker",
        "retry",
        "timeout",
    ]);
    const d = DEFAULTS.failover;
    const hc = r.object(k("failover.healthCheck"), f.healthCheck, [
        "interval",
        "timeout",
        "unhealthyThreshold",
        "healthyThreshold",
        "path",
    ]);
    const cb = r.object(k("failover.circuitBreaker"), f.circuitBreaker, [
        "interval",
        "baseEjectionTime",
        "consecutiveFailures",
        "maxEjectionPercent",
    ]);
    const rt = r.object(k("failover.retry"), f.retry, ["numRetries", "perTryTimeout", "backOffBase", "backOffMax"]);
    const to = r.object(k("failover.timeout"), f.timeout, ["connect", "request"]);
    const retry = {
        numRetries: r.integer(k("failover.retry.numRetries"), rt.numRetries, d.retry.numRetries, 0, 10),
        perTryTimeout: r.duration(k("failover.retry.perTryTimeout"), rt.perTryTimeout, d.retry.perTryTimeout),
        backOffBase: r.duration(k("failover.retry.backOffBase"), rt.backOffBase, d.retry.backOffBase),
        backOffMax: r.duration(k("failover.retry.backOffMax"), rt.backOffMax, d.retry.backOffMax),
    };
    // Cross-key checks only compare values the user set correctly, not defaults standing in for bad ones.
    const retryKeys = ["numRetries", "perTryTimeout", "backOffBase", "backOffMax"].map(key =>
        k(`failover.retry.${key}`),
    );
    if (!r.failed(...retryKeys) && durationMs(retry.backOffBase) > durationMs(retry.backOffMax)) {
        r.problem(
            k("failover.retry.backOffBase"),
            retry.backOffBase,
            `is longer than backOffMax (${retry.backOffMax})`,
            "make backOffBase at most backOffMax (Envoy rejects a base above the maximum)",
        );
    }
    const minimumMs = minimumRequestTimeoutMs(retry);
    const request = r.duration(k("failover.timeout.request"), to.request, `${minimumMs}ms`);
    if (!r.failed(...retryKeys, k("failover.timeout.request")) && durationMs(request) < minimumMs) {
        r.problem(
            k("failover.timeout.request"),
            request,
            `is shorter than the retries need ((numRetries+1) × perTryTimeout + numRetries × backOffMax = ${minimumMs}ms)`,
            `raise it to at least ${minimumMs}ms, or lower failover.retry.numRetries / perTryTimeout`,
        );
    } else if (durationMs(request) > MAX_DURATION_MS) {
        r.problem(
            k("failover.timeout.request"),
            request,
            "(what the retries need) is longer than Kuma accepts (about 292 years)",
            "lower failover.retry.numRetries, perTryTimeout or backOffMax",
        );
    }
    const healthCheck = {
        interval: r.duration(k("failover.healthCheck.interval"), hc.interval, d.healthCheck.interval),
        timeout: r.duration(k("failover.healthCheck.timeout"), hc.timeout, d.healthCheck.timeout),
        unhealthyThreshold: r.integer(
            k("failover.healthCheck.unhealthyThreshold"),
            hc.unhealthyThreshold,
            d.healthCheck.unhealthyThreshold,
            1,
            100,
        ),
        healthyThreshold: r.integer(
            k("failover.healthCheck.healthyThreshold"),
            hc.healthyThreshold,
            d.healthCheck.healthyThreshold,
            1,
            100,
        ),
        path: r.string(
            k("failover.healthCheck.path"),
            hc.path,
            d.healthCheck.path,
            HTTP_PATH,
            `set ${k("failover.healthCheck.path")} to an absolute HTTP path such as "/"`,
        ),
    };
    if (
        !r.failed(k("failover.healthCheck.interval"), k("failover.healthCheck.timeout")) &&
        durationMs(healthCheck.timeout) >= durationMs(healthCheck.interval)
    ) {
        r.problem(
            k("failover.healthCheck.timeout"),
            healthCheck.timeout,
            `is not shorter than the interval (${healthCheck.interval})`,
            "make the health-check timeout shorter than its interval, so checks do not overlap",
        );
    }
    return {
        enabled: r.boolean(k("failover.enabled"), f.enabled, true),
        targetSeconds: r.number(k("failover.targetSeconds"), f.targetSeconds, d.targetSeconds, 0, 3600),
        healthCheck,
        circuitBreaker: {
            interval: r.duration(k("failover.circuitBreaker.interval"), cb.interval, d.circuitBreaker.interval),
            baseEjectionTime: r.duration(
                k("failover.circuitBreaker.baseEjectionTime"),
                cb.baseEjectionTime,
                d.circuitBreaker.baseEjectionTime,
            ),
            consecutiveFailures: r.integer(
                k("failover.circuitBreaker.consecutiveFailures"),
                cb.consecutiveFailures,
                d.circuitBreaker.consecutiveFailures,
                1,
                1000,
            ),
            maxEjectionPercent: r.integer(
                k("failover.circuitBreaker.maxEjectionPercent"),
                cb.maxEjectionPercent,
                d.circuitBreaker.maxEjectionPercent,
                0,
                100,
            ),
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
    const r = new Reader(key =>
        [...secretKeys].some(s => key === k(s) || key.startsWith(`${k(s)}.`) || key.startsWith(`${k(s)}[`)),
    );
    for (const key of Object.keys(raw)) {
        if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) {
            r.problem(
                k(key),
                raw[key],
                "is not a known setting",
                `remove it, or use one of ${TOP_LEVEL_KEYS.map(k).join(", ")} (see docs/configuration.md)`,
            );
        }
    }
    // Services inherit the stack-wide failover and gatewaysOnly; zones name the services.
    const failover = readFailover(r, raw);
    const failoverKeys = new Set(r.problems.map(p => p.key));
    const gatewaysOnly = r.boolean(k("gatewaysOnly"), raw.gatewaysOnly, true);
    const { services, keys: serviceKeys } = readServices(r, raw, { failover, gatewaysOnly }, failoverKeys);
    const zones = readZones(r, raw, services, secretKeys.has("zones"));
    checkDerivedNames(r, services, serviceKeys, zones);
    const global = readGlobal(r, raw, zones, secretKeys.has("global"));
    // The walkthrough's echo runs in kong, as it always has.
    if (raw.services != null) checkServiceNamespaces(r, services, serviceKeys, global);
    const config: StackConfig = {
        zones,
        global,
        mesh: readMesh(r, raw),
        services,
        echo: services[0],
        gateway: readGateway(r, raw),
        platform: readPlatform(r, raw),
        failover,
        gatewaysOnly,
        skipUnreachableClusters: r.boolean(k("skipUnreachableClusters"), raw.skipUnreachableClusters, false),
    };
    if (r.problems.length > 0) throw new ConfigError(r.problems.map(formatProblem));
    return config;
}

/**
 * Validates config as Pulumi hands it over (full keys, text values, secret or not): from the
 * program's runtime, or from a stack read through the Automation API (the DR tool).
 */
export function parseConfigEntries(
    entries: Iterable<{ fullKey: string; value: string; secret: boolean }>,
): StackConfig {
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
    return [
        ...config.zones.map(z => z.cluster),
        ...(config.global.kind === "kubernetes" ? [config.global.cluster] : []),
    ];
}

/**
 * Reads and validates this stack's `mesh-dr:*` config. A bad config becomes a RunError:
 * Pulumi prints its message without a stack trace and exits non-zero before anything registers.
 */
export function loadConfig(): StackConfig {
    const entries = Object.entries(pulumi.runtime.allConfig()).map(([fullKey, value]) => ({
        fullKey,
        value,
        secret: isConfigSecret(fullKey),
    }));
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
