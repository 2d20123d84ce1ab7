// The DR tool against a private sandbox with real Kuma control planes, run as an operator runs it
// (a process: exit codes, stdout, stderr): status ready, one drill per fault kind — each
// restoring what it broke (read back from the API servers) and writing a report that headless
// Chromium renders with the drill's numbers — an interrupted drill (Ctrl-C restores at once; a
// killed one is repaired by the next run), status not ready while a fault is left, ready after;
// then two services (echo and billing, its team's): both matched and local-first on every
// gateway, and a drill of billing leaving echo's routes untouched.
// Its bad-input cases need no control plane: they run in ../e2e/stack-suite.ts.
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrillReport } from "../../dr/drill";
import { markerPath } from "../../dr/faults";
import { chartData } from "../../dr/report";
import { TEMP_PREFIX } from "../../dr/stack";
import type { StatusReport } from "../../dr/status";
import { renderPage } from "../browser";
import { byPriority, gatewayLocalities } from "../../dr/kuma";
import {
    BILLING,
    DR_CLI,
    ECHO_SERVICE,
    Ops,
    Project,
    ROOT,
    Sandbox,
    deployExisting,
    dr,
    drStatusReady,
    eventually,
    mmzsStatusListsZones,
    tempRoot,
} from "../e2e/support";

const root = tempRoot();
const sandbox = new Sandbox(path.join(root, "sandbox"), 23443);
const project = new Project(sandbox, root);
const ZONES = [{ name: "zone1" }, { name: "zone2" }];
const marker = () => markerPath(project.dir, project.stackName);
const MESH = "default";

/** The tool's command line for the e2e stack. */
const args = (command: string, ...rest: string[]) => [
    command,
    "--stack",
    project.stackName,
    "--dir",
    project.dir,
    ...rest,
];

function startDr(argv: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
    const child = spawn("node", [...DR_CLI, ...argv], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", d => {
        stderr += d;
    });
    child.stdout!.resume();
    return { child, done: new Promise(resolve => child.on("exit", code => resolve({ code, stderr }))) };
}

/** What the tool breaks, as the API servers hold it: must be the same after every drill. */
function zone1State() {
    const dep = sandbox.get("zone1", ["-n", "kong", "deployment", "echo"]);
    const svc = sandbox.get("zone1", ["-n", "kong", "service", "echo"]);
    const gc = sandbox.get("zone1", ["-n", "kong", "gatewayconfigurations.gateway-operator.konghq.com", "kong"]);
    return {
        replicas: dep.spec.replicas,
        ports: svc.spec.ports.map((p: any) => `${p.name}:${p.port}->${p.targetPort}`),
        gatewayReplicas: gc.spec.dataPlaneOptions.deployment.replicas,
        gatewayPod: sandbox.get("zone1", ["-n", "kong", "pod", "kong-gateway-standin"])?.metadata.name,
    };
}

let before: ReturnType<typeof zone1State>;

/** Runs a drill of zone1 and checks what every drill must leave behind. */
async function drillZone1(fault: string, ...extra: string[]): Promise<DrillReport> {
    const out = path.join(root, "reports", fault);
    const r = dr(args("drill", "--zone", "zone1", "--fault", fault, "--out", out, ...extra));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`report: ${path.join(out, "report.html")}`);
    expect(fs.existsSync(marker()), "no fault marker left").toBe(false);
    // Restored, as the API servers hold it (and the deployment ready again).
    await eventually(
        "zone1's echo ready again",
        () =>
            sandbox.get("zone1", ["-n", "kong", "deployment", "echo"]).status.readyReplicas === before.replicas ||
            undefined,
    );
    expect(zone1State()).toEqual(before);
    const report: DrillReport = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8"));
    expect(report).toMatchObject({ zone: "zone1", fault, problems: [] });
    expect(report.recoveryMs, "every gateway back where it was").toBeGreaterThan(0);
    // The page as a browser shows it: the chart built from the report's numbers.
    const page = await renderPage(path.join(out, "report.html"), { ids: ["failover", "recovery"] });
    expect(page.errors).toEqual([]);
    expect(page.rendered).toBe("yes");
    const secs = (ms?: number) => (ms === undefined ? "not observed" : `${(ms / 1000).toFixed(2)} s`);
    expect(page.text).toEqual({ failover: secs(report.failoverMs), recovery: secs(report.recoveryMs) });
    for (const lane of chartData(report).lanes) {
        expect(page.datasets.find(d => d.label === lane.label)?.data, lane.label).toEqual(lane.points);
    }
    expect(page.paintedPixels).toBeGreaterThan(5000);
    return report;
}

