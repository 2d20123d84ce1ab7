import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { T as TYPES } from "../../policy/testing";
import { MINIMAL_CONFIG, Recorder, Registered, runProgram, valueOf } from "./harness";

const rec = new Recorder();

/** Runs the program the way `pulumi up` does: stack config in, index.ts's wiring. */
const run = (raw: Record<string, unknown>, secretKeys: string[] = []) => runProgram(rec, raw, secretKeys);

function zoneObjects(zone: string): Registered[] {
    return rec.resources.filter(r => r.custom && r.type.startsWith("kubernetes:") && r.name.startsWith(`${zone}-`));
}

/** The run of the minimal config, made once: the tests that use it only read what it registered and output. */
let minimal: ReturnType<typeof run> | undefined;
const minimalRun = () => (minimal ??= run(MINIMAL_CONFIG));

describe("the program from the minimal stack config", () => {
    // The tests below only read what this one run registered.
    beforeAll(async () => {
        await minimalRun();
    });

    it("creates one explicit provider per cluster (each zone's and the global one's), with its context", () => {
        const providers = rec.ofType(TYPES.provider);
        expect(providers.map(p => p.name).sort()).toEqual(["global", "zone1", "zone2"]);
        expect(rec.one(TYPES.provider, "global").inputs.context).toBe("mesh-global");
        expect(rec.one(TYPES.provider, "zone1").inputs.context).toBe("zone1");
        expect(rec.one(TYPES.provider, "zone2").inputs.clusterIdentifier).toBe("zone2");
    });

    it("registers every walkthrough object in each zone, on that zone's provider", () => {
        for (const zone of ["zone1", "zone2"]) {
            const expected: [string, string][] = [
                [TYPES.namespace, "kong"],
                [TYPES.deployment, "echo"],
                [TYPES.service, "echo"],
                [TYPES.pdb, "echo"],
                [TYPES.gatewayConfiguration, "kong"],
                [TYPES.gatewayClass, "kong"],
                [TYPES.gateway, "kong"],
                [TYPES.service, "echo-mmzs-service"],
                [TYPES.httpRoute, "echo"],
                [TYPES.networkPolicy, "echo"],
            ];
            for (const [type, k8sName] of expected) {
                const r = rec.one(type, `${zone}-${k8sName}`);
                expect(rec.providerName(r), `${type} ${zone}-${k8sName}`).toBe(zone);
            }
            expect(zoneObjects(zone)).toHaveLength(expected.length);
        }
    });

    it("puts the MMZS on the global cluster in kong-mesh-system", () => {
        const mmzs = rec.one(TYPES.mmzs, "echo-mmzs");
        expect(rec.providerName(mmzs)).toBe("global");
        expect(mmzs.inputs.metadata).toMatchObject({
            name: "echo",
            namespace: "kong-mesh-system",
            labels: { "kuma.io/mesh": "default" },
        });
        expect(mmzs.inputs.spec).toEqual({
            selector: {
                meshService: { matchLabels: { "kuma.io/display-name": "echo", "k8s.kuma.io/namespace": "kong" } },
            },
            ports: [{ port: 1027, name: "http", appProtocol: "http" }],
        });
    });

    it("puts the Mesh, failover policies and traffic permission on the global cluster", () => {
        const kuma = rec.resources.filter(r => r.type.startsWith("kubernetes:kuma.io/"));
        expect(kuma.map(r => r.type.split(":").pop()).sort()).toEqual([
            "MeshCircuitBreaker",
            "MeshHealthCheck",
            "MeshLoadBalancingStrategy",
            "MeshMultiZoneService",
            // The control plane's own Mesh, adopted: only our fields are applied to it.
            "MeshPatch",
            "MeshProxyPatch",
            "MeshRetry",
            "MeshTimeout",
            "MeshTrafficPermission",
        ]);
        for (const r of kuma) {
            expect(rec.providerName(r), r.name).toBe("global");
            if (r.type !== TYPES.meshPatch) {
                expect(r.inputs.metadata).toMatchObject({
                    namespace: "kong-mesh-system",
                    labels: { "kuma.io/mesh": "default" },
                });
            }
        }
    });

    it("never uses a default provider", () => {
        const k8sObjects = rec.resources.filter(r => r.custom && r.type.startsWith("kubernetes:"));
        expect(k8sObjects.length).toBeGreaterThan(0);
        for (const r of k8sObjects) expect(r.provider, `${r.type} ${r.name}`).not.toBe("");
    });

    it("keeps the walkthrough's invariants: ExternalName → MMZS hostname, one port everywhere", () => {
        const mmzsPort = rec.one(TYPES.mmzs, "echo-mmzs").inputs.spec.ports[0].port;
        for (const zone of ["zone1", "zone2"]) {
            const ns = rec.one(TYPES.namespace, `${zone}-kong`);
            expect(ns.inputs.metadata.labels["kuma.io/sidecar-injection"]).toBe("enabled");

            const ext = rec.one(TYPES.service, `${zone}-echo-mmzs-service`).inputs;
            expect(ext.metadata).toMatchObject({ name: "echo-mmzs-service", namespace: "kong" });
            expect(ext.spec.type).toBe("ExternalName");
            expect(ext.spec.externalName).toBe("echo.mzsvc.mesh.local");
            expect(ext.spec.ports).toEqual([{ name: "http", port: mmzsPort, targetPort: mmzsPort }]);

            const echoPort = rec
                .one(TYPES.service, `${zone}-echo`)
                .inputs.spec.ports.find((p: any) => p.name === "http");
            expect(echoPort).toMatchObject({ port: mmzsPort, appProtocol: "http" });

            const route = rec.one(TYPES.httpRoute, `${zone}-echo`).inputs;
            expect(route.metadata).toMatchObject({ name: "echo", namespace: "kong" });
            expect(route.spec.parentRefs).toEqual([
                { group: "gateway.networking.k8s.io", kind: "Gateway", name: "kong" },
            ]);
            expect(route.spec.rules[0].matches).toEqual([{ path: { type: "PathPrefix", value: "/echo" } }]);
            expect(route.spec.rules[0].backendRefs).toEqual([{ name: "echo-mmzs-service", port: mmzsPort }]);

            const deployment = rec.one(TYPES.deployment, `${zone}-echo`).inputs;
            expect(deployment.metadata).toMatchObject({ name: "echo", namespace: "kong" });
            expect(deployment.spec.replicas).toBe(2);
            expect(deployment.spec.template.spec.containers[0].image).toBe("kong/go-echo:0.3.0");
        }
    });

    it("wires the gateway to Kong Operator and into the mesh", () => {
        const gwc = rec.one(TYPES.gatewayConfiguration, "zone1-kong").inputs;
        const pod = gwc.spec.dataPlaneOptions.deployment.podTemplateSpec;
        expect(pod.metadata.annotations["kuma.io/gateway"]).toBe("enabled");
        expect(pod.metadata.labels["app.kubernetes.io/name"]).toBe("kong-gateway");
        const cls = rec.one(TYPES.gatewayClass, "zone1-kong").inputs;
        expect(cls.spec).toEqual({
            controllerName: "konghq.com/gateway-operator",
            parametersRef: {
                group: "gateway-operator.konghq.com",
                kind: "GatewayConfiguration",
                name: "kong",
                namespace: "kong",
            },
        });
        const gw = rec.one(TYPES.gateway, "zone1-kong").inputs;
        expect(gw.metadata).toMatchObject({ name: "kong", namespace: "kong" });
        expect(gw.spec).toEqual({
            gatewayClassName: "kong",
            listeners: [{ name: "http", protocol: "HTTP", port: 80 }],
        });
    });

    it("installs no platform unless asked", () => {
        expect(rec.resources.filter(r => r.type.includes("helm") || r.type.includes("cert-manager"))).toEqual([]);
    });
});

