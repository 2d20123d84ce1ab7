// End-to-end support: a private sandbox of real kube-apiservers, a throwaway copy of the
// project with its own stack file, and the real Pulumi engine through the Automation API.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineEvent, LocalWorkspace, OpType, Stack } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import { ControlPlane } from "../../dr/kuma";
import type { StatusReport } from "../../dr/status";
import { DEFAULTS } from "../../zones/config";
import { ClusterPart, managedKinds } from "../../zones/rbac";
import { ECHO_AS_SERVICE } from "../echo-service";

export const ROOT = path.resolve(__dirname, "../..");
const SANDBOX = path.join(ROOT, "scripts", "sandbox.sh");
/** Where the sandbox runs its control planes and the stacks put global objects: the default. */
export const SYSTEM_NS = DEFAULTS.systemNamespace;

/** Every kind the program manages on a cluster part (zones/rbac.ts), as kubectl names them: `deployments.apps`. */
export function managedKindNames(part: ClusterPart): string[] {
    const settings = {
        meshName: "default",
        meshManage: "create" as const,
        gatewayClassName: "kong",
        systemNamespace: SYSTEM_NS,
    };
    return managedKinds(part, settings).map(k =>
        k.apiVersion.includes("/") ? `${k.resource}.${k.apiVersion.split("/")[0]}` : k.resource,
    );
}

/** What the program sends for one stack: the files `pulumi` needs to run it. */
export const PROJECT_FILES = [
    "index.ts",
    "components",
    "zones",
    "Pulumi.yaml",
    "package.json",
    "tsconfig.json",
    "tsconfig.pulumi.json",
];

/** A sandbox of its own (directory and ports), so a user's `npm start` sandbox is left alone. */
export class Sandbox {
    /**
     * `kuma: false` runs the clusters without Kuma control planes (SANDBOX_KUMA=0); `globalMode:
     * "universal"` runs the global one in Universal mode (SANDBOX_GLOBAL_MODE); `kumaProfile` the
     * control planes' settings (SANDBOX_KUMA_PROFILE: the DR profile, or Kuma's defaults; unset,
     * the environment's or the sandbox's default, the DR profile).
     */
    constructor(
        readonly dir: string,
        readonly portBase: number,
        readonly opts: {
            kuma?: boolean;
            globalMode?: "kubernetes" | "universal";
            kumaProfile?: "dr" | "default";
        } = {},
    ) {}

    private env(): NodeJS.ProcessEnv {
        return {
            ...process.env,
            SANDBOX_DIR: this.dir,
            SANDBOX_PORT_BASE: String(this.portBase),
            SANDBOX_KUMA: this.opts.kuma === false ? "0" : "1",
            SANDBOX_GLOBAL_MODE: this.opts.globalMode ?? "kubernetes",
            ...(this.opts.kumaProfile ? { SANDBOX_KUMA_PROFILE: this.opts.kumaProfile } : {}),
        };
    }

