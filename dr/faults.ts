// The faults a drill injects, each with what it takes to undo it. The undo is written to a marker
// file before the fault is applied and removed once it is restored, so a drill killed midway
// (Ctrl-C, a crash, a lost shell) is repaired by the next run of the tool.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { GATEWAY_POD_LABELS, K8S_NAMES } from "../components/names";
import { Cluster, SandboxCluster } from "./cluster";
import { DrError } from "./errors";

export const FAULTS = ["echo", "service", "gateway", "zone"] as const;
export type FaultKind = (typeof FAULTS)[number];

export function parseFault(value: string | undefined): FaultKind {
    if (!FAULTS.includes(value as FaultKind))
        throw DrError.bad("--fault", value ?? "", "is not a fault kind", `use one of: ${FAULTS.join(", ")}`);
    return value as FaultKind;
}

/** What a fault changed, enough to put it back. */
export interface Undo {
    /** echo (the scale fault): the Deployment behind the service and its replicas before. */
    deployment?: string;
    replicas?: number;
    /** service: the Service's ports before. */
    ports?: unknown[];
    /** gateway: the GatewayConfiguration's data-plane replicas before (null: unset). */
    gatewayReplicas?: number | null;
    /** zone on real clusters: the zone control plane Deployment's replicas before. */
    controlPlaneReplicas?: number;
}

export interface Marker {
    stack: string;
    zone: string;
    fault: FaultKind;
    /** The service the echo and service faults act on; absent in a marker of a version before services: echo in kong. */
    service?: FaultService;
    startedAt: string;
    undo: Undo;
}

/** A service as a fault needs it: its Kubernetes Service's name, namespace and port. */
export interface FaultService {
    name: string;
    namespace: string;
    port: number;
}

/** Where a stack's marker lives (outside git: see .gitignore). */
export function markerPath(workDir: string, stack: string): string {
    return path.join(workDir, ".mesh-dr", `${stack}.fault.json`);
}

export function readMarker(file: string): Marker | undefined {
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

function writeMarker(file: string, m: Marker): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(m, null, 2));
    fs.renameSync(`${file}.tmp`, file);
}

const SANDBOX_SH = path.resolve(__dirname, "..", "scripts", "sandbox.sh");

/** The sandbox's own script, with the environment of the sandbox the cluster belongs to. */
function sandboxSh(sb: SandboxCluster, ...args: string[]): void {
    const r = spawnSync("bash", [SANDBOX_SH, ...args], {
        encoding: "utf8",
        timeout: 5 * 60_000,
        env: { ...process.env, SANDBOX_DIR: sb.dir, SANDBOX_PORT_BASE: String(sb.portBase) },
    });
    if (r.status !== 0)
        throw new Error(`sandbox.sh ${args.join(" ")} failed: ${r.stderr.split("\n").slice(-5).join("\n")}`);
}

export interface FaultTarget {
    cluster: Cluster;
    /** Set for a sandbox cluster: its faults stop processes through scripts/sandbox.sh. */
    sandbox?: SandboxCluster;
    /** The zone's control plane system namespace and Deployment (real clusters' zone fault). */
    systemNamespace: string;
    controlPlaneService: string;
    service: FaultService;
}

const NS = K8S_NAMES.namespace;
const GATEWAY_CONFIGURATION = "gatewayconfigurations.gateway-operator.konghq.com";
const GATEWAY_SELECTOR = Object.entries(GATEWAY_POD_LABELS)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/**
 * The one Deployment whose pods the Service selects: the scale fault's target. Found by the
 * Service's selector, since a Service mesh-dr does not deploy may run from a Deployment of any name.
 */
async function deploymentBehind(c: Cluster, svc: FaultService): Promise<any> {
    const selector: Record<string, string> =
        (await c.get(["-n", svc.namespace, "service", svc.name]))?.spec?.selector ?? {};
    const list: any[] = (await c.get(["-n", svc.namespace, "deployments"]))?.items ?? [];
    const found =
        Object.keys(selector).length === 0
            ? []
            : list.filter(d =>
                  Object.entries(selector).every(([k, v]) => d.spec?.template?.metadata?.labels?.[k] === v),
              );
    if (found.length !== 1) {
        throw new DrError(
            `${c.name}: the echo (scale) fault needs one Deployment behind Service ${svc.namespace}/${svc.name}, found ${JSON.stringify(found.map(d => d.metadata.name))}. ` +
                "Fix: drill the service fault (--fault service) instead",
        );
    }
    return found[0];
}