describe("the program's exports", () => {
    it("names each zone's namespace, gateway, route and cluster, and the MMZS", async () => {
        const stack = await minimalRun();
        expect(Object.keys(stack.zones)).toEqual(["zone1", "zone2"]);
        expect(stack.zones.zone2.cluster).toBe("zone2");
        expect(stack.zones.zone2.context).toBe("zone2");
        expect(await valueOf(stack.zones.zone1.namespace)).toBe("kong");
        expect(await valueOf(stack.zones.zone1.gateway)).toBe("kong");
        expect(await valueOf(stack.zones.zone1.route)).toBe("echo");
        expect(await valueOf(stack.multiZoneService.hostname)).toBe("echo.mzsvc.mesh.local");
        expect(stack.multiZoneService).toEqual({
            name: "echo",
            port: 1027,
            hostname: stack.multiZoneService.hostname,
            envoyCluster: "default_echo_kong-mesh-system__mzsvc_1027",
        });
        expect(stack.globalControlPlane).toEqual({
            kind: "kubernetes",
            cluster: "global",
            namespace: "kong-mesh-system",
            mesh: "default",
        });
        // Kuma's defaults: 1s cache + 1s xDS refresh in the zone; + 5s MeshService status and 2 KDS hops
        // from another zone. The DR profile: every step 500ms.
        expect(stack.failover).toEqual({
            enabled: true,
            targetSeconds: 5,
            sameZoneWorstCaseSeconds: 2,
            otherZoneWorstCaseSeconds: 9,
            drProfile: { sameZoneWorstCaseSeconds: 1, otherZoneWorstCaseSeconds: 2.5 },
        });
    });
});

