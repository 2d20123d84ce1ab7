#!/usr/bin/env node
// mesh-dr's DR tool: `npm run dr -- status|drill|repair --stack NAME ...`, `profile ...` (see docs/dr-tool.md).
import * as path from "node:path";
import { Options, USAGE, parseArgs } from "./args";
import { sandboxBackend } from "./backend";
import { DrillReport, Interrupted, defaultOutDir, drill, repairLeftover } from "./drill";
import { DrError } from "./errors";
import { envLines, helmValues } from "./profile";
import { DrStack } from "./stack";
import { formatStatus, status } from "./status";
import { stats } from "./timeline";

const REPO = path.resolve(__dirname, "..");

const log = (line: string) => process.stderr.write(`[dr] ${line}\n`);

/** Runs one command; returns the process exit code. */
export async function run(o: Options, out: (s: string) => void = s => process.stdout.write(s + "\n")): Promise<number> {
    if (o.profile) {
        out(o.profile.form === "helm" ? helmValues(o.profile.role, o.profile.chart) : envLines(o.profile.role, "dr"));
        return 0;
    }
    const dir = path.resolve(o.dir ?? REPO);
    const backend = sandboxBackend(o.stack, dir, REPO, process.env);
    if (backend)
        log(
            `stack ${o.stack}: the sandbox's backend ${backend.PULUMI_BACKEND_URL}, as npm start uses it (set PULUMI_BACKEND_URL for another)`,
        );
    const s = await DrStack.open(o.stack, dir, { urls: o.cp, service: o.cpService }, backend);
    try {
        if (o.command === "status") {
            const r = await status(s, { preview: o.preview });
            out(o.json ? JSON.stringify(r, null, 2) : formatStatus(r));
            return r.ready ? 0 : 1;
        }
        if (o.command === "repair") {
            const m = await repairLeftover(s, o.cpService, log);
            out(
                o.json
                    ? JSON.stringify({ repaired: m ?? null })
                    : m
                      ? `repaired: ${m.fault} in zone ${m.zone}`
                      : "nothing to repair",
            );
            return 0;
        }
        const service = s.service(o.service).name;
        const reports: DrillReport[] = [];
        const base = o.out ?? defaultOutDir(s.workDir, s.name, o.zone!, service, o.fault!);
        for (let i = 0; i < o.repeat; i++) {
            if (o.repeat > 1) log(`drill ${i + 1}/${o.repeat}`);
            const r = await drill(s, {
                zone: o.zone!,
                fault: o.fault!,
                service,
                readyWaitSeconds: o.readyWaitSeconds,
                holdSeconds: o.holdSeconds ?? 2 * s.outputs.failover.otherZoneWorstCaseSeconds,
                recoverTimeoutSeconds: o.recoverTimeoutSeconds,
                intervalMs: o.intervalMs,
                probes: o.probes,
                probe: { intervalMs: o.probeIntervalMs, maxRequests: o.probeMax, timeoutMs: 2000 },
                yes: o.yes,
                cpService: o.cpService,
                outDir: o.repeat > 1 ? path.join(base, String(i + 1)) : base,
                log,
            });
            reports.push(r);
            if (!o.json) out(`report: ${r.files!.html} (JSON: ${r.files!.json})`);
        }
        const summary = drillSummary(reports);
        out(o.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
        return reports.every(r => r.problems.length === 0) ? 0 : 1;
    } finally {
        s.close();
    }
}

export interface DrillSummary {
    stack: string;
    zone: string;
    fault: string;
    service: string;
    drills: number;
    failoverSeconds?: { median: number; max: number; n: number };
    recoverySeconds?: { median: number; max: number; n: number };
    problems: string[];
    notes: string[];
    reports: string[];
}

/** Median and max over the drills that observed each time. */
export function drillSummary(reports: DrillReport[]): DrillSummary {
    const secs = (v: (number | undefined)[]) => {
        const seen = v.filter((x): x is number => x !== undefined).map(x => x / 1000);
        if (!seen.length) return undefined;
        const { median, max, n } = stats(seen);
        return { median, max, n };
    };
    return {
        stack: reports[0].stack,
        zone: reports[0].zone,
        fault: reports[0].fault,
        service: reports[0].service,
        drills: reports.length,
        failoverSeconds: secs(reports.map(r => r.failoverMs)),
        recoverySeconds: secs(reports.map(r => r.recoveryMs)),
        problems: reports.flatMap(r => r.problems),
        notes: [...new Set(reports.flatMap(r => r.notes))],
        reports: reports.map(r => r.files?.html ?? ""),
    };
}

export function formatSummary(s: DrillSummary): string {
    const f = (x?: { median: number; max: number; n: number }) =>
        x ? `median ${x.median.toFixed(2)} s, max ${x.max.toFixed(2)} s (${x.n} of ${s.drills})` : "not observed";
    return [
        `${s.fault} fault in ${s.zone} (service ${s.service}), ${s.drills} drill(s):`,
        `  time to fail over: ${f(s.failoverSeconds)}`,
        `  time to recover:   ${f(s.recoverySeconds)}`,
        ...s.problems.map(p => `  problem: ${p}`),
        ...s.notes.map(n => `  note: ${n}`),
    ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
    if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(USAGE + "\n");
        return argv.length === 0 ? 2 : 0;
    }
    try {
        return await run(parseArgs(argv));
    } catch (e) {
        if (e instanceof DrError) {
            process.stderr.write(`dr: ${e.message}\n`);
            return 2;
        }
        if (e instanceof Interrupted) {
            process.stderr.write(`dr: ${e.message}\n`);
            return 130;
        }
        throw e;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        code => process.exit(code),
        e => {
            process.stderr.write(`dr: ${String((e as Error).message ?? e)}\n`);
            process.exit(1);
        },
    );
}
