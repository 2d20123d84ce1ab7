// `npm run bench`: what a user waits for, against a private sandbox of real kube-apiservers.
// For N = 2, 4, 8 zones (BENCH_ZONES to change): no-op preview, no-op up, an up that changes one
// Deployment, and the floor — `kubectl apply --server-side --dry-run=server` of the same objects,
// as the program rendered them (read back from the stack's state), against the same clusters, one
// kubectl per cluster in parallel. Median of BENCH_RUNS (default 5) runs, with min and max. Also
// the program's own start-up under ts-node and the unit-test suite's wall time. The engine rows
// run without Kuma control planes (they measure the engine, not Kuma's admission).
// Failover (where Kuma is installed; BENCH_FAILOVER=0 skips it, =1 requires it): with real Kuma
// control planes and a gateway stand-in per zone, the DR tool's drills (dr/drill.ts) of each fault
// kind in zone1, BENCH_RUNS times each; each row is the time from the fault (or its restore) until
// the named gateway's computed Envoy config (the zone CP's inspect API) has dropped zone1 / lists
// it again at its place; once per control-plane profile (BENCH_PROFILES, default both: Kuma's
// defaults and the DR profile of components/cp-profile.ts), the fault kinds of BENCH_FAULTS.
// Control-plane CPU (cp-cpu, where Kuma is installed): per profile, each kuma-cp's (and each
// kube-apiserver's) CPU time, utime + stime from /proc/<pid>/stat, in ms per second over
// BENCH_RUNS windows of BENCH_CPU_SECONDS after settling, with the load average: idle (the stack
// deployed, no proxy connected) and with BENCH_DATAPLANES (default 2,20,100) echo dataplanes per
// zone, each with an xDS stream open as its Envoy would (scripts/bench-proxies.ts).
// BENCH_SECTIONS (comma-separated) runs only some of the sections.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { Profile } from "../components/cp-profile";
import { DrillReport, drill } from "../dr/drill";
import { FAULTS, FaultKind } from "../dr/faults";
import { PROFILES } from "../dr/profile";
import { DEFAULT_CP_SERVICE, DrStack } from "../dr/stack";
import { status } from "../dr/status";
import { stats } from "../dr/timeline";
import {
    ECHO_SERVICE,
    Ops,
    Project,
    ROOT,
    SYSTEM_NS,
    Sandbox,
    deployExisting,
    deployedService,
    eventually,
    existingService,
    tempRoot,
} from "../test/e2e/support";
import { ProxyRef, ZoneProxies } from "./bench-proxies";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ZONE_COUNTS = (process.env.BENCH_ZONES ?? "2,4,8").split(",").filter(Boolean).map(Number);
/** BENCH_TYPECHECK=1 measures the engine type-checking the program on every run (the "before"). */
const TYPECHECK = process.env.BENCH_TYPECHECK === "1";
/** Kuma is installed when scripts/toolchain.sh linked a checked kuma-cp (scripts/toolchain/kuma.sh). */
const KUMA_INSTALLED = fs.existsSync(path.join(ROOT, ".toolchain", "bin", "kuma-cp"));
const FAILOVER = process.env.BENCH_FAILOVER === undefined ? KUMA_INSTALLED : process.env.BENCH_FAILOVER !== "0";
/** BENCH_SECTIONS picks what to measure (default all): startup, failover, cp-cpu, zones, services, unit. */
const SECTIONS = new Set(
    (process.env.BENCH_SECTIONS ?? "startup,failover,cp-cpu,zones,services,unit").split(",").filter(Boolean),
);
/** A comma-separated env var of values out of `allowed` (default all of them), refused otherwise. */
function listOf<T extends string>(name: string, allowed: readonly T[]): T[] {
    const values = (process.env[name] ?? allowed.join(",")).split(",").filter(Boolean);
    const bad = values.filter(v => !allowed.includes(v as T));
    if (bad.length) throw new Error(`${name}: ${bad.join(", ")} unknown; use some of ${allowed.join(",")}`);
    return values as T[];
}
/** The control-plane profiles the Kuma sections run (Kuma's defaults first). */
const BENCH_PROFILES = listOf<Profile>("BENCH_PROFILES", [...PROFILES].reverse());
/** The fault kinds the failover section drills. */
const BENCH_FAULTS = listOf<FaultKind>("BENCH_FAULTS", FAULTS);
/** Echo dataplanes per zone the cp-cpu section connects, after its idle measurement. */
const DATAPLANES = (process.env.BENCH_DATAPLANES ?? "2,20,100").split(",").filter(Boolean).map(Number);
/** Length of one CPU sample, and the wait before the first (the CPs catch up with a change). */
const CPU_SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 20);
const CPU_SETTLE_SECONDS = Number(process.env.BENCH_CPU_SETTLE ?? 30);
// Below Linux's ephemeral port range (32768+), where a client socket could hold a port first.
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 29443);