describe("zone counts and layouts", () => {
    for (const n of [1, 2, 3, 5]) {
        it(`deploys ${n} zone(s) with no name collisions`, async () => {
            const zones = Array.from({ length: n }, (_, i) => ({ name: `zone${i + 1}`, context: `ctx-${i + 1}` }));
            await run({ zones, global: MINIMAL_CONFIG.global });
            // Stricter than URN uniqueness (which also includes the parent chain): type+name unique.
            const keys = rec.resources.map(r => `${r.type}::${r.name}`);
            expect(new Set(keys).size).toBe(keys.length);
            expect(rec.ofType(TYPES.provider)).toHaveLength(n + 1);
            expect(rec.ofType(TYPES.mmzs)).toHaveLength(1);
            for (const z of zones) {
                expect(zoneObjects(z.name)).toHaveLength(10);
                for (const r of zoneObjects(z.name)) expect(rec.providerName(r)).toBe(z.name);
            }
        });
    }

    it("puts global objects in the global control plane's system namespace", async () => {
        await run({ ...MINIMAL_CONFIG, global: { context: "mesh-global", systemNamespace: "kuma-system" } });
        expect(
            rec
                .ofType(TYPES.provider)
                .map(p => p.name)
                .sort(),
        ).toEqual(["global", "zone1", "zone2"]);
        expect(rec.one(TYPES.provider, "global").inputs.context).toBe("mesh-global");
        const mmzs = rec.one(TYPES.mmzs, "echo-mmzs");
        expect(rec.providerName(mmzs)).toBe("global");
        expect(mmzs.inputs.metadata.namespace).toBe("kuma-system");
        expect(zoneObjects("zone1").every(r => rec.providerName(r) === "zone1")).toBe(true);
    });

    it("switches one zone's route to its local echo Service", async () => {
        await run({
            ...MINIMAL_CONFIG,
            zones: [
                { name: "zone1", context: "zone1", routeBackend: "local" },
                { name: "zone2", context: "zone2" },
            ],
        });
        expect(rec.one(TYPES.httpRoute, "zone1-echo").inputs.spec.rules[0].backendRefs).toEqual([
            { name: "echo", port: 1027 },
        ]);
        expect(rec.one(TYPES.httpRoute, "zone2-echo").inputs.spec.rules[0].backendRefs).toEqual([
            { name: "echo-mmzs-service", port: 1027 },
        ]);
    });

    it("carries one configured port to the echo Service, the MMZS, the ExternalName and the route", async () => {
        await run({ ...MINIMAL_CONFIG, echo: { port: 8080, replicas: 3 } });
        expect(rec.one(TYPES.mmzs, "echo-mmzs").inputs.spec.ports[0].port).toBe(8080);
        expect(rec.one(TYPES.service, "zone2-echo-mmzs-service").inputs.spec.ports[0].port).toBe(8080);
        expect(rec.one(TYPES.httpRoute, "zone2-echo").inputs.spec.rules[0].backendRefs[0].port).toBe(8080);
        const http = rec.one(TYPES.service, "zone2-echo").inputs.spec.ports.find((p: any) => p.name === "http");
        expect(http).toMatchObject({ port: 8080, targetPort: "http" });
        expect(rec.one(TYPES.deployment, "zone2-echo").inputs.spec.replicas).toBe(3);
    });

    it("lets one zone override the echo replicas", async () => {
        await run({
            ...MINIMAL_CONFIG,
            zones: [
                { name: "zone1", context: "zone1" },
                { name: "zone2", context: "zone2", echoReplicas: 4 },
            ],
        });
        expect(rec.one(TYPES.deployment, "zone1-echo").inputs.spec.replicas).toBe(2);
        expect(rec.one(TYPES.deployment, "zone2-echo").inputs.spec.replicas).toBe(4);
    });

    it("installs cert-manager and Kong Operator per zone before the gateway when platform.install is on", async () => {
        await run({ ...MINIMAL_CONFIG, platform: { install: true } });
        for (const zone of ["zone1", "zone2"]) {
            const release = rec.one("kubernetes:helm.sh/v3:Release", `${zone}-kong-operator`);
            expect(rec.providerName(release)).toBe(zone);
            expect(release.inputs).toMatchObject({
                chart: "kong-operator",
                namespace: "kong-system",
                version: "1.3.0",
            });
            const cm = rec.one("kubernetes-cert-manager:index:CertManager", `${zone}-cert-manager`);
            expect(cm.inputs.helmOptions.version).toBe("v1.19.1");
        }
    });
});

