// Property-based tests of the stack config (zones/config.ts): hundreds of generated configs,
// valid ones and broken ones (wrong types, unknown keys, bad names and durations, nulls, deep
// garbage, duplicate zones). parseConfig may throw nothing but its own ConfigError, whose every
// problem names its `mesh-dr:` key, the bad value and a fix; every config it accepts must make the
// program, under the harness's Pulumi mocks, register only names and labels Kubernetes accepts.
// The seed is fixed so a failure replays; FUZZ_RUNS raises the count, FUZZ_SEED picks another seed.
import * as fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { deployStack } from "../../zones";
import { CONFIG_NAMESPACE, ConfigError, RawConfig, StackConfig, TOP_LEVEL_KEYS, parseConfig } from "../../zones/config";
import { SECRET_SHOWN } from "../../zones/validate";
import { Recorder, Registered } from "./harness";

/**
 * Configs per parse property (valid, mutated, random): 3 × 200 by default, a fifth of a second, sized
 * for the unit suite's time; FUZZ_RUNS=10000 for a longer search.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? 12);
/** A program run under mocks takes a tenth of a second or more against a millisecond for a parse: far fewer of those. */
const PROGRAM_RUNS = Math.max(5, Math.round(RUNS / 200));
const options = (numRuns: number) => ({ seed: SEED, numRuns });
// Time limits that grow with FUZZ_RUNS, generous for a loaded machine (the defaults take a few seconds).
const PARSE_TIMEOUT = 20_000 + RUNS * 10;
const PROGRAM_TIMEOUT = 20_000 + PROGRAM_RUNS * 2_000;

// Kubernetes' own rules (k8s.io/apimachinery/pkg/util/validation), written out here rather than
// taken from zones/validate.ts, so the validator is checked against them and not against itself.
const K8S = {
    dns1123Label: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    dns1123Subdomain: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    dns1035Label: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
    qualifiedName: /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/,
    labelValue: /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/,
};
const isLabel = (s: unknown): boolean => typeof s === "string" && s.length <= 63 && K8S.dns1123Label.test(s);
const isSubdomain = (s: unknown): boolean => typeof s === "string" && s.length <= 253 && K8S.dns1123Subdomain.test(s);
const isServiceName = (s: unknown): boolean => typeof s === "string" && s.length <= 63 && K8S.dns1035Label.test(s);
/** A label or annotation key: `[prefix/]name`, the prefix a DNS-1123 subdomain. */
function isQualifiedKey(key: string): boolean {
    const parts = key.split("/");
    const name = parts.pop()!;
    return (
        parts.length <= 1 &&
        (parts.length === 0 || isSubdomain(parts[0])) &&
        name.length <= 63 &&
        K8S.qualifiedName.test(name)
    );
}
const isLabelValue = (v: unknown): boolean => typeof v === "string" && v.length <= 63 && K8S.labelValue.test(v);

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// Valid configs: built from what docs/configuration.md promises to accept.

/** Numbers and booleans arrive as JSON values or, set as scalars, as strings. */
const whole = (min: number, max: number) =>
    fc.tuple(fc.integer({ min, max }), fc.boolean()).map(([n, text]) => (text ? String(n) : n));
const bool = fc.constantFrom<boolean | string>(true, false, "true", "false");
// Arbitraries are built once: building a stringMatching one costs milliseconds.
const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
const zoneName = dnsLabel.filter(n => n.length <= 40 && n !== "global");
const className = fc
    .array(
        dnsLabel.filter(s => s.length <= 20),
        { minLength: 1, maxLength: 3 },
    )
    .map(parts => parts.join("."));
const httpPath = fc.stringMatching(/^\/[!-~]{0,20}$/);

const UNITS = [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
] as const;
/** Exactly `ms` milliseconds, in the `pick`-th of the units that divide it. */
function duration(ms: number, pick: number): string {
    const units = UNITS.filter(([, f]) => ms % f === 0);
    const [unit, f] = units[pick % units.length];
    return `${ms / f}${unit}`;
}
// Kuma needs positive durations: zero is a broken value, not a valid one.
const millis = fc.oneof(
    fc.integer({ min: 1, max: 5000 }),
    fc.integer({ min: 1, max: 600 }).map(s => s * 1000),
    fc.integer({ min: 1, max: 24 }).map(h => h * 3_600_000),
);
const anyDuration = fc.tuple(millis, fc.nat(3)).map(([ms, pick]) => duration(ms, pick));

