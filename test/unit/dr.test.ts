// The DR tool's pure parts: argument parsing, the readiness verdicts, the drill's timeline, the
// probe stream (against a real local HTTP server) and the report's chart data (the report rendered
// in headless Chromium: test/integration/dr-report.test.ts).
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArgs } from "../../dr/args";
import { sandboxBackend } from "../../dr/backend";
import { drillSummary, formatSummary } from "../../dr/cli";
import { Cluster, sandboxLayout } from "../../dr/cluster";
import { Clock, DrillReport, waitForReady } from "../../dr/drill";
import { FaultService, FaultTarget, inject, prepare, readMarker, restore } from "../../dr/faults";
import { Probe, answeringZone } from "../../dr/probe";
import { chartData } from "../../dr/report";
import {
    StatusReport,
    formatStatus,
    gatewayRoutesLocalFirst,
    policyTypesInRules,
    previewError,
    zoneConnected,
} from "../../dr/status";
import {
    affectedGateways,
    changesOnly,
    hasLeft,
    stats,
    successPerSecond,
    timeline,
    trafficTimes,
} from "../../dr/timeline";
import { report, samples, steady } from "../fixtures/drill";

const fail = (argv: string[]) => {
    try {
        parseArgs(argv);
    } catch (e) {
        return String((e as Error).message);
    }
    throw new Error("parsed");
};

describe("dr command line", () => {
    it("parses a drill with probes and control-plane URLs", () => {
        const o = parseArgs([
            "drill",
            "--stack",
            "prod",
            "--zone",
            "zone1",
            "--fault",
            "service",
            "--probe",
            "https://a/echo",
            "http://b/echo",
            "--yes",
            "--repeat",
            "3",
            "--cp",
            "zone1=http://10.0.0.1:5681",
            "--hold",
            "30",
        ]);
        expect(o).toMatchObject({
            command: "drill",
            stack: "prod",
            zone: "zone1",
            fault: "service",
            probes: ["https://a/echo", "http://b/echo"],
            yes: true,
            repeat: 3,
            cp: { zone1: "http://10.0.0.1:5681" },
            holdSeconds: 30,
            preview: true,
            cpService: "kong-mesh-control-plane",
        });
    });

    it("names the flag, the bad value and the fix", () => {
        expect(fail(["drill", "--stack", "s", "--zone", "zone1", "--fault", "disk"])).toBe(
            '--fault: "disk" is not a fault kind. Fix: use one of: echo, service, gateway, zone',
        );
        expect(fail(["status"])).toBe('--stack: "" is missing. Fix: name the stack, e.g. --stack sandbox');
        expect(fail(["drill", "--stack", "s", "--fault", "echo"])).toContain("--zone");
        expect(fail(["explode", "--stack", "s"])).toContain(
            'command: "explode" is not a command. Fix: use one of: status, drill, repair',
        );
        expect(fail(["status", "--stack", "s", "--frobnicate"])).toContain('option: "--frobnicate" is not an option');
        expect(fail(["drill", "--stack", "s", "--zone", "z", "--fault", "echo", "--repeat", "-2"])).toContain(
            '--repeat: "-2" is not a positive number',
        );
        expect(fail(["drill", "--stack", "s", "--zone", "z", "--fault", "echo", "--probe", "zone1.example"])).toContain(
            '--probe: "zone1.example" is not an http(s) URL',
        );
        expect(fail(["status", "--stack", "s", "--cp", "zone1"])).toContain('--cp: "zone1" is not NAME=URL');
        expect(fail(["status", "--stack", "s", "--zone", "zone1"])).toContain("does not apply to status");
        expect(fail(["status", "--stack"])).toContain('--stack: "" needs a value');
        expect(fail(["status", "--stack", "s", "--service", "billing"])).toBe(
            '--service: "billing" does not apply to status. Fix: drop it, or use the drill command',
        );
        expect(fail(["drill", "--stack", "s", "--zone", "z", "--fault", "echo", "--service"])).toBe(
            '--service: "" needs a value. Fix: write --service <value>',
        );
        expect(fail(["drill", "--stack", "s", "--zone", "z", "--fault", "echo", "--ready-wait", "0"])).toBe(
            '--ready-wait: "0" is not a positive number. Fix: give seconds, e.g. --ready-wait 120',
        );
    });

    it("takes --service and --ready-wait for a drill; without them, the first service and 120 s", () => {
        expect(
            parseArgs([
                "drill",
                "--stack",
                "s",
                "--zone",
                "zone1",
                "--fault",
                "echo",
                "--service",
                "billing",
                "--ready-wait",
                "30",
            ]),
        ).toMatchObject({ service: "billing", readyWaitSeconds: 30, fault: "echo" });
        const o = parseArgs(["drill", "--stack", "s", "--zone", "zone1", "--fault", "echo"]);
        expect(o.service).toBeUndefined();
        expect(o.readyWaitSeconds).toBe(120);
    });
});

