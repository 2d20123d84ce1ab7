// Pure helpers of a drill: what each gateway's computed config said over time, and the moments
// that matter read from it (when a gateway stopped using the faulted zone, when it was back).
import type { FaultKind } from "./faults";

/** One reading of a zone's gateway config: `priority:zone` entries, or null when it had none. */
export interface Sample {
    /** Milliseconds since the drill started. */
    t: number;
    gateway: string;
    listing: string[] | null;
}

export interface GatewayTimes {
    gateway: string;
    /** Whether this gateway must stop using the faulted zone for the failover to be complete. */
    affected: boolean;
    /** ms since the drill started: first reading, after the fault, without the zone (gateway fault: without config). */
    leftAt?: number;
    /** ms since the drill started: first reading, after the restore, equal to its steady listing. */
    backAt?: number;
}

export interface Timeline {
    gateways: GatewayTimes[];
    /** Fault to the last affected gateway having left the zone; undefined when one never did. */
    failoverMs?: number;
    /** Restore to the last gateway back at its steady listing; undefined when one never was. */
    recoveryMs?: number;
}

/**
 * Which gateways a fault must move: echo or Service broken, every gateway (the zone's own too)
 * stops using the zone's echo; the gateway gone, only that gateway's config goes; the zone gone,
 * the other zones' gateways (the zone's own control plane is down with it).
 */
export function affectedGateways(fault: FaultKind, zone: string, zones: string[]): string[] {
    if (fault === "gateway") return [zone];
    if (fault === "zone") return zones.filter(z => z !== zone);
    return [...zones];
}

/** Whether a reading shows the fault in effect for that gateway. */
export function hasLeft(fault: FaultKind, zone: string, gateway: string, listing: string[] | null): boolean {
    if (fault === "gateway" && gateway === zone) return listing === null;
    return listing !== null && !listing.some(e => e.endsWith(`:${zone}`));
}

export function sameListing(a: string[] | null, b: string[] | null): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

export function timeline(
    samples: Sample[],
    fault: FaultKind,
    zone: string,
    steady: Record<string, string[]>,
    faultAt: number,
    restoredAt: number | undefined,
): Timeline {
    const zones = Object.keys(steady);
    const affected = new Set(affectedGateways(fault, zone, zones));
    const gateways = zones.map(g => {
        const mine = samples.filter(s => s.gateway === g);
        const left = mine.find(
            s =>
                s.t >= faultAt && (restoredAt === undefined || s.t <= restoredAt) && hasLeft(fault, zone, g, s.listing),
        );
        const back =
            restoredAt === undefined
                ? undefined
                : mine.find(s => s.t >= restoredAt && sameListing(s.listing, steady[g]));
        return { gateway: g, affected: affected.has(g), leftAt: left?.t, backAt: back?.t };
    });
    const must = gateways.filter(g => g.affected);
    const failoverMs = must.every(g => g.leftAt !== undefined)
        ? Math.max(...must.map(g => g.leftAt! - faultAt))
        : undefined;
    const recoveryMs =
        restoredAt !== undefined && gateways.every(g => g.backAt !== undefined)
            ? Math.max(...gateways.map(g => g.backAt! - restoredAt))
            : undefined;
    return { gateways, failoverMs, recoveryMs };
}

/** Only the readings where a gateway's listing changed (and each one's last), for the report. */
export function changesOnly(samples: Sample[]): Sample[] {
    const last = new Map<string, Sample>();
    const out: Sample[] = [];
    for (const s of samples) {
        const prev = last.get(s.gateway);
        if (!prev || !sameListing(prev.listing, s.listing)) out.push(s);
        last.set(s.gateway, s);
    }
    for (const s of last.values()) if (!out.includes(s)) out.push(s);
    return out.sort((a, b) => a.t - b.t || a.gateway.localeCompare(b.gateway));
}

/** Median, min and max of a non-empty set of numbers. */
export function stats(values: number[]): { median: number; min: number; max: number; n: number } {
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1], n: s.length };
}

/** Probe results per whole second since the drill started: share answered with a 2xx. */
export function successPerSecond(
    probes: { t: number; status: number }[],
): { second: number; ok: number; total: number }[] {
    const bySecond = new Map<number, { ok: number; total: number }>();
    for (const p of probes) {
        const s = Math.floor(p.t / 1000);
        const b = bySecond.get(s) ?? { ok: 0, total: 0 };
        b.total++;
        if (p.status >= 200 && p.status < 300) b.ok++;
        bySecond.set(s, b);
    }
    return [...bySecond].sort(([a], [b]) => a - b).map(([second, b]) => ({ second, ...b }));
}

/**
 * From probe answers: per URL, the first answer after the fault from another zone than the faulted
 * one (traffic failed over), and the first after the restore from the faulted zone again (traffic
 * returned); each the latest over the URLs, undefined when some URL never showed it.
 */
export function trafficTimes(
    probes: { t: number; url: string; status: number; zone?: string }[],
    zone: string,
    faultAt: number,
    restoredAt: number,
): { trafficFailoverMs?: number; trafficRecoveryMs?: number } {
    const urls = [...new Set(probes.map(p => p.url))];
    if (!urls.length) return {};
    const ok = (p: { status: number }) => p.status >= 200 && p.status < 300;
    const latest = (pick: (url: string) => number | undefined, from: number) => {
        const times = urls.map(pick);
        return times.every(t => t !== undefined) ? Math.max(...(times as number[])) - from : undefined;
    };
    return {
        trafficFailoverMs: latest(
            u =>
                probes.find(
                    p =>
                        p.url === u &&
                        p.t >= faultAt &&
                        p.t < restoredAt &&
                        ok(p) &&
                        p.zone !== undefined &&
                        p.zone !== zone,
                )?.t,
            faultAt,
        ),
        trafficRecoveryMs: latest(
            u => probes.find(p => p.url === u && p.t >= restoredAt && ok(p) && p.zone === zone)?.t,
            restoredAt,
        ),
    };
}