interface Row {
    zones: number;
    what: string;
    samples: number[];
    floor?: number;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
    const start = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The Kubernetes objects of the stack as the program sent them, grouped by cluster (provider name). */
async function renderedObjects(project: Project): Promise<Map<string, object[]>> {
    const deployment = (await (await project.open()).exportStack()).deployment;
    const byCluster = new Map<string, object[]>();
    for (const r of deployment.resources ?? []) {
        if (!r.custom || !String(r.type).startsWith("kubernetes:") || !r.provider) continue;
        const cluster = String(r.provider).split("::")[3];
        const { apiVersion, kind, metadata, spec, data } = r.inputs ?? {};
        if (!apiVersion || !kind) continue;
        const { name, namespace, labels, annotations } = metadata;
        const obj = {
            apiVersion,
            kind,
            metadata: { name, namespace, labels, annotations },
            ...(spec ? { spec } : {}),
            ...(data ? { data } : {}),
        };
        byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), obj]);
    }
    return byCluster;
}

/** One server-side dry-run apply per cluster, all clusters at once: the work with no engine around it. */
async function kubectlFloor(sandbox: Sandbox, objects: Map<string, object[]>, dir: string): Promise<number> {
    const files = [...objects].map(([cluster, objs]) => {
        const file = path.join(dir, `${cluster}.json`);
        fs.writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objs }));
        return { cluster, file };
    });
    return time(() =>
        Promise.all(
            files.map(
                ({ cluster, file }) =>
                    new Promise<void>((resolve, reject) => {
                        const p = spawn(
                            "kubectl",
                            [
                                "--kubeconfig",
                                sandbox.kubeconfig(cluster),
                                "apply",
                                "--server-side",
                                "--dry-run=server",
                                "--field-manager=bench",
                                "--force-conflicts",
                                "-f",
                                file,
                            ],
                            { stdio: ["ignore", "ignore", "pipe"] },
                        );
                        let err = "";
                        p.stderr.on("data", d => {
                            err += d;
                        });
                        p.on("exit", code =>
                            code === 0 ? resolve() : reject(new Error(`kubectl on ${cluster}: ${err}`)),
                        );
                    }),
            ),
        ),
    );
}

/**
 * The engine's own share: a preview of a program that only declares the N clusters' providers
 * (no objects): CLI, language host, Node and one provider plugin per cluster, each configured
 * against its API server. What is left of a real preview after this is the objects' diffing.
 */
async function providersOnlyPreview(sandbox: Sandbox, root: string, clusters: string[]): Promise<number[]> {
    const dir = path.join(root, "providers-only");
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "providers-only", main: "index.js" }));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: providers-only\nruntime: nodejs\n");
    fs.writeFileSync(
        path.join(dir, "index.js"),
        `const k8s = require("@pulumi/kubernetes");
for (const c of ${JSON.stringify(clusters)}) new k8s.Provider(c, { kubeconfig: ${JSON.stringify(sandbox.kubeconfig("CLUSTER"))}.replace("CLUSTER", c) });`,
    );
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: "providers", workDir: dir });
    await stack.up();
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) samples.push(await time(() => stack.preview()));
    await stack.destroy();
    return samples;
}

/** Process start to the last resource registered: the program alone under Pulumi mocks, as `pulumi` compiles it. */
function startupSeconds(zones: number): number {
    const runner = path.join(ROOT, "scripts", "bench-startup.js");
    const r = spawnSync("node", [runner, String(zones)], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, BENCH_TYPECHECK: TYPECHECK ? "1" : "" },
    });
    if (r.status !== 0) throw new Error(`start-up run failed: ${r.stderr}`);
    return Number(/registered \d+ resources in ([\d.]+)s/.exec(r.stdout)![1]);
}

