// Every committed stack file (`Pulumi.<stack>.yaml` in the repo root, found on disk so a new one
// is covered without touching this file) must pass config validation AND deploy under mocks with
// each zone's objects on that zone's provider and the global objects on the global provider.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    CONFIG_NAMESPACE,
    ConfigError,
    DEFAULTS,
    RawConfig,
    StackConfig,
    clustersOf,
    parseConfig,
} from "../../zones/config";
import { Recorder, Registered, stackConfig } from "./harness";

const ROOT = path.resolve(__dirname, "../..");
const STACK_FILE = /^Pulumi\.(.+)\.ya?ml$/;
const PREFIX = `${CONFIG_NAMESPACE}:`;

const TYPES = {
    provider: "pulumi:providers:kubernetes",
    namespace: "kubernetes:core/v1:Namespace",
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    release: "kubernetes:helm.sh/v3:Release",
    mmzs: "kubernetes:kuma.io/v1alpha1:MeshMultiZoneService",
    loadBalancing: "kubernetes:kuma.io/v1alpha1:MeshLoadBalancingStrategy",
};

/** Committed stack names, from the files in the repo root. */
function stackNames(): string[] {
    return fs
        .readdirSync(ROOT)
        .map(f => STACK_FILE.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

function stackFile(stack: string): string {
    const found = fs.readdirSync(ROOT).find(f => STACK_FILE.exec(f)?.[1] === stack);
    if (found === undefined) throw new Error(`no stack file for ${stack}`);
    return path.join(ROOT, found);
}

interface LoadedStack {
    /** `mesh-dr:*` config with the namespace stripped, as the program's parseConfig takes it. */
    raw: RawConfig;
    /** Top-level keys holding a `secure:` value somewhere (Pulumi hands those over as secrets). */
    secretKeys: Set<string>;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Encrypted leaves (`{secure: v1:...}`) become a placeholder; their top-level key counts as secret. */
function unwrapSecure(value: unknown, onSecret: () => void): unknown {
    if (isMap(value)) {
        if (Object.keys(value).length === 1 && typeof value.secure === "string") {
            onSecret();
            return "secret-value-placeholder";
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecure(v, onSecret)]));
    }
    return Array.isArray(value) ? value.map(v => unwrapSecure(v, onSecret)) : value;
}

/** `mesh-dr:*` values declared in Pulumi.yaml apply to every stack; the stack file overrides them. */
function projectDefaults(): Record<string, unknown> {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
        config?: Record<string, unknown>;
    };
    const out: Record<string, unknown> = {};
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        if (!key.startsWith(PREFIX)) continue;
        const value = isMap(decl) && ("value" in decl || "default" in decl) ? (decl.value ?? decl.default) : decl;
        if (value !== undefined) out[key] = value;
    }
    return out;
}

/** Parses stack-file text the way `pulumi config` sees it. */
function loadStackText(text: string, where: string): LoadedStack {
    const doc: unknown = parse(text);
    if (!isMap(doc)) throw new Error(`${where}: not a YAML map`);
    const config = doc.config ?? {};
    if (!isMap(config)) throw new Error(`${where}: config is not a map`);
    const raw: RawConfig = {};
    const secretKeys = new Set<string>();
    for (const [fullKey, value] of Object.entries({ ...projectDefaults(), ...config })) {
        if (!fullKey.startsWith(PREFIX)) continue;
        const key = fullKey.slice(PREFIX.length);
        raw[key] = unwrapSecure(value, () => secretKeys.add(key));
    }
    return { raw, secretKeys };
}

function loadStack(stack: string): LoadedStack {
    const file = stackFile(stack);
    return loadStackText(fs.readFileSync(file, "utf8"), path.basename(file));
}

const rec = new Recorder();

/** Runs the program the way `pulumi up` does for this config (see program.test.ts). */
async function runProgram(loaded: LoadedStack): Promise<void> {
    rec.install();
    pulumi.runtime.setAllConfig(
        stackConfig(loaded.raw),
        [...loaded.secretKeys].map(k => `${PREFIX}${k}`),
    );
    const { loadConfig } = await import("../../zones/config");
    const { deployStack } = await import("../../zones");
    deployStack(loadConfig());
    await rec.settle();
}

/** The zone a zone object belongs to: the longest zone name that prefixes `<zone>-`. */
function owningZone(r: Registered, zones: string[]): string | undefined {
    return zones.filter(z => r.name.startsWith(`${z}-`)).sort((a, b) => b.length - a.length)[0];
}

const stacks = stackNames();

