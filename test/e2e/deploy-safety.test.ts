// Trusting the deploy itself: the whole life of a stack (up, no-op up, a one-setting update,
// destroy) run by an identity that has only the RBAC `npm run rbac` generates; a second `up` while
// one runs; an `up` killed with SIGKILL and one interrupted with Ctrl-C, each followed by the
// one recovery command (also after a kill that cut short a file the state backend was saving);
// and no secret in any log, preview, output or state file of all that.
// The sandbox runs without Kuma control planes: these steps are about what the engine and the
// API servers do, and nothing here needs Kuma's computed state. The sandbox creates Mesh `default`
// as the global CP does at start-up, so the Mesh is adopted (patched) as in real use.
import { ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { DEPLOYER, deployerRbac } from "../../zones/rbac";
import { rbacYaml } from "../../scripts/rbac";
import { Project, ROOT, SYSTEM_NS, Sandbox, managedKindNames, tempRoot } from "./support";

const root = tempRoot();
const sandbox = new Sandbox(path.join(root, "sandbox"), 21443, { kuma: false });
const project = new Project(sandbox, root);
// zone2 joins the stack only in the interrupted `up`s: its Deployment is a create still in flight.
const CLUSTERS = ["global", "zone1", "zone2"] as const;
const ZONES = ["zone1", "zone2"] as const;
const STACK = project.stackName;
/** Every kind the program manages, to find its objects (by label) on the clusters. */
const OUR_KINDS = { zone: managedKindNames("zone"), global: managedKindNames("global") };

/** Everything any run printed or wrote, scanned for secrets at the end. */
const transcript: string[] = [];
/** The restricted identity's kubeconfig per cluster. */
const deployerKubeconfig: Record<string, string> = {};

interface Run {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    ms: number;
}

/** Starts `pulumi` (or a script) in the project, in a process group of its own (as a terminal would). */
function start(cmd: string, args: string[], stdinFile?: string): { child: ChildProcess; done: Promise<Run> } {
    const t0 = Date.now();
    const stdin = stdinFile === undefined ? "ignore" : fs.openSync(stdinFile, "r");
    // A temp folder of its own, removed when it ends, as the docs tell a CI job that runs pulumi
    // itself: the Kubernetes provider leaves a copy of each kubeconfig in TMPDIR (scripts/env.sh).
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "run-"));
    const child = spawn(cmd, args, {
        cwd: project.dir,
        detached: true,
        stdio: [stdin, "pipe", "pipe"],
        env: { ...process.env, TMPDIR: tmp },
    });
    let stdout = "",
        stderr = "";
    child.stdout!.on("data", d => {
        stdout += d;
    });
    child.stderr!.on("data", d => {
        stderr += d;
    });
    const done = new Promise<Run>(resolve =>
        child.on("close", (code, signal) => {
            fs.rmSync(tmp, { recursive: true, force: true });
            transcript.push(`$ ${cmd} ${args.join(" ")}\n${stdout}\n${stderr}`);
            resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
        }),
    );
    return { child, done };
}

const pulumi = (...args: string[]) => start("pulumi", [...args, "--stack", STACK, "--non-interactive"]).done;

async function ok(run: Promise<Run>): Promise<Run> {
    const r = await run;
    if (r.code !== 0) throw new Error(`exit ${r.code} ${r.signal ?? ""}\n${r.stdout}\n${r.stderr}`);
    return r;
}

let eventLogs = 0;
/** `--event-log <file>` (a flag the CLI offers with PULUMI_DEBUG_COMMANDS, as the Automation API sets it) and the file. */
function eventLogArgs(): [string[], string] {
    const file = path.join(root, `events-${++eventLogs}.jsonl`);
    return [["--event-log", file], file];
}

/** Every process below `pid`, read from /proc. */
function descendants(pid: number): number[] {
    const parent = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc").filter(e => /^\d+$/.test(e))) {
        try {
            // stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after its ")".
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
        } catch {
            /* gone meanwhile */
        }
    }
    const found: number[] = [];
    for (let frontier = [pid]; frontier.length > 0;) {
        frontier = [...parent].filter(([, ppid]) => frontier.includes(ppid)).map(([p]) => p);
        found.push(...frontier);
    }
    return found;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The engine events of a run, one JSON object a line (a run killed mid-write leaves half a line). */