async function benchZones(n: number, rows: Row[]): Promise<void> {
    const root = tempRoot();
    const sandbox = new Sandbox(path.join(root, "sandbox"), PORT_BASE, { kuma: false });
    const zones = Array.from({ length: n }, (_, i) => ({ name: `zone${i + 1}` }));
    try {
        process.stderr.write(`[${n} zones] sandbox up\n`);
        sandbox.run("up", "global", ...zones.map(z => z.name));
        const project = new Project(sandbox, root);
        if (TYPECHECK) {
            // "Before": the engine type-checks the program on every run, as it did without tsconfig.pulumi.json.
            fs.writeFileSync(
                path.join(project.dir, "tsconfig.pulumi.json"),
                JSON.stringify({ extends: "./tsconfig.json" }),
            );
        }
        project.configure(zones);
        const stack = await project.open();
        process.stderr.write(`[${n} zones] first up\n`);
        await stack.up();
        const objects = await renderedObjects(project);

        const preview: number[] = [],
            upNoop: number[] = [],
            upChange: number[] = [],
            floor: number[] = [];
        for (let i = 0; i < RUNS; i++) {
            process.stderr.write(`[${n} zones] run ${i + 1}/${RUNS}\n`);
            const ops = new Ops();
            preview.push(await time(() => stack.preview({ onEvent: ops.onEvent })));
            if (ops.changes().length > 0) throw new Error(`no-op preview had changes: ${ops.changes().join(", ")}`);
            upNoop.push(await time(() => stack.up()));
            project.configure(zones.map((z, j) => (j === 0 ? { ...z, echoReplicas: i % 2 === 0 ? 3 : 2 } : z)));
            upChange.push(await time(() => stack.up()));
            floor.push(await kubectlFloor(sandbox, objects, root));
        }
        const f = stats(floor).median;
        rows.push({ zones: n, what: "kubectl apply --server-side --dry-run=server (floor)", samples: floor, floor: f });
        rows.push({ zones: n, what: "pulumi preview, no changes", samples: preview, floor: f });
        rows.push({ zones: n, what: "pulumi up, no changes", samples: upNoop, floor: f });
        rows.push({ zones: n, what: "pulumi up, one Deployment changed", samples: upChange, floor: f });
        rows.push({
            zones: n,
            what: "pulumi preview of the providers alone (engine's fixed cost)",
            floor: f,
            samples: await providersOnlyPreview(sandbox, root, ["global", ...zones.map(z => z.name)]),
        });
        await stack.destroy();
    } finally {
        sandbox.run("down");
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/**
 * `services`: 2 zones, N services (BENCH_SERVICES, default 1,10,30): echo, then by turns a Service
 * its team already runs (namespace payments, created beside the stack) and one mesh-dr deploys as
 * echo (the sandbox's nodes run no containers, so no image is pulled). No-op preview (wall and CPU)
 * and up per N, the stack's resource count, the kubectl floor of its objects, the providers alone.
 */
async function benchServices(rows: Row[]): Promise<void> {
    const counts = (process.env.BENCH_SERVICES ?? "1,10,30").split(",").filter(Boolean).map(Number);
    const root = tempRoot();
    const sandbox = new Sandbox(path.join(root, "sandbox"), PORT_BASE, { kuma: false });
    const zones = [{ name: "zone1" }, { name: "zone2" }];
    // The CPU the CLI, its language host and its plugins used, whatever else loads the machine:
    // /proc/self/stat's cutime + cstime (children waited for, and theirs), in clock ticks of 10 ms.
    const childCpuSeconds = () => {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[13]) + Number(fields[14])) / 100;
    };
    const services = (n: number) =>
        Array.from({ length: n }, (_, i) =>
            i === 0 ? ECHO_SERVICE : i % 2 === 1 ? existingService(`billing${i}`) : deployedService(`web${i}`),
        );
    try {
        process.stderr.write("[services] sandbox up\n");
        sandbox.run("up", "global", ...zones.map(z => z.name));
        const project = new Project(sandbox, root);
        const stack = await project.open();
        for (const n of counts) {
            const set = services(n);
            for (const z of zones) for (const s of set) if (!("workload" in s)) deployExisting(sandbox, z.name, s);
            project.configure(zones, { services: set });
            process.stderr.write(`[${n} services] up\n`);
            await stack.up();
            const resources = (await stack.exportStack()).deployment.resources ?? [];
            const custom = resources.filter((r: any) => r.custom && !String(r.type).startsWith("pulumi:")).length;
            const objects = await renderedObjects(project);
            const preview: number[] = [],
                previewCpu: number[] = [],
                upNoop: number[] = [],
                floor: number[] = [];
            for (let i = 0; i < RUNS; i++) {
                process.stderr.write(`[${n} services] run ${i + 1}/${RUNS}\n`);
                const ops = new Ops();
                const cpu = childCpuSeconds();
                preview.push(await time(() => stack.preview({ onEvent: ops.onEvent })));
                previewCpu.push(childCpuSeconds() - cpu);
                if (ops.changes().length > 0) throw new Error(`no-op preview had changes: ${ops.changes().join(", ")}`);
                upNoop.push(await time(() => stack.up()));
                floor.push(await kubectlFloor(sandbox, objects, root));
            }
            const f = stats(floor).median;
            const what = `${n} service${n === 1 ? "" : "s"} (${resources.length} resources, ${custom} objects)`;
            rows.push({ zones: 2, what: `${what}: kubectl floor`, samples: floor, floor: f });
            rows.push({ zones: 2, what: `${what}: pulumi preview, no changes`, samples: preview, floor: f });
            rows.push({ zones: 2, what: `${what}: CPU of that preview, every process`, samples: previewCpu });
            rows.push({ zones: 2, what: `${what}: pulumi up, no changes`, samples: upNoop, floor: f });
        }
        rows.push({
            zones: 2,
            what: "services: pulumi preview of the providers alone (engine's fixed cost)",
            samples: await providersOnlyPreview(sandbox, root, ["global", ...zones.map(z => z.name)]),
        });
        await stack.destroy();
    } finally {
        sandbox.run("down");
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/** One drill of the DR tool (dr/drill.ts), as `npm run dr -- drill` runs it. */
async function runDrill(stack: DrStack, fault: FaultKind, outDir: string): Promise<DrillReport> {
    return drill(stack, {
        zone: "zone1",
        fault,
        readyWaitSeconds: 120,
        holdSeconds: fault === "zone" ? 10 : 60,
        recoverTimeoutSeconds: 180,
        intervalMs: 100,
        probes: [],
        probe: { intervalMs: 200, maxRequests: 0, timeoutMs: 2000 },
        yes: false,
        cpService: DEFAULT_CP_SERVICE,
        outDir,
        log: line => process.stderr.write(`[failover]   ${line}\n`),
    });
}

/** A private sandbox with Kuma control planes on `profile`, the walkthrough's stack deployed, a gateway stand-in per zone, every zone ready. */
interface KumaBench {
    root: string;
    sandbox: Sandbox;
    project: Project;
    stack: DrStack;
}

const KUMA_ZONES = [{ name: "zone1" }, { name: "zone2" }];

/** Runs `fn` on a KumaBench of `profile`, then destroys the stack and stops the sandbox, whatever happened. */
async function withKumaSandbox(section: string, profile: Profile, fn: (k: KumaBench) => Promise<void>): Promise<void> {
    const root = tempRoot();
    const sandbox = new Sandbox(path.join(root, "sandbox"), PORT_BASE, { kumaProfile: profile });
    let stack: DrStack | undefined;
    try {
        process.stderr.write(`[${section}] sandbox up (Kuma control planes, profile ${profile})\n`);
        sandbox.run("up", "global", ...KUMA_ZONES.map(z => z.name));
        const project = new Project(sandbox, root);
        project.configure(KUMA_ZONES);
        await (await project.open()).up();
        for (const z of KUMA_ZONES) sandbox.run("gateway", z.name);
        stack = await DrStack.open(project.stackName, project.dir, { urls: {}, service: DEFAULT_CP_SERVICE });
        const s = stack;
        // Every check but the failover model's: Kuma's defaults miss the default target on purpose.
        await eventually(
            "every zone ready (the failover model aside)",
            async () => {
                const failing = (await status(s, { preview: false })).zones.flatMap(z =>
                    z.checks.filter(c => !c.ok && c.name !== "failover").map(c => `${z.zone} ${c.name}: ${c.detail}`),
                );
                if (failing.length) throw new Error(failing.join("; "));
                return true;
            },
            180_000,
            1000,
        );
        await fn({ root, sandbox, project, stack: s });
        await (await project.open()).destroy();
    } finally {
        stack?.close();
        sandbox.run("down");
        fs.rmSync(root, { recursive: true, force: true });
    }
}

async function benchFailover(rows: Row[], profile: Profile): Promise<void> {
    await withKumaSandbox("failover", profile, async ({ root, stack: s }) => {
        const sec = (ms: number | undefined, what: string) => {
            if (ms === undefined) throw new Error(`drill: ${what} not observed`);
            return ms / 1000;
        };
        const gateway = (r: DrillReport, zone: string) => r.gateways.find(g => g.gateway === zone)!;
        const row = (what: string, samples: number[]) => rows.push({ zones: 2, what: `[${profile}] ${what}`, samples });
        for (const fault of BENCH_FAULTS) {
            const reports: DrillReport[] = [];
            for (let i = 0; i < RUNS; i++) {
                process.stderr.write(
                    `[failover] [${profile}] drill ${fault} ${i + 1}/${RUNS} (load average ${loadAverage()})\n`,
                );
                reports.push(await runDrill(s, fault, path.join(root, "reports", `${fault}-${i}`)));
            }
            if (fault === "echo") {
                // Per gateway: the zone's own one (same-zone model) and the other zone's (cross-zone model).
                const perGateway = [
                    ["zone1", "left", "failover: zone1 echo to 0 → zone1's own gateway stops using it"],
                    ["zone2", "left", "failover: zone1 echo to 0 → zone2's gateway stops listing it"],
                    ["zone1", "back", "recovery: zone1 echo back → zone1's gateway uses it at priority 0"],
                    ["zone2", "back", "recovery: zone1 echo back → zone2's gateway lists it again"],
                ] as const;
                for (const [zone, event, what] of perGateway)
                    row(
                        what,
                        reports.map(r => {
                            const g = gateway(r, zone);
                            const [at, from] = event === "left" ? [g.leftAt, r.faultAt] : [g.backAt, r.restoredAt];
                            return sec(at === undefined ? undefined : at - from, `${zone} ${event}`);
                        }),
                    );
            }
            // The zone fault has no control-plane failover to time (see docs/dr-tool.md): recovery only.
            if (fault !== "zone")
                row(
                    `drill ${fault} (zone1): time to fail over`,
                    reports.map(r => sec(r.failoverMs, "failover")),
                );
            row(
                `drill ${fault} (zone1): time to recover`,
                reports.map(r => sec(r.recoveryMs, "recovery")),
            );
        }
    });
}

/** A process's CPU time so far (user + system, every thread), in ms: fields 14 and 15 of /proc/<pid>/stat. */
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
function cpuMs(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: count from the ")" that closes it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}
const loadAverage = () => Number(fs.readFileSync("/proc/loadavg", "utf8").split(" ")[0]);

interface CpuRow {
    profile: Profile;
    /** "idle", or the echo dataplanes per zone with their xDS streams open. */
    load: string;
    process: string;
    /** ms of CPU per second of wall time, one per window. */
    samples: number[];
    /** The 1-minute load average at the start and end of each window. */
    loadAverages: number[];
}

/** The processes whose CPU is measured: every cluster's kuma-cp, then its kube-apiserver. */
const CPU_PROCESSES = ["global", ...KUMA_ZONES.map(z => z.name)].flatMap(c => [
    { cluster: c, component: "kuma-cp", name: `${c} kuma-cp` },
    { cluster: c, component: "kube-apiserver", name: `${c} kube-apiserver` },
]);

/** RUNS windows of CPU_SECONDS, each process's CPU time over each, after CPU_SETTLE_SECONDS. */
async function measureCpu(sandbox: Sandbox, profile: Profile, load: string, rows: CpuRow[]): Promise<void> {
    process.stderr.write(`[cp-cpu] [${profile}] ${load}: settling ${CPU_SETTLE_SECONDS} s\n`);
    await new Promise(r => setTimeout(r, CPU_SETTLE_SECONDS * 1000));
    const pids = CPU_PROCESSES.map(p => sandbox.pid(p.cluster, p.component));
    const these = CPU_PROCESSES.map(p => ({
        profile,
        load,
        process: p.name,
        samples: [] as number[],
        loadAverages: [] as number[],
    }));
    for (let i = 0; i < RUNS; i++) {
        const startLoad = loadAverage();
        const t0 = process.hrtime.bigint();
        const before = pids.map(cpuMs);
        await new Promise(r => setTimeout(r, CPU_SECONDS * 1000));
        const after = pids.map(cpuMs);
        const wall = Number(process.hrtime.bigint() - t0) / 1e9;
        these.forEach((row, j) => {
            row.samples.push((after[j] - before[j]) / wall);
            row.loadAverages.push(startLoad, loadAverage());
        });
        process.stderr.write(
            `[cp-cpu] [${profile}] ${load}: window ${i + 1}/${RUNS}: ${these.map(r => `${r.process} ${r.samples[i].toFixed(1)}`).join(", ")} ms/s (load ${startLoad}–${loadAverage()})\n`,
        );
    }
    rows.push(...these);
}

/** The zone's proxies Kuma knows (echo's and the gateway's Dataplanes, its ZoneIngress and ZoneEgress), ready to connect. */
function zoneProxyRefs(sandbox: Sandbox, zone: string, mesh: string): ProxyRef[] {
    const token = (ns: string) =>
        sandbox.kubectl(zone, ["-n", ns, "create", "token", "default", "--duration=2h"]).trim();
    // The zone's own zone proxies only: the other zones' are synced in by KDS (kuma.io/origin: global).
    const names = (ns: string, kind: string): string[] =>
        (sandbox.get(zone, ["-n", ns, kind, "-l", "kuma.io/origin!=global"])?.items ?? []).map(
            (o: any) => o.metadata.name,
        );
    const kong = token("kong");
    const system = token(SYSTEM_NS);
    return [
        ...names("kong", "dataplanes.kuma.io").map(n => ({
            id: `${mesh}.${n}.kong`,
            type: "dataplane" as const,
            token: kong,
        })),
        ...names(SYSTEM_NS, "zoneingresses.kuma.io").map(n => ({
            id: `.${n}.${SYSTEM_NS}`,
            type: "ingress" as const,
            token: system,
        })),
        ...names(SYSTEM_NS, "zoneegresses.kuma.io").map(n => ({
            id: `.${n}.${SYSTEM_NS}`,
            type: "egress" as const,
            token: system,
        })),
    ];
}

/**
 * The control planes' CPU on one profile: idle (the stack deployed, its proxies known to the zone
 * CPs but none connected), then for each of DATAPLANES, echo scaled to that many replicas in
 * every zone and every proxy of the zone connected over xDS.
 */
async function benchCpCpu(rows: CpuRow[], profile: Profile): Promise<void> {
    await withKumaSandbox("cp-cpu", profile, async ({ sandbox, stack }) => {
        await measureCpu(sandbox, profile, "idle", rows);
        for (const n of DATAPLANES) {
            for (const z of KUMA_ZONES)
                sandbox.kubectl(z.name, ["-n", "kong", "scale", "deployment/echo", `--replicas=${n}`]);
            // Each echo pod is a Dataplane once Kuma's pod controller has seen it (plus the gateway stand-in's).
            for (const z of KUMA_ZONES)
                await eventually(
                    `${z.name}: ${n} echo dataplanes`,
                    () => {
                        const dps = (sandbox.get(z.name, ["-n", "kong", "dataplanes.kuma.io"])?.items ?? []).filter(
                            (d: any) => d.metadata.name.startsWith("echo-"),
                        );
                        return dps.length === n || undefined;
                    },
                    300_000,
                    2000,
                );
            const connected = KUMA_ZONES.map(z => {
                const { address, caCert } = sandbox.dpServer(z.name);
                const proxies = new ZoneProxies(z.name, address, fs.readFileSync(caCert));
                for (const ref of zoneProxyRefs(sandbox, z.name, stack.mesh)) proxies.connect(ref);
                return proxies;
            });
            try {
                for (const p of connected) {
                    // A refused stream does not come back: stop at once, with the CP's reason.
                    const { value: errors } = await eventually(
                        `${p.zone}: every proxy has its clusters and listeners`,
                        () => {
                            const { connected: c, total, errors } = p.progress();
                            return errors.length ? errors : c === total ? [] : undefined;
                        },
                        300_000,
                        1000,
                    );
                    if (errors.length)
                        throw new Error(`${p.zone}: xDS streams refused: ${errors.slice(0, 3).join("; ")}`);
                }
                await measureCpu(sandbox, profile, `${n} dataplanes per zone`, rows);
                process.stderr.write(
                    `[cp-cpu] [${profile}] ${n}: xDS answers received: ${connected.map(p => `${p.zone} ${p.answers()}`).join(", ")}\n`,
                );
            } finally {
                for (const p of connected) p.close();
            }
        }
    });
}

async function main() {
    const rows: Row[] = [];
    const cpuRows: CpuRow[] = [];
    try {
        // Start-up first: it needs no sandbox, so a broken program stops the bench at once.
        if (SECTIONS.has("startup"))
            rows.push(
                ...ZONE_COUNTS.map(n => ({
                    zones: n,
                    what: "program start-up (ts-node, mocks)",
                    samples: Array.from({ length: RUNS }, () => startupSeconds(n)),
                })),
            );
        if (SECTIONS.has("failover") && FAILOVER) for (const p of BENCH_PROFILES) await benchFailover(rows, p);
        else if (SECTIONS.has("failover"))
            process.stderr.write(
                `[failover] skipped: ${KUMA_INSTALLED ? "BENCH_FAILOVER=0" : "Kuma is not installed (bash scripts/toolchain.sh kuma)"}\n`,
            );
        if (SECTIONS.has("cp-cpu") && KUMA_INSTALLED) for (const p of BENCH_PROFILES) await benchCpCpu(cpuRows, p);
        else if (SECTIONS.has("cp-cpu"))
            process.stderr.write("[cp-cpu] skipped: Kuma is not installed (bash scripts/toolchain.sh kuma)\n");
        if (SECTIONS.has("zones")) for (const n of ZONE_COUNTS) await benchZones(n, rows);
        if (SECTIONS.has("services")) await benchServices(rows);
        if (SECTIONS.has("unit")) {
            // The unit and integration suites, exactly as a user runs them (their install checks included).
            for (const suite of ["test:unit", "test:integration"]) {
                const samples = Array.from({ length: Math.min(RUNS, 3) }, () => {
                    const start = Date.now();
                    const r = spawnSync("npm", ["run", suite], { cwd: ROOT, encoding: "utf8" });
                    if (r.status !== 0) throw new Error(`npm run ${suite} failed:\n${r.stdout}${r.stderr}`);
                    return (Date.now() - start) / 1000;
                });
                rows.push({ zones: 0, what: `${suite.slice(5)}-test suite (npm run ${suite})`, samples });
            }
        }
    } finally {
        // What was measured is printed even when a later step fails.
        printTable(rows);
        printCpuTable(cpuRows);
    }
}

function printTable(rows: Row[]) {
    const versions = spawnSync("pulumi", ["version"], { encoding: "utf8" }).stdout.trim();
    console.log(
        `machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; node ${process.version}; ` +
            `pulumi ${versions}; ${RUNS} runs; program compiled ${TYPECHECK ? "with type checking" : "transpile-only"}`,
    );
    console.log("| zones | what | median s | min s | max s | × floor |");
    console.log("| ---: | --- | ---: | ---: | ---: | ---: |");
    for (const r of rows) {
        const s = stats(r.samples);
        const ratio = r.floor ? (s.median / r.floor).toFixed(1) : "";
        console.log(
            `| ${r.zones || ""} | ${r.what} | ${s.median.toFixed(2)} | ${s.min.toFixed(2)} | ${s.max.toFixed(2)} | ${ratio} |`,
        );
    }
}

/** Per process, ms of CPU per second (median, min–max of the windows) for each profile and load, with the load average seen. */
function printCpuTable(rows: CpuRow[]) {
    if (!rows.length) return;
    console.log(
        `\ncontrol-plane CPU: ms of CPU time per second (utime + stime), median (min–max) of ${RUNS} windows of ${CPU_SECONDS} s after ${CPU_SETTLE_SECONDS} s settling`,
    );
    console.log("| profile | dataplanes | process | ms/s | load average |");
    console.log("| --- | --- | --- | ---: | ---: |");
    for (const r of rows) {
        const s = stats(r.samples);
        const l = stats(r.loadAverages);
        console.log(
            `| ${r.profile} | ${r.load} | ${r.process} | ${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)}) | ${l.min.toFixed(1)}–${l.max.toFixed(1)} |`,
        );
    }
}

main().catch(e => {
    console.error(e);
    process.exit(1);
});