    run(...args: string[]): string {
        const r = spawnSync("bash", [SANDBOX, ...args], { env: this.env(), encoding: "utf8", timeout: 10 * 60_000 });
        if (r.status !== 0)
            throw new Error(`sandbox.sh ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
        return r.stdout;
    }

    kubeconfig(cluster: string): string {
        return path.join(this.dir, cluster, "kubeconfig");
    }

    /** The cluster's Kuma control plane (global on `global`, a zone CP on every other cluster). */
    controlPlane(cluster: string): ControlPlane {
        return ControlPlane.at(cluster, `http://127.0.0.1:${this.kumaApiPort(cluster)}`);
    }

    /** scripts/sandbox/kuma.sh: PORT_BASE + 1000 + 10 × the cluster's index (HTTPS one above). */
    private kumaApiPort(cluster: string): number {
        const index = Number(fs.readFileSync(path.join(this.dir, cluster, "index"), "utf8"));
        return this.portBase + 1000 + 10 * index;
    }

    /** The zone CP's dp-server (where proxies open their xDS streams) and the CA its certificate is from. */
    dpServer(cluster: string): { address: string; caCert: string } {
        return {
            address: `127.0.0.1:${this.kumaApiPort(cluster) + 2}`,
            caCert: path.join(this.dir, cluster, "kuma", "certs", "ca.crt"),
        };
    }

    /** The pid of one of the cluster's processes (kuma-cp, kube-apiserver, ...), from its pidfile. */
    pid(cluster: string, component: string): number {
        return Number(fs.readFileSync(path.join(this.dir, cluster, "run", `${component}.pid`), "utf8"));
    }

    /** kumactl pointed at the cluster's control plane (with its token, where it wants one). */
    kumactl(cluster: string, args: string[], input?: string): string {
        return execFileSync(
            "kumactl",
            ["--config-file", path.join(this.dir, cluster, "kuma", "kumactl.yaml"), ...args],
            { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 },
        );
    }

    /** How the stack reaches a Universal global control plane's API: HTTPS, the sandbox CA, an admin token. */
    globalApi(cluster = "global"): { url: string; token: string; caCert: string } {
        const kuma = path.join(this.dir, cluster, "kuma");
        return {
            url: `https://127.0.0.1:${this.kumaApiPort(cluster) + 1}`,
            token: fs.readFileSync(path.join(kuma, "admin-token"), "utf8").trim(),
            caCert: path.join(kuma, "certs", "ca.crt"),
        };
    }

    /** kubectl as the cluster's Kuma control plane itself (the identity its webhooks let through). */
    kubectlAsControlPlane(cluster: string, args: string[], input?: string): string {
        return execFileSync("kubectl", ["--kubeconfig", path.join(this.dir, cluster, "kuma", "kubeconfig"), ...args], {
            encoding: "utf8",
            input,
            stdio: ["pipe", "pipe", "pipe"],
            timeout: 60_000,
        });
    }

    /**
     * A client certificate for `user` in `group`, signed by the cluster's CA, and a kubeconfig
     * with it: an identity that has exactly the rights RBAC gives that user or group.
     */
    mintUser(cluster: string, user: string, group: string): string {
        const pki = path.join(this.dir, cluster, "pki");
        const dir = fs.mkdtempSync(path.join(this.dir, cluster, `user-${user}-`));
        const [key, csr, crt] = ["key", "csr", "crt"].map(ext => path.join(dir, `${user}.${ext}`));
        execFileSync(
            "openssl",
            [
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key,
                "-out",
                csr,
                "-subj",
                `/O=${group}/CN=${user}`,
                "-config",
                path.join(pki, "openssl.cnf"),
            ],
            { stdio: "pipe" },
        );
        execFileSync(
            "openssl",
            [
                "x509",
                "-req",
                "-in",
                csr,
                "-CA",
                path.join(pki, "ca.crt"),
                "-CAkey",
                path.join(pki, "ca.key"),
                "-set_serial",
                `0x${Date.now().toString(16)}`,
                "-days",
                "1",
                "-extfile",
                path.join(pki, "openssl.cnf"),
                "-extensions",
                "v3_client",
                "-out",
                crt,
            ],
            { stdio: "pipe" },
        );
        const admin = YAML.parse(fs.readFileSync(this.kubeconfig(cluster), "utf8"));
        admin.users = [
            {
                name: user,
                user: {
                    "client-certificate-data": fs.readFileSync(crt).toString("base64"),
                    "client-key-data": fs.readFileSync(key).toString("base64"),
                },
            },
        ];
        admin.contexts[0].context.user = user;
        const kubeconfig = path.join(dir, "kubeconfig");
        fs.writeFileSync(kubeconfig, YAML.stringify(admin), { mode: 0o600 });
        return kubeconfig;
    }

    kubectl(cluster: string, args: string[], input?: string): string {
        return execFileSync("kubectl", ["--kubeconfig", this.kubeconfig(cluster), ...args], {
            encoding: "utf8",
            input,
            stdio: ["pipe", "pipe", "pipe"],
            timeout: 60_000,
        });
    }

    /** `kubectl get -o json`, or undefined when the object does not exist. */
    get(cluster: string, args: string[]): any {
        const r = spawnSync("kubectl", ["--kubeconfig", this.kubeconfig(cluster), "get", ...args, "-o", "json"], {
            encoding: "utf8",
            timeout: 60_000,
        });
        if (r.status !== 0) {
            if (/NotFound|not found/.test(r.stderr)) return undefined;
            throw new Error(`kubectl get ${args.join(" ")} on ${cluster}: ${r.stderr}`);
        }
        return JSON.parse(r.stdout);
    }
}

/** The walkthrough's echo written as a service (test/echo-service.ts): mesh-dr deploys it. */
export { ECHO_AS_SERVICE as ECHO_SERVICE } from "../echo-service";

/** A service mesh-dr deploys, as echo is, under another name (its route `/<name>`). */
export function deployedService(name: string): typeof ECHO_AS_SERVICE {
    return { ...ECHO_AS_SERVICE, name };
}

/** A Service its team runs in its own namespace (`existingService`): mesh-dr wires DR for it and deploys nothing. */
export interface ExistingService {
    name: string;
    port: number;
    namespace: string;
    podLabels: Record<string, string>;
}

export function existingService(name: string, namespace = "payments", port = 8080): ExistingService {
    return { name, port, namespace, podLabels: { app: name } };
}

/** The e2e suites' existing service: billing in namespace payments, port 8080. */
export const BILLING = existingService("billing");

/**
 * Creates, as its team would, outside the stack: the service's namespace (not in the mesh) and
 * its Deployment and Service. (The sandbox's nodes run no containers: the image is never pulled.)
 */
export function deployExisting(sandbox: Sandbox, zone: string, svc: ExistingService): void {
    const labels = svc.podLabels;
    const objects = [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: svc.namespace } },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: svc.name, namespace: svc.namespace, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        containers: [
                            {
                                name: svc.name,
                                image: `registry.example/${svc.name}:1.4.2`,
                                ports: [{ name: "http", containerPort: svc.port }],
                            },
                        ],
                    },
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: svc.name, namespace: svc.namespace, labels },
            spec: {
                selector: labels,
                ports: [{ name: "http", port: svc.port, targetPort: "http", appProtocol: "http" }],
            },
        },
    ];
    sandbox.kubectl(zone, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
}