describe("services", () => {
    const api = {
        name: "api",
        port: 80,
        namespace: "payments",
        routes: ["/api", "/v2"],
        workload: { image: "example/api:1.4.2", targetPort: 8080, readinessPath: "/healthz" },
    };
    const legacy = {
        name: "ledger",
        port: 8080,
        namespace: "finance",
        podLabels: { "app.kubernetes.io/name": "ledger" },
        failover: { healthCheck: { path: "/ready" } },
    };
    const raw = {
        ...MINIMAL_CONFIG,
        zones: [
            { name: "zone1", context: "zone1", services: { api: { replicas: 3 } } },
            { name: "zone2", context: "zone2" },
        ],
        services: [api, legacy],
    };
    // The tests below only read what this one run registered and output.
    let stack: Awaited<ReturnType<typeof run>>;
    beforeAll(async () => {
        stack = await run(raw);
    });

    it("gives each service its own MMZS, failover policies and permission, and selects its MeshServices by name and namespace", () => {
        const mmzs = rec.ofType(TYPES.mmzs).map(r => r.inputs);
        expect(mmzs.map(m => m.metadata.name)).toEqual(["api", "ledger"]);
        expect(mmzs[1].spec).toEqual({
            selector: {
                meshService: { matchLabels: { "kuma.io/display-name": "ledger", "k8s.kuma.io/namespace": "finance" } },
            },
            ports: [{ port: 8080, name: "http", appProtocol: "http" }],
        });
        expect(rec.ofType(TYPES.kuma("MeshRetry")).map(r => r.name)).toEqual(["api-retry", "ledger-retry"]);
        // Its own failover override, over the stack-wide settings.
        expect(rec.one(TYPES.kuma("MeshHealthCheck"), "ledger-health-check").inputs.spec.to[0].default.http.path).toBe(
            "/ready",
        );
        expect(rec.one(TYPES.kuma("MeshHealthCheck"), "api-health-check").inputs.spec.to[0].default.http.path).toBe(
            "/",
        );
        expect(rec.one(TYPES.kuma("MeshTrafficPermission"), "ledger-gateways-only").inputs.spec.targetRef).toEqual({
            kind: "Dataplane",
            labels: { "app.kubernetes.io/name": "ledger", "k8s.kuma.io/namespace": "finance" },
        });
        expect(rec.one(TYPES.kuma("MeshTrafficPermission"), "api-gateways-only").inputs.spec.targetRef).toEqual({
            kind: "Dataplane",
            labels: { app: "api", "k8s.kuma.io/namespace": "payments" },
        });
    });

    it("routes every service on every zone's gateway, deploys only what has a workload, and labels the namespaces it did not create", () => {
        for (const zone of ["zone1", "zone2"]) {
            expect(
                rec.one(TYPES.httpRoute, `${zone}-api`).inputs.spec.rules[0].matches.map((m: any) => m.path.value),
            ).toEqual(["/api", "/v2"]);
            expect(rec.one(TYPES.httpRoute, `${zone}-ledger`).inputs.spec.rules[0].backendRefs).toEqual([
                { name: "ledger-mmzs-service", port: 8080 },
            ]);
            expect(rec.one(TYPES.service, `${zone}-ledger-mmzs-service`).inputs.spec.externalName).toBe(
                "ledger.mzsvc.mesh.local",
            );
            for (const ns of ["payments", "finance"]) {
                expect(rec.one(TYPES.namespacePatch, `${zone}-${ns}`).inputs.metadata.labels).toEqual({
                    "kuma.io/sidecar-injection": "enabled",
                });
            }
        }
        expect(rec.ofType(TYPES.deployment).map(r => `${r.name}=${r.inputs.spec.replicas}`)).toEqual([
            "zone1-api=3",
            "zone2-api=2",
        ]);
        expect(rec.one(TYPES.deployment, "zone1-api").inputs.metadata.namespace).toBe("payments");
        // Nothing of ledger's workload: its Service runs already.
        expect(
            rec.resources
                .filter(r => r.custom && r.inputs?.metadata?.name === "ledger")
                .map(r => r.type)
                .sort(),
        ).toEqual([TYPES.httpRoute, TYPES.httpRoute, TYPES.mmzs]);
    });

    it("outputs each service, and keeps the first as multiZoneService and the zones' route", async () => {
        expect(Object.keys(stack.services)).toEqual(["api", "ledger"]);
        expect(stack.services.ledger).toMatchObject({
            name: "ledger",
            namespace: "finance",
            port: 8080,
            routes: ["/ledger"],
            deployed: false,
            envoyCluster: "default_ledger_kong-mesh-system__mzsvc_8080",
        });
        expect(await valueOf(stack.services.ledger.hostname)).toBe("ledger.mzsvc.mesh.local");
        expect(stack.multiZoneService.name).toBe("api");
        expect(await valueOf(stack.zones.zone1.route)).toBe("api");
    });
});