describe("the backend of the DR tool's Pulumi runs", () => {
    const project = path.resolve(__dirname, "../..");
    const sandboxState = `file://${project}/.pulumi-state`;

    it("is the sandbox's, as npm start uses it, for stack sandbox in the project directory with no backend set", () => {
        expect(sandboxBackend("sandbox", project, project, {})).toEqual({
            PULUMI_BACKEND_URL: sandboxState,
            PULUMI_CONFIG_PASSPHRASE: "sandbox",
        });
        expect(
            sandboxBackend("sandbox", `${project}/dr/..`, project, { PULUMI_BACKEND_URL: "" })?.PULUMI_BACKEND_URL,
        ).toBe(sandboxState);
        // A passphrase the user set wins, also an empty one (as start.sh's ${PULUMI_CONFIG_PASSPHRASE-sandbox}).
        expect(
            sandboxBackend("sandbox", project, project, { PULUMI_CONFIG_PASSPHRASE: "" })?.PULUMI_CONFIG_PASSPHRASE,
        ).toBe("");
    });

    it("is Pulumi's choice for any other stack, directory or a backend set", () => {
        expect(sandboxBackend("prod", project, project, {})).toBeUndefined();
        expect(sandboxBackend("sandbox", "/elsewhere", project, {})).toBeUndefined();
        expect(sandboxBackend("sandbox", project, project, { PULUMI_BACKEND_URL: "file:///state" })).toBeUndefined();
    });

    it("comes from the file start.sh reads", () => {
        expect(fs.readFileSync(path.join(project, "scripts", "start.sh"), "utf8")).toContain(
            'require("./scripts/sandbox-backend.json")',
        );
    });
});

describe("readiness verdicts", () => {
    const loc = (zone: string, priority: number) => ({ zone, priority, addresses: [] });

    it("a gateway is ready when its zone is alone at the first priority and every other zone is behind it", () => {
        expect(gatewayRoutesLocalFirst("zone1", ["zone1", "zone2"], [loc("zone1", 0), loc("zone2", 1)])).toEqual({
            name: "gateway",
            ok: true,
            detail: "0:zone1 1:zone2",
        });
        expect(gatewayRoutesLocalFirst("zone1", ["zone1", "zone2"], [loc("zone2", 1)]).ok).toBe(false);
        expect(
            gatewayRoutesLocalFirst("zone1", ["zone1", "zone2", "zone3"], [loc("zone1", 0), loc("zone2", 1)]).detail,
        ).toBe("no failover to zone3 (0:zone1 1:zone2)");
        expect(gatewayRoutesLocalFirst("zone1", ["zone1", "zone2"], [loc("zone1", 0), loc("zone2", 0)]).ok).toBe(false);
        expect(gatewayRoutesLocalFirst("zone1", ["zone1"], []).detail).toContain("no endpoints");
    });

    it("reads the zone's link and the policies in effect as Kuma's API answers them", () => {
        expect(
            zoneConnected({
                zoneInsight: { subscriptions: [{ connectTime: "t1", disconnectTime: "t2" }, { connectTime: "t3" }] },
            }),
        ).toBe(true);
        expect(zoneConnected({ zoneInsight: { subscriptions: [{ connectTime: "t1", disconnectTime: "t2" }] } })).toBe(
            false,
        );
        expect(zoneConnected(undefined)).toBe(false);
        expect(
            policyTypesInRules({
                rules: [{ type: "MeshRetry" }, { type: "MeshTimeout" }],
                toResourceRules: [{ type: "MeshRetry" }],
            }),
        ).toEqual(["MeshRetry", "MeshTimeout"]);
    });

    it("keeps only the engine's error lines of a failed preview", () => {
        expect(
            previewError(
                "Previewing update (s):\n  ~ Service zone1-echo update\nerror: Preview failed: 1 error occurred:\n\t* field conflict on .spec.ports\nerror: preview failed\n",
            ),
        ).toBe("error: Preview failed: 1 error occurred: * field conflict on .spec.ports");
    });

    it("prints one line per zone and the verdict", () => {
        const r: StatusReport = {
            stack: "s",
            at: "now",
            ready: false,
            pendingChanges: 0,
            zones: [
                {
                    zone: "zone1",
                    ready: true,
                    checks: [{ name: "cluster", ok: true, detail: "API server ready" }],
                    services: [],
                },
                {
                    zone: "zone2",
                    ready: false,
                    checks: [{ name: "cluster", ok: false, detail: "API server unreachable" }],
                    services: [],
                },
            ],
        };
        const text = formatStatus(r).split("\n");
        expect(text[1]).toMatch(/^zone1 +ok API server ready/);
        expect(text[2]).toMatch(/^zone2 +FAIL API server unreachable/);
        expect(text).toContain("stack s: no pending changes");
        expect(text[text.length - 1]).toBe("NOT READY: zone zone2");
        expect(
            formatStatus({ ...r, ready: true, zones: [r.zones[0]] })
                .split("\n")
                .pop(),
        ).toBe("READY: every zone can take over for another");
        expect(
            formatStatus({ ...r, pendingChanges: 2 })
                .split("\n")
                .pop(),
        ).toBe("NOT READY: zone zone2, the stack");
    });

    it("finds a sandbox cluster's ports from its own files", () => {
        const kubeconfig = "clusters:\n- name: zone1\n  cluster: {server: 'https://127.0.0.1:19453'}\n";
        const kumactl =
            "contexts:\n- {name: local, controlPlane: local}\n- {name: zone1, controlPlane: zone1}\ncontrolPlanes:\n" +
            "- {name: local, coordinates: {apiServer: {url: 'http://localhost:5681'}}}\n- {name: zone1, coordinates: {apiServer: {url: 'http://127.0.0.1:20453'}}}\ncurrentContext: zone1\n";
        expect(sandboxLayout(kubeconfig, kumactl, 1, "/tmp/sb")).toEqual({
            dir: "/tmp/sb",
            portBase: 19443,
            controlPlaneUrl: "http://127.0.0.1:20453",
        });
    });
});

