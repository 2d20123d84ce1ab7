// The API global control plane, against a local server that speaks Kuma's API: the request
// shapes (Konnect's path prefix, Bearer token, Kuma's resource format), what the provider does
// with each call, the preflight's problems, and the program's registrations in API mode.
import * as pulumi from "@pulumi/pulumi";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { kumaApiProvider, ourView, sameJson } from "../../components/kuma-api";
import { ConfigError, parseConfig } from "../../zones/config";
import { apiProblems } from "../../zones/global";
import { FakeKumaApi } from "./kuma-api-server";
import { MINIMAL_CONFIG, Recorder, stackConfig } from "./harness";

const TOKEN = "kpat_0123456789";
const KONNECT_PREFIX = "/v1/mesh/control-planes/4f2d7c1e/api";
const api = new FakeKumaApi(TOKEN, KONNECT_PREFIX);
let url = "";
beforeAll(async () => {
    url = await api.start();
});
afterAll(() => api.stop());
beforeEach(() => {
    api.objects.clear();
    api.requests.length = 0;
});

/** The provider as the engine runs it: configured from the stack's `mesh-dr:global`. */
async function provider(global: unknown = { api: { url, token: TOKEN } }) {
    const p = kumaApiProvider();
    await p.configure!({
        config: {
            get: (k: string) => (k === "mesh-dr:global" ? JSON.stringify(global) : undefined),
            require: () => "",
        },
    });
    return p;
}

const MMZS_PATH = "meshes/default/meshmultizoneservices/echo";
const MMZS = {
    path: MMZS_PATH,
    adopt: false,
    body: {
        type: "MeshMultiZoneService",
        name: "echo",
        mesh: "default",
        labels: { "app.kubernetes.io/managed-by": "mesh-dr" },
        spec: {
            selector: { meshService: { matchLabels: { "kuma.io/display-name": "echo" } } },
            ports: [{ port: 1027, name: "http", appProtocol: "http" }],
        },
    },
};

