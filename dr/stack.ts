// A stack of the program as the DR tool sees it: its validated config and outputs through the
// Automation API (so the tool needs no configuration of its own), a Cluster per zone and for the
// global control plane, and each one's Kuma control plane API.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { apiConnection } from "../components/kuma-api";
import {
    ConfigError,
    StackConfig,
    controlPlaneNamespace,
    isKubeconfigContents,
    parseConfigEntries,
} from "../zones/config";
import { Cluster } from "./cluster";
import { DrError } from "./errors";
import { ControlPlane, HttpTransport, KumaApiTransport, ServiceProxyTransport } from "./kuma";

/** How the tool reaches control planes on real clusters (see docs/dr-tool.md). */
export interface ControlPlaneOptions {
    /** `--cp NAME=URL`: a cluster's (zone name or `global`) control-plane API URL. */
    urls: Record<string, string>;
    /** `--cp-service`: the control plane's Service, for the API server's service proxy. */
    service: string;
}

export const DEFAULT_CP_SERVICE = "kong-mesh-control-plane";

/** A service's stack output (`services.<name>`, zones/index.ts ServiceOutputs). */
export interface ServiceOutput {
    name: string;
    namespace: string;
    hostname: string;
    port: number;
    /** The name of its MMZS's Envoy cluster on every gateway. */
    envoyCluster: string;
    routes: string[];
    /** Whether mesh-dr deploys its workload (and so may scale it or patch its Service in a drill). */
    deployed: boolean;
}

/** A service as the DR tool checks and drills it: its stack output, and its pods' labels from the config. */
export interface DrService extends ServiceOutput {
    podLabels?: Record<string, string>;
}

export interface StackOutputs {
    zones: Record<string, { namespace: string; gateway: string }>;
    multiZoneService: { name: string; hostname: string; envoyCluster: string };
    services?: Record<string, ServiceOutput>;
    globalControlPlane: { mesh: string };
    failover: { sameZoneWorstCaseSeconds: number; otherZoneWorstCaseSeconds: number };
}

/**
 * A run's temp dir (`mesh-dr-dr-<pid>-…`) holds the stack's kubeconfig contents while it runs, and
 * is its Pulumi runs' TMPDIR: the Kubernetes provider leaves a copy of each kubeconfig there (see
 * scripts/env.sh). A run killed with SIGKILL cannot delete it: the next run does, once that pid is gone.
 */
export const TEMP_PREFIX = "mesh-dr-dr-";
const TEMP_DIR_PID = new RegExp(`^${TEMP_PREFIX}(\\d+)-`);

function removeDeadRunsTempDirs(): void {
    for (const entry of fs.readdirSync(os.tmpdir())) {
        const pid = Number(TEMP_DIR_PID.exec(entry)?.[1]);
        if (pid && !isRunning(pid)) fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    }
}

function isRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        // EPERM: running, as another user (whose dirs are not ours to delete anyway).
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

export class DrStack {
    private constructor(
        readonly name: string,
        readonly workDir: string,
        readonly stack: Stack,
        readonly config: StackConfig,
        readonly outputs: StackOutputs,
        readonly zones: Map<string, Cluster>,
        /** The global control plane's cluster; none when it is reached through its API. */
        readonly global: Cluster | undefined,
        private readonly controlPlanes: Map<string, ControlPlane>,
        private readonly tempDir: string,
    ) {}

    /**
     * Opens a deployed stack of the project in `workDir`. Kubeconfig contents (secrets) go to a
     * private temp file, removed by `close()`; their text is never printed. `envVars`: extra
     * environment of its Pulumi runs (the backend, see dr/backend.ts).
     */
    static async open(
        name: string,
        workDir: string,
        cp: ControlPlaneOptions,
        envVars: Record<string, string> = {},
    ): Promise<DrStack> {
        removeDeadRunsTempDirs();
        const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
        try {
            return await DrStack.load(name, workDir, cp, { ...envVars, TMPDIR: tempDir }, tempDir);
        } catch (e) {
            fs.rmSync(tempDir, { recursive: true, force: true });
            throw e;
        }
    }