describe("drill timeline", () => {
    it("knows which gateways each fault must move, and what leaving looks like", () => {
        expect(affectedGateways("echo", "zone1", ["zone1", "zone2"])).toEqual(["zone1", "zone2"]);
        expect(affectedGateways("zone", "zone1", ["zone1", "zone2", "zone3"])).toEqual(["zone2", "zone3"]);
        expect(affectedGateways("gateway", "zone2", ["zone1", "zone2"])).toEqual(["zone2"]);
        expect(hasLeft("echo", "zone1", "zone2", ["0:zone2"])).toBe(true);
        expect(hasLeft("echo", "zone1", "zone2", ["0:zone2", "1:zone1"])).toBe(false);
        expect(hasLeft("echo", "zone1", "zone2", null)).toBe(false);
        expect(hasLeft("gateway", "zone1", "zone1", null)).toBe(true);
        expect(hasLeft("gateway", "zone1", "zone1", ["1:zone2"])).toBe(false);
    });

    it("reads failover and recovery times from the readings", () => {
        const t = timeline(samples, "echo", "zone1", steady, 1000, 7000);
        expect(t.gateways).toEqual([
            { gateway: "zone1", affected: true, leftAt: 1500, backAt: 8000 },
            { gateway: "zone2", affected: true, leftAt: 6000, backAt: 12000 },
        ]);
        expect(t.failoverMs).toBe(5000);
        expect(t.recoveryMs).toBe(5000);
        // Before the restore, or with a gateway that never left: no time claimed.
        expect(timeline(samples, "echo", "zone1", steady, 1000, undefined).recoveryMs).toBeUndefined();
        expect(
            timeline(
                samples.filter(s => s.t < 6000),
                "echo",
                "zone1",
                steady,
                1000,
                undefined,
            ).failoverMs,
        ).toBeUndefined();
        // Readings before the fault do not count as leaving.
        expect(timeline(samples, "echo", "zone1", steady, 1600, 7000).gateways[0].leftAt).toBe(1750);
    });

    it("keeps only the changes of each gateway, and its last reading", () => {
        expect(changesOnly(samples).map(s => `${s.t}:${s.gateway}`)).toEqual([
            "0:zone1",
            "0:zone2",
            "1500:zone1",
            "6000:zone2",
            "8000:zone1",
            "12000:zone2",
            "13000:zone2",
        ]);
    });

    it("summarises probes per second and the traffic's way out and back", () => {
        const probes = [
            { t: 100, url: "u", status: 200, zone: "zone1" },
            { t: 900, url: "u", status: 503 },
            { t: 1200, url: "u", status: 0 },
            { t: 2100, url: "u", status: 200, zone: "zone2" },
            { t: 7300, url: "u", status: 200, zone: "zone2" },
            { t: 7600, url: "u", status: 200, zone: "zone1" },
        ];
        expect(successPerSecond(probes)).toEqual([
            { second: 0, ok: 1, total: 2 },
            { second: 1, ok: 0, total: 1 },
            { second: 2, ok: 1, total: 1 },
            { second: 7, ok: 2, total: 2 },
        ]);
        expect(trafficTimes(probes, "zone1", 1000, 7000)).toEqual({ trafficFailoverMs: 1100, trafficRecoveryMs: 600 });
        expect(trafficTimes([], "zone1", 1000, 7000)).toEqual({});
    });

    it("states median and max of repeated drills", () => {
        expect(stats([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
        expect(stats([4, 1, 2, 3])).toMatchObject({ median: 2.5, max: 4 });
        const r = (failoverMs?: number, recoveryMs?: number) =>
            ({
                stack: "s",
                zone: "zone1",
                fault: "echo",
                failoverMs,
                recoveryMs,
                problems: [],
                notes: [],
            }) as unknown as DrillReport;
        const s = drillSummary([r(5000, 4000), r(7000, 3000), r(undefined, 5000)]);
        expect(s.failoverSeconds).toEqual({ median: 6, max: 7, n: 2 });
        expect(s.recoverySeconds).toEqual({ median: 4, max: 5, n: 3 });
        expect(formatSummary(s)).toContain("time to fail over: median 6.00 s, max 7.00 s (2 of 3)");
    });
});

describe("probes", () => {
    let server: http.Server;
    let url = "";
    let served = 0;
    beforeAll(async () => {
        // Two good answers, then errors: the stream must record both, in order.
        server = http.createServer((_req, res) => {
            res.statusCode = ++served <= 2 ? 200 : 503;
            res.end("Welcome. Running on Pod echo-abc-1. In namespace kong.");
        });
        await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
        url = `http://127.0.0.1:${(server.address() as any).port}/echo`;
    });
    afterAll(() => server.close());

    it("knows the answering zone from the pod the body names", () => {
        expect(answeringZone("Running on Pod echo-abc-1.", { zone1: ["echo-xyz-2"], zone2: ["echo-abc-1"] })).toBe(
            "zone2",
        );
        expect(answeringZone("no pod here", { zone1: ["echo-xyz-2"] })).toBeUndefined();
    });

    it("sends a bounded stream and records status and zone; a dead URL counts as status 0", async () => {
        const dead = "http://127.0.0.1:9/echo"; // discard port: nothing listens
        const p = new Probe([url, dead], Date.now(), () => ({ zone1: ["echo-abc-1"] }), {
            intervalMs: 20,
            maxRequests: 5,
            timeoutMs: 2000,
        });
        // The drill goes on well past the bound: the stream stops on its own.
        for (let i = 0; i < 200 && served < 5; i++) await new Promise(r => setTimeout(r, 50));
        await new Promise(r => setTimeout(r, 300));
        const results = await p.stop();
        const ours = results.filter(r => r.url === url);
        expect(served).toBe(5);
        expect(ours.map(r => r.status)).toEqual([200, 200, 503, 503, 503]);
        expect(ours[0].zone).toBe("zone1");
        expect(ours.every((r, i) => i === 0 || r.t >= ours[i - 1].t)).toBe(true);
        expect(results.filter(r => r.url === dead).every(r => r.status === 0)).toBe(true);
    });
});

describe("drill report", () => {
    it("charts each gateway's lane from the readings, with the fault and restore markers", () => {
        const d = chartData(report);
        expect(d.lanes[1].points).toEqual([
            { x: -1, y: 1.8 },
            { x: 5, y: 1 },
            { x: 11, y: 1.8 },
            { x: 12, y: 1.8 },
            { x: 12, y: 1.8 },
        ]);
        expect(d.markers).toEqual({ fault: 0, restored: 6 });
        expect(d.events).toContainEqual({ label: "zone2 left zone1", x: 5, y: 1.4 });
        expect(d.probes).toEqual([{ x: 0, y: 50 }]);
    });
});

describe("drill preconditions and faults", () => {
    it("waits for the gateways to be ready, bounded, saying once why; then gives the last reason", async () => {
        let t = 0;
        const clock: Clock = {
            now: () => t,
            sleep: async ms => {
                t += ms;
            },
        };
        const lines: string[] = [];
        // A previous drill's recovery converging: ready on the fourth reading.
        let reads = 0;
        const converging = async () => (++reads < 4 ? "zone zone2's gateway is not ready (0:zone2)" : undefined);
        expect(await waitForReady(converging, 120_000, l => lines.push(l), clock)).toBeUndefined();
        expect(t).toBe(3000);
        expect(lines).toEqual([
            "zone zone2's gateway is not ready (0:zone2): waiting up to 120 s for it to be ready (a previous drill's recovery may still be converging)",
        ]);
        // Never ready: it gives up at the bound with what it read last.
        t = 0;
        expect(
            await waitForReady(
                async () => `not ready at ${t}`,
                5000,
                () => {},
                clock,
            ),
        ).toBe("not ready at 5000");
        // Ready at once: no wait, nothing said.
        lines.length = 0;
        expect(
            await waitForReady(
                async () => undefined,
                5000,
                l => lines.push(l),
                clock,
            ),
        ).toBeUndefined();
        expect(lines).toEqual([]);
    });

    /** A zone cluster holding one Service and its Deployments, recording what the faults run. */
    class FakeCluster extends Cluster {
        readonly ran: string[] = [];
        constructor(private readonly objects: Record<string, unknown>) {
            super("zone1");
        }

        override async kubectl(args: string[]): Promise<string> {
            const command = args.join(" ");
            if (command.startsWith("get ")) {
                const o = this.objects[command.replace(/^get /, "").replace(/ -o json$/, "")];
                if (!o) throw new Error(`Error from server (NotFound): ${command}`);
                return JSON.stringify(o);
            }
            this.ran.push(command);
            return "";
        }
    }

    const billing: FaultService = { name: "billing", namespace: "payments", port: 8080 };
    const ports = [
        { name: "http", port: 8080, targetPort: 8080, protocol: "TCP" },
        { name: "admin", port: 9090, targetPort: 9090, protocol: "TCP" },
    ];
    const fake = () =>
        new FakeCluster({
            "-n payments service billing": { spec: { selector: { app: "billing" }, ports } },
            "-n payments deployments": {
                items: [
                    {
                        metadata: { name: "billing-api" },
                        spec: { replicas: 3, template: { metadata: { labels: { app: "billing", tier: "api" } } } },
                    },
                    {
                        metadata: { name: "invoices" },
                        spec: { replicas: 1, template: { metadata: { labels: { app: "invoices" } } } },
                    },
                ],
            },
        });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-dr-faults-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "s.fault.json");
    const marker = { stack: "s", zone: "zone1", service: billing, startedAt: "now" };

    it("scales the Deployment behind the service's Service, and puts back the replicas it had", async () => {
        const c = fake();
        const t: FaultTarget = {
            cluster: c,
            systemNamespace: "kong-mesh-system",
            controlPlaneService: "kong-mesh-control-plane",
            service: billing,
        };
        const m = await prepare(file, { ...marker, fault: "echo" }, t);
        expect(m.undo).toEqual({ deployment: "billing-api", replicas: 3 });
        expect(readMarker(file)).toEqual(m);
        await inject(m, t);
        await restore(file, m, t);
        expect(c.ran).toEqual([
            "-n payments scale deployment/billing-api --replicas=0",
            "-n payments scale deployment/billing-api --replicas=3",
        ]);
        expect(fs.existsSync(file)).toBe(false);
    });

    it("moves the service's port only, and puts back the ports exactly as they were", async () => {
        const c = fake();
        const t: FaultTarget = {
            cluster: c,
            systemNamespace: "kong-mesh-system",
            controlPlaneService: "kong-mesh-control-plane",
            service: billing,
        };
        const m = await prepare(file, { ...marker, fault: "service" }, t);
        await inject(m, t);
        await restore(file, m, t);
        const patch = (p: unknown) =>
            `-n payments patch service billing --type=json -p ${JSON.stringify([{ op: "replace", path: "/spec/ports", value: p }])}`;
        expect(c.ran).toEqual([patch([{ ...ports[0], port: 8081 }, ports[1]]), patch(ports)]);
    });

    it("refuses the scale fault when the Service's pods are not one Deployment's", async () => {
        const t: FaultTarget = {
            cluster: fake(),
            systemNamespace: "kong-mesh-system",
            controlPlaneService: "kong-mesh-control-plane",
            service: { ...billing, name: "nothing" },
        };
        await expect(prepare(file, { ...marker, fault: "echo" }, t)).rejects.toThrow(
            "zone1: the echo (scale) fault needs one Deployment behind Service payments/nothing, found []. Fix: drill the service fault (--fault service) instead",
        );
        expect(fs.existsSync(file)).toBe(false);
    });
});