export interface Zone {
    name: string;
    routeBackend?: string;
    echoReplicas?: number;
}

/** A copy of the project in a temp dir whose `Pulumi.e2e.yaml` the tests rewrite. */
export class Project {
    readonly dir: string;
    /** The local file backend: what would sit in a bucket for a real team. */
    readonly stateDir: string;
    readonly stackName = "e2e";
    private stack?: Stack;

    constructor(
        readonly sandbox: Sandbox,
        root: string,
    ) {
        this.dir = path.join(root, "project");
        fs.mkdirSync(this.dir, { recursive: true });
        this.copyProgram();
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(this.dir, "node_modules"));
        this.stateDir = path.join(root, "state");
        fs.mkdirSync(this.stateDir);
        process.env.PULUMI_BACKEND_URL = `file://${this.stateDir}`;
        process.env.PULUMI_CONFIG_PASSPHRASE = "e2e";
    }

    /** Puts today's program (PROJECT_FILES from ROOT) into the copy, in place of whatever program is there. */
    copyProgram(): void {
        for (const f of PROJECT_FILES) {
            fs.rmSync(path.join(this.dir, f), { recursive: true, force: true });
            fs.cpSync(path.join(ROOT, f), path.join(this.dir, f), { recursive: true });
        }
    }

    /**
     * Writes the stack file: zones on sandbox kubeconfigs, the global control plane on the
     * sandbox's `global` cluster, plus any other `mesh-dr:` keys.
     */
    configure(zones: Zone[], extra: Record<string, unknown> = {}): void {
        const config: Record<string, unknown> = {
            "mesh-dr:zones": zones.map(z => ({ ...z, kubeconfig: this.sandbox.kubeconfig(z.name) })),
            "mesh-dr:global": { kubeconfig: this.sandbox.kubeconfig("global") },
        };
        for (const [k, v] of Object.entries(extra)) config[`mesh-dr:${k}`] = v;
        fs.writeFileSync(path.join(this.dir, `Pulumi.${this.stackName}.yaml`), YAML.stringify({ config }));
    }

    /** Sets one `mesh-dr:` key as a secret (after configure, which rewrites the stack file). */
    async setSecret(key: string, value: unknown): Promise<void> {
        await (await this.open()).setConfig(`mesh-dr:${key}`, { value: JSON.stringify(value), secret: true });
    }

    /** The file the backend keeps the stack's checkpoint in. */
    get checkpointFile(): string {
        return path.join(this.stateDir, ".pulumi", "stacks", "mesh-dr", `${this.stackName}.json`);
    }

    /** The stack's checkpoint exactly as the backend stores it (no decryption). */
    storedState(): string {
        return fs.readFileSync(this.checkpointFile, "utf8");
    }

    async open(): Promise<Stack> {
        this.stack ??= await LocalWorkspace.createOrSelectStack({ stackName: this.stackName, workDir: this.dir });
        return this.stack;
    }
}

/** Resource operations an engine run reported, as `op type name` (steps that change nothing left out). */
export class Ops {
    readonly events: EngineEvent[] = [];
    readonly onEvent = (e: EngineEvent) => {
        this.events.push(e);
    };

    changes(): string[] {
        return this.events
            .flatMap(e => {
                const m = e.resourcePreEvent?.metadata;
                // The stack resource itself is created on a first run; it is not an object of ours.
                if (!m || m.op === "same" || (m.op as OpType) === "read" || m.type === "pulumi:pulumi:Stack") return [];
                const name = m.urn.split("::").pop();
                return [`${m.op} ${m.type} ${name}`];
            })
            .sort();
    }

    /** Every diagnostic the engine printed, to find error messages in. */
    diagnostics(): string {
        return this.events.map(e => e.diagnosticEvent?.message ?? "").join("\n");
    }
}

/** Fails the test with the engine's own words when an operation that should fail succeeds. */
export async function failure(run: () => Promise<unknown>): Promise<string> {
    try {
        await run();
    } catch (e) {
        return String((e as Error).message);
    }
    throw new Error("the operation succeeded, but it should have failed");
}