describe("secrets", () => {
    it("passes kubeconfig contents to the provider as a secret", async () => {
        const contents = "apiVersion: v1\nkind: Config\nclusters: []\n";
        await run(
            {
                zones: [
                    { name: "zone1", kubeconfig: contents },
                    { name: "zone2", kubeconfig: "/tmp/zone2.yaml" },
                ],
                global: { kubeconfig: contents.replace("[]", "[{}]") },
            },
            ["zones", "global"],
        );
        for (const name of ["zone1", "zone2", "global"]) {
            const p = rec.one(TYPES.provider, name);
            // Under mocks a secret input arrives unwrapped but marked with Pulumi's secret signature.
            expect(pulumi.runtime.isRpcSecret(p.inputs.kubeconfig), name).toBe(true);
        }
    });
});

describe("a bad stack config", () => {
    it("fails with every problem listed, as a RunError (no stack trace), and registers nothing", async () => {
        let error: unknown;
        try {
            await run({
                zones: [{ name: "Zone_1" }, { name: "zone2" }, { name: "zone2" }],
                global: { zone: "zone9" },
                echo: { replicas: 0 },
            });
        } catch (e) {
            error = e;
        }
        expect(pulumi.RunError.isInstance(error as Error)).toBe(true);
        const message = (error as Error).message;
        expect(message).toContain('mesh-dr:zones[0].name: "Zone_1"');
        expect(message).toContain('mesh-dr:zones[2].name: "zone2" is used by another zone');
        expect(message).toContain(
            'mesh-dr:global.zone: "zone9" is no longer supported: a global control plane on Kubernetes must run on a cluster of its own',
        );
        expect(message).toContain("mesh-dr:echo.replicas: 0 is out of range");
        expect(rec.resources).toEqual([]);
    });
});