const KUBECONFIG = (zone: string) => `apiVersion: v1\nkind: Config\ncurrent-context: ${zone}\n`;

/** A zone's settings but its name: which way of naming its cluster, and indices for its failover order. */
interface ZoneSettings {
    cluster: number;
    routeBackend?: string;
    echoReplicas?: number | string;
    failoverOrder?: number[];
}
const zoneSettings: fc.Arbitrary<ZoneSettings> = fc.record(
    {
        cluster: fc.nat(4),
        routeBackend: fc.constantFrom("multizone", "local"),
        echoReplicas: whole(1, 100),
        failoverOrder: fc.array(fc.nat(), { maxLength: 4 }),
    },
    { requiredKeys: ["cluster"] },
);

/** Zone `i` of `names` on a cluster of its own: every way of naming one carries the zone's name. */
function zone(names: string[], i: number, { cluster, failoverOrder, ...rest }: ZoneSettings) {
    const name = names[i];
    const clusters: { context?: string; kubeconfig?: string }[] = [
        { context: `ctx-${name}` },
        { kubeconfig: `/etc/mesh-dr/${name}.yaml` },
        { context: "shared", kubeconfig: `/k/${name}` },
        { kubeconfig: KUBECONFIG(name) },
        // Only one zone may use the kubeconfig's current context: the first.
        ...(i === 0 ? [{}] : []),
    ];
    const others = names.filter(n => n !== name);
    const order = failoverOrder?.slice(0, others.length).map(k => others.splice(k % others.length, 1)[0]);
    return { name, ...clusters[cluster % clusters.length], ...rest, ...(order && { failoverOrder: order }) };
}

const imageRef = fc
    .tuple(
        fc.option(fc.constantFrom("registry.example.com", "localhost:5000", "10.0.0.1:443"), { nil: undefined }),
        fc.array(fc.stringMatching(/^[a-z0-9]{1,8}([._-][a-z0-9]{1,8}){0,2}$/), { minLength: 1, maxLength: 3 }),
        fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
        fc.option(
            fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }).map(n => n.toString(16).padStart(64, "0")),
            { nil: undefined },
        ),
    )
    .map(
        ([registry, path, tag, digest]) =>
            `${registry ? `${registry}/` : ""}${path.join("/")}${tag ? `:${tag}` : ""}${digest ? `@sha256:${digest}` : ""}`,
    );

const version = fc
    .tuple(
        fc.boolean(),
        fc.nat(30),
        fc.nat(30),
        fc.nat(30),
        fc.option(fc.constantFrom("-rc.1", "+build.5"), { nil: "" }),
    )
    .map(([v, a, b, c, suffix]) => `${v ? "v" : ""}${a}.${b}.${c}${suffix}`);

/** Failover settings whose timings agree: the health-check timeout under its interval, the back-off
 * base at most its maximum, the request timeout at least what the retries need. */
const failover = fc
    .record(
        {
            enabled: bool,
            healthCheck: fc.record(
                {
                    // The timeout, how much longer the interval is, and the units they are written in.
                    timing: fc.tuple(millis, fc.integer({ min: 1, max: 60_000 }), fc.nat(3), fc.nat(3)),
                    unhealthyThreshold: whole(1, 100),
                    healthyThreshold: whole(1, 100),
                    path: httpPath,
                },
                { requiredKeys: ["timing"] },
            ),
            circuitBreaker: fc.record(
                {
                    interval: anyDuration,
                    baseEjectionTime: anyDuration,
                    consecutiveFailures: whole(1, 1000),
                    maxEjectionPercent: whole(0, 100),
                },
                { requiredKeys: [] },
            ),
            // Retries, per-try timeout, back-off base and how much longer its maximum is, and their units.
            retry: fc.tuple(
                whole(0, 10),
                millis,
                millis,
                fc.integer({ min: 0, max: 5000 }),
                fc.nat(3),
                fc.nat(3),
                fc.nat(3),
            ),
            timeout: fc.record(
                { connect: anyDuration, requestSlack: fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.nat(3)) },
                { requiredKeys: [] },
            ),
        },
        { requiredKeys: ["retry"] },
    )
    .map(({ healthCheck, retry: [numRetries, perTry, base, wider, u1, u2, u3], timeout, ...rest }) => {
        const n = Number(numRetries);
        const config: Record<string, unknown> = {
            ...rest,
            retry: {
                numRetries,
                perTryTimeout: duration(perTry, u1),
                backOffBase: duration(base, u2),
                backOffMax: duration(base + wider, u3),
            },
        };
        if (healthCheck) {
            const {
                timing: [t, longer, ui, ut],
                ...more
            } = healthCheck;
            config.healthCheck = { interval: duration(t + longer, ui), timeout: duration(t, ut), ...more };
        }
        if (timeout) {
            const { requestSlack, ...more } = timeout;
            const minimum = (n + 1) * perTry + n * (base + wider);
            config.timeout = {
                ...more,
                ...(requestSlack && { request: duration(minimum + requestSlack[0], requestSlack[1]) }),
            };
        }
        return config;
    });