describe("stack files", () => {
    it("are discovered in the repo root (dev, staging and prod at least)", () => {
        expect(stacks).toEqual(expect.arrayContaining(["dev", "staging", "prod"]));
    });

    it("are read with encrypted values marking their top-level key secret (as `pulumi config set --secret --path` leaves them)", () => {
        const text = [
            "config:",
            "  mesh-dr:zones:",
            "    - name: zone1",
            "      kubeconfig:",
            "        secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB",
            "    - name: zone2",
            "      kubeconfig: /etc/mesh-dr/zone2.yaml",
            "  mesh-dr:global:",
            "    context: global",
        ].join("\n");
        const loaded = loadStackText(text, "secret example");
        expect([...loaded.secretKeys]).toEqual(["zones"]);
        expect(JSON.stringify(loaded.raw)).not.toContain("secure");
        expect(() => parseConfig(loaded.raw, loaded.secretKeys)).not.toThrow();
    });
});

for (const stack of stacks) {
    describe(`stack ${stack} (${path.basename(stackFile(stack))})`, () => {
        const loaded = loadStack(stack);

        it("passes config validation", () => {
            const config = parseConfig(loaded.raw, loaded.secretKeys);
            expect(config.zones.length).toBeGreaterThanOrEqual(2);
        });

        describe("under Pulumi mocks", () => {
            let config: StackConfig;

            beforeAll(async () => {
                config = parseConfig(loaded.raw, loaded.secretKeys);
                await runProgram(loaded);
            });

            it("creates one explicit provider per cluster, with its context", () => {
                const expected = clustersOf(config);
                const providers = rec.ofType(TYPES.provider);
                expect(providers.map(p => p.name).sort()).toEqual(expected.map(c => c.name).sort());
                for (const c of expected)
                    expect(rec.one(TYPES.provider, c.name).inputs.context, c.name).toBe(c.context);
            });

            it("registers each zone's objects on that zone's provider", () => {
                const names = config.zones.map(z => z.name);
                for (const z of config.zones) {
                    const core: [string, string][] = [
                        [TYPES.namespace, "kong"],
                        [TYPES.gateway, "kong"],
                    ];
                    for (const s of config.services) {
                        core.push([TYPES.service, `${s.name}-mmzs-service`], [TYPES.httpRoute, s.name]);
                        if (s.workload) core.push([TYPES.deployment, s.name], [TYPES.service, s.name]);
                    }
                    if (config.platform.install) core.push([TYPES.release, "kong-operator"]);
                    for (const [type, k8sName] of core) {
                        expect(
                            rec.providerName(rec.one(type, `${z.name}-${k8sName}`)),
                            `${type} ${z.name}-${k8sName}`,
                        ).toBe(z.name);
                    }
                    for (const s of config.services.filter(x => x.workload)) {
                        const deployment = rec.one(TYPES.deployment, `${z.name}-${s.name}`).inputs;
                        expect(deployment.spec.replicas).toBe(z.services[s.name].replicas);
                        expect(deployment.spec.template.spec.containers[0].image).toBe(s.workload!.image);
                    }
                }
                const zoneObjects = rec.resources.filter(
                    r => r.custom && r.type.startsWith("kubernetes:") && owningZone(r, names),
                );
                expect(zoneObjects.length).toBeGreaterThanOrEqual(config.zones.length * 6);
                for (const r of zoneObjects)
                    expect(rec.providerName(r), `${r.type} ${r.name}`).toBe(owningZone(r, names));
            });

            it("puts the MMZS and every Kuma policy on the global provider", () => {
                const globalProvider = clustersOf(config).find(c => c.name === "global")!.name;
                for (const s of config.services)
                    expect(rec.providerName(rec.one(TYPES.mmzs, `${s.name}-mmzs`))).toBe(globalProvider);
                const kuma = rec.resources.filter(r => r.type.startsWith("kubernetes:kuma.io/"));
                expect(kuma.length).toBeGreaterThan(1);
                for (const r of kuma) expect(rec.providerName(r), `${r.type} ${r.name}`).toBe(globalProvider);
            });

            it("carries each zone's failover order into every service's load-balancing policy", () => {
                const policies = rec.ofType(TYPES.loadBalancing);
                expect(policies.map(p => p.name)).toEqual(
                    config.services.filter(s => s.failover.enabled).map(s => `${s.name}-load-balancing`),
                );
                const expected = config.zones.flatMap(z =>
                    z.failoverOrder.map(to => ({ from: { zones: [z.name] }, to: { type: "Only", zones: [to] } })),
                );
                for (const policy of policies) {
                    expect(policy.inputs.spec.to[0].default.localityAwareness.crossZone.failover, policy.name).toEqual([
                        ...expected,
                        { to: { type: "Any" } },
                    ]);
                }
            });

            it("never uses a default provider and registers no type+name twice", () => {
                const k8sObjects = rec.resources.filter(r => r.custom && r.type.startsWith("kubernetes:"));
                for (const r of k8sObjects) expect(r.provider, `${r.type} ${r.name}`).not.toBe("");
                const keys = rec.resources.map(r => `${r.type}::${r.name}`);
                expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
            });
        });

        it("fails validation, and registers nothing, once broken (mesh-dr:zones misspelt)", async () => {
            const text = fs.readFileSync(stackFile(stack), "utf8");
            const broken = text.replace(/^(\s+)mesh-dr:zones:/m, "$1mesh-dr:zone:");
            expect(broken, "the stack file has no mesh-dr:zones key to break").not.toBe(text);
            const brokenStack = loadStackText(broken, `broken copy of ${stack}`);

            let error: unknown;
            try {
                parseConfig(brokenStack.raw, brokenStack.secretKeys);
            } catch (e) {
                error = e;
            }
            expect(error).toBeInstanceOf(ConfigError);
            const problems = (error as ConfigError).problems;
            expect(problems.some(p => p.startsWith("mesh-dr:zone: ") && p.includes(" is not a known setting."))).toBe(
                true,
            );
            expect(problems).toContain(
                "mesh-dr:zones: (missing) is required. Fix: list the zones, e.g. " +
                    "pulumi config set --path 'zones[0].name' zone1 && pulumi config set --path 'zones[0].context' zone1",
            );

            let runError: unknown;
            try {
                await runProgram(brokenStack);
            } catch (e) {
                runError = e;
            }
            expect(pulumi.RunError.isInstance(runError as Error)).toBe(true);
            expect(rec.resources).toEqual([]);
        });
    });
}