beforeAll(async () => {
    sandbox.run("up", "global", "zone1", "zone2");
    project.configure(ZONES);
    await (await project.open()).up();
    for (const z of ZONES) sandbox.run("gateway", z.name);
    before = zone1State();
});

afterAll(() => {
    sandbox.run("down");
    fs.rmSync(root, { recursive: true, force: true });
});

describe("the DR tool against real Kuma control planes", () => {
    it("status: every zone ready, from the live systems, and no pending changes", async () => {
        await drStatusReady(project);
        const table = dr(args("status"));
        expect(table.code, table.stderr).toBe(0);
        expect(table.stdout).toContain("stack e2e: no pending changes");
        expect(table.stdout.trim().split("\n").pop()).toBe("READY: every zone can take over for another");
    });

    it("drill echo: every gateway stops using zone1, within Kuma's model; restored; report rendered", async () => {
        const r = await drillZone1("echo");
        expect(r.gateways.every(g => g.leftAt !== undefined && g.backAt !== undefined)).toBe(true);
        expect(r.failoverMs!).toBeLessThanOrEqual(r.model.otherZoneWorstCaseSeconds * 1000 + 2000);
    });

    it("drill service: the echo Service's port broken; every gateway stops using zone1; restored", async () => {
        const r = await drillZone1("service");
        expect(r.failoverMs).toBeGreaterThan(0);
    });

    it("drill gateway: zone1's gateway gone from its control plane, the other gateway untouched; restored", async () => {
        const r = await drillZone1("gateway");
        expect(r.gateways.find(g => g.gateway === "zone1")).toMatchObject({ affected: true });
        expect(r.failoverMs).toBeGreaterThan(0);
        // zone2's gateway never stopped routing to zone1: its echo was fine all along.
        expect(r.samples.filter(s => s.gateway === "zone2").every(s => s.listing?.includes("1:zone1"))).toBe(true);
    });

    it("drill zone: zone1's API server and control plane stopped; the control planes keep it (noted), restored", async () => {
        const r = await drillZone1("zone", "--hold", "8");
        expect(r.failoverMs).toBeUndefined();
        expect(r.notes.join(" ")).toContain("as expected: its control plane is down with it");
        // During the outage zone1's own gateway had no readable config: its control plane was frozen.
        expect(
            r.samples.some(s => s.gateway === "zone1" && s.listing === null && s.t > r.faultAt && s.t < r.restoredAt),
        ).toBe(true);
        expect(sandbox.run("status")).toMatch(
            /^zone1 .*running=etcd,kube-apiserver,kube-controller-manager,kube-scheduler,kwok,kuma-cp /m,
        );
    });

    it("an interrupted drill: Ctrl-C restores at once; a killed one leaves a fault that status reports and the next run repairs first", async () => {
        const waitForMarker = (run: ReturnType<typeof startDr>) => {
            let ended: string | undefined;
            void run.done.then(r => {
                ended = `the drill ended first (exit ${r.code}): ${r.stderr}`;
            });
            return eventually(
                "the fault marker",
                () => {
                    if (fs.existsSync(marker())) return true;
                    if (ended) throw new Error(ended);
                    return undefined;
                },
                120_000,
                100,
            );
        };

        const interrupted = startDr(
            args("drill", "--zone", "zone1", "--fault", "echo", "--out", path.join(root, "reports", "int")),
        );
        await waitForMarker(interrupted);
        interrupted.child.kill("SIGINT");
        const i = await interrupted.done;
        expect(i.code, i.stderr).toBe(130);
        expect(i.stderr).toContain("interrupted: restoring the fault before exiting");
        expect(fs.existsSync(marker())).toBe(false);
        expect(zone1State()).toEqual(before);

        // A zone drill holds its fault (the control planes keep the zone): killed while zone1 is down.
        const killed = startDr(
            args(
                "drill",
                "--zone",
                "zone1",
                "--fault",
                "zone",
                "--hold",
                "300",
                "--out",
                path.join(root, "reports", "killed"),
            ),
        );
        await waitForMarker(killed);
        await eventually(
            "zone1's API server down",
            () =>
                spawnSync("kubectl", [
                    "--kubeconfig",
                    sandbox.kubeconfig("zone1"),
                    "get",
                    "--raw",
                    "/readyz",
                    "--request-timeout=2s",
                ]).status !== 0 || undefined,
            120_000,
            500,
        );
        killed.child.kill("SIGKILL");
        await killed.done;
        expect(fs.existsSync(marker()), "a killed drill cannot clean up").toBe(true);
        // Nor delete its temp dir (which holds the kubeconfigs when the stack has their contents).
        const killedRunsDir = () =>
            fs.readdirSync(os.tmpdir()).filter(d => d.startsWith(`${TEMP_PREFIX}${killed.child.pid}-`));
        expect(killedRunsDir()).toHaveLength(1);

        const notReady = await eventually(
            "status not ready",
            () => {
                const r = dr(args("status", "--json", "--no-preview"));
                const report = JSON.parse(r.stdout) as StatusReport;
                return r.code === 1 && !report.ready && report.zones.some(z => !z.ready) ? report : undefined;
            },
            120_000,
            2000,
        );
        expect(
            notReady.value.zones.find(z => z.zone === "zone1")!.checks.find(c => c.name === "cluster"),
        ).toMatchObject({ ok: false, detail: "API server unreachable" });
        expect(killedRunsDir(), "the next run deletes a dead run's temp dir").toEqual([]);

        const next = dr(
            args("drill", "--zone", "zone2", "--fault", "echo", "--out", path.join(root, "reports", "next")),
        );
        expect(next.code, next.stderr).toBe(0);
        expect(next.stderr).toContain("a drill left fault zone in zone zone1");
        expect(next.stderr.indexOf("restored zone in zone zone1")).toBeLessThan(
            next.stderr.indexOf("fault echo in zone zone2"),
        );
        expect(zone1State()).toEqual(before);
    });

    it("status: ready again after every drill, and a preview finds nothing to change", async () => {
        const { value } = await eventually(
            "status ready",
            () => {
                const r = dr(args("status", "--json"));
                return r.code === 0 ? (JSON.parse(r.stdout) as StatusReport) : undefined;
            },
            180_000,
            2000,
        );
        expect(value.pendingChanges).toBe(0);
        expect(value.zones.every(z => z.ready)).toBe(true);
    });

    it("two services, echo deployed and billing already running: both MMZS matched in every zone, both local-first on every gateway; a drill of billing leaves echo's routes untouched", async () => {
        const names = ZONES.map(z => z.name);
        for (const zone of names) deployExisting(sandbox, zone, BILLING);
        project.configure(ZONES, { services: [ECHO_SERVICE, BILLING] });
        expect((await (await project.open()).up()).summary.result).toBe("succeeded");
        // Pods that ran before mesh-dr labelled their namespace have no sidecar until they restart (docs/services.md).
        for (const zone of names) {
            sandbox.kubectl(zone, ["-n", BILLING.namespace, "rollout", "restart", `deployment/${BILLING.name}`]);
            await eventually(`${zone}: billing's pod injected, a Dataplane`, () => {
                const dps = sandbox.get(zone, ["-n", BILLING.namespace, "dataplanes.kuma.io", "-l", "app=billing"]);
                return dps.items.length === 1 || undefined;
            });
        }
        const outputs = (await (await project.open()).outputs()).services.value;
        const services = [ECHO_SERVICE.name, BILLING.name].map(name => ({
            name,
            namespace: outputs[name].namespace,
            cluster: outputs[name].envoyCluster as string,
        }));
        expect(services.map(x => x.cluster)).toEqual([
            "default_echo_kong-mesh-system__mzsvc_1027",
            "default_billing_kong-mesh-system__mzsvc_8080",
        ]);

        // The zone CPs' MMZS status: each service matched, its MeshService listed in both zones.
        for (const svc of services) await mmzsStatusListsZones(sandbox, names, svc);
        // Every gateway: each service's Envoy cluster with its own zone alone at priority 0, the other behind.
        const listing = async (zone: string, cluster: string) =>
            byPriority(await gatewayLocalities(sandbox.controlPlane(zone), MESH, cluster));
        for (const zone of names) {
            const want = [`0:${zone}`, ...names.filter(z => z !== zone).map(z => `1:${z}`)];
            for (const svc of services)
                await eventually(`${zone}'s gateway: ${svc.name} ${want.join(" ")}`, async () => {
                    const seen = await listing(zone, svc.cluster);
                    if (JSON.stringify(seen) !== JSON.stringify(want)) throw new Error(`lists ${seen.join(" ")}`);
                    return seen;
                });
        }
        // The DR tool agrees, per zone and service.
        const { value: ready } = await eventually(
            "status ready for both services",
            () => {
                const r = dr(args("status", "--json", "--no-preview"));
                return r.code === 0 ? (JSON.parse(r.stdout) as StatusReport) : undefined;
            },
            120_000,
            2000,
        );
        for (const z of ready.zones)
            expect(z.services, z.zone).toEqual(services.map(x => ({ service: x.name, ready: true })));

        // The drill breaks billing in zone1 (its team's Deployment: --yes), while echo's cluster on every
        // gateway is read as fast as the control planes answer: it must not move at all.
        const replicas = () =>
            sandbox.get("zone1", ["-n", BILLING.namespace, "deployment", BILLING.name]).spec.replicas;
        const billingReplicas = replicas();
        const echoOf = async (zone: string) =>
            JSON.stringify(await gatewayLocalities(sandbox.controlPlane(zone), MESH, services[0].cluster));
        const steady = Object.fromEntries(await Promise.all(names.map(async z => [z, await echoOf(z)] as const)));
        const out = path.join(root, "reports", "billing");
        const run = startDr(
            args("drill", "--zone", "zone1", "--fault", "echo", "--service", BILLING.name, "--yes", "--out", out),
        );
        let running = true;
        const ended = run.done.finally(() => {
            running = false;
        });
        const echoSamples: Record<string, string[]> = Object.fromEntries(names.map(z => [z, []]));
        await Promise.all(
            names.map(async zone => {
                while (running) {
                    echoSamples[zone].push(await echoOf(zone).catch(e => `error: ${(e as Error).message}`));
                    await new Promise(r => setTimeout(r, 200));
                }
            }),
        );
        const drilled = await ended;
        expect(drilled.code, drilled.stderr).toBe(0);
        const report: DrillReport = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8"));
        // The control: billing did fail over and come back, every gateway dropping zone1 for it.
        expect(report).toMatchObject({ service: BILLING.name, zone: "zone1", fault: "echo", problems: [] });
        expect(report.failoverMs).toBeGreaterThan(0);
        expect(report.gateways.every(g => g.leftAt !== undefined && g.backAt !== undefined)).toBe(true);
        for (const zone of names) {
            expect(echoSamples[zone].length, `${zone}: echo read all through the drill`).toBeGreaterThan(10);
            expect(
                echoSamples[zone].filter(x => x !== steady[zone]),
                `${zone}'s gateway: echo's cluster changed during billing's drill`,
            ).toEqual([]);
        }
        expect(replicas(), "billing's replicas restored").toBe(billingReplicas);
        expect(fs.existsSync(marker()), "no fault marker left").toBe(false);
        // billing's workload is its team's: the stack still has nothing to change.
        const ops = new Ops();
        await (await project.open()).preview({ onEvent: ops.onEvent });
        expect(ops.changes()).toEqual([]);
    });
});
