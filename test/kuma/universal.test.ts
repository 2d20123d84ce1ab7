// A Universal global control plane (kuma-cp in Universal mode, memory store, reached only through
// its HTTPS API with a user token) with the zone CPs of two Kubernetes zones connected over KDS.
// The stack starts on a Kubernetes global (the sandbox's `global` cluster), is moved to the API
// global, and is then driven through its life there: converge, read back with kumactl, the DR
// tool's status, no-op, one-setting update, drift made by hand, destroy. The steps build on each
// other, in order.
import * as fs from "node:fs";
import * as path from "node:path";
import { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_DATAPLANE } from "../../dr/kuma";
import {
    Ops,
    Project,
    Sandbox,
    Zone,
    drStatusReady,
    eventually,
    failure,
    mmzsStatusListsZones,
    tempRoot,
} from "../e2e/support";

const root = tempRoot();
const sandbox = new Sandbox(path.join(root, "sandbox"), 25443, { globalMode: "universal" });
const project = new Project(sandbox, root);
const ZONES: Zone[] = [{ name: "zone1" }, { name: "zone2" }];
const MESH = "default";
const API_OBJECT = "pulumi-nodejs:dynamic/mesh-dr:KumaApiObject";
const OUR_LABEL = "app.kubernetes.io/managed-by=mesh-dr";
/** Every global object, by its Pulumi name, and where it is on the API. */
const GLOBAL_OBJECTS: Record<string, { kind: string; collection: string; name: string }> = {
    "echo-mmzs": { kind: "MeshMultiZoneService", collection: "meshmultizoneservices", name: "echo" },
    "echo-health-check": { kind: "MeshHealthCheck", collection: "meshhealthchecks", name: "echo-health-check" },
    "echo-circuit-breaker": {
        kind: "MeshCircuitBreaker",
        collection: "meshcircuitbreakers",
        name: "echo-circuit-breaker",
    },
    "echo-retry": { kind: "MeshRetry", collection: "meshretries", name: "echo-retry" },
    "echo-timeout": { kind: "MeshTimeout", collection: "meshtimeouts", name: "echo-timeout" },
    "echo-load-balancing": {
        kind: "MeshLoadBalancingStrategy",
        collection: "meshloadbalancingstrategies",
        name: "echo-load-balancing",
    },
    "echo-mmzs-health-check": {
        kind: "MeshProxyPatch",
        collection: "meshproxypatches",
        name: "echo-mmzs-health-check",
    },
    "echo-gateways-only": {
        kind: "MeshTrafficPermission",
        collection: "meshtrafficpermissions",
        name: "echo-gateways-only",
    },
};

/** Writes the stack file, then the API global as a secret (token included). */
async function onApiGlobal(extra: Record<string, unknown> = {}, api = sandbox.globalApi()) {
    project.configure(ZONES, extra);
    await project.setSecret("global", { api });
}

/** One engine operation, with the events it reported. */
async function run<K extends "preview" | "up" | "refresh" | "destroy">(
    op: K,
): Promise<{ ops: Ops; result: Awaited<ReturnType<Stack[K]>> }> {
    const ops = new Ops();
    const stack = await project.open();
    const result = await (stack[op] as (o: object) => Promise<Awaited<ReturnType<Stack[K]>>>).call(stack, {
        onEvent: ops.onEvent,
    });
    return { ops, result };
}

/** Objects of one collection on the Universal CP, as kumactl lists them. */
function onApi(collection: string): any[] {
    return JSON.parse(sandbox.kumactl("global", ["get", collection, "--mesh", MESH, "-o", "json"])).items;
}

/** An object as the Universal CP has it; undefined when it has none. */
function kumactlGet(collection: string, name: string): any {
    return onApi(collection).find(o => o.name === name);
}

/** Our objects of one collection on the Universal CP, by name. */
function oursOnApi(collection: string): string[] {
    return onApi(collection)
        .filter(o => o.labels?.["app.kubernetes.io/managed-by"] === "mesh-dr")
        .map(o => o.name)
        .sort();
}

/** Our custom resources still on the Kubernetes global cluster, as `Kind/name`. */
function oursOnGlobalCluster(): string[] {
    const kinds = [...new Set(Object.values(GLOBAL_OBJECTS).map(o => `${o.collection}.kuma.io`))].join(",");
    return sandbox
        .get("global", [kinds, "-A", "-l", OUR_LABEL])
        .items.map((o: any) => `${o.kind}/${o.metadata.name}`)
        .sort();
}

