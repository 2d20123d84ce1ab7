// `mesh-dr:services` through the real engine against real kube-apiservers with the real CRDs and no
// control plane (the sandbox creates Mesh `default` as a global CP does): a stack deployed by the
// program before services upgrades with nothing replaced (docs/services.md, "Upgrading"); a
// deployed service next to one that already runs in a namespace of its owner, whose workload the
// stack never touches and whose namespace gets its injection label back on destroy; and bad
// service config refused before anything is sent. The steps build on one stack, in order.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAILOVER_POLICY_KINDS, HEALTH_CHECK_PATCH_SUFFIX } from "../../components/failover";
import {
    BILLING,
    ECHO_SERVICE as ECHO,
    Ops,
    PROJECT_FILES,
    Project,
    ROOT,
    SYSTEM_NS,
    Sandbox,
    Zone,
    deployExisting,
    eventually,
    failure,
    managedKindNames,
    tempRoot,
} from "./support";

/** The program on main right before `services` (the walkthrough's echo only). */
const BEFORE_SERVICES = "2ffa153";

const root = tempRoot();
const sandbox = new Sandbox(path.join(root, "sandbox"), 15443, { kuma: false });
const project = new Project(sandbox, root);
const CLUSTERS = ["global", "zone1", "zone2"];
const ZONES = ["zone1", "zone2"];
const TWO_ZONES: Zone[] = ZONES.map(name => ({ name }));
const MANAGED = "app.kubernetes.io/managed-by=mesh-dr";
const INJECTION = "kuma.io/sidecar-injection";
/** Every kind the program manages (all CRDs are on every sandbox cluster, so one list for all). */
const OUR_KINDS = [...managedKindNames("zone"), ...managedKindNames("global")].join(",");

async function up() {
    const ops = new Ops();
    const result = await (await project.open()).up({ onEvent: ops.onEvent });
    expect(result.summary.result).toBe("succeeded");
    return { ops, result };
}

async function preview(): Promise<Ops> {
    const ops = new Ops();
    await (await project.open()).preview({ onEvent: ops.onEvent });
    return ops;
}

/** Every step of a run that replaces or deletes, `same` included in what is looked at. */
function replacesOrDeletes(ops: Ops): string[] {
    return ops.events.flatMap(e => {
        const m = e.resourcePreEvent?.metadata;
        return m && /^(replace|create-replacement|delete|discard)/.test(m.op) ? [`${m.op} ${m.urn}`] : [];
    });
}

/** Writes a commit's program into the project copy, in place of the one there. */
function programAt(commit: string): void {
    const known = spawnSync("git", ["-C", ROOT, "cat-file", "-e", `${commit}^{commit}`]);
    if (known.status !== 0) {
        throw new Error(
            `commit ${commit} (the program before services) is not in the history of ${ROOT}: ` +
                "the upgrade case needs it; fetch the full history (git fetch --unshallow) and run again",
        );
    }
    for (const f of PROJECT_FILES) fs.rmSync(path.join(project.dir, f), { recursive: true, force: true });
    const tar = execFileSync("git", ["-C", ROOT, "archive", commit, ...PROJECT_FILES], { maxBuffer: 64 << 20 });
    execFileSync("tar", ["-x", "-C", project.dir], { input: tar });
}

/** Our objects (by label) on every cluster, `cluster Kind namespace/name` → uid. */
function ourObjects(): Map<string, string> {
    return new Map(
        CLUSTERS.flatMap(c =>
            sandbox
                .get(c, [OUR_KINDS, "-A", "-l", MANAGED])
                .items.map(
                    (o: any) =>
                        [`${c} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`, o.metadata.uid] as const,
                ),
        ),
    );
}

/** `kubectl get -o json` with managedFields (which kubectl leaves out unless asked). */
function withManagers(cluster: string, args: string[]): any {
    return JSON.parse(sandbox.kubectl(cluster, ["get", ...args, "-o", "json", "--show-managed-fields"]));
}

const managers = (o: any): string[] =>
    (o.metadata.managedFields ?? []).map((f: any) => `${f.manager} ${f.operation}`).sort();

/** The billing team's own objects in a zone, as they must stay: resourceVersion, spec, field managers. */
function billingWorkload(zone: string) {
    return ["deployment", "service"].map(kind => {
        const o = withManagers(zone, ["-n", BILLING.namespace, kind, BILLING.name]);
        return { kind, resourceVersion: o.metadata.resourceVersion, spec: o.spec, managers: managers(o) };
    });
}

beforeAll(() => {
    sandbox.run("up", ...CLUSTERS);
    project.configure(TWO_ZONES);
});

afterAll(() => {
    sandbox.run("down");
    fs.rmSync(root, { recursive: true, force: true });
});