function events(file: string, record = true): any[] {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (record) transcript.push(text);
    return text.split("\n").flatMap(l => {
        try {
            return [JSON.parse(l)];
        } catch {
            return [];
        }
    });
}

/** What a run changed, from its summary event: {create: n, update: n, ...} without `same`. */
function changesOf(file: string): Record<string, number> {
    const summary = events(file).find(e => e.summaryEvent)?.summaryEvent;
    if (!summary) throw new Error(`no summary in ${file}`);
    const { same: _same, ...changes } = summary.resourceChanges ?? {};
    return changes;
}

async function up(): Promise<Record<string, number>> {
    const [args, file] = eventLogArgs();
    await ok(pulumi("up", "--yes", "--skip-preview", ...args));
    return changesOf(file);
}

async function previewChanges(): Promise<Record<string, number>> {
    const [args, file] = eventLogArgs();
    await ok(pulumi("preview", ...args));
    return changesOf(file);
}

/** Sets plain config values by path, all in one CLI run. */
async function setConfig(values: Record<string, string>) {
    const pairs = Object.entries(values).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]);
    await ok(start("pulumi", ["config", "set-all", "--path", ...pairs, "--stack", STACK]).done);
}

/** Stores a file's contents as a secret, read from stdin so it is in no command line. */
async function setSecretFromFile(pathKey: string, file: string) {
    await ok(start("pulumi", ["config", "set", "--path", "--secret", pathKey, "--stack", STACK], file).done);
}

/** The stack's checkpoint, decrypted by nothing: what the backend stores. */
function checkpoint(): any {
    return JSON.parse(project.storedState()).checkpoint.latest;
}

const lockFiles = () => {
    const dir = path.join(project.stateDir, ".pulumi", "locks");
    return fs.existsSync(dir)
        ? fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(f => f.endsWith(".json"))
        : [];
};

