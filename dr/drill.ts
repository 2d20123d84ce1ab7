// `drill`: inject one fault in one zone, record every zone's gateway config until the zone has
// left all the gateways it must leave (or a hold time has passed), restore, and record until every
// gateway is back where it was. What it broke is put back even when the drill is interrupted.
import * as fs from "node:fs";
import * as path from "node:path";
import { K8S_NAMES } from "../components/names";
import { controlPlaneNamespace } from "../zones/config";
import { DrError } from "./errors";
import {
    FaultKind,
    FaultService,
    FaultTarget,
    Marker,
    inject,
    markerPath,
    prepare,
    readMarker,
    restore,
} from "./faults";
import { byPriority, gatewayLocalities } from "./kuma";
import { Probe, ProbeOptions, ProbeResult } from "./probe";
import { writeReport } from "./report";
import { DrService, DrStack } from "./stack";
import { gatewayRoutesLocalFirst, zoneGateway } from "./status";
import { Sample, Timeline, changesOnly, timeline, trafficTimes } from "./timeline";

export interface DrillOptions {
    zone: string;
    fault: FaultKind;
    /** `--service`: the service faulted and whose gateway cluster is read; undefined: the first. */
    service?: string;
    /** Longest wait for every gateway to be ready before the fault (a previous drill may still be recovering). */
    readyWaitSeconds: number;
    /** Longest the fault stays in, when a gateway never drops the zone (its control plane cannot see it). */
    holdSeconds: number;
    recoverTimeoutSeconds: number;
    intervalMs: number;
    probes: string[];
    probe: ProbeOptions;
    /** Required for a drill on clusters that are not the local sandbox. */
    yes: boolean;
    cpService: string;
    outDir: string;
    log: (line: string) => void;
}

export interface DrillReport extends Timeline {
    stack: string;
    zone: string;
    fault: FaultKind;
    /** The service whose gateway cluster the timeline reads (and the echo and service faults act on). */
    service: string;
    startedAt: string;
    sandbox: boolean;
    /** Every zone's gateway listing of the service before the fault. */
    steady: Record<string, string[]>;
    faultAt: number;
    restoredAt: number;
    endedAt: number;
    holdSeconds: number;
    /** The Kuma model's worst cases, from the stack outputs. */
    model: { sameZoneWorstCaseSeconds: number; otherZoneWorstCaseSeconds: number };
    samples: Sample[];
    probes: ProbeResult[];
    /** What was found wrong (not failed over, not recovered); empty when the drill went as it should. */
    problems: string[];
    /** What was seen and is expected (the control planes keeping a zone whose control plane is down). */
    notes: string[];
    /** From the probes: fault to the last URL answered by another zone; restore to the faulted zone answering again. */
    trafficFailoverMs?: number;
    trafficRecoveryMs?: number;
    files?: { json: string; html: string };
}

/** Raised by Ctrl-C / SIGTERM inside a drill, after the fault was put back. */
export class Interrupted extends Error {}

function target(s: DrStack, zone: string, cpService: string, service: FaultService): FaultTarget {
    return {
        cluster: s.zone(zone),
        sandbox: s.zone(zone).sandbox(),
        systemNamespace: controlPlaneNamespace(s.config),
        controlPlaneService: cpService,
        service,
    };
}

const faultService = ({ name, namespace, port }: FaultService): FaultService => ({ name, namespace, port });

/** A fault a killed drill left behind is repaired before anything else. */
export async function repairLeftover(
    s: DrStack,
    cpService: string,
    log: (l: string) => void,
): Promise<Marker | undefined> {
    const file = markerPath(s.workDir, s.name);
    const m = readMarker(file);
    if (!m) return undefined;
    log(`a drill left fault ${m.fault} in zone ${m.zone} (started ${m.startedAt}): restoring it first`);
    // A marker of a version before services: its faults acted on echo in kong.
    await restore(
        file,
        m,
        target(
            s,
            m.zone,
            cpService,
            m.service ?? { name: K8S_NAMES.echo, namespace: K8S_NAMES.namespace, port: s.config.echo.port },
        ),
    );
    log(`restored ${m.fault} in zone ${m.zone}`);
    return m;
}

/** A zone's gateway listing of a service now, or null when it has none (gone, or its control plane unreachable). */
async function readGateway(
    s: DrStack,
    zone: string,
    envoyCluster: string,
    names: Map<string, string | undefined>,
): Promise<string[] | null> {
    const cp = s.controlPlane(zone);
    try {
        const dp = names.get(zone) ?? (await zoneGateway(cp, s.mesh));
        names.set(zone, dp);
        if (!dp) return null;
        return byPriority(await gatewayLocalities(cp, s.mesh, envoyCluster, dp));
    } catch {
        // Found again next time: a restored gateway may come back under another name.
        names.delete(zone);
        return null;
    }
}

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));

