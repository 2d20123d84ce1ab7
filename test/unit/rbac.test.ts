import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { RBAC_DIR, rbacYaml } from "../../scripts/rbac";
import { ClusterPart, deployerRbac, managedKinds } from "../../zones/rbac";
import { MINIMAL_CONFIG, Recorder, stackConfig } from "./harness";

const rec = new Recorder();

/** Runs the program under mocks; returns, per cluster part, the `apiVersion kind` of every Kubernetes object it registered. */
async function registeredKinds(raw: Record<string, unknown>, secretKeys: string[] = []) {
    rec.install();
    pulumi.runtime.setAllConfig(stackConfig(raw), secretKeys);
    const { loadConfig } = await import("../../zones/config");
    const { deployStack } = await import("../../zones");
    const config = loadConfig();
    const stack = deployStack(config);
    await rec.settle();
    const kinds: Record<ClusterPart, Set<string>> = { zone: new Set(), global: new Set() };
    for (const r of rec.resources.filter(
        r => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"),
    )) {
        kinds[rec.providerName(r) === "global" ? "global" : "zone"].add(`${r.inputs.apiVersion} ${r.inputs.kind}`);
    }
    return { kinds, config, stack };
}

const declared = (part: ClusterPart, raw: Record<string, unknown>) => {
    const mesh = { name: "default", manage: "patch", ...(raw.mesh as object) } as {
        name: string;
        manage: "create" | "patch" | "none";
    };
    return new Set(
        managedKinds(part, {
            meshName: mesh.name,
            meshManage: mesh.manage,
            gatewayClassName: "kong",
            systemNamespace: "kong-mesh-system",
            labelledNamespaces: [],
        }).map(k => `${k.apiVersion} ${k.kind}`),
    );
};

describe("the deploy identity's RBAC", () => {
    for (const manage of ["patch", "create", "none"]) {
        it(`covers exactly the kinds the program registers, per cluster part (mesh.manage ${manage})`, async () => {
            const raw = { ...MINIMAL_CONFIG, mesh: { manage } };
            const { kinds } = await registeredKinds(raw);
            expect(kinds.zone).toEqual(declared("zone", raw));
            expect(kinds.global).toEqual(declared("global", raw));
        });
    }

    it("with an API global control plane: the zones' part only, and no Kubernetes object off the zones", async () => {
        const raw = { ...MINIMAL_CONFIG, global: { api: { url: "https://cp.example.com:5682", token: "t" } } };
        const { kinds, stack } = await registeredKinds(raw, ["mesh-dr:global"]);
        expect(kinds.zone).toEqual(declared("zone", raw));
        expect(kinds.global).toEqual(new Set());
        expect(stack.deployerRbac.global).toEqual([]);
        expect(stack.deployerRbac.zone.length).toBeGreaterThan(0);
    }, 60_000); // serializing the dynamic provider takes seconds of CPU

    it("covers what the program registers with failover and the traffic permission off (no new RBAC to turn them on)", async () => {
        const raw = { ...MINIMAL_CONFIG, failover: { enabled: false }, gatewaysOnly: false };
        const { kinds } = await registeredKinds(raw);
        for (const part of ["zone", "global"] as const) {
            expect([...kinds[part]].filter(k => !declared(part, raw).has(k))).toEqual([]);
        }
        expect(kinds.global.size).toBeLessThan(declared("global", raw).size);
    });

    it("is a stack output built from the stack's own settings", async () => {
        const raw = {
            ...MINIMAL_CONFIG,
            mesh: { name: "payments", manage: "create" },
            global: { context: "g", systemNamespace: "kuma-system" },
            gateway: { className: "kong-dr" },
        };
        const { stack } = await registeredKinds(raw);
        const settings = {
            meshName: "payments",
            meshManage: "create" as const,
            gatewayClassName: "kong-dr",
            systemNamespace: "kuma-system",
            labelledNamespaces: [],
        };
        expect(stack.deployerRbac).toEqual({
            zone: deployerRbac("zone", settings),
            global: deployerRbac("global", settings),
        });
        const role: any = stack.deployerRbac.global.find((o: any) => o.kind === "Role");
        expect(role.metadata.namespace).toBe("kuma-system");
        const cluster: any = stack.deployerRbac.zone.find((o: any) => o.kind === "ClusterRole");
        expect(cluster.rules).toContainEqual({
            apiGroups: ["gateway.networking.k8s.io"],
            resources: ["gatewayclasses"],
            verbs: ["get", "patch", "delete"],
            resourceNames: ["kong-dr"],
        });
    });

    it("never grants update, nor create or delete of an adopted Mesh, nor any kind beyond ours and the provider's reads", () => {
        const settings = {
            meshName: "default",
            meshManage: "patch" as const,
            gatewayClassName: "kong",
            systemNamespace: "kong-mesh-system",
            labelledNamespaces: ["finance"],
        };
        const rules = (["zone", "global"] as const)
            .flatMap(p => deployerRbac(p, settings))
            .flatMap((o: any) => o.rules ?? []) as {
            apiGroups: string[];
            resources: string[];
            verbs: string[];
            resourceNames?: string[];
        }[];
        expect(rules.flatMap(r => r.verbs)).not.toContain("update");
        expect(rules.flatMap(r => r.verbs)).not.toContain("*");
        const meshRules = rules.filter(r => r.resources.includes("meshes"));
        expect(meshRules.flatMap(r => r.verbs).sort()).toEqual(["get", "list", "patch", "watch"]);
        const writable = new Set(
            rules.filter(r => r.verbs.includes("create") || r.verbs.includes("patch")).flatMap(r => r.resources),
        );
        const ours = new Set(
            (["zone", "global"] as const).flatMap(p => managedKinds(p, settings).map(k => k.resource)),
        );
        expect([...writable].filter(r => !ours.has(r))).toEqual([]);
        expect([...new Set(rules.flatMap(r => r.resources))].filter(r => !ours.has(r)).sort()).toEqual([
            "endpoints",
            "events",
            "persistentvolumeclaims",
            "pods",
            "replicasets",
        ]);
    });

    it("lets the deploy identity label the services' namespaces it did not create, and never create or delete them", async () => {
        const services = [
            { name: "api", port: 80, namespace: "payments", workload: { image: "example/api:1.0" } },
            { name: "ledger", port: 8080, namespace: "finance", gatewaysOnly: false },
            { name: "web", port: 80, gatewaysOnly: false },
        ];
        const { kinds, stack } = await registeredKinds({ ...MINIMAL_CONFIG, services });
        expect(kinds.zone).toEqual(declared("zone", {}));
        const role: any = stack.deployerRbac.zone.find((o: any) => o.kind === "ClusterRole");
        const namespaceRules = role.rules.filter((r: any) => r.resources.includes("namespaces"));
        expect(namespaceRules).toEqual([
            { apiGroups: [""], resources: ["namespaces"], verbs: ["create", "list", "watch"] },
            { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "patch", "delete"], resourceNames: ["kong"] },
            {
                apiGroups: [""],
                resources: ["namespaces"],
                verbs: ["get", "patch"],
                resourceNames: ["finance", "payments"],
            },
        ]);
    });

    it("is committed as generated: rbac/zone.yaml and rbac/global.yaml (npm run rbac)", () => {
        for (const part of ["zone", "global"] as const) {
            expect(
                fs.readFileSync(path.join(RBAC_DIR, `${part}.yaml`), "utf8"),
                `rbac/${part}.yaml: run npm run rbac`,
            ).toBe(rbacYaml(part));
        }
    });
});