/** Objects of ours on the clusters, read with the admin identity: `cluster kind namespace/name`. */
function objectsOnClusters(): string[] {
    return CLUSTERS.flatMap(c => {
        const kinds = c === "global" ? OUR_KINDS.global : OUR_KINDS.zone;
        const items = sandbox.get(c, [kinds.join(","), "-A", "-l", "app.kubernetes.io/managed-by=mesh-dr"]).items;
        return items.map((o: any) => `${c} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
    }).sort();
}

/** The Kubernetes objects the state says it manages, in the same form. */
function objectsInState(): string[] {
    const resources: any[] = checkpoint().resources ?? [];
    const providers = new Map(
        resources
            .filter(r => r.type === "pulumi:providers:kubernetes")
            .map(r => [`${r.urn}::${r.id}`, r.urn.split("::").pop()]),
    );
    return resources
        .filter(r => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"))
        .map(
            r =>
                `${providers.get(r.provider)} ${r.outputs.kind} ${r.outputs.metadata.namespace ?? ""}/${r.outputs.metadata.name}`,
        )
        .sort();
}

/**
 * Waits until the engine is creating zone2's Deployment and the API server already has it: the
 * create is in flight (the provider waits for the rollout), so the state does not know the object yet.
 */
async function zone2DeploymentInFlight(eventLog: string, run: Promise<Run>, timeoutMs = 180_000): Promise<void> {
    let ended = false;
    void run.then(() => {
        ended = true;
    });
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs && !ended) {
        const started = events(eventLog, false).some(
            e =>
                e.resourcePreEvent?.metadata?.op === "create" &&
                e.resourcePreEvent.metadata.urn.endsWith("kubernetes:apps/v1:Deployment::zone2-echo"),
        );
        if (started && sandbox.get("zone2", ["-n", "kong", "deployment", "echo"]) !== undefined) return;
        await new Promise(r => setTimeout(r, 50));
    }
    throw new Error(`zone2's Deployment never in flight in ${eventLog}: ${ended ? "the up ended first" : "timed out"}`);
}

/**
 * Adds zone2 (9 objects to create, its Deployment waiting for its rollout), turns the failover
 * policies and the traffic permission on (7 more) and changes echo's replicas in zone1.
 */
async function createsAndChanges(replicas: number) {
    await setConfig({
        "zones[1].name": "zone2",
        "failover.enabled": "true",
        gatewaysOnly: "true",
        "echo.replicas": String(replicas),
    });
    await setSecretFromFile("zones[1].kubeconfig", deployerKubeconfig.zone2);
}

/** Intact: nothing pending, no lock, each object once on the clusters and once in state. */
function expectIntact() {
    expect(lockFiles()).toEqual([]);
    expect(checkpoint().pending_operations ?? []).toEqual([]);
    const inState = objectsInState();
    expect(new Set(inState).size).toBe(inState.length);
    expect(objectsOnClusters()).toEqual(inState);
}

/** Converged: intact, and a preview finds nothing to change. */
async function expectConverged() {
    expectIntact();
    expect(await previewChanges()).toEqual({});
}

beforeAll(async () => {
    process.env.PULUMI_DEBUG_COMMANDS = "true";
    sandbox.run("up", ...CLUSTERS);
    // The administrator's one step: apply the generated RBAC; the deploy identity is in the group.
    for (const zone of ZONES) sandbox.kubectl(zone, ["apply", "-f", "-"], rbacYaml("zone"));
    sandbox.kubectl("global", ["apply", "-f", "-"], rbacYaml("global"));
    for (const c of CLUSTERS) deployerKubeconfig[c] = sandbox.mintUser(c, "ci-deployer", DEPLOYER.group);

    fs.writeFileSync(path.join(project.dir, `Pulumi.${STACK}.yaml`), "config: {}\n");
    await ok(start("pulumi", ["stack", "init", STACK, "--secrets-provider", "passphrase"]).done);
    // Kubeconfig contents, as secrets: what must never show up in plain text anywhere.
    await setConfig({ "zones[0].name": "zone1", "failover.enabled": "false", gatewaysOnly: "false" });
    await setSecretFromFile("zones[0].kubeconfig", deployerKubeconfig.zone1);
    await setSecretFromFile("global.kubeconfig", deployerKubeconfig.global);
}, 10 * 60_000);

afterAll(() => {
    sandbox.run("down");
    fs.rmSync(root, { recursive: true, force: true });
});

describe("a deploy identity with only the generated RBAC", () => {
    it("is refused what the program does not manage", () => {
        const can = (c: string, ...args: string[]) =>
            sandbox.kubectl(c, ["auth", "can-i", ...args, "--as", "ci-deployer", "--as-group", DEPLOYER.group]).trim();
        const cannot = (c: string, ...args: string[]) => {
            try {
                return can(c, ...args);
            } catch (e) {
                return String((e as { stdout?: string }).stdout ?? "").trim(); // can-i exits 1 for "no"
            }
        };
        expect(cannot("zone1", "get", "secrets", "-n", "kube-system")).toBe("no");
        expect(cannot("zone1", "create", "clusterroles.rbac.authorization.k8s.io")).toBe("no");
        expect(cannot("zone1", "create", "configmaps", "-n", "kong")).toBe("no");
        expect(cannot("zone1", "delete", "namespaces/kube-system")).toBe("no");
        expect(cannot("zone1", "update", "deployments.apps", "-n", "kong")).toBe("no");
        expect(cannot("global", "create", "meshes.kuma.io")).toBe("no");
        expect(cannot("global", "create", "meshtimeouts.kuma.io", "-n", "default")).toBe("no");
        expect(can("global", "create", "meshtimeouts.kuma.io", "-n", SYSTEM_NS)).toBe("yes");
        expect(can("zone1", "delete", "namespaces/kong")).toBe("yes");
        // A real request with the deploy identity's own certificate, not impersonation.
        const r = start("kubectl", [
            "--kubeconfig",
            deployerKubeconfig.zone1,
            "get",
            "secrets",
            "-n",
            "kube-system",
        ]).done;
        return r.then(res => {
            expect(res.code).not.toBe(0);
            expect(res.stderr).toMatch(/forbidden: User "ci-deployer" cannot list resource "secrets"/);
        });
    });

    it("runs `pulumi up`; the RBAC output equals the applied manifests", async () => {
        await up();
        expect(sandbox.get("zone1", ["-n", "kong", "deployment", "echo"]).status.readyReplicas).toBe(2);
        expect(sandbox.get("global", ["-n", SYSTEM_NS, "meshmultizoneservices.kuma.io", "echo"])).toBeDefined();
        expect(sandbox.get("global", ["meshes.kuma.io", "default"]).spec.mtls.enabledBackend).toBe("ca-1");
        const outputs = JSON.parse((await ok(pulumi("stack", "output", "--json"))).stdout);
        const settings = {
            meshName: "default",
            meshManage: "patch" as const,
            gatewayClassName: "kong",
            systemNamespace: SYSTEM_NS,
        };
        expect(outputs.deployerRbac).toEqual({
            zone: deployerRbac("zone", settings),
            global: deployerRbac("global", settings),
        });
        transcript.push(
            JSON.stringify(outputs),
            (await ok(pulumi("stack", "output", "--json", "--show-secrets"))).stdout,
        );
        expect(objectsOnClusters()).toEqual(objectsInState());
    });

    it("runs a no-op `up`", async () => {
        expect(await up()).toEqual({});
    });
});

describe("two `up`s of one stack at once", () => {
    it("fails the second fast with the lock message; the first, a one-setting update, finishes and the state stays intact", async () => {
        await setConfig({ "echo.replicas": "3" });
        const [args, eventLog] = eventLogArgs();
        const first = start("pulumi", [
            "up",
            "--yes",
            "--skip-preview",
            "--non-interactive",
            "--stack",
            STACK,
            ...args,
        ]);
        const t0 = Date.now();
        while (lockFiles().length === 0) {
            if (Date.now() - t0 > 60_000) throw new Error("the first up never took the lock");
            await new Promise(r => setTimeout(r, 20));
        }
        const second = await pulumi("up", "--yes", "--skip-preview");
        expect(second.code).not.toBe(0);
        expect(second.stderr).toMatch(
            /the stack is currently locked by 1 lock\(s\)\. Either wait for the other process\(es\) to end or delete the lock file with `pulumi cancel`\./,
        );
        expect(second.stderr).toMatch(/created by .*\(pid \d+\)/);
        expect(second.ms).toBeLessThan(20_000);
        console.log(`second up refused after ${second.ms} ms`);
        expect((await first.done).code).toBe(0);
        // The deploy identity's one-setting update: exactly one object changed.
        expect(changesOf(eventLog)).toEqual({ update: 1 });
        expect(sandbox.get("zone1", ["-n", "kong", "deployment", "echo"]).spec.replicas).toBe(3);
        expectIntact();
    });
});

describe("an interrupted `up` and the one recovery command", () => {
    /** Every object the interrupted `up` was to create is there once: zone2's 10, the 8 global ones. */
    const expectAllCreated = () => {
        const objects = objectsOnClusters();
        expect(objects.filter(o => o.startsWith("zone2 "))).toHaveLength(10);
        expect(objects.filter(o => o.startsWith("global Mesh") && !o.includes("/default"))).toHaveLength(8);
    };
    const recover = () => ok(start("bash", [path.join(ROOT, "scripts", "recover.sh"), STACK]).done);

    /**
     * Starts an `up` that creates zone2's objects and the global ones and updates a Deployment, and hits it with `signal`
     * while zone2's Deployment is being created. Returns the pending operations the state then holds.
     */
    async function interruptedUp(
        signal: "SIGKILL" | "SIGINT",
        replicas: number,
    ): Promise<{ run: Run; pending: string[] }> {
        await createsAndChanges(replicas);
        const [args, eventLog] = eventLogArgs();
        const { child, done } = start("pulumi", [
            "up",
            "--yes",
            "--skip-preview",
            "--non-interactive",
            "--stack",
            STACK,
            ...args,
        ]);
        await zone2DeploymentInFlight(eventLog, done);
        // Pulumi starts each plugin in a process group of its own: find them before the engine dies.
        const plugins = descendants(child.pid!);
        if (signal === "SIGKILL") {
            // The engine dies at once; its language host and provider plugins lose their parent.
            process.kill(child.pid!, "SIGKILL");
        } else {
            // Ctrl-C in a terminal signals the whole foreground process group.
            process.kill(-child.pid!, "SIGINT");
        }
        const run = await done;
        await new Promise(r => setTimeout(r, 2000));
        const survivors = plugins.filter(alive);
        // What outlived the engine is killed too, as it would be with the CI runner gone.
        for (const pid of survivors) process.kill(pid, "SIGKILL");
        events(eventLog);
        const pending = (checkpoint().pending_operations ?? []).map(
            (p: any) => `${p.type} ${p.resource.type.split(":").pop()} ${p.resource.urn.split("::").pop()}`,
        );
        console.log(
            `${signal}: engine exit ${run.code ?? run.signal} after ${run.ms} ms; pending in state: ${pending.join(", ") || "none"}; ` +
                `locks left: ${lockFiles().length}; ${survivors.length} of its ${plugins.length} plugin processes still running 2 s later`,
        );
        return { run, pending };
    }

    it("SIGKILL mid-`up`: the stack stays locked; `npm run recover` converges with every object once", async () => {
        const { run, pending } = await interruptedUp("SIGKILL", 4);
        expect(run.signal).toBe("SIGKILL");
        // Killed mid-flight: the state records the create it never saw finish, of an object the cluster has.
        expect(pending).toContain("creating Deployment zone2-echo");
        expect(lockFiles()).toHaveLength(1);
        const blocked = await pulumi("up", "--yes", "--skip-preview");
        expect(blocked.code).not.toBe(0);
        // Refused by the lock; or, when the kill fell between the truncate and the write of the
        // checkpoint's metadata sidecar (seen once in CI; the next test makes it happen), with EOF.
        expect(blocked.stderr).toMatch(/the stack is currently locked by 1 lock\(s\)|failed to load checkpoint/);

        const t0 = Date.now();
        await recover();
        console.log(`recover after SIGKILL: ${Date.now() - t0} ms`);
        await expectConverged();
        expectAllCreated();
        expect(sandbox.get("zone1", ["-n", "kong", "deployment", "echo"]).spec.replicas).toBe(4);
    });

    it("Ctrl-C mid-`up`: the engine stops cleanly; the same command converges", async () => {
        await ok(start("pulumi", ["config", "rm", "--path", "zones[1]", "--stack", STACK]).done);
        await setConfig({ "failover.enabled": "false", gatewaysOnly: "false" });
        expect(Object.keys(await up())).toEqual(["delete"]);
        const { run, pending } = await interruptedUp("SIGINT", 2);
        expect(run.code).not.toBe(0);
        // The engine let the steps in flight finish and recorded them, then gave the lock back.
        expect(pending).toEqual([]);
        expect(lockFiles()).toEqual([]);
        const t0 = Date.now();
        await recover();
        console.log(`recover after Ctrl-C: ${Date.now() - t0} ms`);
        await expectConverged();
        expectAllCreated();
        expect(sandbox.get("zone1", ["-n", "kong", "deployment", "echo"]).spec.replicas).toBe(2);
    });

    it("a kill while the backend saves: the checkpoint's cut-short sidecar is refused with EOF; the same command converges", async () => {
        // What a SIGKILL leaves when it falls between the file backend's truncate and write of the
        // checkpoint's metadata sidecar (scripts/recover.sh says why): an empty `<stack>.json.attrs`.
        const sidecar = `${project.checkpointFile}.attrs`;
        const checkpointBefore = project.storedState();
        const objectsBefore = objectsInState();
        fs.writeFileSync(sidecar, "");
        const refused = await pulumi("preview");
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toContain("failed to load checkpoint: EOF");
        // The checkpoint itself was never touched: only its sidecar is unreadable.
        expect(project.storedState()).toBe(checkpointBefore);
        expect((await recover()).stderr).toContain(`recover: ${sidecar} was cut short`);
        // The next save wrote the sidecar anew, with the checksum of the checkpoint it describes.
        const md5 = createHash("md5").update(fs.readFileSync(project.checkpointFile)).digest("base64");
        expect(JSON.parse(fs.readFileSync(sidecar, "utf8")).md5).toBe(md5);
        expect(objectsInState()).toEqual(objectsBefore);
        await expectConverged();
    });
});

describe("destroy with the deploy identity, and secrets", () => {
    it("destroys everything of ours and gives the adopted Mesh its fields back", async () => {
        await ok(pulumi("destroy", "--yes", "--skip-preview"));
        expect(objectsOnClusters()).toEqual([]);
        const mesh = sandbox.get("global", ["meshes.kuma.io", "default"]);
        expect(mesh).toBeDefined();
        expect(mesh.spec?.mtls).toBeUndefined();
    });

    it("never wrote a kubeconfig, client key or CA key in plain text to logs, outputs or the state backend", () => {
        const secrets: Record<string, string> = {};
        for (const c of CLUSTERS) {
            const kc = YAML.parse(fs.readFileSync(deployerKubeconfig[c], "utf8"));
            secrets[`${c} deployer client-key-data`] = kc.users[0].user["client-key-data"];
            secrets[`${c} deployer kubeconfig`] = fs.readFileSync(deployerKubeconfig[c], "utf8").slice(0, 200);
            for (const key of ["ca.key", "admin.key"]) {
                const pem = fs.readFileSync(path.join(sandbox.dir, c, "pki", key), "utf8");
                // The key material itself: any line of the PEM body.
                pem.split("\n")
                    .filter(l => l.length > 40 && !l.startsWith("-----"))
                    .forEach((l, i) => {
                        secrets[`${c} ${key} line ${i}`] = l;
                    });
            }
            const deployerKey = Buffer.from(kc.users[0].user["client-key-data"], "base64").toString("utf8");
            deployerKey
                .split("\n")
                .filter(l => l.length > 40 && !l.startsWith("-----"))
                .forEach((l, i) => {
                    secrets[`${c} deployer key line ${i}`] = l;
                });
        }
        const backendFiles = fs
            .readdirSync(project.stateDir, { recursive: true, encoding: "utf8" })
            .map(f => path.join(project.stateDir, f))
            .filter(f => fs.statSync(f).isFile());
        const stackFile = path.join(project.dir, `Pulumi.${STACK}.yaml`);
        // The temp folders: the system's, where the Kubernetes provider would leave a kubeconfig<digits>
        // copy of each kubeconfig, and the runs' private ones in it (scripts/env.sh); this test's own
        // files (the sandbox, its keys) aside. A run that ended (its pid gone) took its folder along.
        const systemTmp = process.env.MESH_DR_SYSTEM_TMPDIR ?? os.tmpdir();
        const runPrefix = /^MESH_DR_RUN_TMP_PREFIX=(\S+)$/m.exec(
            fs.readFileSync(path.join(ROOT, "scripts", "env.sh"), "utf8"),
        )![1];
        const since = fs.statSync(root).birthtimeMs;
        const stat = (f: string) => fs.statSync(f, { throwIfNoEntry: false });
        const walk = (d: string): string[] => {
            try {
                return fs.readdirSync(d, { withFileTypes: true }).flatMap(e => {
                    const f = path.join(d, e.name);
                    return f === root ? [] : e.isDirectory() ? walk(f) : e.isFile() ? [f] : [];
                });
            } catch {
                return []; // gone meanwhile, or another user's
            }
        };
        const isCopy = (f: string) => /^kubeconfig\d+$/.test(path.basename(f));
        const topFiles = fs
            .readdirSync(systemTmp, { withFileTypes: true })
            .filter(e => e.isFile())
            .map(e => path.join(systemTmp, e.name));
        const runDirs = fs
            .readdirSync(systemTmp)
            .filter(e => e.startsWith(runPrefix))
            .map(e => path.join(systemTmp, e));
        const ended = runDirs.filter(d => !alive(Number(path.basename(d).slice(runPrefix.length).split("-")[0])));
        const leftovers = [
            ...topFiles.filter(f => isCopy(f) && (stat(f)?.mtimeMs ?? 0) >= since),
            ...ended.flatMap(d =>
                (stat(d)?.birthtimeMs ?? 0) >= since ? [`${d} (its run ended)`] : walk(d).filter(isCopy),
            ),
        ];
        const tmpFiles = [...topFiles, ...runDirs.flatMap(walk)];
        const readable = (f: string) => {
            try {
                return fs.statSync(f).size < 16 << 20 ? [fs.readFileSync(f, "utf8")] : []; // a kubeconfig is small
            } catch {
                return []; // gone meanwhile, or another user's
            }
        };
        const haystacks: [string, string][] = [
            ...transcript.map((t, i): [string, string] => [`run ${i}: ${t.split("\n")[0]}`, t]),
            ...[...backendFiles, stackFile].map((f): [string, string] => [f, fs.readFileSync(f, "utf8")]),
            ...tmpFiles.flatMap(f => readable(f).map((t): [string, string] => [f, t])),
        ];
        expect(backendFiles.length).toBeGreaterThan(3); // the stack, its history and backups
        expect(transcript.length).toBeGreaterThan(20);
        expect(leftovers).toEqual([]);
        const found = haystacks.flatMap(([where, text]) =>
            Object.entries(secrets)
                .filter(([, s]) => text.includes(s))
                .map(([what]) => `${what} in ${where}`),
        );
        expect(found).toEqual([]);
        console.log(
            `scanned ${transcript.length} runs' output, ${backendFiles.length + 1} state files and ${tmpFiles.length} temp files (${systemTmp}, ${runDirs.length} run folders) for ${Object.keys(secrets).length} secrets`,
        );
    });
});
