// One Kubernetes cluster of a stack as the DR tool reaches it: kubectl with the stack's own
// kubeconfig and context, and, when the kubeconfig is a sandbox's (scripts/sandbox.sh), that sandbox.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

/** A local sandbox cluster: where scripts/sandbox.sh keeps it, and its ports' base. */
export interface SandboxCluster {
    dir: string;
    portBase: number;
    /** The Kuma control plane's API on loopback (from the sandbox's own kumactl config). */
    controlPlaneUrl: string;
}

/** Bounded: a frozen API server must not hang the tool. */
const KUBECTL_TIMEOUT_MS = 20_000;

export class Cluster {
    /** `kubeconfig` undefined means kubectl's own default ($KUBECONFIG, ~/.kube/config). */
    constructor(
        readonly name: string,
        readonly kubeconfig?: string,
        readonly context?: string,
    ) {}

    get kubectlArgs(): string[] {
        return [
            ...(this.kubeconfig ? ["--kubeconfig", this.kubeconfig] : []),
            ...(this.context ? ["--context", this.context] : []),
        ];
    }

    kubectl(args: string[], timeoutMs = KUBECTL_TIMEOUT_MS): Promise<string> {
        return new Promise((resolve, reject) => {
            execFile(
                "kubectl",
                [...this.kubectlArgs, "--request-timeout=5s", ...args],
                { timeout: timeoutMs, maxBuffer: 64 << 20 },
                (err, stdout, stderr) => {
                    if (err)
                        reject(new Error(`${this.name}: kubectl ${args.join(" ")}: ${stderr.trim() || err.message}`));
                    else resolve(stdout);
                },
            );
        });
    }

    /** `kubectl get -o json`, or undefined when the object does not exist. */
    async get(args: string[]): Promise<any> {
        try {
            return JSON.parse(await this.kubectl(["get", ...args, "-o", "json"]));
        } catch (e) {
            if (/NotFound|not found/.test(String((e as Error).message))) return undefined;
            throw e;
        }
    }

    async reachable(): Promise<boolean> {
        try {
            return (await this.kubectl(["get", "--raw", "/readyz"], 8000)).trim() === "ok";
        } catch {
            return false;
        }
    }

    /** The sandbox this cluster belongs to, when its kubeconfig sits in a sandbox's layout. */
    sandbox(): SandboxCluster | undefined {
        if (!this.kubeconfig) return undefined;
        const clusterDir = path.dirname(this.kubeconfig);
        const kumactl = path.join(clusterDir, "kuma", "kumactl.yaml");
        const indexFile = path.join(clusterDir, "index");
        if (!fs.existsSync(kumactl) || !fs.existsSync(indexFile)) return undefined;
        return sandboxLayout(
            fs.readFileSync(this.kubeconfig, "utf8"),
            fs.readFileSync(kumactl, "utf8"),
            Number(fs.readFileSync(indexFile, "utf8")),
            fs.realpathSync(path.dirname(clusterDir)),
        );
    }
}

/** Reads a sandbox cluster's ports from its files (kube-apiserver on base + 10 × index). */
export function sandboxLayout(kubeconfig: string, kumactlConfig: string, index: number, dir: string): SandboxCluster {
    const server: string = YAML.parse(kubeconfig).clusters[0].cluster.server;
    const kumactl = YAML.parse(kumactlConfig);
    const current =
        kumactl.controlPlanes.find(
            (c: any) => c.name === kumactl.contexts.find((x: any) => x.name === kumactl.currentContext)?.controlPlane,
        ) ?? kumactl.controlPlanes[0];
    return {
        dir,
        portBase: Number(new URL(server).port) - 10 * index,
        controlPlaneUrl: current.coordinates.apiServer.url,
    };
}