export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: Clock = { now: () => Date.now(), sleep };

/**
 * Before a fault: polls `problem` (what is not ready, or undefined) until it is ready or `boundMs`
 * has passed, saying once that it waits and why; returns what was still not ready then. A drill
 * started right after another one finds the gateways still converging back: waiting is the fix.
 */
export async function waitForReady(
    problem: () => Promise<string | undefined>,
    boundMs: number,
    log: (line: string) => void,
    clock: Clock = REAL_CLOCK,
    pollMs = 1000,
): Promise<string | undefined> {
    let p = await problem();
    if (!p) return undefined;
    log(
        `${p}: waiting up to ${boundMs / 1000} s for it to be ready (a previous drill's recovery may still be converging)`,
    );
    for (const deadline = clock.now() + boundMs; p && clock.now() < deadline; p = await problem())
        await clock.sleep(pollMs);
    return p;
}

/** The service's pods per zone, so a probe's answer names its zone (go-echo names its pod); none without podLabels. */
async function servicePods(s: DrStack, svc: DrService): Promise<Record<string, string[]>> {
    if (!svc.podLabels) return {};
    const selector = Object.entries(svc.podLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
    const entries = await Promise.all(
        s.zoneNames.map(async z => {
            try {
                const list = await s.zone(z).get(["-n", svc.namespace, "pods", "-l", selector]);
                return [z, (list?.items ?? []).map((p: any) => p.metadata.name)] as const;
            } catch {
                return [z, []] as const;
            }
        }),
    );
    return Object.fromEntries(entries);
}

export async function drill(s: DrStack, o: DrillOptions): Promise<DrillReport> {
    s.zone(o.zone);
    const svc = s.service(o.service);
    // A workload mesh-dr does not deploy is its owners': breaking it, even on the sandbox, is their call.
    if ((o.fault === "echo" || o.fault === "service") && !svc.deployed && !o.yes) {
        throw DrError.bad(
            "--yes",
            false,
            `is required: mesh-dr does not deploy service ${svc.name} (${svc.namespace}), and the ${o.fault} fault ` +
                `${o.fault === "echo" ? "scales its Deployment to 0" : "moves its Service's port"} in zone ${o.zone}`,
            "tell the service's owners, then add --yes (the drill puts back what it changed), or drill the gateway or zone fault",
        );
    }
    const sandbox = s.isSandbox;
    if (!sandbox && !o.yes) {
        throw DrError.bad(
            "--yes",
            false,
            `is required: stack ${s.name} is on real clusters and the drill breaks zone ${o.zone} (${o.fault})`,
            "run status first, tell the people on call, then add --yes",
        );
    }
    const repaired = await repairLeftover(s, o.cpService, o.log);

    const names = new Map<string, string | undefined>();
    const steady: Record<string, string[]> = {};
    const unready = async () => {
        for (const z of s.zoneNames) {
            const listing = await readGateway(s, z, svc.envoyCluster, names);
            const check =
                listing &&
                gatewayRoutesLocalFirst(
                    z,
                    s.zoneNames,
                    listing.map(e => ({ zone: e.split(":")[1], priority: Number(e.split(":")[0]), addresses: [] })),
                );
            if (!listing || !check?.ok)
                return `zone ${z}'s gateway is not ready (${check?.detail ?? "no gateway config"})`;
            steady[z] = listing;
        }
        return undefined;
    };
    // After a repair the control planes need their usual time to put the zone back.
    const waitSeconds = repaired ? Math.max(o.readyWaitSeconds, o.recoverTimeoutSeconds) : o.readyWaitSeconds;
    const problem = await waitForReady(unready, waitSeconds * 1000, o.log);
    if (problem)
        throw new DrError(
            `${problem}, still after ${waitSeconds} s. Fix: run the status command and repair that first, or wait longer (--ready-wait SECONDS)`,
        );

    const file = markerPath(s.workDir, s.name);
    const startedAt = new Date();
    const t0 = Date.now();
    const now = () => Date.now() - t0;
    const samples: Sample[] = [];
    let sampling = true;
    // One loop per gateway, so a frozen control plane slows only its own readings.
    const samplers = s.zoneNames.map(async z => {
        while (sampling) {
            const t = now();
            samples.push({ t, gateway: z, listing: await readGateway(s, z, svc.envoyCluster, names) });
            await sleep(Math.max(0, o.intervalMs - (now() - t)));
        }
    });
    let pods = await servicePods(s, svc);
    const probe = o.probes.length ? new Probe(o.probes, t0, () => pods, o.probe) : undefined;

    let interrupted = false;
    const onSignal = () => {
        interrupted = true;
        o.log("interrupted: restoring the fault before exiting");
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const waitFor = async (until: () => boolean, ms: number) => {
        const deadline = now() + ms;
        while (!until() && now() < deadline) {
            if (interrupted) throw new Interrupted("drill interrupted");
            await sleep(100);
        }
    };

    const faulted = target(s, o.zone, o.cpService, faultService(svc));
    let marker: Marker | undefined;
    let faultAt = 0,
        restoredAt = 0;
    const problems: string[] = [];
    const notes: string[] = [];
    try {
        await waitFor(() => false, 1000); // a baseline before the fault
        marker = await prepare(
            file,
            {
                stack: s.name,
                zone: o.zone,
                fault: o.fault,
                service: faultService(svc),
                startedAt: startedAt.toISOString(),
            },
            faulted,
        );
        // Timed from the command that breaks it, not from reading what undoes it.
        faultAt = now();
        o.log(`fault ${o.fault} in zone ${o.zone} (service ${svc.name})`);
        await inject(marker, faulted);
        await waitFor(
            () => timeline(samples, o.fault, o.zone, steady, faultAt, undefined).failoverMs !== undefined,
            o.holdSeconds * 1000,
        );
        const failed = timeline(samples, o.fault, o.zone, steady, faultAt, undefined);
        if (failed.failoverMs === undefined) {
            const stayed = failed.gateways.filter(g => g.affected && g.leftAt === undefined).map(g => g.gateway);
            const what = `within ${o.holdSeconds}s the control planes did not take zone ${o.zone} out of the gateway(s) of ${stayed.join(", ")}`;
            // A zone whose control plane is gone cannot mark its MeshService Unavailable: there the
            // data plane's active health check (the MeshProxyPatch) takes it out, not the control planes.
            if (o.fault === "zone")
                notes.push(
                    `${what}, as expected: its control plane is down with it; Envoy's active health check on the MMZS cluster takes it out (docs/failover.md)`,
                );
            else problems.push(what);
        } else {
            o.log(`failed over in ${(failed.failoverMs / 1000).toFixed(2)}s`);
        }
    } finally {
        if (marker) {
            restoredAt = now();
            o.log(`restoring ${o.fault} in zone ${o.zone}`);
            await restore(file, marker, faulted);
        }
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        if (interrupted || !marker) {
            sampling = false;
            await Promise.all(samplers);
            await probe?.stop();
        }
    }
    if (interrupted) throw new Interrupted("drill interrupted; the fault was restored");

    pods = await servicePods(s, svc);
    await waitFor(
        () => timeline(samples, o.fault, o.zone, steady, faultAt, restoredAt).recoveryMs !== undefined,
        o.recoverTimeoutSeconds * 1000,
    );
    await sleep(1000); // a tail after the way back
    sampling = false;
    await Promise.all(samplers);
    const probes = (await probe?.stop()) ?? [];
    const endedAt = now();
    const t = timeline(samples, o.fault, o.zone, steady, faultAt, restoredAt);
    if (t.recoveryMs === undefined) {
        problems.push(
            `within ${o.recoverTimeoutSeconds}s of the restore, not every gateway was back: ${t.gateways
                .filter(g => g.backAt === undefined)
                .map(g => g.gateway)
                .join(", ")}`,
        );
    } else {
        o.log(`recovered in ${(t.recoveryMs / 1000).toFixed(2)}s`);
    }
    const report: DrillReport = {
        stack: s.name,
        zone: o.zone,
        fault: o.fault,
        service: svc.name,
        startedAt: startedAt.toISOString(),
        sandbox,
        steady,
        faultAt,
        restoredAt,
        endedAt,
        holdSeconds: o.holdSeconds,
        model: {
            sameZoneWorstCaseSeconds: s.outputs.failover.sameZoneWorstCaseSeconds,
            otherZoneWorstCaseSeconds: s.outputs.failover.otherZoneWorstCaseSeconds,
        },
        ...t,
        ...trafficTimes(probes, o.zone, faultAt, restoredAt),
        samples: changesOnly(samples),
        probes,
        problems,
        notes,
    };
    fs.mkdirSync(o.outDir, { recursive: true });
    report.files = writeReport(report, o.outDir);
    return report;
}

/** Where a drill's report goes unless --out says otherwise. */
export function defaultOutDir(
    workDir: string,
    stack: string,
    zone: string,
    service: string,
    fault: string,
    at = new Date(),
): string {
    return path.join(
        workDir,
        "dr-reports",
        stack,
        `${at.toISOString().replace(/[:.]/g, "-")}-${zone}-${service}-${fault}`,
    );
}