/** A service's namespace; the control plane's is never one of these (mesh-dr refuses it). */
const SERVICE_NAMESPACES = ["kong", "payments", "finance"];
const systemNamespace = dnsLabel.filter(n => !SERVICE_NAMESPACES.includes(n));

/** One of `services`, before it knows its place: what it runs, where, and how the zones override it. */
const service = fc.record(
    {
        rest: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/),
        port: whole(1, 65535),
        namespace: fc.constantFrom(...SERVICE_NAMESPACES),
        extraRoutes: fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 2 }),
        gatewaysOnly: bool,
        failover: fc.record({ enabled: bool, healthCheck: fc.record({ path: httpPath }) }, { requiredKeys: [] }),
        podLabels: fc.constantFrom("app", "app.kubernetes.io/name"),
        // Kuma's sidecar takes 9000 and 9001 in the pod: never the container's port.
        workload: fc.record(
            {
                image: imageRef,
                replicas: whole(1, 100),
                targetPort: fc.integer({ min: 1, max: 65535 }).filter(p => p !== 9000 && p !== 9001),
                readinessPath: httpPath,
            },
            { requiredKeys: ["image", "targetPort"] },
        ),
        zoneReplicas: fc.array(whole(1, 100), { minLength: 5, maxLength: 5 }),
    },
    { requiredKeys: ["rest", "port", "zoneReplicas"] },
);

/**
 * `services` and the zones' overrides. Names start `s<i>x` so none is another's prefix (no derived
 * name can clash); a path is the name's own, or under it.
 */
type ServiceSpec = typeof service extends fc.Arbitrary<infer T> ? T : never;
function servicesOf(specs: ServiceSpec[] | undefined, zones: Record<string, unknown>[]) {
    if (specs === undefined) return undefined;
    return specs.map(({ rest, extraRoutes, podLabels, workload, zoneReplicas, ...spec }, i) => {
        const name = `s${i}x${rest}`;
        if (workload)
            zones.forEach((z, j) => {
                z.services = { ...(z.services as object), [name]: { replicas: zoneReplicas[j] } };
            });
        return {
            name,
            ...spec,
            ...(extraRoutes && { routes: [`/${name}`, ...extraRoutes.map((r: string) => `/${name}/${r}`)] }),
            ...(workload ? { workload } : { podLabels: { [podLabels ?? "app"]: name } }),
        };
    });
}

/**
 * A config docs/configuration.md says is fine, and the top-level keys Pulumi would hand over as secrets.
 * Built with map, not chain: arbitraries made per value would cost more than the parse they feed.
 */
