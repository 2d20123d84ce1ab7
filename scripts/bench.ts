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
// it again at its place. BENCH_SECTIONS (comma-separated) runs only some of the sections.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { DrillReport, drill } from "../dr/drill";
import { FAULTS, FaultKind } from "../dr/faults";
import { DEFAULT_CP_SERVICE, DrStack } from "../dr/stack";
import { status } from "../dr/status";
import { stats } from "../dr/timeline";
import { Ops, Project, ROOT, Sandbox, eventually, tempRoot } from "../test/e2e/support";
import { ECHO_SERVICE, deployExisting, deployedService, existingService } from "../test/e2e/support";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ZONE_COUNTS = (process.env.BENCH_ZONES ?? "2,4,8").split(",").filter(Boolean).map(Number);
/** BENCH_TYPECHECK=1 measures the engine type-checking the program on every run (the "before"). */
const TYPECHECK = process.env.BENCH_TYPECHECK === "1";
/** Kuma is installed when scripts/toolchain.sh linked a checked kuma-cp (scripts/toolchain/kuma.sh). */
const KUMA_INSTALLED = fs.existsSync(path.join(ROOT, ".toolchain", "bin", "kuma-cp"));
const FAILOVER = process.env.BENCH_FAILOVER === undefined ? KUMA_INSTALLED : process.env.BENCH_FAILOVER !== "0";
/** BENCH_SECTIONS picks what to measure (default all): startup, failover, zones, services, unit. */
const SECTIONS = new Set(
    (process.env.BENCH_SECTIONS ?? "startup,failover,zones,services,unit").split(",").filter(Boolean),
);
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

async function benchFailover(rows: Row[]): Promise<void> {
    const root = tempRoot();
    const sandbox = new Sandbox(path.join(root, "sandbox"), PORT_BASE);
    const zones = [{ name: "zone1" }, { name: "zone2" }];
    let stack: DrStack | undefined;
    try {
        process.stderr.write("[failover] sandbox up (with Kuma control planes)\n");
        sandbox.run("up", "global", "zone1", "zone2");
        const project = new Project(sandbox, root);
        project.configure(zones);
        await (await project.open()).up();
        for (const z of zones) sandbox.run("gateway", z.name);
        stack = await DrStack.open(project.stackName, project.dir, { urls: {}, service: DEFAULT_CP_SERVICE });
        const s = stack;
        await eventually(
            "every zone ready",
            async () => (await status(s, { preview: false })).ready || undefined,
            180_000,
            1000,
        );
        const sec = (ms: number | undefined, what: string) => {
            if (ms === undefined) throw new Error(`drill: ${what} not observed`);
            return ms / 1000;
        };
        const gateway = (r: DrillReport, zone: string) => r.gateways.find(g => g.gateway === zone)!;
        for (const fault of FAULTS) {
            const reports: DrillReport[] = [];
            for (let i = 0; i < RUNS; i++) {
                process.stderr.write(`[failover] drill ${fault} ${i + 1}/${RUNS}\n`);
                reports.push(await runDrill(s, fault, path.join(root, "reports", `${fault}-${i}`)));
            }
            if (fault === "echo") {
                // Per gateway: the zone's own one (same-zone model) and the other zone's (cross-zone model).
                rows.push({
                    zones: 2,
                    what: "failover: zone1 echo to 0 → zone1's own gateway stops using it",
                    samples: reports.map(r => sec(gateway(r, "zone1").leftAt! - r.faultAt, "zone1 left")),
                });
                rows.push({
                    zones: 2,
                    what: "failover: zone1 echo to 0 → zone2's gateway stops listing it",
                    samples: reports.map(r => sec(gateway(r, "zone2").leftAt! - r.faultAt, "zone2 left")),
                });
                rows.push({
                    zones: 2,
                    what: "recovery: zone1 echo back → zone1's gateway uses it at priority 0",
                    samples: reports.map(r => sec(gateway(r, "zone1").backAt! - r.restoredAt, "zone1 back")),
                });
                rows.push({
                    zones: 2,
                    what: "recovery: zone1 echo back → zone2's gateway lists it again",
                    samples: reports.map(r => sec(gateway(r, "zone2").backAt! - r.restoredAt, "zone2 back")),
                });
            }
            // The zone fault has no control-plane failover to time (see docs/dr-tool.md): recovery only.
            if (fault !== "zone")
                rows.push({
                    zones: 2,
                    what: `drill ${fault} (zone1): time to fail over`,
                    samples: reports.map(r => sec(r.failoverMs, "failover")),
                });
            rows.push({
                zones: 2,
                what: `drill ${fault} (zone1): time to recover`,
                samples: reports.map(r => sec(r.recoveryMs, "recovery")),
            });
        }
        await (await project.open()).destroy();
    } finally {
        stack?.close();
        sandbox.run("down");
        fs.rmSync(root, { recursive: true, force: true });
    }
}

async function main() {
    const rows: Row[] = [];
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
        if (SECTIONS.has("failover") && FAILOVER) await benchFailover(rows);
        else if (SECTIONS.has("failover"))
            process.stderr.write(
                `[failover] skipped: ${KUMA_INSTALLED ? "BENCH_FAILOVER=0" : "Kuma is not installed (bash scripts/toolchain.sh kuma)"}\n`,
            );
        if (SECTIONS.has("zones")) for (const n of ZONE_COUNTS) await benchZones(n, rows);
        if (SECTIONS.has("services")) await benchServices(rows);
        if (SECTIONS.has("unit")) {
            const unit = Array.from({ length: Math.min(RUNS, 3) }, () => {
                const start = Date.now();
                const r = spawnSync("npx", ["vitest", "run", "--project", "unit"], { cwd: ROOT, encoding: "utf8" });
                if (r.status !== 0) throw new Error(`unit tests failed:\n${r.stdout}`);
                return (Date.now() - start) / 1000;
            });
            rows.push({ zones: 0, what: "unit-test suite (npx vitest run --project unit)", samples: unit });
        }
    } finally {
        // What was measured is printed even when a later step fails.
        printTable(rows);
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

main().catch(e => {
    console.error(e);
    process.exit(1);
});