export function tempRoot(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "mesh-dr-e2e-"));
}

/**
 * Polls `check` until it returns a value other than undefined (control planes converge on their
 * own clock); fails after `timeoutMs` with what was seen last. Returns the value and when.
 */
export async function eventually<T>(
    what: string,
    check: () => Promise<T | undefined> | T | undefined,
    timeoutMs = 120_000,
    everyMs = 250,
): Promise<{ value: T; ms: number }> {
    const start = Date.now();
    let last: unknown;
    for (;;) {
        try {
            const value = await check();
            if (value !== undefined) return { value, ms: Date.now() - start };
        } catch (e) {
            last = e;
        }
        if (Date.now() - start > timeoutMs) {
            throw new Error(
                `${what}: not within ${timeoutMs / 1000}s${last ? ` (last error: ${String((last as Error).message ?? last)})` : ""}`,
            );
        }
        await new Promise(r => setTimeout(r, everyMs));
    }
}

/**
 * Waits until, on each of `zones`' control planes, the MMZS of `service` (default echo in kong) is
 * matched (`MeshServicesMatched`) and its status lists that service's MeshService in every one of
 * them, by name and namespace. Kuma computes that status on the zone CPs; on the global CP it stays
 * empty. The zone's synced copy has a hashed name: it is found by its display name or hostname.
 */
export async function mmzsStatusListsZones(
    sandbox: Sandbox,
    zones: string[],
    service: { name: string; namespace: string } = { name: "echo", namespace: "kong" },
): Promise<void> {
    const want = JSON.stringify(zones.map(z => `${service.namespace}/${service.name}@${z}`).sort());
    const isOf = (m: any) =>
        (m.metadata.annotations?.["kuma.io/display-name"] ?? m.metadata.labels?.["kuma.io/display-name"]) ===
            service.name ||
        (m.status?.addresses ?? []).some((a: any) => a.hostname === `${service.name}.mzsvc.mesh.local`);
    for (const zone of zones) {
        await eventually(`${zone}: MMZS ${service.name} matched, listing it in ${zones.join(" and ")}`, () => {
            const synced = sandbox.get(zone, ["-n", SYSTEM_NS, "meshmultizoneservices.kuma.io"]).items.filter(isOf);
            if (synced.length !== 1) throw new Error(`${synced.length} synced MMZS of ${service.name}`);
            const { status } = synced[0];
            const matched = (status?.meshServices ?? []).map((m: any) => `${m.namespace}/${m.name}@${m.zone}`).sort();
            const condition = (status?.conditions ?? []).find((c: any) => c.type === "MeshServicesMatched");
            if (JSON.stringify(matched) !== want || condition?.status !== "True")
                throw new Error(`status lists ${JSON.stringify(matched)}, MeshServicesMatched ${condition?.status}`);
            return matched;
        });
    }
}

/** The DR tool's command line, as `npm run dr` runs it. */
export const DR_CLI = ["-r", "ts-node/register/transpile-only", path.join(ROOT, "dr", "cli.ts")];

/** Runs the DR tool as an operator does: a process, with its exit code, stdout and stderr. */
export function dr(argv: string[]): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync("node", [...DR_CLI, ...argv], { cwd: ROOT, encoding: "utf8", timeout: 10 * 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Waits until `dr status` finds every zone of the project's stack (zone1 and zone2, gateways
 * running) ready, each gateway with its own zone first and the other behind it. (No vitest
 * `expect` here: the bench imports this file outside vitest.)
 */
export async function drStatusReady(project: Project): Promise<StatusReport> {
    const want = ["zone1 ready, gateway 0:zone1 1:zone2", "zone2 ready, gateway 0:zone2 1:zone1"];
    // The gateways' configs settle on their own clock after the stand-ins appear.
    const { value: report } = await eventually(
        `dr status: ${want.join("; ")}`,
        () => {
            const r = dr(["status", "--stack", project.stackName, "--dir", project.dir, "--json", "--no-preview"]);
            let report: StatusReport;
            try {
                report = JSON.parse(r.stdout);
            } catch {
                throw new Error(`exit ${r.code}: ${r.stdout}${r.stderr}`);
            }
            const seen = report.zones.map(
                z =>
                    `${z.zone} ${
                        z.checks
                            .filter(c => !c.ok)
                            .map(c => `not ${c.name}: ${c.detail}`)
                            .join(", ") || "ready"
                    }, ` + `gateway ${z.checks.find(c => c.name === "gateway")?.detail}`,
            );
            if (r.code !== 0 || JSON.stringify(seen) !== JSON.stringify(want))
                throw new Error(`exit ${r.code}, seen ${seen.join("; ")}`);
            return report;
        },
        120_000,
        2000,
    );
    return report;
}
