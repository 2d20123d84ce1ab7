// Pure tests of the stack-config contract (zones/config.ts): no Pulumi mocks, no program run.
// Each rejected config is asserted with the exact problem line the user sees:
// `<key>: <bad value> <what is wrong>. Fix: <how to fix it>`.
import { describe, expect, it } from "vitest";
import {
    ConfigError,
    DEFAULTS,
    GLOBAL_OWN_CLUSTER_RULE,
    RawConfig,
    StackConfig,
    clustersOf,
    isKubeconfigContents,
    parseConfig,
} from "../../zones/config";
import {
    DNS_LABEL as LABEL,
    DNS_SUBDOMAIN as SUBDOMAIN,
    DURATION as DURATION_PATTERN,
    IMAGE_REF,
} from "../../zones/validate";

const ZONE1 = { name: "zone1", context: "zone1" };
const ZONE2 = { name: "zone2", context: "zone2" };
const GLOBAL = { context: "mesh-global" };
const MINIMAL: RawConfig = { global: GLOBAL, zones: [ZONE1, ZONE2] };
const withMinimal = (extra: RawConfig): RawConfig => ({ ...MINIMAL, ...extra });
const OWN_CLUSTER = GLOBAL_OWN_CLUSTER_RULE;
const GLOBAL_FIX =
    "give the global control plane's own cluster: pulumi config set --path 'global.context' <its context> (or global.kubeconfig); " +
    "or, for a Universal or Konnect global control plane, its API: pulumi config set --path 'global.api.url' <url>";

const DNS_LABEL = LABEL.what;
const DNS_SUBDOMAIN = SUBDOMAIN.what;
const DURATION = DURATION_PATTERN.what;
const SEMVER = "is not an exact version (x.y.z)";
const KUBECONFIG =
    "apiVersion: v1\nkind: Config\nclusters:\n- name: zone1\n  cluster:\n    server: https://10.0.0.1:6443\n";