    private static async load(
        name: string,
        workDir: string,
        cp: ControlPlaneOptions,
        envVars: Record<string, string>,
        tempDir: string,
    ): Promise<DrStack> {
        let stack: Stack;
        try {
            stack = await LocalWorkspace.selectStack({ stackName: name, workDir }, { envVars });
        } catch {
            // Only now list them: one engine call less on the usual path.
            const known = await LocalWorkspace.create({ workDir, envVars })
                .then(ws => ws.listStacks())
                .then(
                    l => l.map(s => s.name.split("/").pop()!),
                    () => [],
                );
            throw DrError.bad(
                "--stack",
                name,
                `is not a stack of the project in ${workDir}`,
                known.length
                    ? `use one of: ${known.join(", ")}`
                    : "deploy one first (npm start for the sandbox), or pass --dir with the project's directory (and PULUMI_BACKEND_URL for its backend)",
            );
        }
        const entries = Object.entries(await stack.getAllConfig()).map(([fullKey, v]) => ({
            fullKey,
            value: v.value,
            secret: v.secret === true,
        }));
        let config: StackConfig;
        try {
            config = parseConfigEntries(entries);
        } catch (e) {
            if (e instanceof ConfigError) throw new DrError(`stack ${name}'s config is not valid:\n${e.message}`);
            throw e;
        }
        const raw = await stack.outputs();
        if (!raw.zones || !raw.multiZoneService) {
            throw DrError.bad(
                "--stack",
                name,
                "has no outputs (never deployed?)",
                `run pulumi up --stack ${name} first`,
            );
        }
        const outputs = Object.fromEntries(
            Object.entries(raw).map(([k, v]) => [k, v.value]),
        ) as unknown as StackOutputs;
        const clusterOf = (name: string, c: { kubeconfig?: string; context?: string }) => {
            let file = c.kubeconfig;
            if (file && isKubeconfigContents(file)) {
                const f = path.join(tempDir, `${name}.kubeconfig`);
                fs.writeFileSync(f, file, { mode: 0o600 });
                file = f;
            } else if (file) {
                file = path.resolve(workDir, file);
            }
            return new Cluster(name, file, c.context);
        };
        const zones = new Map(config.zones.map(z => [z.name, clusterOf(z.name, z.cluster)]));
        const global = config.global.kind === "kubernetes" ? clusterOf("global", config.global.cluster) : undefined;
        const ns = controlPlaneNamespace(config);
        const controlPlanes = new Map(
            [...zones.values(), ...(global ? [global] : [])].map(c => {
                const url = cp.urls[c.name] ?? c.sandbox()?.controlPlaneUrl;
                const transport = url
                    ? new HttpTransport(url.replace(/\/$/, ""))
                    : new ServiceProxyTransport(c.kubectlArgs, ns, cp.service);
                return [c.name, new ControlPlane(c.name, transport)];
            }),
        );
        // An API global control plane: the same API the program deploys through, with its token.
        if (config.global.kind === "api")
            controlPlanes.set(
                "global",
                new ControlPlane("global", new KumaApiTransport(apiConnection(config.global.api))),
            );
        for (const key of Object.keys(cp.urls)) {
            if (!controlPlanes.has(key)) {
                throw DrError.bad(
                    "--cp",
                    `${key}=${cp.urls[key]}`,
                    `names no zone of stack ${name}`,
                    `use a zone name (${[...zones.keys()].join(", ")}) or global`,
                );
            }
        }
        return new DrStack(name, workDir, stack, config, outputs, zones, global, controlPlanes, tempDir);
    }

    get mesh(): string {
        return this.outputs.globalControlPlane.mesh;
    }

    get zoneNames(): string[] {
        return [...this.zones.keys()];
    }

    zone(name: string): Cluster {
        const c = this.zones.get(name);
        if (!c)
            throw DrError.bad(
                "--zone",
                name,
                `is not a zone of stack ${this.name}`,
                `use one of: ${this.zoneNames.join(", ")}`,
            );
        return c;
    }

    /**
     * The config's services, in its order, each joined with its stack output. The gateway's cluster
     * of a service is only ever the one the stack exports: with two MMZS on a gateway no name
     * pattern tells them apart.
     */
    get services(): DrService[] {
        return this.config.services.map(c => {
            const out = this.outputs.services?.[c.name];
            if (!out?.envoyCluster) {
                throw DrError.bad(
                    "--stack",
                    this.name,
                    `has no output services.${c.name}.envoyCluster (deployed before this service, or before per-service outputs)`,
                    `run pulumi up --stack ${this.name}, then run the DR tool again`,
                );
            }
            return { ...out, podLabels: c.podLabels };
        });
    }

    /** `--service NAME`; undefined: the first service. */
    service(name: string | undefined): DrService {
        const all = this.services;
        const s = name === undefined ? all[0] : all.find(x => x.name === name);
        if (!s)
            throw DrError.bad(
                "--service",
                name,
                `is not a service of stack ${this.name}`,
                `use one of: ${all.map(x => x.name).join(", ")}`,
            );
        return s;
    }

    controlPlane(cluster: string): ControlPlane {
        return this.controlPlanes.get(cluster)!;
    }

    /** Whether every cluster is a sandbox's (then faults may stop processes; no --yes needed). */
    get isSandbox(): boolean {
        return [...this.zones.values(), ...(this.global ? [this.global] : [])].every(c => c.sandbox() !== undefined);
    }

    /** Resources a preview would change (0: the clusters match the stack). */
    async pendingChanges(): Promise<number> {
        // With a refresh, so drift on the clusters (a fault left behind) counts too.
        const r = await this.stack.preview({ refresh: true });
        return Object.entries(r.changeSummary)
            .filter(([op]) => op !== "same")
            .reduce((n, [, c]) => n + (c ?? 0), 0);
    }

    close(): void {
        fs.rmSync(this.tempDir, { recursive: true, force: true });
    }
}
