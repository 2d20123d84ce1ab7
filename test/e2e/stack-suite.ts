// The real engine against real kube-apiservers, run twice: by `npm test` (test/e2e/stack.test.ts)
// with the real CRDs and no control plane, and by `npm run test:kuma` (test/kuma/stack.test.ts)
// with real Kuma control planes as well (a global CP on its own cluster, a zone CP per zone,
// their admission webhooks checking every object). Both: up, read back from the API servers,
// clean previews and refreshes, the policy pack, one-setting diffs, adding and removing a zone, a
// zone outage, destroy, bad config. With Kuma also what Kuma computed (MeshServices, the MMZS
// status, the gateway's Envoy config before, during and after a zone's echo is gone, the traffic
// permission) and Kuma's admission; without it, what the DR tool says when no control plane
// answers. The steps build on each other, so they run in order in one file.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { echoPodSpec } from "../../components/echo";
import { multiZoneServiceEnvoyCluster } from "../../components/names";
import { GATEWAY_DATAPLANE, gatewayListsNow, gatewayLocalities } from "../../dr/kuma";
import type { StatusReport } from "../../dr/status";
import {
    Ops,
    Project,
    ROOT,
    SYSTEM_NS,
    Sandbox,
    Zone,
    dr,
    eventually,
    failure,
    mmzsStatusListsZones,
    tempRoot,
} from "./support";