/** The problems parseConfig reports for a config it must reject. */
function problemsOf(raw: RawConfig, secretKeys: string[] = []): string[] {
    try {
        parseConfig(raw, new Set(secretKeys));
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    throw new Error(`expected the config to be rejected, but it was accepted: ${JSON.stringify(raw)}`);
}

function accepts(raw: RawConfig, secretKeys: string[] = []): StackConfig {
    return parseConfig(raw, new Set(secretKeys));
}

const unknownKey = (key: string, value: string, known: string) =>
    `${key}: ${value} is not a known setting. Fix: remove it, or use one of ${known} (see docs/configuration.md)`;
const outOfRange = (key: string, value: string, min: number, max: number) =>
    `${key}: ${value} is out of range (${min} to ${max}). Fix: set ${key} to a whole number from ${min} to ${max}`;
const notWhole = (key: string, value: string, min: number, max: number) =>
    `${key}: ${value} is not a whole number. Fix: set ${key} to a whole number from ${min} to ${max}`;
const notOneOf = (key: string, value: string, options: string) =>
    `${key}: ${value} is not one of ${options}. Fix: set ${key} to one of ${options}`;
const notBoolean = (key: string, value: string) =>
    `${key}: ${value} is not a boolean. Fix: set ${key} to true or false`;
const badDuration = (key: string, value: string) =>
    `${key}: ${value} ${DURATION}. Fix: set ${key} to a duration such as "5s", "250ms" or "1m"`;

describe("the minimal config", () => {
    const config = accepts(MINIMAL);

    it("keeps the zones in order, each on its own cluster by context", () => {
        const services = { echo: { routeBackend: "multizone", replicas: 2 } };
        expect(config.zones).toEqual([
            { name: "zone1", cluster: { name: "zone1", context: "zone1" }, services, failoverOrder: [] },
            { name: "zone2", cluster: { name: "zone2", context: "zone2" }, services, failoverOrder: [] },
        ]);
        expect(config.zones[0].cluster.kubeconfig).toBeUndefined();
    });

    it("puts the global control plane on its own cluster, in kong-mesh-system", () => {
        expect(config.global).toEqual({
            kind: "kubernetes",
            cluster: { name: "global", context: "mesh-global" },
            systemNamespace: "kong-mesh-system",
        });
        expect(clustersOf(config).map(c => c.name)).toEqual(["zone1", "zone2", "global"]);
    });

    it("adopts the control plane's default Mesh, with MeshServices exclusive and no zone egress", () => {
        expect(config.mesh).toEqual({
            name: "default",
            manage: "patch",
            meshServicesMode: "Exclusive",
            zoneEgress: false,
        });
    });

    it("runs the walkthrough's echo (pinned tag, 2 replicas, port 1027) behind one LoadBalancer gateway", () => {
        expect(config.services).toEqual([config.echo]);
        expect(config.echo).toEqual({
            name: "echo",
            port: 1027,
            namespace: "kong",
            routes: ["/echo"],
            gatewaysOnly: true,
            failover: config.failover,
            podLabels: { app: "echo" },
            workload: {
                image: "kong/go-echo:0.3.0",
                replicas: 2,
                targetPort: 1027,
                readinessPath: "/",
                extraPorts: [
                    { name: "tcp", port: 1025, protocol: "TCP" },
                    { name: "udp", port: 1026, protocol: "UDP" },
                    { name: "tls", port: 1030, protocol: "TCP" },
                ],
            },
        });
        expect(config.gateway).toEqual({
            className: "kong",
            serviceType: "LoadBalancer",
            replicas: 1,
            listenerPort: 80,
            dnsOrder: "LAST,A,CNAME",
        });
    });

    it("leaves the platform install off, with pinned chart versions ready", () => {
        expect(config.platform).toEqual({
            install: false,
            certManagerVersion: "v1.19.1",
            kongOperatorVersion: "1.3.0",
            kongOperatorRepo: DEFAULTS.platform.kongOperatorRepo,
        });
        expect(config.platform.kongOperatorRepo).toMatch(/^https:\/\//);
    });

    it("turns failover on, with a request timeout that fits every retry (4 × 2s + 3 × 250ms = 8750ms)", () => {
        expect(config.failover).toEqual({
            enabled: true,
            targetSeconds: 5,
            healthCheck: { interval: "5s", timeout: "2s", unhealthyThreshold: 2, healthyThreshold: 1, path: "/" },
            circuitBreaker: {
                interval: "5s",
                baseEjectionTime: "30s",
                consecutiveFailures: 5,
                maxEjectionPercent: 100,
            },
            retry: { numRetries: 3, perTryTimeout: "2s", backOffBase: "25ms", backOffMax: "250ms" },
            timeout: { connect: "2s", request: "8750ms" },
        });
    });

    it("lets only the gateways call echo, and stops `up` on an unreachable cluster", () => {
        expect(config.gatewaysOnly).toBe(true);
        expect(config.skipUnreachableClusters).toBe(false);
    });
});

describe("accepted values", () => {
    it("takes the scalar strings Pulumi hands over for numbers and booleans", () => {
        const config = accepts(
            withMinimal({
                echo: { replicas: "3" },
                gatewaysOnly: "false",
                skipUnreachableClusters: "true",
                failover: { targetSeconds: "2.5" },
            }),
        );
        expect(config.failover.targetSeconds).toBe(2.5);
        expect(config.echo.workload?.replicas).toBe(3);
        expect(config.zones.map(z => z.services.echo.replicas)).toEqual([3, 3]);
        expect(config.gatewaysOnly).toBe(false);
        expect(config.skipUnreachableClusters).toBe(true);
    });

    it("lets one zone override echo replicas, route backend and failover order", () => {
        const config = accepts({
            global: GLOBAL,
            zones: [
                { ...ZONE1, echoReplicas: 5, routeBackend: "local", failoverOrder: ["zone3", "zone2"] },
                ZONE2,
                { name: "zone3", context: "zone3" },
            ],
        });
        expect(config.zones[0]).toMatchObject({
            services: { echo: { replicas: 5, routeBackend: "local" } },
            failoverOrder: ["zone3", "zone2"],
        });
        expect(config.zones[1]).toMatchObject({
            services: { echo: { replicas: 2, routeBackend: "multizone" } },
            failoverOrder: [],
        });
    });

    it("puts the global control plane on a cluster of its own", () => {
        const config = accepts(withMinimal({ global: { context: "mesh-global", systemNamespace: "kuma-system" } }));
        expect(config.global).toEqual({
            kind: "kubernetes",
            cluster: { name: "global", context: "mesh-global" },
            systemNamespace: "kuma-system",
        });
        expect(clustersOf(config).map(c => c.name)).toEqual(["zone1", "zone2", "global"]);
    });

    it("names a zone of up to 40 characters", () => {
        const name = `z${"a".repeat(39)}`;
        expect(accepts({ global: GLOBAL, zones: [{ name, context: "a" }, ZONE2] }).zones[0].name).toBe(name);
    });

    it("takes image references with a registry, a port, a tag and/or a digest", () => {
        const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
        for (const image of [
            "kong/go-echo:0.3.0",
            "images.example.com/kong/go-echo:0.3.0",
            "localhost:5000/go-echo:1",
            `kong/go-echo@${digest}`,
            `kong/go-echo:0.3.0@${digest}`,
        ]) {
            expect(accepts(withMinimal({ echo: { image } })).echo.workload?.image, image).toBe(image);
        }
    });

    it("takes pre-release chart versions and oci:// repositories", () => {
        const config = accepts(
            withMinimal({
                platform: { kongOperatorVersion: "1.4.0-rc.1", kongOperatorRepo: "oci://charts.example.com/kong" },
            }),
        );
        expect(config.platform).toMatchObject({
            kongOperatorVersion: "1.4.0-rc.1",
            kongOperatorRepo: "oci://charts.example.com/kong",
        });
    });

    it("takes a request timeout of exactly what the retries need", () => {
        expect(accepts(withMinimal({ failover: { timeout: { request: "8750ms" } } })).failover.timeout.request).toBe(
            "8750ms",
        );
        expect(
            accepts(withMinimal({ failover: { retry: { numRetries: 0 }, timeout: { request: "2s" } } })).failover
                .timeout.request,
        ).toBe("2s");
    });
});

describe("kubeconfig values", () => {
    it("tells contents from paths", () => {
        expect(isKubeconfigContents(KUBECONFIG)).toBe(true);
        expect(isKubeconfigContents("apiVersion: v1")).toBe(true);
        expect(isKubeconfigContents('{"apiVersion":"v1","kind":"Config"}')).toBe(true);
        expect(isKubeconfigContents("/home/ops/.kube/zone1.yaml")).toBe(false);
        expect(isKubeconfigContents("~/.kube/config")).toBe(false);
    });

    it("rejects contents in plain text, without echoing them", () => {
        const problems = problemsOf({ global: GLOBAL, zones: [{ name: "zone1", kubeconfig: KUBECONFIG }, ZONE2] });
        expect(problems).toEqual([
            `mesh-dr:zones[0].kubeconfig: "<kubeconfig contents>" holds kubeconfig contents in plain text. Fix: store it as a secret: ` +
                `pulumi config set --secret --path 'zones[0].kubeconfig' < kubeconfig.yaml, or give a file path instead`,
        ]);
        expect(problems.join("\n")).not.toContain("10.0.0.1");
    });

    it("rejects single-line JSON contents in plain text too", () => {
        expect(
            problemsOf({
                global: GLOBAL,
                zones: [ZONE1, { name: "zone2", kubeconfig: '{"apiVersion":"v1","kind":"Config"}' }],
            }),
        ).toEqual([
            `mesh-dr:zones[1].kubeconfig: "<kubeconfig contents>" holds kubeconfig contents in plain text. Fix: store it as a secret: ` +
                `pulumi config set --secret --path 'zones[1].kubeconfig' < kubeconfig.yaml, or give a file path instead`,
        ]);
    });

    it("accepts contents when the zones key is a secret", () => {
        const config = accepts({ global: GLOBAL, zones: [{ name: "zone1", kubeconfig: KUBECONFIG }, ZONE2] }, [
            "zones",
        ]);
        expect(config.zones[0].cluster).toEqual({ name: "zone1", kubeconfig: KUBECONFIG });
    });

    it("never prints a value under a secret key, such as a kubeconfig under a misspelled key", () => {
        const problems = problemsOf(
            {
                global: { kubeconfg: KUBECONFIG, context: "global" },
                zones: [
                    { name: "zone1", kubeconfig: KUBECONFIG },
                    { ...ZONE2, kubeconfg: KUBECONFIG, echoReplicas: 0 },
                ],
            },
            ["zones", "global"],
        );
        expect(problems).toEqual([
            unknownKey("mesh-dr:zones[1].kubeconfg", "[secret]", ZONE_KEYS),
            outOfRange("mesh-dr:zones[1].echoReplicas", "[secret]", 1, 100),
            unknownKey("mesh-dr:global.kubeconfg", "[secret]", "zone, context, kubeconfig, systemNamespace, api"),
        ]);
        expect(problems.join("\n")).not.toContain("10.0.0.1");
        // The same mistakes in keys that are not secret still show their values.
        expect(problemsOf({ global: GLOBAL, zones: [ZONE1, { ...ZONE2, echoReplicas: 0 }] })).toEqual([
            outOfRange("mesh-dr:zones[1].echoReplicas", "0", 1, 100),
        ]);
    });

    it("accepts a path in plain text", () => {
        const config = accepts({
            global: GLOBAL,
            zones: [{ name: "zone1", kubeconfig: "/home/ops/.kube/zone1.yaml", context: "zone1" }, ZONE2],
        });
        expect(config.zones[0].cluster).toEqual({
            name: "zone1",
            context: "zone1",
            kubeconfig: "/home/ops/.kube/zone1.yaml",
        });
    });

    it("checks the global cluster's kubeconfig by the global key's own secrecy", () => {
        const problem =
            `mesh-dr:global.kubeconfig: "<kubeconfig contents>" holds kubeconfig contents in plain text. Fix: store it as a secret: ` +
            `pulumi config set --secret --path 'global.kubeconfig' < kubeconfig.yaml, or give a file path instead`;
        expect(problemsOf(withMinimal({ global: { kubeconfig: KUBECONFIG } }))).toEqual([problem]);
        expect(problemsOf(withMinimal({ global: { kubeconfig: KUBECONFIG } }), ["zones"])).toEqual([problem]);
        expect(accepts(withMinimal({ global: { kubeconfig: KUBECONFIG } }), ["global"]).global).toMatchObject({
            cluster: { kubeconfig: KUBECONFIG },
        });
    });
});

// [what is wrong, config, the problem(s) reported]
type Case = [string, RawConfig, ...string[]];

const TOP_LEVEL =
    "mesh-dr:zones, mesh-dr:global, mesh-dr:mesh, mesh-dr:services, mesh-dr:echo, mesh-dr:gateway, mesh-dr:platform, mesh-dr:failover, " +
    "mesh-dr:gatewaysOnly, mesh-dr:skipUnreachableClusters";
const ZONE_KEYS = "name, context, kubeconfig, services, routeBackend, echoReplicas, failoverOrder";

const CASES: Record<string, Case[]> = {
    "unknown keys": [
        ["an unknown top-level key", withMinimal({ replicas: 3 }), unknownKey("mesh-dr:replicas", "3", TOP_LEVEL)],
        [
            "an unknown zone key",
            { global: GLOBAL, zones: [ZONE1, { ...ZONE2, replicas: 3 }] },
            unknownKey("mesh-dr:zones[1].replicas", "3", ZONE_KEYS),
        ],
        [
            "an unknown global key",
            withMinimal({ global: { namespace: "kuma-system" } }),
            unknownKey("mesh-dr:global.namespace", '"kuma-system"', "zone, context, kubeconfig, systemNamespace, api"),
            `mesh-dr:global: {"namespace":"kuma-system"} names no cluster: ${OWN_CLUSTER}. Fix: ${GLOBAL_FIX}`,
        ],
        [
            "an unknown echo key",
            withMinimal({ echo: { tag: "0.3.0" } }),
            unknownKey("mesh-dr:echo.tag", '"0.3.0"', "image, replicas, port"),
        ],
        [
            "an unknown gateway key",
            withMinimal({ gateway: { class: "kong" } }),
            unknownKey("mesh-dr:gateway.class", '"kong"', "className, serviceType, replicas, listenerPort, dnsOrder"),
        ],
        [
            "an unknown mesh key",
            withMinimal({ mesh: { mode: "Exclusive" } }),
            unknownKey("mesh-dr:mesh.mode", '"Exclusive"', "name, manage, meshServicesMode, zoneEgress"),
        ],
        [
            "an unknown platform key",
            withMinimal({ platform: { version: "1.3.0" } }),
            unknownKey(
                "mesh-dr:platform.version",
                '"1.3.0"',
                "install, certManagerVersion, kongOperatorVersion, kongOperatorRepo",
            ),
        ],
        [
            "an unknown failover key",
            withMinimal({ failover: { retries: 3 } }),
            unknownKey(
                "mesh-dr:failover.retries",
                "3",
                "enabled, targetSeconds, healthCheck, circuitBreaker, retry, timeout",
            ),
        ],
        [
            "an unknown failover.healthCheck key",
            withMinimal({ failover: { healthCheck: { port: 1027 } } }),
            unknownKey(
                "mesh-dr:failover.healthCheck.port",
                "1027",
                "interval, timeout, unhealthyThreshold, healthyThreshold, path",
            ),
        ],
        [
            "an unknown failover.circuitBreaker key",
            withMinimal({ failover: { circuitBreaker: { threshold: 5 } } }),
            unknownKey(
                "mesh-dr:failover.circuitBreaker.threshold",
                "5",
                "interval, baseEjectionTime, consecutiveFailures, maxEjectionPercent",
            ),
        ],
        [
            "an unknown failover.retry key",
            withMinimal({ failover: { retry: { retryOn: ["5xx"] } } }),
            unknownKey(
                "mesh-dr:failover.retry.retryOn",
                '["5xx"]',
                "numRetries, perTryTimeout, backOffBase, backOffMax",
            ),
        ],
        [
            "an unknown failover.timeout key",
            withMinimal({ failover: { timeout: { idle: "1h" } } }),
            unknownKey("mesh-dr:failover.timeout.idle", '"1h"', "connect, request"),
        ],
    ],
    "maps that are not maps": [
        [
            "echo given as a string",
            withMinimal({ echo: "kong/go-echo" }),
            'mesh-dr:echo: "kong/go-echo" is not an object. Fix: set mesh-dr:echo to a map with keys image, replicas, port',
        ],
        [
            "global given as a zone name",
            withMinimal({ global: "zone1" }),
            'mesh-dr:global: "zone1" is not an object. Fix: set mesh-dr:global to a map with keys zone, context, kubeconfig, systemNamespace, api',
            `mesh-dr:global: "zone1" names no cluster: ${OWN_CLUSTER}. Fix: ${GLOBAL_FIX}`,
        ],
        [
            "failover.retry given as a number",
            withMinimal({ failover: { retry: 3 } }),
            "mesh-dr:failover.retry: 3 is not an object. Fix: set mesh-dr:failover.retry to a map with keys numRetries, perTryTimeout, backOffBase, backOffMax",
        ],
    ],
    zones: [
        [
            "zones missing",
            { global: GLOBAL },
            "mesh-dr:zones: (missing) is required. Fix: list the zones, e.g. pulumi config set --path 'zones[0].name' zone1 && " +
                "pulumi config set --path 'zones[0].context' zone1",
        ],
        [
            "zones empty",
            { global: GLOBAL, zones: [] },
            "mesh-dr:zones: [] is empty. Fix: list at least one zone (two or more for disaster recovery)",
        ],
        [
            "zones not a list",
            { global: GLOBAL, zones: "zone1,zone2" },
            'mesh-dr:zones: "zone1,zone2" is not a list. Fix: set mesh-dr:zones to a YAML list',
        ],
        [
            "a zone that is not a map",
            { global: GLOBAL, zones: ["zone1", ZONE2] },
            'mesh-dr:zones[0]: "zone1" is not a map. Fix: set mesh-dr:zones[0] to {name: zone1, context: zone1}',
        ],
        [
            "a zone without a name",
            { global: GLOBAL, zones: [ZONE1, { context: "zone2" }] },
            'mesh-dr:zones[1].name: (missing) is required. Fix: give every zone a name, e.g. "zone2"',
        ],
        [
            "a zone name that is not a DNS-1123 label",
            { global: GLOBAL, zones: [{ name: "Zone_1", context: "zone1" }, ZONE2] },
            `mesh-dr:zones[0].name: "Zone_1" ${DNS_LABEL}. Fix: give mesh-dr:zones[0].name a DNS-1123 label: ` +
                `lower-case letters, digits and '-', e.g. "zone1"`,
        ],
        [
            "a zone name that is not a string",
            { global: GLOBAL, zones: [{ name: 1, context: "zone1" }, ZONE2] },
            `mesh-dr:zones[0].name: 1 is not a non-empty string. Fix: give mesh-dr:zones[0].name a DNS-1123 label: ` +
                `lower-case letters, digits and '-', e.g. "zone1"`,
        ],
        [
            "the zone name global",
            { global: GLOBAL, zones: [ZONE1, { name: "global", context: "zone2" }] },
            `mesh-dr:zones[1].name: "global" is reserved for the global control plane's own cluster. Fix: choose another zone name`,
        ],
        [
            "a zone name over 40 characters",
            { global: GLOBAL, zones: [{ name: `z${"a".repeat(40)}`, context: "zone1" }, ZONE2] },
            `mesh-dr:zones[0].name: "z${"a".repeat(40)}" is longer than 40 characters. Fix: choose a shorter zone name (it prefixes resource names)`,
        ],
        [
            "a duplicate zone name",
            { global: GLOBAL, zones: [ZONE1, { name: "zone1", context: "zone2" }] },
            'mesh-dr:zones[1].name: "zone1" is used by another zone. Fix: give every zone a distinct name',
        ],
        [
            "an empty context",
            { global: GLOBAL, zones: [{ name: "zone1", context: "" }, ZONE2] },
            'mesh-dr:zones[0].context: "" is not a non-empty string. Fix: set mesh-dr:zones[0].context to a string',
        ],
        [
            "a bad routeBackend",
            { global: GLOBAL, zones: [{ ...ZONE1, routeBackend: "mmzs" }, ZONE2] },
            notOneOf("mesh-dr:zones[0].routeBackend", '"mmzs"', "multizone, local"),
        ],
        [
            "echoReplicas below 1",
            { global: GLOBAL, zones: [ZONE1, { ...ZONE2, echoReplicas: 0 }] },
            outOfRange("mesh-dr:zones[1].echoReplicas", "0", 1, 100),
        ],
        [
            "echoReplicas not whole",
            { global: GLOBAL, zones: [ZONE1, { ...ZONE2, echoReplicas: 1.5 }] },
            notWhole("mesh-dr:zones[1].echoReplicas", "1.5", 1, 100),
        ],
        [
            "failoverOrder naming the zone itself",
            { global: GLOBAL, zones: [{ ...ZONE1, failoverOrder: ["zone1"] }, ZONE2] },
            'mesh-dr:zones[0].failoverOrder[0]: "zone1" is the zone itself. Fix: list only other zones to fail over to',
        ],
        [
            "failoverOrder naming an unknown zone",
            { global: GLOBAL, zones: [{ ...ZONE1, failoverOrder: ["zone2", "zone3"] }, ZONE2] },
            'mesh-dr:zones[0].failoverOrder[1]: "zone3" is not among the zones. Fix: use one of zone1, zone2',
        ],
        [
            "failoverOrder not a list",
            { global: GLOBAL, zones: [ZONE1, { ...ZONE2, failoverOrder: "zone1" }] },
            'mesh-dr:zones[1].failoverOrder: "zone1" is not a list. Fix: set mesh-dr:zones[1].failoverOrder to a YAML list',
        ],
        [
            "failoverOrder with a bad zone name",
            { global: GLOBAL, zones: [ZONE1, { ...ZONE2, failoverOrder: ["Zone1"] }] },
            `mesh-dr:zones[1].failoverOrder[0]: "Zone1" ${DNS_LABEL}. Fix: name another zone`,
        ],
    ],
    global: [
        [
            "global missing",
            { zones: [ZONE1, ZONE2] },
            `mesh-dr:global: (missing) is required: ${OWN_CLUSTER}. Fix: ${GLOBAL_FIX}`,
        ],
        [
            "the global control plane on a zone's cluster",
            withMinimal({ global: { zone: "zone1" } }),
            `mesh-dr:global.zone: "zone1" is no longer supported: ${OWN_CLUSTER}. Fix: ${GLOBAL_FIX}`,
        ],
        [
            "global.zone together with global.context",
            withMinimal({ global: { zone: "zone1", context: "mesh-global" } }),
            `mesh-dr:global.zone: "zone1" is no longer supported: ${OWN_CLUSTER}. Fix: ${GLOBAL_FIX}`,
        ],
        [
            "a global cluster that is a zone's",
            withMinimal({ global: { context: "zone2" } }),
            `mesh-dr:global: {"context":"zone2"} points at zone zone2's cluster: ${OWN_CLUSTER}. Fix: ${GLOBAL_FIX}`,
        ],
        [
            "an empty global context",
            withMinimal({ global: { context: null } }),
            `mesh-dr:global: {"context":null} names no cluster: ${OWN_CLUSTER}. Fix: ${GLOBAL_FIX}`,
        ],
        [
            "a bad systemNamespace",
            withMinimal({ global: { ...GLOBAL, systemNamespace: "Kong-Mesh-System" } }),
            `mesh-dr:global.systemNamespace: "Kong-Mesh-System" ${DNS_LABEL}. Fix: set mesh-dr:global.systemNamespace to ` +
                "the global control plane's namespace: kong-mesh-system (Kong Mesh) or kuma-system (Kuma)",
        ],
    ],
    mesh: [
        [
            "a bad mesh name",
            withMinimal({ mesh: { name: "Default" } }),
            `mesh-dr:mesh.name: "Default" ${DNS_LABEL}. Fix: set mesh-dr:mesh.name to the name of the Mesh the zones belong to (default "default")`,
        ],
        [
            "a bad mesh.manage",
            withMinimal({ mesh: { manage: "adopt" } }),
            notOneOf("mesh-dr:mesh.manage", '"adopt"', "create, patch, none"),
        ],
        [
            "meshServicesMode Disabled",
            withMinimal({ mesh: { meshServicesMode: "Disabled" } }),
            notOneOf("mesh-dr:mesh.meshServicesMode", '"Disabled"', "Exclusive, Everywhere, ReachableBackends"),
        ],
        [
            "a non-boolean zoneEgress",
            withMinimal({ mesh: { zoneEgress: "yes" } }),
            notBoolean("mesh-dr:mesh.zoneEgress", '"yes"'),
        ],
    ],
    echo: [
        [
            "a bad image reference",
            withMinimal({ echo: { image: "Kong/Go Echo:latest" } }),
            `mesh-dr:echo.image: "Kong/Go Echo:latest" ${IMAGE_REF.what}. Fix: set mesh-dr:echo.image to an image reference ` +
                `such as "kong/go-echo:0.3.0" (lower-case repository, tag or digest)`,
        ],
        ["port 0", withMinimal({ echo: { port: 0 } }), outOfRange("mesh-dr:echo.port", "0", 1, 65535)],
        ["port 70000", withMinimal({ echo: { port: 70000 } }), outOfRange("mesh-dr:echo.port", "70000", 1, 65535)],
        [
            "non-integer replicas",
            withMinimal({ echo: { replicas: 2.5 } }),
            notWhole("mesh-dr:echo.replicas", "2.5", 1, 100),
        ],
        [
            "replicas in words",
            withMinimal({ echo: { replicas: "two" } }),
            notWhole("mesh-dr:echo.replicas", '"two"', 1, 100),
        ],
        ["replicas 0", withMinimal({ echo: { replicas: 0 } }), outOfRange("mesh-dr:echo.replicas", "0", 1, 100)],
    ],
    gateway: [
        [
            "a bad className",
            withMinimal({ gateway: { className: "Kong" } }),
            `mesh-dr:gateway.className: "Kong" ${DNS_SUBDOMAIN}. Fix: set mesh-dr:gateway.className to a DNS-1123 name such as "kong"`,
        ],
        [
            "a bad serviceType",
            withMinimal({ gateway: { serviceType: "Ingress" } }),
            notOneOf("mesh-dr:gateway.serviceType", '"Ingress"', "LoadBalancer, NodePort, ClusterIP"),
        ],
        [
            "gateway replicas 0",
            withMinimal({ gateway: { replicas: 0 } }),
            outOfRange("mesh-dr:gateway.replicas", "0", 1, 100),
        ],
        [
            "listenerPort 0",
            withMinimal({ gateway: { listenerPort: 0 } }),
            outOfRange("mesh-dr:gateway.listenerPort", "0", 1, 65535),
        ],
        [
            "listenerPort 70000",
            withMinimal({ gateway: { listenerPort: 70000 } }),
            outOfRange("mesh-dr:gateway.listenerPort", "70000", 1, 65535),
        ],
        [
            "a bad dnsOrder",
            withMinimal({ gateway: { dnsOrder: "LAST,MX" } }),
            `mesh-dr:gateway.dnsOrder: "LAST,MX" is not a list of DNS record types. ` +
                `Fix: set mesh-dr:gateway.dnsOrder to a comma-separated list of LAST, SRV, A, AAAA, CNAME, e.g. "LAST,A,CNAME"`,
        ],
    ],
    platform: [
        [
            "a non-boolean install",
            withMinimal({ platform: { install: "yes" } }),
            notBoolean("mesh-dr:platform.install", '"yes"'),
        ],
        [
            "a cert-manager version that is not semver",
            withMinimal({ platform: { certManagerVersion: "1.19" } }),
            `mesh-dr:platform.certManagerVersion: "1.19" ${SEMVER}. Fix: pin mesh-dr:platform.certManagerVersion to a release such as "v1.19.1"`,
        ],
        [
            "a Kong Operator chart version that is not semver",
            withMinimal({ platform: { kongOperatorVersion: "latest" } }),
            `mesh-dr:platform.kongOperatorVersion: "latest" ${SEMVER}. Fix: pin mesh-dr:platform.kongOperatorVersion to a chart version such as "1.3.0"`,
        ],
        [
            "a chart version YAML read as a number",
            withMinimal({ platform: { kongOperatorVersion: 1.3 } }),
            'mesh-dr:platform.kongOperatorVersion: 1.3 is not a non-empty string. Fix: pin mesh-dr:platform.kongOperatorVersion to a chart version such as "1.3.0"',
        ],
        [
            "a repository that is not an http(s) or oci URL",
            withMinimal({ platform: { kongOperatorRepo: "ftp://charts.example.com" } }),
            String.raw`mesh-dr:platform.kongOperatorRepo: "ftp://charts.example.com" is not an http(s) or oci URL. ` +
                "Fix: set mesh-dr:platform.kongOperatorRepo to a Helm repository URL",
        ],
    ],
    failover: [
        [
            "a non-boolean enabled",
            withMinimal({ failover: { enabled: "no" } }),
            notBoolean("mesh-dr:failover.enabled", '"no"'),
        ],
        [
            "a targetSeconds that is not a number",
            withMinimal({ failover: { targetSeconds: "5s" } }),
            'mesh-dr:failover.targetSeconds: "5s" is not a number. Fix: set mesh-dr:failover.targetSeconds to a number above 0 and at most 3600',
        ],
        [
            "a zero targetSeconds",
            withMinimal({ failover: { targetSeconds: 0 } }),
            "mesh-dr:failover.targetSeconds: 0 is out of range (above 0, at most 3600). Fix: set mesh-dr:failover.targetSeconds to a number above 0 and at most 3600",
        ],
        [
            "a targetSeconds over an hour",
            withMinimal({ failover: { targetSeconds: "3601" } }),
            'mesh-dr:failover.targetSeconds: "3601" is out of range (above 0, at most 3600). Fix: set mesh-dr:failover.targetSeconds to a number above 0 and at most 3600',
        ],
        [
            "a bad healthCheck.interval",
            withMinimal({ failover: { healthCheck: { interval: "5 seconds" } } }),
            badDuration("mesh-dr:failover.healthCheck.interval", '"5 seconds"'),
        ],
        [
            "a bad healthCheck.timeout",
            withMinimal({ failover: { healthCheck: { timeout: "2" } } }),
            badDuration("mesh-dr:failover.healthCheck.timeout", '"2"'),
        ],
        [
            "a bad circuitBreaker.interval",
            withMinimal({ failover: { circuitBreaker: { interval: "-5s" } } }),
            badDuration("mesh-dr:failover.circuitBreaker.interval", '"-5s"'),
        ],
        [
            "a bad circuitBreaker.baseEjectionTime",
            withMinimal({ failover: { circuitBreaker: { baseEjectionTime: "30sec" } } }),
            badDuration("mesh-dr:failover.circuitBreaker.baseEjectionTime", '"30sec"'),
        ],
        [
            "a bad retry.perTryTimeout",
            withMinimal({ failover: { retry: { perTryTimeout: "1.5s" } } }),
            badDuration("mesh-dr:failover.retry.perTryTimeout", '"1.5s"'),
        ],
        [
            "a bad retry.backOffBase",
            withMinimal({ failover: { retry: { backOffBase: 25 } } }),
            'mesh-dr:failover.retry.backOffBase: 25 is not a non-empty string. Fix: set mesh-dr:failover.retry.backOffBase to a duration such as "5s", "250ms" or "1m"',
        ],
        [
            "a bad retry.backOffMax",
            withMinimal({ failover: { retry: { backOffMax: "0.25s" } } }),
            badDuration("mesh-dr:failover.retry.backOffMax", '"0.25s"'),
        ],
        [
            "a bad timeout.connect",
            withMinimal({ failover: { timeout: { connect: "2 s" } } }),
            badDuration("mesh-dr:failover.timeout.connect", '"2 s"'),
        ],
        [
            "a bad timeout.request",
            withMinimal({ failover: { timeout: { request: "10d" } } }),
            badDuration("mesh-dr:failover.timeout.request", '"10d"'),
        ],
        ...[
            "healthCheck.interval",
            "healthCheck.timeout",
            "circuitBreaker.interval",
            "circuitBreaker.baseEjectionTime",
            "retry.perTryTimeout",
            "retry.backOffBase",
            "retry.backOffMax",
            "timeout.connect",
            "timeout.request",
        ].map((key): Case => {
            const [group, name] = key.split(".");
            return [
                `a zero ${key}`,
                withMinimal({ failover: { [group]: { [name]: "0s" } } }),
                `mesh-dr:failover.${key}: "0s" is zero; Kuma needs a positive duration. ` +
                    `Fix: set mesh-dr:failover.${key} to a duration such as "5s", "250ms" or "1m"`,
            ];
        }),
        [
            "numRetries over 10",
            withMinimal({ failover: { retry: { numRetries: 11 } } }),
            outOfRange("mesh-dr:failover.retry.numRetries", "11", 0, 10),
        ],
        [
            "unhealthyThreshold 0",
            withMinimal({ failover: { healthCheck: { unhealthyThreshold: 0 } } }),
            outOfRange("mesh-dr:failover.healthCheck.unhealthyThreshold", "0", 1, 100),
        ],
        [
            "healthyThreshold 0",
            withMinimal({ failover: { healthCheck: { healthyThreshold: 0 } } }),
            outOfRange("mesh-dr:failover.healthCheck.healthyThreshold", "0", 1, 100),
        ],
        [
            "a relative health-check path",
            withMinimal({ failover: { healthCheck: { path: "healthz" } } }),
            String.raw`mesh-dr:failover.healthCheck.path: "healthz" is not an absolute HTTP path. Fix: set mesh-dr:failover.healthCheck.path to an absolute HTTP path such as "/"`,
        ],
        [
            "consecutiveFailures 0",
            withMinimal({ failover: { circuitBreaker: { consecutiveFailures: 0 } } }),
            outOfRange("mesh-dr:failover.circuitBreaker.consecutiveFailures", "0", 1, 1000),
        ],
        [
            "maxEjectionPercent over 100",
            withMinimal({ failover: { circuitBreaker: { maxEjectionPercent: 101 } } }),
            outOfRange("mesh-dr:failover.circuitBreaker.maxEjectionPercent", "101", 0, 100),
        ],
        [
            "a request timeout shorter than the default retries need",
            withMinimal({ failover: { timeout: { request: "5s" } } }),
            'mesh-dr:failover.timeout.request: "5s" is shorter than the retries need ((numRetries+1) × perTryTimeout + numRetries × backOffMax = 8750ms). ' +
                "Fix: raise it to at least 8750ms, or lower failover.retry.numRetries / perTryTimeout",
        ],
        [
            "a request timeout 1ms short",
            withMinimal({ failover: { timeout: { request: "8749ms" } } }),
            'mesh-dr:failover.timeout.request: "8749ms" is shorter than the retries need ((numRetries+1) × perTryTimeout + numRetries × backOffMax = 8750ms). ' +
                "Fix: raise it to at least 8750ms, or lower failover.retry.numRetries / perTryTimeout",
        ],
        [
            "a request timeout shorter than custom retries need (2 × 1s + 1 × 500ms)",
            withMinimal({
                failover: {
                    retry: { numRetries: 1, perTryTimeout: "1s", backOffMax: "500ms" },
                    timeout: { request: "2s" },
                },
            }),
            'mesh-dr:failover.timeout.request: "2s" is shorter than the retries need ((numRetries+1) × perTryTimeout + numRetries × backOffMax = 2500ms). ' +
                "Fix: raise it to at least 2500ms, or lower failover.retry.numRetries / perTryTimeout",
        ],
        [
            "a health-check timeout equal to its interval",
            withMinimal({ failover: { healthCheck: { interval: "5s", timeout: "5s" } } }),
            'mesh-dr:failover.healthCheck.timeout: "5s" is not shorter than the interval (5s). ' +
                "Fix: make the health-check timeout shorter than its interval, so checks do not overlap",
        ],
        [
            "a health-check timeout longer than its interval",
            withMinimal({ failover: { healthCheck: { interval: "1s", timeout: "1500ms" } } }),
            'mesh-dr:failover.healthCheck.timeout: "1500ms" is not shorter than the interval (1s). ' +
                "Fix: make the health-check timeout shorter than its interval, so checks do not overlap",
        ],
    ],
    "top-level switches": [
        [
            "a non-boolean gatewaysOnly",
            withMinimal({ gatewaysOnly: "maybe" }),
            notBoolean("mesh-dr:gatewaysOnly", '"maybe"'),
        ],
        [
            "a non-boolean skipUnreachableClusters",
            withMinimal({ skipUnreachableClusters: 1 }),
            notBoolean("mesh-dr:skipUnreachableClusters", "1"),
        ],
    ],
};

for (const [group, cases] of Object.entries(CASES)) {
    describe(`rejects ${group}`, () => {
        for (const [what, raw, ...problems] of cases) {
            it(what, () => {
                expect(problemsOf(raw)).toEqual(problems);
            });
        }
    });
}

describe("ConfigError", () => {
    it("states one problem in its message, as Pulumi prints it", () => {
        let error: unknown;
        try {
            parseConfig(withMinimal({ echo: { port: 0 } }));
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).name).toBe("ConfigError");
        expect((error as ConfigError).message).toBe(
            "invalid stack config (1 problem):\n  - mesh-dr:echo.port: 0 is out of range (1 to 65535). Fix: set mesh-dr:echo.port to a whole number from 1 to 65535",
        );
    });

    it("reports every problem of a config at once", () => {
        const raw: RawConfig = {
            zone: [],
            echo: { image: "Kong/Go Echo:latest", port: 0 },
            zones: [
                { ...ZONE1, routeBackend: "mmzs" },
                { ...ZONE2, echoReplicas: 0, failoverOrder: ["zone2"] },
            ],
            global: { zone: "zone9" },
            mesh: { manage: "adopt" },
            gateway: { serviceType: "Ingress" },
            platform: { kongOperatorVersion: "latest" },
            failover: { timeout: { request: "1s" }, healthCheck: { timeout: "10s" }, targetSeconds: -1 },
            gatewaysOnly: "maybe",
        };
        const expected = [
            unknownKey("mesh-dr:zone", "[]", TOP_LEVEL),
            `mesh-dr:echo.image: "Kong/Go Echo:latest" ${IMAGE_REF.what}. Fix: set mesh-dr:echo.image to an image reference ` +
                `such as "kong/go-echo:0.3.0" (lower-case repository, tag or digest)`,
            outOfRange("mesh-dr:echo.port", "0", 1, 65535),
            notOneOf("mesh-dr:zones[0].routeBackend", '"mmzs"', "multizone, local"),
            outOfRange("mesh-dr:zones[1].echoReplicas", "0", 1, 100),
            'mesh-dr:zones[1].failoverOrder[0]: "zone2" is the zone itself. Fix: list only other zones to fail over to',
            `mesh-dr:global.zone: "zone9" is no longer supported: ${OWN_CLUSTER}. Fix: ${GLOBAL_FIX}`,
            notOneOf("mesh-dr:mesh.manage", '"adopt"', "create, patch, none"),
            notOneOf("mesh-dr:gateway.serviceType", '"Ingress"', "LoadBalancer, NodePort, ClusterIP"),
            `mesh-dr:platform.kongOperatorVersion: "latest" ${SEMVER}. Fix: pin mesh-dr:platform.kongOperatorVersion to a chart version such as "1.3.0"`,
            'mesh-dr:failover.timeout.request: "1s" is shorter than the retries need ((numRetries+1) × perTryTimeout + numRetries × backOffMax = 8750ms). ' +
                "Fix: raise it to at least 8750ms, or lower failover.retry.numRetries / perTryTimeout",
            'mesh-dr:failover.healthCheck.timeout: "10s" is not shorter than the interval (5s). ' +
                "Fix: make the health-check timeout shorter than its interval, so checks do not overlap",
            "mesh-dr:failover.targetSeconds: -1 is out of range (above 0, at most 3600). Fix: set mesh-dr:failover.targetSeconds to a number above 0 and at most 3600",
            notBoolean("mesh-dr:gatewaysOnly", '"maybe"'),
        ];

        let error: unknown;
        try {
            parseConfig(raw);
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(ConfigError);
        const { problems, message } = error as ConfigError;
        expect([...problems].sort()).toEqual([...expected].sort());
        expect(message.split("\n")[0]).toBe(`invalid stack config (${expected.length} problems):`);
        for (const p of expected) expect(message).toContain(`\n  - ${p}`);
    });
});

describe("review fixes: checks added after the first round of tests", () => {
    it("two zones on the same cluster", () => {
        expect(problemsOf({ global: GLOBAL, zones: [{ name: "zone1" }, { name: "zone2" }] })).toEqual([
            "mesh-dr:zones[1]: {} points at the same cluster as zones[0] (zone1). Fix: give every zone its own cluster: a distinct context and/or kubeconfig",
        ]);
        expect(problemsOf({ global: GLOBAL, zones: [ZONE1, { name: "zone2", context: "zone1" }] })).toEqual([
            'mesh-dr:zones[1]: {"context":"zone1"} points at the same cluster as zones[0] (zone1). Fix: give every zone its own cluster: a distinct context and/or kubeconfig',
        ]);
        // The same context in two different kubeconfig files is two clusters.
        accepts({
            global: GLOBAL,
            zones: [
                { name: "zone1", context: "c", kubeconfig: "/a" },
                { name: "zone2", context: "c", kubeconfig: "/b" },
            ],
        });
    });

    it("names longer than a DNS-1123 label allows", () => {
        const long = "a".repeat(64);
        expect(problemsOf(withMinimal({ global: { ...GLOBAL, systemNamespace: long } }))).toEqual([
            `mesh-dr:global.systemNamespace: "${long}" ${DNS_LABEL}. Fix: set mesh-dr:global.systemNamespace to the global control plane's namespace: kong-mesh-system (Kong Mesh) or kuma-system (Kuma)`,
        ]);
        accepts(withMinimal({ mesh: { name: "a".repeat(63) } }));
    });

    it("image references with doubled separators are valid", () => {
        expect(accepts(withMinimal({ echo: { image: "kong/go__echo:1" } })).echo.workload?.image).toBe(
            "kong/go__echo:1",
        );
        expect(accepts(withMinimal({ echo: { image: "kong/go--echo:1" } })).echo.workload?.image).toBe(
            "kong/go--echo:1",
        );
    });

    it("a retry back-off base above its maximum", () => {
        expect(problemsOf(withMinimal({ failover: { retry: { backOffBase: "1s", backOffMax: "250ms" } } }))).toEqual([
            'mesh-dr:failover.retry.backOffBase: "1s" is longer than backOffMax (250ms). Fix: make backOffBase at most backOffMax (Envoy rejects a base above the maximum)',
        ]);
    });

    it("a zone listed twice in a failover order", () => {
        const zones = [ZONE1, ZONE2, { name: "zone3", context: "zone3", failoverOrder: ["zone1", "zone1"] }];
        expect(problemsOf({ global: GLOBAL, zones })).toEqual([
            'mesh-dr:zones[2].failoverOrder[1]: "zone1" is listed twice. Fix: list each zone once',
        ]);
    });
});

describe("fuzz findings (config.fuzz.test.ts), one config each", () => {
    it("a zone whose name is left empty (null) is rejected, not named `zones[0]`", () => {
        expect(problemsOf({ global: GLOBAL, zones: [{ name: null, context: "a" }, ZONE2] })).toEqual([
            'mesh-dr:zones[0].name: null is required. Fix: give every zone a name, e.g. "zone1"',
        ]);
    });

    it('an empty failover-order entry is rejected, not taken for a zone named ""', () => {
        expect(problemsOf({ global: GLOBAL, zones: [{ ...ZONE1, failoverOrder: [null] }, ZONE2] })).toEqual([
            "mesh-dr:zones[0].failoverOrder[0]: null is empty. Fix: name another zone, or remove the entry",
        ]);
    });

    it("zones are named by their place in the list, entries that are no zone included", () => {
        expect(
            problemsOf({
                global: GLOBAL,
                zones: ["", ZONE1, { name: "zone2", context: "zone1", failoverOrder: ["zone9"] }],
            }),
        ).toEqual([
            'mesh-dr:zones[0]: "" is not a map. Fix: set mesh-dr:zones[0] to {name: zone1, context: zone1}',
            'mesh-dr:zones[2].failoverOrder[0]: "zone9" is not among the zones. Fix: use one of zone1, zone2',
            'mesh-dr:zones[2]: {"context":"zone1"} points at the same cluster as zones[1] (zone1). Fix: give every zone its own cluster: a distinct context and/or kubeconfig',
        ]);
    });

    it("a duration longer than Kuma holds is a problem, not a TypeError-like crash", () => {
        const key = "mesh-dr:failover.retry.perTryTimeout";
        expect(problemsOf(withMinimal({ failover: { retry: { perTryTimeout: "92592592592577h" } } }))).toEqual([
            `${key}: "92592592592577h" is longer than Kuma accepts (about 292 years). Fix: set ${key} to a duration such as "5s", "250ms" or "1m"`,
        ]);
        // Each one fits, but the request timeout they add up to does not.
        expect(
            problemsOf(
                withMinimal({
                    failover: { retry: { numRetries: 10, perTryTimeout: "2000000h", backOffMax: "2000000h" } },
                }),
            ),
        ).toEqual([
            'mesh-dr:failover.timeout.request: "151200000000000ms" (what the retries need) is longer than Kuma accepts (about 292 years). ' +
                "Fix: lower failover.retry.numRetries, perTryTimeout or backOffMax",
        ]);
    });

    it("checks across keys leave out a value that is already wrong", () => {
        expect(problemsOf(withMinimal({ failover: { healthCheck: { interval: "1ms", timeout: "" } } }))).toEqual([
            `mesh-dr:failover.healthCheck.timeout: "" is not a non-empty string. Fix: set mesh-dr:failover.healthCheck.timeout to a duration such as "5s", "250ms" or "1m"`,
        ]);
        expect(problemsOf(withMinimal({ failover: { retry: { backOffBase: 7, backOffMax: "1ms" } } }))).toEqual([
            `mesh-dr:failover.retry.backOffBase: 7 is not a non-empty string. Fix: set mesh-dr:failover.retry.backOffBase to a duration such as "5s", "250ms" or "1m"`,
        ]);
    });
});

describe("services", () => {
    const API = { name: "api", port: 80, workload: { image: "example/api:1.0" } };
    const LEDGER = { name: "ledger", port: 8080, namespace: "finance", podLabels: { app: "ledger" } };

    it("defaults a service to namespace kong, the route /<name>, the stack-wide caller rule and failover, and a workload's port and probe", () => {
        const config = accepts(withMinimal({ services: [API, LEDGER], gatewaysOnly: false }));
        expect(config.services.map(s => [s.name, s.namespace, s.routes, s.gatewaysOnly])).toEqual([
            ["api", "kong", ["/api"], false],
            ["ledger", "finance", ["/ledger"], false],
        ]);
        expect(config.services[0].failover).toBe(config.failover);
        expect(config.services[0].workload).toEqual({
            image: "example/api:1.0",
            replicas: 2,
            targetPort: 80,
            readinessPath: "/",
            extraPorts: [],
        });
        expect(config.services[0].podLabels).toEqual({ app: "api" });
        expect(config.services[1].workload).toBeUndefined();
        expect(config.echo).toBe(config.services[0]);
        expect(config.zones[0].services).toEqual({
            api: { routeBackend: "multizone", replicas: 2 },
            ledger: { routeBackend: "multizone" },
        });
    });

    it("lets a zone override a deployed service's replicas, and a service override the stack-wide settings", () => {
        const config = accepts({
            global: GLOBAL,
            zones: [{ ...ZONE1, services: { api: { replicas: 5 } } }, ZONE2],
            services: [
                API,
                { ...LEDGER, gatewaysOnly: false, failover: { enabled: false, healthCheck: { path: "/ready" } } },
            ],
        });
        expect(config.zones.map(z => z.services.api.replicas)).toEqual([5, 2]);
        expect(config.services[1]).toMatchObject({
            gatewaysOnly: false,
            failover: { enabled: false, healthCheck: { path: "/ready", interval: "5s" } },
        });
        expect(config.services[0].gatewaysOnly).toBe(true);
    });

    it("keeps a service name within the longest derived name's room (63 less -mmzs-health-check)", () => {
        const longest = `a${"b".repeat(44)}`;
        expect(accepts(withMinimal({ services: [{ ...API, name: longest }] })).services[0].name).toBe(longest);
        expect(`${longest}-mmzs-health-check`).toHaveLength(63);
        expect(problemsOf(withMinimal({ services: [{ ...API, name: `${longest}c` }] }))).toEqual([
            `mesh-dr:services[0].name: "${longest}c" is not a DNS-1035 label of at most 45 characters (lower-case letters, digits and '-', starting ` +
                `with a letter; its longest derived name, <name>-mmzs-health-check, must stay within 63). Fix: give mesh-dr:services[0].name the Service's name, e.g. "api"`,
        ]);
    });

    it("refuses a stack that sets the old echo keys and services both, naming the fix", () => {
        expect(
            problemsOf({
                global: GLOBAL,
                echo: { replicas: 3 },
                zones: [{ ...ZONE1, echoReplicas: 2, routeBackend: "local" }, ZONE2],
                services: [API],
            }),
        ).toEqual([
            'mesh-dr:echo: {"replicas":3} sets the walkthrough echo, and services is set too. Fix: move it into services as {name: echo, port: <echo.port>, ' +
                "workload: {image: <echo.image>, replicas: <echo.replicas>}} and remove mesh-dr:echo",
            'mesh-dr:zones[0].routeBackend: "local" is the walkthrough echo\'s setting, and mesh-dr:services is set too. Fix: use mesh-dr:zones[0].services.<name>.routeBackend instead',
            "mesh-dr:zones[0].echoReplicas: 2 is the walkthrough echo's setting, and mesh-dr:services is set too. Fix: use mesh-dr:zones[0].services.<name>.replicas instead",
        ]);
        expect(
            problemsOf({
                global: GLOBAL,
                zones: [{ ...ZONE1, echoReplicas: 2, services: { echo: { replicas: 3 } } }, ZONE2],
            }),
        ).toEqual([
            "mesh-dr:zones[0].echoReplicas: 2 is the walkthrough echo's setting, and mesh-dr:zones[0].services is set too. Fix: use mesh-dr:zones[0].services.<name>.replicas instead",
        ]);
    });

    it("reports every problem of the services at once, each with its key, value and fix", () => {
        const problems = problemsOf({
            global: GLOBAL,
            zones: [{ ...ZONE1, services: { ledger: { replicas: 2, routeBackend: "local" }, nope: {} } }, ZONE2],
            services: [
                {
                    name: "api",
                    port: 0,
                    appProtocol: "grpc",
                    routes: ["/x", "//y", "/x/"],
                    workload: { image: "example/api:1.0", targetPort: 9000 },
                },
                { name: "api", port: 80, podLabels: { app: "api" } },
                { name: "ledger", port: 8080, namespace: "finance", routes: ["/x"] },
            ],
        });
        expect(problems).toEqual([
            outOfRange("mesh-dr:services[0].port", "0", 1, 65535),
            'mesh-dr:services[0].appProtocol: "grpc" is not routed by the gateway: its listener and HTTPRoutes carry HTTP only (a TCP, TLS or gRPC service ' +
                "needs a route kind mesh-dr does not manage). Fix: set it to http, or leave the service out of services",
            "mesh-dr:services[0].workload.targetPort: 9000 is a port Kuma's sidecar takes in the pod for the kubelet's probes (9000, 9001). " +
                "Fix: set mesh-dr:services[0].workload.targetPort to the port the container serves HTTP on, other than 9000 and 9001",
            'mesh-dr:services[0].routes[1]: "//y" holds //, /./ or /../, ends in /. or /.., or encodes a /: the Gateway API refuses it. Fix: write the path without them',
            'mesh-dr:services[0].routes[2]: "/x/" is listed twice. Fix: list each path once',
            'mesh-dr:services[1].name: "api" is used by another service. Fix: give every service a distinct name',
            "mesh-dr:services[2].podLabels: (missing) is required for gatewaysOnly on a service mesh-dr does not deploy: the MeshTrafficPermission finds " +
                "the service's pods by their labels. Fix: set it to the Service's selector, e.g. {app: ledger}, or set mesh-dr:services[2].gatewaysOnly to false",
            'mesh-dr:services[2].routes[0]: "/x" is claimed by service api too. Fix: give each path prefix to one service',
            unknownKey("mesh-dr:zones[0].services.nope", "{}", "api, ledger"),
            'mesh-dr:zones[0].services.ledger.routeBackend: "local" would send the gateway (namespace kong) to Service finance/ledger: a backendRef across ' +
                "namespaces, which needs a ReferenceGrant that mesh-dr does not make for a mode that defeats DR. Fix: remove it (multizone, the default, routes " +
                "through the MeshMultiZoneService)",
            "mesh-dr:zones[0].services.ledger.replicas: 2 is set for service ledger, which mesh-dr does not deploy (it has no workload). " +
                "Fix: remove it: whoever deploys the Service scales it",
        ]);
    });

    it("refuses names two services (or one in two zones) would both derive", () => {
        expect(problemsOf(withMinimal({ services: [API, { ...API, name: "api-mmzs-service" }] }))).toEqual([
            'mesh-dr:services[1].name: "api-mmzs-service" derives the name "zone1-api-mmzs-service" (zone zone1), which service api derives too. ' +
                "Fix: rename one of the services (or the zone)",
        ]);
        expect(
            problemsOf({
                global: GLOBAL,
                zones: [
                    { name: "z", context: "a" },
                    { name: "z-b", context: "b" },
                ],
                services: [
                    { ...API, name: "b-c" },
                    { ...API, name: "c" },
                ],
            }),
        ).toEqual([
            'mesh-dr:services[1].name: "c" derives the name "z-b-c" (zone z-b), which service b-c derives too. Fix: rename one of the services (or the zone)',
        ]);
    });

    it("checks a service's failover over the stack-wide one, without repeating the stack-wide problems", () => {
        expect(
            problemsOf(
                withMinimal({
                    failover: { retry: { numRetries: 11 } },
                    services: [{ ...API, failover: { healthCheck: { path: "x", timeout: "10s" } } }],
                }),
            ),
        ).toEqual([
            outOfRange("mesh-dr:failover.retry.numRetries", "11", 0, 10),
            'mesh-dr:services[0].failover.healthCheck.path: "x" is not an absolute HTTP path. Fix: set mesh-dr:services[0].failover.healthCheck.path to an absolute HTTP path such as "/"',
            'mesh-dr:services[0].failover.healthCheck.timeout: "10s" is not shorter than the interval (5s). Fix: make the health-check timeout shorter than its interval, so checks do not overlap',
        ]);
    });

    it("refuses the namespaces Kuma keeps out of the mesh, and names the right service when an entry before it is no service", () => {
        expect(
            problemsOf(
                withMinimal({
                    services: [
                        5,
                        { ...API, namespace: "kong-mesh-system" },
                        { ...API, name: "web", namespace: "kube-system" },
                    ],
                }),
            ),
        ).toEqual([
            "mesh-dr:services[0]: 5 is not a map. Fix: set mesh-dr:services[0] to {name: <Service name>, port: <Service port>}",
            "mesh-dr:services[1].namespace: \"kong-mesh-system\" is a namespace Kuma keeps out of the mesh (the control plane's, or Kubernetes' own). " +
                "Fix: run the Service in a namespace of its own (default kong)",
            "mesh-dr:services[2].namespace: \"kube-system\" is a namespace Kuma keeps out of the mesh (the control plane's, or Kubernetes' own). " +
                "Fix: run the Service in a namespace of its own (default kong)",
        ]);
    });

    it("refuses podLabels on a deployed workload, and extra ports that clash", () => {
        expect(
            problemsOf(
                withMinimal({
                    services: [
                        {
                            ...API,
                            podLabels: { app: "x" },
                            workload: {
                                image: "x:1",
                                extraPorts: [
                                    { name: "http", port: 81 },
                                    { name: "m", port: 9001 },
                                    { name: "metrics", port: 80, protocol: "TCP" },
                                ],
                            },
                        },
                    ],
                }),
            ),
        ).toEqual([
            'mesh-dr:services[0].workload.extraPorts[0].name: "http" is the routed port\'s name. Fix: give this port another name',
            "mesh-dr:services[0].workload.extraPorts[1].port: 9001 is a port Kuma's sidecar takes in the pod for the kubelet's probes (9000, 9001). Fix: serve on another port",
            "mesh-dr:services[0].workload.extraPorts[2].port: 80 is the service's port too (TCP). Fix: give every port its own number",
            'mesh-dr:services[0].podLabels: {"app":"x"} is set for a service mesh-dr deploys, whose pods carry {"app":"api"}. Fix: remove podLabels (or workload, for a Service that already runs in every zone)',
        ]);
    });
});