describe("mesh-dr:services against real kube-apiservers", () => {
    it("a stack the program before services deployed upgrades with nothing replaced or deleted, only what docs/services.md announces", async () => {
        programAt(BEFORE_SERVICES);
        await up();
        // The control: the old program ran (no NetworkPolicy, an MMZS selecting by display name only).
        for (const zone of ZONES)
            expect(sandbox.get(zone, ["-n", "kong", "networkpolicy", "echo"]), zone).toBeUndefined();
        expect(
            sandbox.get("global", ["-n", SYSTEM_NS, "meshmultizoneservices.kuma.io", "echo"]).spec.selector.meshService
                .matchLabels,
        ).toEqual({ "kuma.io/display-name": "echo" });
        const before = ourObjects();

        project.copyProgram();
        const ops = await preview();
        expect(replacesOrDeletes(ops)).toEqual([]);
        expect(ops.changes()).toEqual(
            [
                ...ZONES.map(z => `create kubernetes:networking.k8s.io/v1:NetworkPolicy ${z}-echo`),
                ...ZONES.map(z => `update kubernetes:apps/v1:Deployment ${z}-echo`),
                "update kubernetes:kuma.io/v1alpha1:MeshMultiZoneService echo-mmzs",
                "update kubernetes:kuma.io/v1alpha1:MeshTrafficPermission echo-gateways-only",
            ].sort(),
        );

        const applied = await up();
        expect(replacesOrDeletes(applied.ops)).toEqual([]);
        // Every object the old program made is the same object (uid) after the upgrade; new: the NetworkPolicies only.
        const after = ourObjects();
        expect([...before].filter(([key, uid]) => after.get(key) !== uid).map(([key]) => key)).toEqual([]);
        expect([...after.keys()].filter(key => !before.has(key)).sort()).toEqual(
            ZONES.map(z => `${z} NetworkPolicy kong/echo`),
        );
        expect(
            sandbox.get("global", ["-n", SYSTEM_NS, "meshmultizoneservices.kuma.io", "echo"]).spec.selector.meshService
                .matchLabels,
        ).toEqual({ "kuma.io/display-name": "echo", "k8s.kuma.io/namespace": "kong" });
        expect((await preview()).changes()).toEqual([]);
    });

    it("two services, echo deployed and billing already running: every promised object, billing's workload untouched, its namespace given back on destroy", async () => {
        for (const zone of ZONES) deployExisting(sandbox, zone, BILLING);
        // The Deployment's controller (and kwok's pods) settle its status on their own clock: record it once it is still.
        const existing: Record<string, ReturnType<typeof billingWorkload>> = {};
        const namespaceLabels: Record<string, Record<string, string> | undefined> = {};
        for (const zone of ZONES) {
            ({ value: existing[zone] } = await eventually(
                `${zone}: billing's Deployment Available and settled`,
                async () => {
                    const dep = sandbox.get(zone, ["-n", BILLING.namespace, "deployment", BILLING.name]);
                    if (
                        dep.status?.conditions?.find((c: any) => c.type === "Available")?.status !== "True" ||
                        dep.status.observedGeneration !== dep.metadata.generation
                    )
                        return undefined;
                    const first = billingWorkload(zone);
                    await new Promise(r => setTimeout(r, 1000));
                    return JSON.stringify(billingWorkload(zone)) === JSON.stringify(first) ? first : undefined;
                },
            ));
            namespaceLabels[zone] = sandbox.get(zone, ["namespace", BILLING.namespace]).metadata.labels;
            expect(namespaceLabels[zone]?.[INJECTION], zone).toBeUndefined();
        }

        project.configure(TWO_ZONES, { services: [ECHO, BILLING] });
        // echo written as services[0] is the walkthrough's echo: all that changes is billing's.
        const planned = (await preview()).changes();
        expect(planned.length).toBeGreaterThan(0);
        for (const op of planned) expect(op).toMatch(/^create \S+ (zone\d-)?(billing|payments)(-|$)/);

        const { result } = await up();
        for (const zone of ZONES) {
            const bridge = sandbox.get(zone, ["-n", "kong", "service", "billing-mmzs-service"]);
            expect(bridge.spec, zone).toMatchObject({ type: "ExternalName", externalName: "billing.mzsvc.mesh.local" });
            expect(
                bridge.spec.ports.map((p: any) => p.port),
                zone,
            ).toEqual([BILLING.port]);
            const route = sandbox.get(zone, ["-n", "kong", "httproutes.gateway.networking.k8s.io", "billing"]);
            expect(route.spec.parentRefs[0], zone).toMatchObject({ kind: "Gateway", name: "kong" });
            expect(route.spec.rules, zone).toHaveLength(1);
            expect(route.spec.rules[0].matches, zone).toEqual([{ path: { type: "PathPrefix", value: "/billing" } }]);
            expect(route.spec.rules[0].backendRefs, zone).toMatchObject([
                { name: "billing-mmzs-service", port: BILLING.port },
            ]);
            expect(sandbox.get(zone, ["namespace", BILLING.namespace]).metadata.labels[INJECTION], zone).toBe(
                "enabled",
            );
            // echo's workload beside it, deployed as before (NetworkPolicy included).
            expect(sandbox.get(zone, ["-n", "kong", "deployment", "echo"]).spec.replicas, zone).toBe(2);
            expect(sandbox.get(zone, ["-n", "kong", "networkpolicy", "echo"]), zone).toBeDefined();
            // Nothing of billing's workload changed, and the program holds no field of it.
            expect(billingWorkload(zone), zone).toEqual(existing[zone]);
            for (const { managers: m } of existing[zone])
                expect(
                    m.filter(x => /pulumi/i.test(x)),
                    zone,
                ).toEqual([]);
            // The control for that: the program's field manager does show on the namespace it labelled.
            expect(
                managers(withManagers(zone, ["namespace", BILLING.namespace])).some(x => /pulumi/i.test(x)),
                zone,
            ).toBe(true);
        }

        const mmzs = sandbox.get("global", ["-n", SYSTEM_NS, "meshmultizoneservices.kuma.io", "billing"]);
        expect(mmzs.metadata.labels["kuma.io/mesh"]).toBe("default");
        expect(mmzs.spec).toEqual({
            selector: {
                meshService: {
                    matchLabels: { "kuma.io/display-name": "billing", "k8s.kuma.io/namespace": BILLING.namespace },
                },
            },
            ports: [{ port: BILLING.port, name: "http", appProtocol: "http" }],
        });
        const envoyCluster = "default_billing_kong-mesh-system__mzsvc_8080";
        const globalOfBilling = sandbox
            .get("global", [OUR_KINDS, "-n", SYSTEM_NS, "-l", MANAGED])
            .items.filter((o: any) => o.metadata.name.startsWith("billing"));
        expect(globalOfBilling.map((o: any) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
            [
                "MeshMultiZoneService/billing",
                "MeshTrafficPermission/billing-gateways-only",
                `MeshProxyPatch/billing-${HEALTH_CHECK_PATCH_SUFFIX}`,
                ...Object.entries(FAILOVER_POLICY_KINDS).map(([kind, suffix]) => `${kind}/billing-${suffix}`),
            ].sort(),
        );
        for (const o of globalOfBilling.filter((p: any) => Object.keys(FAILOVER_POLICY_KINDS).includes(p.kind))) {
            expect(o.spec.to[0].targetRef, o.kind).toEqual({
                kind: "MeshMultiZoneService",
                labels: { "kuma.io/display-name": "billing" },
            });
        }
        expect(JSON.stringify(globalOfBilling.find((o: any) => o.kind === "MeshProxyPatch").spec)).toContain(
            envoyCluster,
        );
        expect(globalOfBilling.find((o: any) => o.kind === "MeshTrafficPermission").spec.targetRef).toEqual({
            kind: "Dataplane",
            labels: { app: "billing", "k8s.kuma.io/namespace": BILLING.namespace },
        });

        expect(result.outputs.services.value.billing).toEqual({
            name: "billing",
            namespace: BILLING.namespace,
            hostname: "billing.mzsvc.mesh.local",
            port: BILLING.port,
            envoyCluster,
            routes: ["/billing"],
            deployed: false,
        });
        expect(result.outputs.services.value.echo).toMatchObject({
            namespace: "kong",
            hostname: "echo.mzsvc.mesh.local",
            deployed: true,
        });
        expect((await preview()).changes()).toEqual([]);

        const destroyed = await (await project.open()).destroy();
        expect(destroyed.summary.result).toBe("succeeded");
        expect([...ourObjects().keys()]).toEqual([]);
        for (const zone of ZONES) {
            expect(billingWorkload(zone), zone).toEqual(existing[zone]);
            // The namespace stays its team's, with the labels it had: the injection label given back.
            expect(sandbox.get(zone, ["namespace", BILLING.namespace]).metadata.labels, zone).toEqual(
                namespaceLabels[zone],
            );
        }
    });

    it("bad services config: up fails before anything is sent, naming the keys and the fix, no stack trace", async () => {
        const cases: [Record<string, unknown>, string][] = [
            [
                { services: [ECHO, { ...BILLING, routes: ["/billing", "/echo/"] }] },
                'mesh-dr:services[1].routes[1]: "/echo/" is claimed by service echo too. Fix: give each path prefix to one service',
            ],
            [
                { services: [ECHO, BILLING], echo: { replicas: 3 } },
                'mesh-dr:echo: {"replicas":3} sets the walkthrough echo, and services is set too. Fix: move it into services as {name: echo, ',
            ],
        ];
        for (const [extra, said] of cases) {
            project.configure(TWO_ZONES, extra);
            const ops = new Ops();
            const message = await failure(async () => (await project.open()).up({ onEvent: ops.onEvent }));
            expect(message).toContain(said);
            expect(message).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
            expect(ops.changes()).toEqual([]);
            expect([...ourObjects().keys()]).toEqual([]);
        }
    });
});