describe("KumaApiObject's provider", () => {
    it("creates an object with one PUT in Kuma's format, under the API's own path, with the token", async () => {
        const p = await provider();
        const { id } = await p.create!(MMZS);
        expect(id).toBe(MMZS_PATH);
        const puts = api.requests.filter(r => r.method === "PUT");
        expect(puts).toEqual([
            {
                method: "PUT",
                path: `${KONNECT_PREFIX}/${MMZS_PATH}`,
                authorization: `Bearer ${TOKEN}`,
                body: MMZS.body,
            },
        ]);
        expect(api.requests.every(r => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    });

    it("reads back only what it manages (Kuma's labels and timestamps are no drift), and sees a change made by hand", async () => {
        const p = await provider();
        await p.create!(MMZS);
        const same = await p.read!(MMZS_PATH, MMZS);
        expect(same.props!.body).toEqual(MMZS.body);
        expect((await p.diff!(MMZS_PATH, same.props!, MMZS)).changes).toBe(false);

        api.objects.get(MMZS_PATH).spec.ports[0].port = 9999;
        const drifted = await p.read!(MMZS_PATH, MMZS);
        expect(drifted.props!.body.spec.ports[0].port).toBe(9999);
        const diff = await p.diff!(MMZS_PATH, drifted.props!, MMZS);
        expect(diff).toMatchObject({ changes: true, replaces: [] });
        const updated = await p.update!(MMZS_PATH, drifted.props!, MMZS);
        expect(api.objects.get(MMZS_PATH).spec.ports[0].port).toBe(1027);
        // What the provider returns goes to the engine as a protobuf Struct, which refuses `undefined`.
        for (const r of [
            updated.outs,
            drifted.props,
            (await p.create!({ ...MMZS, path: "meshes/default/meshmultizoneservices/b" })).outs,
        ]) {
            expect(() => Struct.fromJavaScript(r as any)).not.toThrow();
        }
    });

    it("replaces an object whose path changes, and refresh drops one deleted by hand", async () => {
        const p = await provider();
        const moved = { ...MMZS, path: "meshes/other/meshmultizoneservices/echo" };
        expect(await p.diff!(MMZS_PATH, MMZS, moved)).toMatchObject({
            changes: true,
            replaces: ["path"],
            deleteBeforeReplace: true,
        });
        expect(await p.read!(MMZS_PATH, MMZS)).toEqual({});
    });

    it("imports by path: the live object, less what the control plane adds, becomes the state", async () => {
        const p = await provider();
        api.objects.set(MMZS_PATH, {
            ...MMZS.body,
            labels: { ...MMZS.body.labels, "kuma.io/origin": "global" },
            creationTime: "t",
            modificationTime: "t",
        });
        const imported = await p.read!(MMZS_PATH, undefined);
        expect(imported).toEqual({
            id: MMZS_PATH,
            props: {
                adopt: false,
                path: MMZS_PATH,
                body: { ...MMZS.body, labels: { ...MMZS.body.labels, "kuma.io/origin": "global" } },
            },
        });
        // With the program's own inputs (the `import` option), only our labels count.
        expect((await p.read!(MMZS_PATH, MMZS)).props).toEqual(MMZS);
    });

    it("refuses to create over an object that is not the stack's", async () => {
        const p = await provider();
        api.objects.set(MMZS_PATH, { ...MMZS.body });
        await expect(p.create!(MMZS)).rejects.toThrow(
            `${MMZS_PATH} already exists on the global control plane at ${url}`,
        );
    });

    it("deletes its object, and nothing else", async () => {
        const p = await provider();
        await p.create!(MMZS);
        api.objects.set("meshes/default/meshmultizoneservices/theirs", { type: "MeshMultiZoneService" });
        await p.delete!(MMZS_PATH, MMZS);
        expect([...api.objects.keys()]).toEqual(["meshes/default/meshmultizoneservices/theirs"]);
    });

    it("adopts a Mesh: sets only our fields, keeps the others, and gives them back on delete", async () => {
        const p = await provider();
        api.objects.set("meshes/default", {
            type: "Mesh",
            name: "default",
            skipCreatingInitialPolicies: ["*"],
            meshServices: { mode: "Disabled" },
            creationTime: "2026-12-01T00:00:00Z",
        });
        const mesh = {
            path: "meshes/default",
            adopt: true,
            body: {
                type: "Mesh",
                name: "default",
                mtls: { enabledBackend: "ca-1", backends: [{ name: "ca-1", type: "builtin" }] },
                meshServices: { mode: "Exclusive" },
            },
        };
        const outs = (await p.create!(mesh)).outs!;
        expect(api.objects.get("meshes/default")).toMatchObject({ skipCreatingInitialPolicies: ["*"], ...mesh.body });
        expect(outs.original).toEqual({ type: "Mesh", name: "default", meshServices: { mode: "Disabled" } });
        await p.delete!("meshes/default", outs);
        const back = api.objects.get("meshes/default");
        expect(back).toMatchObject({
            type: "Mesh",
            name: "default",
            skipCreatingInitialPolicies: ["*"],
            meshServices: { mode: "Disabled" },
        });
        expect(back).not.toHaveProperty("mtls");
    });

    it("says which config key is missing when the stack no longer names the API", async () => {
        const p = await provider({ context: "global" });
        await expect(p.delete!(MMZS_PATH, MMZS)).rejects.toThrow(
            "mesh-dr:global.api is not set in this stack's config",
        );
    });

    it("names the URL and the control plane's answer when a call is refused", async () => {
        const p = await provider({ api: { url, token: "wrong" } });
        await expect(p.create!(MMZS)).rejects.toThrow(
            `GET ${url}/${MMZS_PATH}: 401 Unauthenticated: Invalid authentication data`,
        );
    });

    it("compares JSON regardless of key order and keeps only our labels", () => {
        expect(sameJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
        expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
        expect(
            ourView(
                { type: "X", labels: { ours: "1", "kuma.io/origin": "global" }, creationTime: "t" },
                { type: "X", labels: { ours: "1" } },
            ),
        ).toEqual({ type: "X", labels: { ours: "1" } });
    });
});

describe("the preflight of an API global control plane", () => {
    const mesh = {
        name: "default",
        manage: "patch" as const,
        meshServicesMode: "Exclusive" as const,
        zoneEgress: false,
    };
    const problems = (a: { url: string; token?: string }, m = mesh) =>
        apiProblems({ kind: "api", api: a }, m).then(ps => ps.map(p => `${p.key}: ${p.message}`));

    it("passes when the API answers, takes the token and has the adopted Mesh", async () => {
        api.objects.set("meshes/default", { type: "Mesh", name: "default" });
        expect(await problems({ url, token: TOKEN })).toEqual([]);
    });

    it("names global.api.token, never its value, when the token is refused", async () => {
        const ps = await apiProblems({ kind: "api", api: { url, token: "wrong" } }, mesh);
        expect(ps).toHaveLength(1);
        expect(ps[0]).toMatchObject({ key: "mesh-dr:global.api.token", value: "<token>" });
        expect(ps[0].message).toContain("401 Unauthenticated");
        expect(JSON.stringify(ps)).not.toContain("wrong");
    });

    it("names global.api.url when nothing answers there", async () => {
        const closed = new FakeKumaApi(TOKEN);
        const gone = await closed.start();
        await closed.stop();
        expect(await problems({ url: gone, token: TOKEN })).toEqual([
            expect.stringMatching(/^mesh-dr:global\.api\.url: cannot be reached \(GET .*ECONNREFUSED/),
        ]);
    });

    it("names mesh.manage when the Mesh to adopt does not exist", async () => {
        expect(await problems({ url, token: TOKEN })).toEqual([
            `mesh-dr:mesh.manage: adopts Mesh default, which the global control plane at ${url} does not have`,
        ]);
        expect(await problems({ url, token: TOKEN }, { ...mesh, manage: "create" as never })).toEqual([]);
    });
});

describe("global.api in the stack config", () => {
    const withApi =
        (global: unknown, secret = ["global"]) =>
        () =>
            parseConfig({ ...MINIMAL_CONFIG, global }, new Set(secret));
    const problemsOf = (f: () => unknown) => {
        try {
            f();
            return [];
        } catch (e) {
            return (e as ConfigError).problems;
        }
    };

    it("takes url, token and caCert, and adds no cluster", () => {
        const config = withApi({
            api: { url: "https://cp.example.com:5682", token: TOKEN, caCert: "/etc/kuma/ca.crt" },
        })();
        expect(config.global).toEqual({
            kind: "api",
            api: { url: "https://cp.example.com:5682", token: TOKEN, caCert: "/etc/kuma/ca.crt" },
        });
    });

    it("wants the token stored as a secret, and never prints it", () => {
        const ps = problemsOf(withApi({ api: { url: "https://cp.example.com", token: TOKEN } }, []));
        expect(ps).toEqual([
            'mesh-dr:global.api.token: "<token>" holds a token in plain text. Fix: store it as a secret: ' +
                "pulumi config set --secret --path 'global.api.token' <token>",
        ]);
    });

    it("rejects a cluster and an API at once, a missing or bad URL and unknown keys, all together (values under the secret key hidden)", () => {
        expect(problemsOf(withApi({ context: "global", api: { url: "cp.example.com", tokn: "x" } }))).toEqual([
            "mesh-dr:global: [secret] sets a cluster's keys as well as api: a global control plane is either on a Kubernetes " +
                "cluster or reached through its API. Fix: keep api (Universal, Konnect) or context (Kubernetes), not both",
            "mesh-dr:global.api.tokn: [secret] is not a known setting. Fix: remove it, or use one of url, token, caCert (see docs/configuration.md)",
            "mesh-dr:global.api.url: [secret] is not an http(s) URL. Fix: set the API's base URL, e.g. https://kuma-global.example.com:5682 " +
                "or Konnect's https://<region>.api.konghq.com/v1/mesh/control-planes/<id>/api",
        ]);
        expect(problemsOf(withApi({ api: {} }))).toEqual([
            "mesh-dr:global.api.url: (missing) is required. Fix: set the global control plane's API URL, e.g. https://kuma-global.example.com:5682",
        ]);
    });
});

describe("the program with an API global control plane", () => {
    const rec = new Recorder();

    it("hands every global object to the API, with no global cluster, under the same names", async () => {
        rec.install();
        pulumi.runtime.setAllConfig(stackConfig({ ...MINIMAL_CONFIG, global: { api: { url, token: TOKEN } } }), [
            "mesh-dr:global",
        ]);
        const { loadConfig } = await import("../../zones/config");
        const { deployStack } = await import("../../zones");
        const stack = deployStack(loadConfig());
        await rec.settle();
        const objects = rec.ofType("pulumi-nodejs:dynamic/mesh-dr:KumaApiObject");
        expect(objects.map(o => `${o.name} ${o.inputs.path}`).sort()).toEqual([
            "default-mesh meshes/default",
            "echo-circuit-breaker meshes/default/meshcircuitbreakers/echo-circuit-breaker",
            "echo-gateways-only meshes/default/meshtrafficpermissions/echo-gateways-only",
            "echo-health-check meshes/default/meshhealthchecks/echo-health-check",
            "echo-load-balancing meshes/default/meshloadbalancingstrategies/echo-load-balancing",
            "echo-mmzs meshes/default/meshmultizoneservices/echo",
            "echo-mmzs-health-check meshes/default/meshproxypatches/echo-mmzs-health-check",
            "echo-retry meshes/default/meshretries/echo-retry",
            "echo-timeout meshes/default/meshtimeouts/echo-timeout",
        ]);
        expect(rec.resources.filter(r => r.type.startsWith("kubernetes:kuma.io/"))).toEqual([]);
        expect(
            rec
                .ofType("pulumi:providers:kubernetes")
                .map(p => p.name)
                .sort(),
        ).toEqual(["zone1", "zone2"]);
        // The token travels in no resource's inputs: the provider reads it from the stack config.
        expect(JSON.stringify(rec.resources.map(r => r.inputs))).not.toContain(TOKEN);
        expect(stack.globalControlPlane).toEqual({ kind: "api", url, mesh: "default" });
    }, 60_000); // serializing the dynamic provider takes seconds of CPU
});