// The shared environments: what the team agreed each must look like.
for (const stack of ["staging", "prod"]) {
    describe(`stack ${stack}: shared-environment rules`, () => {
        const { raw, secretKeys } = loadStack(stack);
        const config = parseConfig(raw, secretKeys);
        const clusters = clustersOf(config);

        it("names clusters by kubeconfig context only (no kubeconfig in the stack file)", () => {
            for (const c of clusters) {
                expect(c.context, c.name).toMatch(/\S/);
                expect(c.kubeconfig, c.name).toBeUndefined();
            }
        });

        it("pins every deployed image and the chart versions, and installs the platform", () => {
            for (const s of config.services.filter(x => x.workload))
                expect(s.workload!.image, s.name).toMatch(/(:(?!latest$)[\w][\w.-]*|@sha256:[a-f0-9]{64})$/);
            const platform = raw.platform as Record<string, unknown>;
            expect(platform.certManagerVersion).toMatch(/^v?\d+\.\d+\.\d+$/);
            expect(platform.kongOperatorVersion).toMatch(/^\d+\.\d+\.\d+$/);
            expect(config.platform.install).toBe(true);
        });

        it("keeps skipUnreachableClusters off", () => {
            expect(config.skipUnreachableClusters).toBe(false);
        });
    });
}

describe("stack prod", () => {
    const { raw, secretKeys } = loadStack("prod");
    const config = parseConfig(raw, secretKeys);

    it("has three zones and the global control plane on a cluster of its own", () => {
        expect(config.zones.map(z => z.name)).toHaveLength(3);
        const global = clustersOf(config).find(c => c.name === "global")!;
        expect(config.global.kind).toBe("kubernetes");
        const zoneContexts = config.zones.map(z => z.cluster.context);
        expect(zoneContexts).not.toContain(global.context);
        expect(new Set(zoneContexts).size).toBe(3);
    });

    it("runs more echo replicas than the default, in every zone", () => {
        expect(config.echo.workload!.replicas).toBeGreaterThan(DEFAULTS.echo.replicas);
        for (const z of config.zones) expect(z.services.echo.replicas, z.name).toBeGreaterThan(DEFAULTS.echo.replicas);
    });

    it("orders failover for every zone over both other zones", () => {
        const names = config.zones.map(z => z.name);
        for (const z of config.zones) {
            expect([...z.failoverOrder].sort(), z.name).toEqual(names.filter(n => n !== z.name).sort());
        }
    });
});

describe("stack staging", () => {
    const { raw, secretKeys } = loadStack("staging");
    const config = parseConfig(raw, secretKeys);

    it("runs echo deployed as the walkthrough did, and wires DR for a Service it does not deploy, in a namespace it did not create", () => {
        const [echo, billing] = config.services;
        const walkthrough = parseConfig({
            zones: raw.zones,
            global: raw.global,
            echo: { image: "kong/go-echo:0.3.0", replicas: 2 },
        }).echo;
        expect(echo).toEqual(walkthrough);
        expect(billing).toMatchObject({
            name: "billing",
            namespace: "billing",
            routes: ["/billing", "/invoices"],
            workload: undefined,
        });
        expect(billing.failover.healthCheck.path).toBe("/healthz");
    });
});
