// kube-score (the Kubernetes object linter, built by scripts/toolchain.sh) on the workloads
// mesh-dr deploys, as the program renders them under mocks: no CRITICAL finding but the one
// docs/services.md explains (a pinned image is pulled IfNotPresent, not Always); an unpinned image
// (the user's choice) adds kube-score's own finding on its tag.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { MINIMAL_CONFIG, Recorder, runProgram } from "../unit/harness";

const ROOT = path.resolve(__dirname, "../..");
const KUBE_SCORE = path.join(ROOT, ".toolchain", "bin", "kube-score");
const CRITICAL = 1;

/** The Kubernetes version the sandbox runs (scripts/toolchain.sh's K8S_VERSION), as kube-score takes it. */
const K8S_MINOR = /^K8S_VERSION=v(\d+\.\d+)\./m.exec(
    fs.readFileSync(path.join(ROOT, "scripts/toolchain.sh"), "utf8"),
)![1];

interface Finding {
    object: string;
    check: string;
}

/** The CRITICAL findings of kube-score on these objects, sorted (kube-score's order varies). */
function criticals(objects: object[]): Finding[] {
    expect(
        fs.existsSync(KUBE_SCORE),
        `kube-score is missing at ${path.relative(ROOT, KUBE_SCORE)}: run \`npm run toolchain -- kube-score\` to build it, as \`npm run test:unit\` does (this test never skips)`,
    ).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-score-"));
    try {
        const file = path.join(dir, "objects.yaml");
        fs.writeFileSync(file, objects.map(o => stringify(o)).join("---\n"));
        const r = spawnSync(KUBE_SCORE, ["score", "--kubernetes-version", `v${K8S_MINOR}`, "-o", "json", file], {
            encoding: "utf8",
            timeout: 30_000,
        });
        expect(r.error, `could not run ${KUBE_SCORE}`).toBeUndefined();
        // kube-score exits 1 when it finds a CRITICAL; its JSON is the verdict either way.
        expect(r.stderr).toBe("");
        const scored = JSON.parse(r.stdout) as {
            object_name: string;
            checks: { check: { id: string }; grade: number; skipped: boolean }[];
        }[];
        return scored
            .flatMap(o =>
                o.checks
                    .filter(c => !c.skipped && c.grade === CRITICAL)
                    .map(c => ({ object: o.object_name, check: c.check.id })),
            )
            .sort((a, b) => `${a.object} ${a.check}`.localeCompare(`${b.object} ${b.check}`));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("kube-score on the deployed workloads", () => {
    const rec = new Recorder();
    let zone1: object[] = [];

    beforeAll(async () => {
        // echo and a team's service in its own namespace, with an extra port; both images pinned.
        const services = [
            { name: "echo", port: 1027, workload: { image: "kong/go-echo:0.3.0", targetPort: 1027 } },
            {
                name: "orders",
                port: 8080,
                namespace: "orders",
                workload: {
                    image: "registry.example/orders:1.4.2",
                    replicas: 3,
                    readinessPath: "/ready",
                    extraPorts: [{ name: "grpc", port: 9090 }],
                },
            },
        ];
        await runProgram(rec, { ...MINIMAL_CONFIG, services });
        zone1 = rec.resources
            .filter(r => r.custom && r.type.startsWith("kubernetes:") && r.name.startsWith("zone1-"))
            .map(r => {
                const [, groupVersion, kind] = r.type.split(":");
                const [group, version] = groupVersion.split("/");
                return { apiVersion: group === "core" ? version : `${group}/${version}`, kind, ...r.inputs };
            });
    });

    const deploymentNamed = (name: string): any =>
        zone1.find(o => (o as any).kind === "Deployment" && (o as any).metadata.name === name);

    it("finds no CRITICAL but the pull policy of a pinned image (docs/services.md)", () => {
        const kinds = zone1.map(o => (o as { kind: string }).kind);
        for (const kind of ["Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"])
            expect(kinds.filter(k => k === kind).length, kind).toBeGreaterThanOrEqual(2);
        expect(criticals(zone1)).toEqual([
            { object: "Deployment/apps/v1/kong/echo", check: "container-image-pull-policy" },
            { object: "Deployment/apps/v1/orders/orders", check: "container-image-pull-policy" },
        ]);
    });

    it("an unpinned image is pulled Always: kube-score's one finding is its tag", () => {
        const orders = structuredClone(deploymentNamed("orders"));
        orders.spec.template.spec.containers[0].image = "registry.example/orders:latest";
        orders.spec.template.spec.containers[0].imagePullPolicy = "Always";
        const objects = zone1.map(o => (o === deploymentNamed("orders") ? orders : o));
        expect(criticals(objects).filter(f => f.object.endsWith("/orders"))).toEqual([
            { object: "Deployment/apps/v1/orders/orders", check: "container-image-tag" },
        ]);
    });

    it("is a real check: the same Deployment stripped of its hardening gets CRITICAL findings", () => {
        const bare = structuredClone(deploymentNamed("orders"));
        for (const c of bare.spec.template.spec.containers) {
            delete c.resources;
            delete c.securityContext;
            delete c.readinessProbe;
        }
        const found = criticals([bare]).map(f => f.check);
        expect(found).toEqual(
            expect.arrayContaining([
                "container-resources",
                "container-ephemeral-storage-request-and-limit",
                "pod-networkpolicy",
                "deployment-has-poddisruptionbudget",
            ]),
        );
    });
});