/** `kuma`: whether the suite's sandbox runs Kuma control planes (and the cases that need them). */
export function stackSuite(opts: { kuma: boolean; portBase: number }): void {
    const root = tempRoot();
    const sandbox = new Sandbox(path.join(root, "sandbox"), opts.portBase, { kuma: opts.kuma });
    /** A case that needs real control planes: only in the Kuma suite. */
    const withKuma = (name: string, fn: () => unknown) => {
        if (opts.kuma) it(name, fn);
    };
    /** A case about running without control planes: only in the suite without Kuma. */
    const withoutKuma = (name: string, fn: () => unknown) => {
        if (!opts.kuma) it(name, fn);
    };
    const project = new Project(sandbox, root);
    const TWO_ZONES: Zone[] = [{ name: "zone1" }, { name: "zone2" }];
    // An executable pack: the engine runs it directly (the directory form needs a newer language host).
    const POLICY_PACK = path.join(ROOT, "policy", "run-policy-pack.sh");

    const KINDS = {
        route: "httproutes.gateway.networking.k8s.io",
        gateway: "gateways.gateway.networking.k8s.io",
        gatewayClass: "gatewayclasses.gateway.networking.k8s.io",
        gatewayConfiguration: "gatewayconfigurations.gateway-operator.konghq.com",
        mmzs: "meshmultizoneservices.kuma.io",
        mesh: "meshes.kuma.io",
    };
    const MESH = "default";
    const KUMA_POLICIES = [
        "meshproxypatches",
        "meshhealthchecks",
        "meshcircuitbreakers",
        "meshretries",
        "meshtimeouts",
        "meshloadbalancingstrategies",
        "meshtrafficpermissions",
    ];

    async function preview(opts: { policy?: boolean } = {}) {
        const ops = new Ops();
        const stack = await project.open();
        const result = await stack.preview({
            onEvent: ops.onEvent,
            policyPacks: opts.policy ? [POLICY_PACK] : undefined,
        });
        return { ops, result };
    }

    async function up() {
        const ops = new Ops();
        const result = await (await project.open()).up({ onEvent: ops.onEvent });
        return { ops, result };
    }

    function expectZoneObjects(zone: string, replicas: number) {
        const ns = sandbox.get(zone, ["namespace", "kong"]);
        expect(ns.metadata.labels["kuma.io/sidecar-injection"]).toBe("enabled");

        const dep = sandbox.get(zone, ["-n", "kong", "deployment", "echo"]);
        expect(dep.spec.replicas).toBe(replicas);
        expect(dep.status.readyReplicas).toBe(replicas);
        expect(dep.status.conditions.find((c: any) => c.type === "Available").status).toBe("True");
        expect(dep.spec.template.spec.containers[0].readinessProbe.httpGet.port).toBe("http");

        const svc = sandbox.get(zone, ["-n", "kong", "service", "echo"]);
        expect(svc.spec.ports.find((p: any) => p.name === "http")).toMatchObject({ port: 1027, appProtocol: "http" });
        const endpoints = sandbox.get(zone, ["-n", "kong", "endpoints", "echo"]);
        expect(endpoints.subsets[0].addresses).toHaveLength(replicas);

        const ext = sandbox.get(zone, ["-n", "kong", "service", "echo-mmzs-service"]);
        expect(ext.spec).toMatchObject({ type: "ExternalName", externalName: "echo.mzsvc.mesh.local" });
        expect(ext.spec.ports[0].port).toBe(1027);

        const route = sandbox.get(zone, ["-n", "kong", KINDS.route, "echo"]);
        expect(route.spec.parentRefs[0]).toMatchObject({ kind: "Gateway", name: "kong" });
        expect(route.spec.rules[0].matches[0].path).toEqual({ type: "PathPrefix", value: "/echo" });
        expect(route.spec.rules[0].backendRefs[0]).toMatchObject({ name: "echo-mmzs-service", port: 1027 });

        expect(sandbox.get(zone, ["-n", "kong", KINDS.gateway, "kong"]).spec.gatewayClassName).toBe("kong");
        expect(sandbox.get(zone, [KINDS.gatewayClass, "kong"]).spec.controllerName).toBe("konghq.com/gateway-operator");
        const gwc = sandbox.get(zone, ["-n", "kong", KINDS.gatewayConfiguration, "kong"]);
        expect(gwc.spec.dataPlaneOptions.deployment.podTemplateSpec.metadata.annotations["kuma.io/gateway"]).toBe(
            "enabled",
        );
        expect(sandbox.get(zone, ["-n", "kong", "poddisruptionbudget", "echo"]).spec.maxUnavailable).toBe(1);
        expect(sandbox.get(zone, ["-n", "kong", "networkpolicy", "echo"]).spec.podSelector.matchLabels).toEqual({
            app: "echo",
        });
    }

    /** Objects of ours (by label) still on a cluster, as `kind/name`. */
    function leftovers(zone: string): string[] {
        const kinds = [
            "deployments",
            "services",
            "poddisruptionbudgets",
            "networkpolicies.networking.k8s.io",
            KINDS.route,
            KINDS.gateway,
            KINDS.gatewayClass,
            KINDS.gatewayConfiguration,
            KINDS.mmzs,
            KINDS.mesh,
            ...KUMA_POLICIES.map(k => `${k}.kuma.io`),
            "namespaces",
        ];
        // Kuma's own copies of our global objects (synced to the zones over KDS) are not ours to delete.
        const list = sandbox.get(zone, [
            kinds.join(","),
            "-A",
            "-l",
            "app.kubernetes.io/managed-by=mesh-dr,kuma.io/origin!=global",
        ]);
        return list.items.map((o: any) => `${o.kind}/${o.metadata.name}`);
    }

    // echo's MMZS cluster, as the stack exports it (checked against the outputs below).
    const ECHO_CLUSTER = multiZoneServiceEnvoyCluster(MESH, "echo", SYSTEM_NS, 1027);
    const gatewayEndpoints = (zone: string) => gatewayLocalities(sandbox.controlPlane(zone), MESH, ECHO_CLUSTER);

    /** Waits until the zone's gateway config lists exactly these `priority:zone` entries. */
    async function gatewayListsExactly(zone: string, expected: string[]) {
        return eventually(
            `${zone} gateway lists ${expected.join(" ")}`,
            async () => (await gatewayListsNow(sandbox.controlPlane(zone), MESH, ECHO_CLUSTER, expected)) || undefined,
        );
    }

    beforeAll(() => {
        sandbox.run("up", "global", "zone1", "zone2");
        project.configure(TWO_ZONES);
    });

    afterAll(() => {
        sandbox.run("down");
        fs.rmSync(root, { recursive: true, force: true });
    });

    describe("mesh-dr against real kube-apiservers", () => {
        it("rejects a bad config before anything is sent to any cluster", async () => {
            project.configure([{ name: "Zone_1" }, { name: "zone2", echoReplicas: 0 }]);
            const ops = new Ops();
            try {
                const message = await failure(async () => (await project.open()).up({ onEvent: ops.onEvent }));
                expect(message).toContain('mesh-dr:zones[0].name: "Zone_1" is not a DNS-1123 label');
                expect(message).toContain("mesh-dr:zones[1].echoReplicas: 0 is out of range (1 to 100)");
                expect(message).not.toMatch(/\n\s+at .*\.(ts|js):\d+/); // no stack trace
                expect(ops.changes()).toEqual([]);
                for (const zone of ["zone1", "zone2"]) expect(sandbox.get(zone, ["namespace", "kong"])).toBeUndefined();
            } finally {
                project.configure(TWO_ZONES);
            }
        });

        it("up: every promised object exists on its cluster's API server, Deployments Available", async () => {
            const { result } = await up();
            expect(result.summary.result).toBe("succeeded");
            for (const zone of ["zone1", "zone2"]) expectZoneObjects(zone, 2);

            // The global objects, as the global CP's own cluster stored them (through Kuma's admission, where it runs).
            const mmzs = sandbox.get("global", ["-n", SYSTEM_NS, KINDS.mmzs, "echo"]);
            expect(mmzs.metadata.labels["kuma.io/mesh"]).toBe(MESH);
            expect(mmzs.spec).toEqual({
                selector: {
                    meshService: { matchLabels: { "kuma.io/display-name": "echo", "k8s.kuma.io/namespace": "kong" } },
                },
                ports: [{ port: 1027, name: "http", appProtocol: "http" }],
            });
            expect(sandbox.get("global", [KINDS.mesh, MESH]).spec.meshServices.mode).toBe("Exclusive");
            for (const kind of KUMA_POLICIES) {
                const ours = sandbox.get("global", [
                    "-n",
                    SYSTEM_NS,
                    `${kind}.kuma.io`,
                    "-l",
                    "app.kubernetes.io/managed-by=mesh-dr",
                ]);
                expect(ours.items, kind).toHaveLength(1);
            }
            expect(result.outputs.multiZoneService.value).toMatchObject({
                hostname: "echo.mzsvc.mesh.local",
                port: 1027,
            });
            expect(result.outputs.globalControlPlane.value).toEqual({
                kind: "kubernetes",
                cluster: "global",
                namespace: SYSTEM_NS,
                mesh: MESH,
            });
            expect(result.outputs.zones.value.zone2).toMatchObject({
                cluster: "zone2",
                namespace: "kong",
                gateway: "kong",
                route: "echo",
            });
        });

        it("keeps kubeconfigs secret in the stored state", () => {
            const state = project.storedState();
            const providers = JSON.parse(state).checkpoint.latest.resources.filter(
                (r: any) => r.type === "pulumi:providers:kubernetes",
            );
            expect(providers.map((p: any) => p.urn.split("::").pop()).sort()).toEqual(["global", "zone1", "zone2"]);
            for (const p of providers) {
                // Pulumi's secret signature, with ciphertext only.
                expect(Object.keys(p.inputs.kubeconfig).sort()).toEqual([
                    "4dabf18193072939515e22adb298388d",
                    "ciphertext",
                ]);
            }
            for (const c of ["global", "zone1", "zone2"]) expect(state.includes(sandbox.kubeconfig(c)), c).toBe(false);
        });

        withoutKuma(
            "the DR tool without control planes: NOT READY, each zone's control plane named as not answering",
            () => {
                const r = dr(["status", "--stack", project.stackName, "--dir", project.dir, "--json", "--no-preview"]);
                expect(r.code, r.stderr).toBe(1);
                const report: StatusReport = JSON.parse(r.stdout);
                expect(report.ready).toBe(false);
                for (const zone of report.zones) {
                    const check = (name: string) => zone.checks.find(c => c.name === name)!;
                    expect(check("cluster"), zone.zone).toMatchObject({ ok: true, detail: "API server ready" });
                    expect(check("zone CP").ok, zone.zone).toBe(false);
                    expect(check("zone CP").detail, zone.zone).toBe(
                        "no control plane: no Service kong-mesh-control-plane in namespace kong-mesh-system on this cluster",
                    );
                }
                const table = dr(["status", "--stack", project.stackName, "--dir", project.dir, "--no-preview"]);
                expect(table.stdout.trim().split("\n").pop()).toBe("NOT READY: zone zone1, zone zone2");
            },
        );

        it("the DR tool's bad input: a clear error naming the flag, the value and the fix, no stack trace", () => {
            const args = (command: string, ...rest: string[]) => [
                command,
                "--stack",
                project.stackName,
                "--dir",
                project.dir,
                ...rest,
            ];
            const cases: [string[], string][] = [
                [
                    args("drill", "--zone", "zone9", "--fault", "echo"),
                    'dr: --zone: "zone9" is not a zone of stack e2e. Fix: use one of: zone1, zone2',
                ],
                [
                    args("drill", "--zone", "zone1", "--fault", "disk"),
                    'dr: --fault: "disk" is not a fault kind. Fix: use one of: echo, service, gateway, zone',
                ],
                [
                    ["status", "--stack", "nosuch", "--dir", project.dir],
                    'dr: --stack: "nosuch" is not a stack of the project in',
                ],
            ];
            for (const [argv, message] of cases) {
                const r = dr(argv);
                expect(r.code, r.stderr).toBe(2);
                expect(r.stderr).toContain(message);
                expect(r.stderr).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
            }
        });

        withKuma(
            "Kuma's zone CPs turn each zone's echo into a MeshService, and every zone's MMZS lists all of them",
            async () => {
                for (const zone of ["zone1", "zone2"]) {
                    const ms = sandbox.get(zone, ["-n", "kong", "meshservices.kuma.io", "echo"]);
                    expect(
                        ms?.spec.ports.find((p: any) => p.port === 1027),
                        zone,
                    ).toMatchObject({ appProtocol: "http" });
                    const dataplanes = sandbox.get(zone, ["-n", "kong", "dataplanes.kuma.io", "-l", "app=echo"]);
                    expect(dataplanes.items, `${zone}: an injected echo pod is a Dataplane`).toHaveLength(2);
                }
                await mmzsStatusListsZones(sandbox, ["zone1", "zone2"]);
                expect(sandbox.get("global", ["-n", SYSTEM_NS, KINDS.mmzs, "echo"]).status?.meshServices ?? []).toEqual(
                    [],
                );
            },
        );

        withKuma(
            "the zone1 gateway's computed config: zone1's echo at priority 0, zone2 behind it; without zone1's echo only zone2; back again",
            async () => {
                sandbox.run("gateway", "zone1");
                await gatewayListsExactly("zone1", ["0:zone1", "1:zone2"]);
                const local = (await gatewayEndpoints("zone1"))[0];
                expect(local.addresses, "both local echo pods").toHaveLength(2);

                // What Kuma configured on that cluster: our outlier detection with panic mode off, and the
                // active health check, which only our MeshProxyPatch puts there.
                const expected = (await (await project.open()).outputs()).multiZoneService.value.envoyCluster;
                const mmzsCluster = async () => {
                    const xds = await sandbox.controlPlane("zone1").proxyConfig(MESH, GATEWAY_DATAPLANE);
                    expect(expected).toBe(ECHO_CLUSTER);
                    expect(xds.clusterNames()).toContain(expected);
                    return xds.cluster(expected);
                };
                const cluster = await mmzsCluster();
                expect(cluster.outlierDetection).toMatchObject({
                    consecutive5xx: 5,
                    consecutiveGatewayFailure: 5,
                    maxEjectionPercent: 100,
                });
                expect(cluster.commonLbConfig).toEqual({ healthyPanicThreshold: {} }); // a Percent of 0: the zero value is omitted
                expect(cluster.healthChecks).toHaveLength(1);
                expect(cluster.healthChecks[0]).toMatchObject({
                    interval: "5s",
                    timeout: "2s",
                    unhealthyThreshold: 2,
                    healthyThreshold: 1,
                    httpHealthCheck: { path: "/" },
                });
                // The evidence that MeshHealthCheck alone does not reach it: without the patch, no check
                // (the cluster's protocol is unknown, as zone2's endpoints carry no protocol tag).
                sandbox.kubectl("global", [
                    "-n",
                    SYSTEM_NS,
                    "delete",
                    "meshproxypatches.kuma.io",
                    "echo-mmzs-health-check",
                ]);
                try {
                    await eventually(
                        "no health check without the patch",
                        async () => (await mmzsCluster()).healthChecks === undefined || undefined,
                    );
                    expect(
                        sandbox.get("global", ["-n", SYSTEM_NS, "meshhealthchecks.kuma.io", "echo-health-check"]),
                    ).toBeDefined();
                } finally {
                    // The refresh notices the deletion, so up puts the patch back.
                    await (await project.open()).up({ refresh: true });
                }
                await eventually(
                    "the health check back",
                    async () => (await mmzsCluster()).healthChecks?.length === 1 || undefined,
                );

                // Priorities stay put: zone2 keeps priority 1, and Envoy spills over to it as priority 0 is empty.
                try {
                    sandbox.kubectl("zone1", ["-n", "kong", "scale", "deployment/echo", "--replicas=0"]);
                    await gatewayListsExactly("zone1", ["1:zone2"]);
                } finally {
                    sandbox.kubectl("zone1", ["-n", "kong", "scale", "deployment/echo", "--replicas=2"]);
                }
                await gatewayListsExactly("zone1", ["0:zone1", "1:zone2"]);
            },
        );

        withKuma(
            "Kuma's admission checks every global object and warns only about the MeshTrafficPermission's `from` (see docs/traffic-permission.md)",
            () => {
                // The validating webhook only sees namespaces labelled kuma.io/sidecar-injection (any value).
                expect(
                    sandbox.get("global", ["namespace", SYSTEM_NS]).metadata.labels["kuma.io/sidecar-injection"],
                ).toBeDefined();
                const ours = sandbox.get("global", [
                    `${["meshmultizoneservices", ...KUMA_POLICIES].map(k => `${k}.kuma.io`).join(",")}`,
                    "-n",
                    SYSTEM_NS,
                    "-l",
                    "app.kubernetes.io/managed-by=mesh-dr",
                ]).items;
                expect(ours).toHaveLength(KUMA_POLICIES.length + 1);
                const warnings: string[] = [];
                for (const o of ours) {
                    // The same object under another name, through the webhook without storing it.
                    const copy = {
                        apiVersion: o.apiVersion,
                        kind: o.kind,
                        metadata: {
                            ...o.metadata,
                            name: `${o.metadata.name}-check`,
                            resourceVersion: undefined,
                            uid: undefined,
                            managedFields: undefined,
                            creationTimestamp: undefined,
                            generation: undefined,
                        },
                        spec: o.spec,
                    };
                    const r = spawnSync(
                        "kubectl",
                        ["--kubeconfig", sandbox.kubeconfig("global"), "create", "--dry-run=server", "-f", "-"],
                        { input: JSON.stringify(copy), encoding: "utf8" },
                    );
                    expect(r.status, `${o.kind}: ${r.stderr}`).toBe(0);
                    warnings.push(
                        ...r.stderr
                            .split("\n")
                            .filter(l => l.startsWith("Warning:"))
                            .map(l => `${o.kind}: ${l}`),
                    );
                }
                expect(warnings).toEqual([
                    "MeshTrafficPermission: Warning: 'from' field is deprecated and will be removed in 3.0, use 'rules' with MeshIdentity (spiffeId) instead",
                ]);
                // The control: a broken policy is refused by Kuma itself, in its words.
                const bad = {
                    ...ours.find((o: any) => o.kind === "MeshRetry"),
                    metadata: { name: "broken", namespace: SYSTEM_NS, labels: { "kuma.io/mesh": MESH } },
                };
                bad.spec = {
                    targetRef: { kind: "Mesh" },
                    to: [{ targetRef: { kind: "Mesh" }, default: { http: { numRetries: -1 } } }],
                };
                const refused = spawnSync(
                    "kubectl",
                    ["--kubeconfig", sandbox.kubeconfig("global"), "create", "--dry-run=server", "-f", "-"],
                    { input: JSON.stringify(bad), encoding: "utf8" },
                );
                expect(refused.status).not.toBe(0);
                expect(refused.stderr).toContain("admission webhook");
            },
        );

        withKuma(
            "the MeshTrafficPermission, as Kuma computed it for an echo pod: only the gateways may call it",
            async () => {
                const [dp] = sandbox.get("zone1", ["-n", "kong", "dataplanes.kuma.io", "-l", "app=echo"]).items;
                const rules = await sandbox
                    .controlPlane("zone1")
                    .get(`/meshes/${MESH}/dataplanes/${dp.metadata.name}.kong/_rules`);
                const mtp = rules.rules.find((r: any) => r.type === "MeshTrafficPermission");
                const http = mtp.fromRules.find((r: any) => r.inbound.port === 1027);
                const gateways = { key: "app.kubernetes.io/name", value: "kong-gateway" };
                expect(
                    http.rules.map((r: any) => ({
                        action: r.conf.action,
                        matchers: r.matchers,
                        from: r.origin.map((o: any) => o.labels["kuma.io/display-name"]),
                    })),
                ).toEqual([
                    { action: "Allow", matchers: [{ ...gateways, not: false }], from: ["echo-gateways-only"] },
                    { action: "Deny", matchers: [{ ...gateways, not: true }], from: ["echo-gateways-only"] },
                ]);
            },
        );

        it("previews no changes right after up, and after a refresh", async () => {
            expect((await preview()).ops.changes()).toEqual([]);
            const refresh = await (await project.open()).refresh();
            expect(refresh.summary.result).toBe("succeeded");
            expect((await preview()).ops.changes()).toEqual([]);
        });

        it("the policy pack passes the stack's preview and blocks a config that breaks DR", async () => {
            const ok = await preview({ policy: true });
            expect(ok.ops.changes()).toEqual([]);
            project.configure([{ name: "zone1" }, { name: "zone2", routeBackend: "local", echoReplicas: 1 }]);
            const ops = new Ops();
            try {
                const message = await failure(async () =>
                    (await project.open()).preview({ onEvent: ops.onEvent, policyPacks: [POLICY_PACK] }),
                );
                const said = `${message}\n${ops.diagnostics()}\n${JSON.stringify(ops.events.filter(e => e.policyEvent))}`;
                expect(said).toContain("mesh-dr-route-via-mmzs");
                expect(said).toContain("mesh-dr-echo-ha");
                expect(said).toContain("zone2");
            } finally {
                project.configure(TWO_ZONES);
            }
        });

        it("one zone's echo replicas: exactly one update, on that zone's Deployment", async () => {
            project.configure([{ name: "zone1" }, { name: "zone2", echoReplicas: 3 }]);
            expect((await preview()).ops.changes()).toEqual(["update kubernetes:apps/v1:Deployment zone2-echo"]);
            await up();
            expectZoneObjects("zone2", 3);
            expectZoneObjects("zone1", 2);
        });

        it("adding a third zone creates only its objects; removing it deletes only those", async () => {
            sandbox.run("up", "global", "zone1", "zone2", "zone3");
            const three = [{ name: "zone1" }, { name: "zone2", echoReplicas: 3 }, { name: "zone3" }];
            project.configure(three);
            const added = (await preview()).ops.changes();
            expect(added.length).toBeGreaterThan(9);
            for (const op of added) expect(op).toMatch(/^create \S+ zone3(-|$)/);
            await up();
            expectZoneObjects("zone3", 2);

            project.configure(three.slice(0, 2));
            const removed = (await preview()).ops.changes();
            expect(removed.map(op => op.replace(/^delete /, "create "))).toEqual(added);
            await up();
            expect(leftovers("zone3")).toEqual([]);
            sandbox.run("down", "zone3");
        });

        it("a zone whose apiserver is down: up fails naming it, or goes ahead for the others with skipUnreachableClusters", async () => {
            // Both zones change (zone2 goes from 3 back to 2 replicas), and zone2's apiserver is down.
            const change = [
                { name: "zone1", echoReplicas: 3 },
                { name: "zone2", echoReplicas: 2 },
            ];
            sandbox.run("stop-apiserver", "zone2");
            try {
                project.configure(change);
                const message = await failure(() => up());
                expect(message).toMatch(/zone2-echo[\s\S]*unreachable|unreachable[\s\S]*zone2/);

                project.configure(change, { skipUnreachableClusters: true });
                const { result } = await up();
                expect(result.summary.result).toBe("succeeded");
                expectZoneObjects("zone1", 3);
            } finally {
                sandbox.run("start-apiserver", "zone2");
            }
            project.configure(change);
            await up();
            expect((await preview()).ops.changes()).toEqual([]);
            expectZoneObjects("zone2", 2);
        });

        it("the echo pod is admitted by a namespace enforcing the restricted Pod Security Standard", () => {
            const ns = "pss-restricted";
            sandbox.kubectl(
                "zone1",
                ["apply", "-f", "-"],
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "Namespace",
                    metadata: { name: ns, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
                }),
            );
            const pod = (spec: object) =>
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "Pod",
                    metadata: { name: "echo", namespace: ns, labels: { app: "echo" } },
                    spec,
                });
            const spec = echoPodSpec("kong/go-echo:0.3.0") as any;
            expect(sandbox.kubectl("zone1", ["apply", "-f", "-"], pod(spec))).toContain("pod/echo created");
            // The control: the same pod with privilege escalation allowed is refused, so enforcement is on.
            const weakened = {
                ...spec,
                containers: [
                    { ...spec.containers[0], name: "weak", securityContext: { allowPrivilegeEscalation: true } },
                ],
            };
            expect(() =>
                sandbox.kubectl(
                    "zone1",
                    ["apply", "--dry-run=server", "-f", "-"],
                    pod(weakened).replace('"name":"echo"', '"name":"weak"'),
                ),
            ).toThrow(/violates PodSecurity "restricted/);
            sandbox.kubectl("zone1", ["delete", "namespace", ns, "--wait=true"]);
        });

        it("destroy leaves no object of ours on any cluster, and the control plane's own Mesh in place", async () => {
            const before = sandbox.get("global", [KINDS.mesh, MESH]);
            const result = await (await project.open()).destroy();
            expect(result.summary.result).toBe("succeeded");
            for (const c of ["global", "zone1", "zone2"]) expect(leftovers(c), c).toEqual([]);
            for (const zone of ["zone1", "zone2"])
                expect(sandbox.get(zone, ["namespace", "kong"]), zone).toBeUndefined();
            // Adopted, not taken over: the Mesh the global CP created outlives the stack, same object.
            const after = sandbox.get("global", [KINDS.mesh, MESH]);
            expect(after.metadata.uid).toBe(before.metadata.uid);
            expect(after.metadata.labels?.["app.kubernetes.io/managed-by"]).toBeUndefined();
            // The API server drops the empty spec the control plane created it with.
            expect(after.spec?.mtls).toBeUndefined();
        });

        withKuma(
            "Kuma's own admission refuses what it cannot accept, and pulumi up says so in Kuma's words",
            async () => {
                // A config our validation cannot know is wrong: a mesh that does not exist on this control plane.
                project.configure(TWO_ZONES, { mesh: { name: "payments", manage: "none" } });
                try {
                    const message = await failure(() => up());
                    expect(message).toContain("admission webhook");
                    expect(message).toMatch(/mesh.*payments|payments.*mesh/i);
                    expect(sandbox.get("global", ["-n", SYSTEM_NS, KINDS.mmzs, "echo"])).toBeUndefined();
                } finally {
                    project.configure(TWO_ZONES);
                    await (await project.open()).destroy();
                }
                for (const c of ["global", "zone1", "zone2"]) expect(leftovers(c), c).toEqual([]);
            },
        );
    });
}