/** Reads what undoes the fault and records it in the marker file, before anything is broken. */
export async function prepare(file: string, m: Omit<Marker, "undo">, t: FaultTarget): Promise<Marker> {
    const c = t.cluster;
    const undo: Undo = {};
    switch (m.fault) {
        case "echo": {
            const d = await deploymentBehind(c, t.service);
            undo.deployment = d.metadata.name;
            undo.replicas = d.spec.replicas;
            break;
        }
        case "service":
            undo.ports = (await c.get(["-n", t.service.namespace, "service", t.service.name])).spec.ports;
            break;
        case "gateway": {
            const gc = await c.get(["-n", NS, GATEWAY_CONFIGURATION, K8S_NAMES.gatewayConfiguration]);
            undo.gatewayReplicas = gc?.spec?.dataPlaneOptions?.deployment?.replicas ?? null;
            break;
        }
        case "zone":
            if (!t.sandbox) {
                undo.controlPlaneReplicas = (
                    await c.get(["-n", t.systemNamespace, "deployment", t.controlPlaneService])
                ).spec.replicas;
            }
            break;
    }
    const marker: Marker = { ...m, undo };
    writeMarker(file, marker);
    return marker;
}

/** The gateway's data-plane replicas in its GatewayConfiguration; null removes the field (a merge patch's null), as it was. */
async function setGatewayReplicas(c: FaultTarget["cluster"], replicas: number | null): Promise<void> {
    await c.kubectl([
        "-n",
        NS,
        "patch",
        GATEWAY_CONFIGURATION,
        K8S_NAMES.gatewayConfiguration,
        "--type=merge",
        "-p",
        JSON.stringify({ spec: { dataPlaneOptions: { deployment: { replicas } } } }),
    ]);
}

/** Applies the fault a prepared marker describes. */
export async function inject(m: Marker, t: FaultTarget): Promise<void> {
    const c = t.cluster;
    switch (m.fault) {
        case "echo":
            await c.kubectl(["-n", t.service.namespace, "scale", `deployment/${m.undo.deployment}`, "--replicas=0"]);
            break;
        case "service": {
            // The walkthrough's "wrong destination port": the Service's port moved, so the zone's
            // MeshService no longer has the port the MMZS and the route use. (A wrong targetPort
            // alone leaves Kuma's endpoints as they are: only Envoy would notice.)
            const { name, namespace, port } = t.service;
            const ports = (m.undo.ports as any[]).map(p => (p.port === port ? { ...p, port: port + 1 } : p));
            await c.kubectl([
                "-n",
                namespace,
                "patch",
                "service",
                name,
                "--type=json",
                "-p",
                JSON.stringify([{ op: "replace", path: "/spec/ports", value: ports }]),
            ]);
            break;
        }
        case "gateway":
            // Kong Operator scales the data plane to 0; the pods are deleted at once (the sandbox's
            // stand-in has no operator behind it).
            await setGatewayReplicas(c, 0);
            await c.kubectl(["-n", NS, "delete", "pods", "-l", GATEWAY_SELECTOR, "--wait=false"]);
            break;
        case "zone":
            if (t.sandbox) sandboxSh(t.sandbox, "stop-apiserver", m.zone);
            else
                await c.kubectl([
                    "-n",
                    t.systemNamespace,
                    "scale",
                    `deployment/${t.controlPlaneService}`,
                    "--replicas=0",
                ]);
            break;
    }
}

/** Puts back what the marker's fault changed, then removes the marker. Safe to run twice. */
export async function restore(file: string, m: Marker, t: FaultTarget): Promise<void> {
    const c = t.cluster;
    const u = m.undo;
    switch (m.fault) {
        case "echo":
            // A marker of a version before services names no Deployment: it scaled echo.
            if (u.replicas !== undefined)
                await c.kubectl([
                    "-n",
                    t.service.namespace,
                    "scale",
                    `deployment/${u.deployment ?? K8S_NAMES.echo}`,
                    `--replicas=${u.replicas}`,
                ]);
            break;
        case "service":
            if (u.ports) {
                await c.kubectl([
                    "-n",
                    t.service.namespace,
                    "patch",
                    "service",
                    t.service.name,
                    "--type=json",
                    "-p",
                    JSON.stringify([{ op: "replace", path: "/spec/ports", value: u.ports }]),
                ]);
            }
            break;
        case "gateway":
            if (u.gatewayReplicas !== undefined) {
                await setGatewayReplicas(c, u.gatewayReplicas);
            }
            // The sandbox has no Kong Operator: its own recipe puts the stand-in back.
            if (t.sandbox) sandboxSh(t.sandbox, "gateway", m.zone);
            break;
        case "zone":
            if (t.sandbox) sandboxSh(t.sandbox, "start-apiserver", m.zone);
            else if (u.controlPlaneReplicas !== undefined) {
                await c.kubectl([
                    "-n",
                    t.systemNamespace,
                    "scale",
                    `deployment/${t.controlPlaneService}`,
                    `--replicas=${u.controlPlaneReplicas}`,
                ]);
            }
            break;
    }
    fs.rmSync(file, { force: true });
}