const validConfig: fc.Arbitrary<{ raw: RawConfig; secretKeys: string[] }> = fc
    .record(
        {
            names: fc.uniqueArray(zoneName, { minLength: 1, maxLength: 5 }),
            zones: fc.array(zoneSettings, { minLength: 5, maxLength: 5 }),
            // The global control plane on a cluster of its own, as Kuma requires.
            global: fc.oneof(
                fc.record(
                    {
                        context: fc.constant("mesh-global"),
                        kubeconfig: fc.constant("/etc/mesh-dr/global.yaml"),
                        systemNamespace,
                    },
                    { requiredKeys: ["context"] },
                ),
                fc.record(
                    { kubeconfig: fc.constant("/etc/mesh-dr/global.yaml"), systemNamespace },
                    { requiredKeys: ["kubeconfig"] },
                ),
            ),
            mesh: fc.record(
                {
                    name: dnsLabel,
                    manage: fc.constantFrom("create", "patch", "none"),
                    meshServicesMode: fc.constantFrom("Exclusive", "Everywhere", "ReachableBackends"),
                    zoneEgress: bool,
                },
                { requiredKeys: [] },
            ),
            echo: fc.record({ image: imageRef, replicas: whole(1, 100), port: whole(1, 65535) }, { requiredKeys: [] }),
            gateway: fc.record(
                {
                    className,
                    serviceType: fc.constantFrom("LoadBalancer", "NodePort", "ClusterIP"),
                    replicas: whole(1, 100),
                    listenerPort: whole(1, 65535),
                    dnsOrder: fc
                        .array(fc.constantFrom("LAST", "SRV", "A", "AAAA", "CNAME"), { minLength: 1, maxLength: 5 })
                        .map(o => o.join(",")),
                },
                { requiredKeys: [] },
            ),
            platform: fc.record(
                {
                    install: bool,
                    certManagerVersion: version,
                    kongOperatorVersion: version,
                    kongOperatorRepo: fc.constantFrom(
                        "https://charts.konghq.com",
                        "oci://registry.example.com/kong",
                        "http://10.0.0.1:8080/charts",
                    ),
                },
                { requiredKeys: [] },
            ),
            failover,
            gatewaysOnly: bool,
            skipUnreachableClusters: bool,
            services: fc.array(service, { minLength: 1, maxLength: 3 }),
        },
        { requiredKeys: ["names", "zones", "global"] },
    )
    .map(({ names, zones: settings, services: specs, echo, ...rest }) => {
        // With services, the walkthrough's own keys (echo, a zone's routeBackend and echoReplicas) are not set.
        const zones: Record<string, unknown>[] = names.map((_, i) => {
            const z: Record<string, unknown> = zone(names, i, settings[i]);
            if (specs) {
                delete z.routeBackend;
                delete z.echoReplicas;
            }
            return z;
        });
        const services = servicesOf(specs, zones);
        const raw = { zones, ...rest, ...(services ? { services } : echo && { echo }) };
        return {
            raw,
            secretKeys: zones.some(z => typeof z.kubeconfig === "string" && z.kubeconfig.includes("\n"))
                ? ["zones"]
                : [],
        };
    });

// ---------------------------------------------------------------------------------------------
// Broken configs: valid ones with a few mutations, and dictionaries of garbage.

const garbage: fc.Arbitrary<unknown> = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.constantFrom(
        null,
        "",
        " ",
        "global",
        "Zone_1",
        "zone.1",
        "-zone",
        "zone-",
        "a".repeat(41),
        "a".repeat(64),
        "kong ",
        "5",
        "5 s",
        "-1s",
        "1.5s",
        "5d",
        "ms",
        "0",
        "007",
        "1e3",
        "yes",
        "TRUE",
        "99999999999999999999999h",
        "1e+21ms",
        "Infinity",
        "NaN",
        KUBECONFIG("zone9"),
        '{"apiVersion":"v1"}',
        "kong/Go-Echo:latest",
        "http//x",
        "v1.2",
        "/ x",
        "LAST,,A",
    ),
    fc.constantFrom(
        -1,
        0,
        0.5,
        1.5,
        101,
        1001,
        65536,
        1e21,
        -0,
        Number.MAX_SAFE_INTEGER + 2,
        true,
        false,
        [],
        {},
        [null],
        [[]],
        { name: null },
    ),
    fc.string({ unit: "grapheme", maxLength: 30 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }), // JSON carries no NaN or Infinity
    // Durations of any length, some in units Kuma does not take.
    fc
        .tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.constantFrom("ms", "s", "m", "h", "d", ""))
        .map(([n, unit]) => `${n}${unit}`),
);
const garbageKey = fc.oneof(
    fc.constantFrom(
        "name",
        "context",
        "kubeconfig",
        "zone",
        "zones",
        "foo",
        "__proto__",
        "constructor",
        "toString",
        "0",
        "",
        "mesh-dr:zones",
    ),
    fc.string({ maxLength: 12 }),
);