beforeAll(() => {
    sandbox.run("up", "global", "zone1", "zone2");
    // The `global` cluster stands for a Kubernetes global CP's cluster: its Mesh, as that CP makes it.
    sandbox.kubectl(
        "global",
        ["apply", "-f", "-"],
        `{"apiVersion": "kuma.io/v1alpha1", "kind": "Mesh", "metadata": {"name": "${MESH}"}}`,
    );
    project.configure(ZONES);
});

afterAll(() => {
    sandbox.run("down");
    fs.rmSync(root, { recursive: true, force: true });
});

describe("a Universal global control plane, through Kuma's API", () => {
    it("starts from a stack on a Kubernetes global: its objects are custom resources on that cluster", async () => {
        const { result } = await run("up");
        expect(result.summary.result).toBe("succeeded");
        expect(oursOnGlobalCluster()).toHaveLength(Object.keys(GLOBAL_OBJECTS).length);
        expect(sandbox.get("global", ["meshes.kuma.io", MESH]).spec.mtls.enabledBackend).toBe("ca-1");
    });

    it("a wrong token or an unreachable URL fails naming the key, before anything changes", async () => {
        await onApiGlobal({}, { ...sandbox.globalApi(), token: "not-a-token" });
        const refused = new Ops();
        const message = await failure(async () => (await project.open()).up({ onEvent: refused.onEvent }));
        expect(message).toContain(
            `mesh-dr:global.api.token: "<token>" is refused by the global control plane (GET ${sandbox.globalApi().url}/meshes: 401`,
        );
        expect(message).toContain("Fix: set a valid token");
        expect(message).not.toContain("not-a-token");
        expect(refused.changes()).toEqual([]);

        await onApiGlobal({}, { ...sandbox.globalApi(), url: "https://127.0.0.1:25400" });
        const unreachable = new Ops();
        const said = await failure(async () => (await project.open()).up({ onEvent: unreachable.onEvent }));
        expect(said).toContain(
            'mesh-dr:global.api.url: "https://127.0.0.1:25400" cannot be reached (GET https://127.0.0.1:25400/meshes: connect ECONNREFUSED',
        );
        expect(unreachable.changes()).toEqual([]);
        // Nothing moved: the objects are still on the Kubernetes global, none on the API.
        expect(oursOnGlobalCluster()).toHaveLength(Object.keys(GLOBAL_OBJECTS).length);
        expect(oursOnApi("meshmultizoneservices")).toEqual([]);
    });

    it("moving to the API global: the preview creates the same names there and deletes them from the cluster; up does it", async () => {
        await onApiGlobal();
        const names = ["default-mesh", ...Object.keys(GLOBAL_OBJECTS)].sort();
        const { ops } = await run("preview");
        const changes = ops.changes();
        // The dynamic provider's plugin is a provider of its own, created once.
        expect(changes.filter(c => c.startsWith("create "))).toEqual([
            ...names.map(n => `create ${API_OBJECT} ${n}`),
            "create pulumi:providers:pulumi-nodejs default",
        ]);
        const deleted = changes.filter(c => c.startsWith("delete "));
        expect(deleted.map(c => c.split(" ").pop()).sort()).toEqual([...names, "global"].sort());
        expect(
            deleted.filter(
                c => !c.includes(" kubernetes:kuma.io/v1alpha1:") && !c.includes("pulumi:providers:kubernetes"),
            ),
        ).toEqual([]);
        // The zones keep their objects: the MMZS hostname is the same on either kind of global.
        expect(changes.filter(c => !c.startsWith("create ") && !c.startsWith("delete "))).toEqual([]);

        const { result } = await run("up");
        expect(result.summary.result).toBe("succeeded");
        expect(oursOnGlobalCluster()).toEqual([]);
        // The old global's Mesh is the CP's again: only our fields were taken away.
        expect(sandbox.get("global", ["meshes.kuma.io", MESH]).spec?.mtls).toBeUndefined();
        expect(result.outputs.globalControlPlane.value).toEqual({
            kind: "api",
            url: sandbox.globalApi().url,
            mesh: MESH,
        });
    });

    it("kumactl reads every object back from the Universal CP, in Kuma's format, and the token is nowhere in the state", () => {
        for (const o of Object.values(GLOBAL_OBJECTS)) {
            expect(oursOnApi(o.collection), o.kind).toEqual([o.name]);
        }
        const mmzs = kumactlGet("meshmultizoneservices", "echo");
        expect(mmzs).toMatchObject({ type: "MeshMultiZoneService", name: "echo", mesh: MESH });
        expect(mmzs.spec).toEqual({
            selector: {
                meshService: { matchLabels: { "kuma.io/display-name": "echo", "k8s.kuma.io/namespace": "kong" } },
            },
            ports: [{ port: 1027, name: "http", appProtocol: "http" }],
        });
        const mesh = JSON.parse(sandbox.kumactl("global", ["get", "mesh", MESH, "-o", "json"]));
        expect(mesh.mtls).toEqual({ enabledBackend: "ca-1", backends: [{ name: "ca-1", type: "builtin" }] });
        expect(mesh.meshServices).toEqual({ mode: "Exclusive" });
        expect(project.storedState()).not.toContain(sandbox.globalApi().token);
    });

    it("the zone CPs get the MMZS over KDS, and its status on each lists both zones' echo", async () => {
        await mmzsStatusListsZones(sandbox, ["zone1", "zone2"]);
    });

    it("the gateway's MMZS cluster has the name the stack exports, with the patched-in health check", async () => {
        sandbox.run("gateway", "zone1");
        const expected = (await (await project.open()).outputs()).multiZoneService.value.envoyCluster;
        const cluster = await eventually("zone1 gateway's MMZS cluster with its health check", async () => {
            const xds = await sandbox.controlPlane("zone1").proxyConfig(MESH, GATEWAY_DATAPLANE);
            // Read by the exported name: a gateway with it has the cluster the stack says.
            return xds.cluster(expected)?.healthChecks ? { name: expected, ...xds.cluster(expected) } : undefined;
        });
        expect(cluster.value.healthChecks).toHaveLength(1);
    });

    it("the DR tool reads the stack's global control plane through the same API, with the stack's token: every zone ready", async () => {
        sandbox.run("gateway", "zone2");
        const report = await drStatusReady(project);
        // Asked of the Universal global CP's API: each zone CP's connection.
        for (const z of report.zones)
            expect(z.checks.find(c => c.name === "zone CP")!.detail, z.zone).toBe("connected to the global CP");
    });

    it("a second up changes nothing; one setting is one update, on that object only", async () => {
        await onApiGlobal();
        expect((await run("preview")).ops.changes()).toEqual([]);

        // Pulumi hands a dynamic provider the whole stack config, so its own record changes with any
        // setting: one object update, plus that bookkeeping update of the provider (no API call).
        const oneUpdate = [
            `update ${API_OBJECT} echo-circuit-breaker`,
            "update pulumi:providers:pulumi-nodejs default",
        ];
        await onApiGlobal({ failover: { circuitBreaker: { consecutiveFailures: 7 } } });
        expect((await run("preview")).ops.changes()).toEqual(oneUpdate);
        const { ops } = await run("up");
        expect(ops.changes()).toEqual(oneUpdate);
        const cb = kumactlGet("meshcircuitbreakers", "echo-circuit-breaker");
        expect(cb.spec.to[0].default.outlierDetection.detectors.totalFailures.consecutive).toBe(7);
    });

    it("refresh finds a change made by hand with kumactl, and up puts it back", async () => {
        const retry = kumactlGet("meshretries", "echo-retry");
        retry.spec.to[0].default.http.numRetries = 9;
        delete retry.creationTime;
        delete retry.modificationTime;
        sandbox.kumactl("global", ["apply", "-f", "-"], JSON.stringify(retry));
        expect(kumactlGet("meshretries", "echo-retry").spec.to[0].default.http.numRetries).toBe(9);

        await run("refresh");
        expect((await run("preview")).ops.changes()).toEqual([`update ${API_OBJECT} echo-retry`]);
        await run("up");
        expect(kumactlGet("meshretries", "echo-retry").spec.to[0].default.http.numRetries).toBe(3);
    });

    it("destroy removes exactly ours: another team's policy and the control plane's Mesh stay", async () => {
        sandbox.kumactl(
            "global",
            ["apply", "-f", "-"],
            JSON.stringify({
                type: "MeshTimeout",
                name: "theirs",
                mesh: MESH,
                spec: {
                    targetRef: { kind: "Mesh" },
                    to: [{ targetRef: { kind: "Mesh" }, default: { connectionTimeout: "3s" } }],
                },
            }),
        );
        const { result } = await run("destroy");
        expect(result.summary.result).toBe("succeeded");
        for (const o of Object.values(GLOBAL_OBJECTS)) expect(oursOnApi(o.collection), o.kind).toEqual([]);
        expect(kumactlGet("meshtimeouts", "theirs")).toBeDefined();
        const mesh = JSON.parse(sandbox.kumactl("global", ["get", "mesh", MESH, "-o", "json"]));
        expect(mesh.mtls).toBeUndefined();
        expect(mesh.meshServices).toBeUndefined();
    });
});