type Mutation = { kind: "replace" | "delete" | "add" | "duplicateZone"; at: number; key: string; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.record({
    kind: fc.constantFrom("replace", "replace", "delete", "add", "duplicateZone"),
    at: fc.nat(),
    key: garbageKey,
    value: garbage,
});

/** Every value in a config, the config itself included, with its parent and key: where mutations land. */
function places(
    node: unknown,
    parent?: unknown,
    key?: string | number,
): { node: unknown; parent?: unknown; key?: string | number }[] {
    const children = Array.isArray(node)
        ? node.map((v, i) => places(v, node, i))
        : isMap(node)
          ? Object.entries(node).map(([k, v]) => places(v, node, k))
          : [];
    return [{ node, parent, key }, ...children.flat()];
}

/** Sets an own property even for keys such as `__proto__`, as JSON.parse does. */
function setOwn(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutate(raw: RawConfig, mutations: Mutation[]): RawConfig {
    const copy = structuredClone(raw);
    for (const m of mutations) {
        const all = places(copy);
        const { node, parent, key } = all[m.at % all.length];
        const value = structuredClone(m.value);
        if (m.kind === "duplicateZone" && Array.isArray(copy.zones) && copy.zones.length > 0) {
            copy.zones.push(structuredClone(copy.zones[m.at % copy.zones.length]));
        } else if (m.kind === "add" && Array.isArray(node)) {
            node.push(value);
        } else if (m.kind === "add" && isMap(node)) {
            setOwn(node, m.key, value);
        } else if (m.kind === "delete" && parent !== undefined) {
            if (Array.isArray(parent)) parent.splice(key as number, 1);
            else delete (parent as Record<string, unknown>)[key as string];
        } else if (parent !== undefined) {
            setOwn(parent as Record<string | number, unknown>, key!, value);
        }
    }
    return copy;
}

const brokenConfig = fc
    .tuple(validConfig, fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([{ raw, secretKeys }, mutations]) => ({ raw: mutate(raw, mutations), secretKeys }));

const randomConfig = fc.record({
    raw: fc.dictionary(fc.oneof(fc.constantFrom(...TOP_LEVEL_KEYS), garbageKey), garbage, { maxKeys: 6 }),
    secretKeys: fc.subarray([...TOP_LEVEL_KEYS]),
});

// ---------------------------------------------------------------------------------------------
// The properties.

const tried = { valid: 0, broken: 0, accepted: 0, rejected: 0, problems: 0, programRuns: 0, registrations: 0 };

/** parseConfig's verdict; anything thrown but a ConfigError fails the property. */
function verdict(raw: RawConfig, secretKeys: string[]): StackConfig | string[] {
    try {
        const config = parseConfig(raw, new Set(secretKeys));
        tried.accepted++;
        return config;
    } catch (e) {
        if (!(e instanceof ConfigError))
            throw new Error(`parseConfig threw ${String(e)} instead of a ConfigError`, { cause: e });
        tried.rejected++;
        tried.problems += e.problems.length;
        return e.problems;
    }
}

/** Each key of a raw config as a problem names it (`mesh-dr:zones[0].name`), with its value. */
function keysOf(raw: RawConfig): Map<string, unknown> {
    const keys = new Map<string, unknown>();
    const walk = (key: string, value: unknown) => {
        keys.set(key, value);
        if (Array.isArray(value)) value.forEach((v, i) => walk(`${key}[${i}]`, v));
        else if (isMap(value)) for (const [k, v] of Object.entries(value)) walk(`${key}.${k}`, v);
    };
    for (const [k, v] of Object.entries(raw)) walk(`${CONFIG_NAMESPACE}:${k}`, v);
    return keys;
}

/** Fails the property; a plain throw keeps the thousands of checks per run cheap (vitest's expect is not). */
function check(ok: boolean, message: () => string): asserts ok {
    if (!ok) throw new Error(message());
}

/** `<key>: <value> <what is wrong>. Fix: <what to do>`, the value being the one the config holds there. */
function checkWellFormed(problem: string, keys: Map<string, unknown>, secretKeys: string[]): void {
    check(/^mesh-dr:.*\. Fix: \S/s.test(problem), () => `no mesh-dr: key or no fix: ${problem}`);
    // The longest key of the config that the problem starts with; none when the key is missing.
    const key = [...keys.keys()].filter(k => problem.startsWith(`${k}: `)).sort((a, b) => b.length - a.length)[0];
    const value = key === undefined ? undefined : keys.get(key);
    // A value under a secret key is never shown, whatever it is.
    const top = key?.slice(`${CONFIG_NAMESPACE}:`.length).split(/[.[]/)[0];
    if (top !== undefined && secretKeys.includes(top) && value !== undefined) {
        check(
            problem.startsWith(`${key}: ${SECRET_SHOWN} `),
            () => `a value under the secret key ${top} shown: ${problem}`,
        );
        return;
    }
    if (value == null) {
        // Unset (absent, or null from an empty YAML value): shown as such, or as the default that stood in.
        const shown = problem.slice(key === undefined ? problem.indexOf(": ") + 2 : key.length + 2);
        check(/^(\(missing\)|null|"[^"]*") /.test(shown), () => `an unset key shown as something else: ${problem}`);
        return;
    }
    const shown = problem.slice(key!.length + 2);
    const kubeconfigHidden = key!.endsWith(".kubeconfig") && shown.startsWith('"<kubeconfig contents>" ');
    // Two zones on one cluster: the zone shown by how it reaches its cluster, kubeconfig elided.
    const clusterShown =
        isMap(value) &&
        / points at /.test(shown) &&
        shown.startsWith(
            `${JSON.stringify({
                context: typeof value.context === "string" && value.context !== "" ? value.context : undefined,
                kubeconfig: typeof value.kubeconfig === "string" && value.kubeconfig !== "" ? "<set>" : undefined,
            })} `,
        );
    check(
        kubeconfigHidden || clusterShown || shown.startsWith(`${JSON.stringify(value)} `),
        () => `the problem does not show the value ${JSON.stringify(value)} found at its key: ${problem}`,
    );
}

/** What an accepted config promises the program: zone names it can prefix names with, failover to real zones, services it can name. */
function checkSound(config: StackConfig): void {
    const services = config.services.map(s => s.name);
    check(
        services.length > 0 && new Set(services).size === services.length,
        () => `service names: ${services.join(", ")}`,
    );
    for (const s of config.services) {
        // Every name derived from it fits Kubernetes: the longest is <name>-mmzs-health-check.
        check(
            isServiceName(s.name) && `${s.name}-mmzs-health-check`.length <= 63,
            () => `accepted service name ${JSON.stringify(s.name)}`,
        );
        check(isLabel(s.namespace), () => `accepted namespace ${JSON.stringify(s.namespace)}`);
        check(
            s.routes.length > 0 && s.routes.every(r => r.startsWith("/")),
            () => `service ${s.name} routes ${JSON.stringify(s.routes)}`,
        );
        check(!s.gatewaysOnly || s.podLabels !== undefined, () => `service ${s.name}: gatewaysOnly without pod labels`);
        for (const z of config.zones)
            check(z.services[s.name] !== undefined, () => `zone ${z.name} has no settings for ${s.name}`);
    }
    const paths = config.services.flatMap(s => s.routes.map(r => r.replace(/\/+$/, "") || "/"));
    check(new Set(paths).size === paths.length, () => `a path is routed twice: ${paths.join(", ")}`);
    const names = config.zones.map(z => z.name);
    check(new Set(names).size === names.length, () => `zone names repeat: ${names.join(", ")}`);
    for (const z of config.zones) {
        check(
            isLabel(z.name) && z.name.length <= 40 && z.name !== "global",
            () => `accepted zone name ${JSON.stringify(z.name)}`,
        );
        for (const target of z.failoverOrder) {
            check(
                target !== z.name && names.includes(target),
                () => `zone ${z.name} fails over to ${JSON.stringify(target)}`,
            );
        }
    }
}

const rec = new Recorder();

/** Every object's name and namespace, and every label, annotation key and selector Kubernetes would accept. */
function checkObjects(resources: Registered[]): void {
    const ids = resources.map(r => `${r.type}::${r.name}`);
    check(new Set(ids).size === ids.length, () => `two registrations share a type and name: ${ids.join(", ")}`);
    for (const r of resources.filter(x => x.custom && x.type.startsWith("kubernetes:"))) {
        const what = `${r.type} ${r.name}`;
        // Helm releases name their release and namespace at the top level.
        const meta = r.inputs.metadata ?? { name: r.inputs.name, namespace: r.inputs.namespace };
        const nameOk = r.type.endsWith(":Namespace")
            ? isLabel
            : r.type === "kubernetes:core/v1:Service"
              ? isServiceName
              : isSubdomain;
        check(nameOk(meta.name), () => `${what}: name ${JSON.stringify(meta.name)}`);
        check(
            meta.namespace === undefined || isLabel(meta.namespace),
            () => `${what}: namespace ${JSON.stringify(meta.namespace)}`,
        );
        const walk = (node: unknown, path: string) => {
            if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}[${i}]`));
            if (!isMap(node)) return;
            for (const [k, v] of Object.entries(node)) {
                if ((k === "labels" || k === "matchLabels") && isMap(v)) {
                    for (const [lk, lv] of Object.entries(v)) {
                        check(isQualifiedKey(lk), () => `${what}: ${path}.${k} key ${JSON.stringify(lk)}`);
                        check(isLabelValue(lv), () => `${what}: ${path}.${k}[${lk}] = ${JSON.stringify(lv)}`);
                    }
                } else if (k === "annotations" && isMap(v)) {
                    for (const ak of Object.keys(v))
                        check(isQualifiedKey(ak), () => `${what}: ${path}.annotations key ${JSON.stringify(ak)}`);
                } else {
                    walk(v, `${path}.${k}`);
                }
            }
        };
        walk(r.inputs, "inputs");
    }
}

describe("fuzzed stack configs", () => {
    afterAll(() => {
        console.log(
            `config fuzz (seed ${SEED}): ${tried.valid} valid and ${tried.broken} broken configs tried; ` +
                `${tried.accepted} accepted, ${tried.rejected} rejected with ${tried.problems} problems; ` +
                `${tried.programRuns} accepted configs run through the program (${tried.registrations} registrations)`,
        );
    });

    it(
        "accepts every valid config",
        () => {
            fc.assert(
                fc.property(validConfig, ({ raw, secretKeys }) => {
                    tried.valid++;
                    const result = verdict(raw, secretKeys);
                    check(!Array.isArray(result), () => `rejected: ${(result as string[]).join("\n")}`);
                    checkSound(result);
                }),
                options(RUNS),
            );
        },
        PARSE_TIMEOUT,
    );

    it(
        "answers broken configs with a ConfigError whose every problem names its key, the bad value and a fix",
        () => {
            for (const arbitrary of [brokenConfig, randomConfig]) {
                fc.assert(
                    fc.property(arbitrary, ({ raw, secretKeys }) => {
                        tried.broken++;
                        const result = verdict(raw, secretKeys);
                        if (!Array.isArray(result)) return checkSound(result);
                        check(result.length > 0, () => "a ConfigError with no problem");
                        const keys = keysOf(raw);
                        for (const problem of result) checkWellFormed(problem, keys, secretKeys);
                    }),
                    options(RUNS),
                );
            }
            // Most mutations must break the config, or the fuzz would test little.
            expect(tried.rejected).toBeGreaterThan(RUNS);
        },
        PARSE_TIMEOUT,
    );

    it(
        "registers only valid Kubernetes names and labels for every accepted config",
        async () => {
            // A run costs ~3 ms per registration, and each zone adds the same objects under its own
            // prefix (and no prefix plus suffix can be another's), so one or two zones say as much.
            const accepted = fc
                .oneof(validConfig, brokenConfig)
                .map(({ raw, secretKeys }) => {
                    try {
                        return parseConfig(raw, new Set(secretKeys));
                    } catch {
                        return undefined;
                    }
                })
                .filter((c): c is StackConfig => c !== undefined && c.zones.length <= 2);
            await fc.assert(
                fc.asyncProperty(accepted, async config => {
                    rec.install();
                    deployStack(config);
                    await rec.settle();
                    tried.programRuns++;
                    tried.registrations += rec.resources.length;
                    checkObjects(rec.resources);
                }),
                options(PROGRAM_RUNS),
            );
        },
        PROGRAM_TIMEOUT,
    );
});
