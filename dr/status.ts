// `status`: is every zone ready to lose another one? Read from the live systems: each cluster's API
// server, the global and zone control planes, what the zone CP computed for the zone's gateway.
import {
    CP_SETTINGS,
    CP_SETTING_NAMES,
    CpSettingName,
    CpTimings,
    PathStep,
    crossZoneModel,
    profileTimings,
    sumSeconds,
    timingsFromConfig,
} from "../components/cp-profile";
import { FAILOVER_POLICY_KINDS } from "../components/failover";
import { K8S_NAMES } from "../components/names";
import { controlPlaneNamespace } from "../zones/config";
import { ControlPlane, Locality, byPriority, gatewayDataplanes, serviceLocalities } from "./kuma";
import { helmKey } from "./profile";
import { DrStack } from "./stack";

export interface Check {
    name: string;
    ok: boolean;
    detail: string;
    /** Set on a service's checks (SERVICE_CHECKS); a zone's own checks have none. */
    service?: string;
}

export interface ZoneStatus {
    zone: string;
    /** The zone's checks and every service's pass. */
    ready: boolean;
    /** The zone's checks, then each service's, in the config's order of services. */
    checks: Check[];
    /** Each service's verdict in this zone. */
    services: { service: string; ready: boolean }[];
    /** How fast another zone's gateway drops this one, from the control planes' settings; none with one zone. */
    failover?: FailoverStatus;
}

/** The cross-zone failover model of one zone against the stack's objective. */
export interface FailoverStatus {
    targetSeconds: number;
    worstCaseSeconds: number;
    /** `assumed` on a step whose setting could not be read: "Kuma default, <why not read>". */
    steps: (PathStep & { env: string; assumed?: string })[];
    /**
     * Per control plane whose settings on the path could not be read (a global reached through an
     * API that does not serve /config, a CP not answering, a /config without the setting): which
     * settings were taken at Kuma's defaults, and why.
     */
    assumed: string[];
    /** What to change to meet the target: the settings (env var, value, control plane, Helm key), /config, the target. */
    fixes: string[];
}

/** A control plane's failover settings, from its `GET /config`, or why they could not be read. */
export interface CpSettingsReading {
    timings?: CpTimings;
    error?: string;
}

export interface StatusReport {
    stack: string;
    at: string;
    ready: boolean;
    zones: ZoneStatus[];
    /** Resources a refresh-preview would change; undefined when the preview failed (see `previewError`). */
    pendingChanges?: number;
    previewError?: string;
}

/** The checks of one zone, in the table's column order: the zone's own, then a service's. */
export const ZONE_CHECKS = ["cluster", "zone CP", "policies", "failover"] as const;
export const SERVICE_CHECKS = ["MeshService", "MMZS", "gateway"] as const;
export const CHECKS = [...ZONE_CHECKS.slice(0, 2), ...SERVICE_CHECKS, ...ZONE_CHECKS.slice(2)] as const;

/** The failover policies the program creates (FailoverPolicies), as Kuma names their types in `_rules`. */
export const FAILOVER_POLICY_TYPES = [...Object.keys(FAILOVER_POLICY_KINDS), "MeshProxyPatch"].sort();

/**
 * Whether a gateway's MMZS localities route the zone locally first and keep every other zone as
 * failover: the own zone at the lowest priority, every other zone behind it.
 */
export function gatewayRoutesLocalFirst(zone: string, allZones: string[], localities: Locality[]): Check {
    const listed = byPriority(localities).join(" ");
    const first = localities[0];
    const missing = allZones.filter(
        z => z !== zone && !localities.some(l => l.zone === z && l.priority > (first?.priority ?? 0)),
    );
    if (!first || first.zone !== zone || localities.filter(l => l.priority === first.priority).length !== 1) {
        return {
            name: "gateway",
            ok: false,
            detail: `${zone} is not alone at the first priority (${listed || "no endpoints"})`,
        };
    }
    if (missing.length)
        return { name: "gateway", ok: false, detail: `no failover to ${missing.join(", ")} (${listed})` };
    return { name: "gateway", ok: true, detail: listed };
}

/** The zone CP's view of a zone's link to the global CP, from the global CP's zone insight. */
export function zoneConnected(overview: any): boolean {
    const subs: any[] = overview?.zoneInsight?.subscriptions ?? [];
    const last = subs[subs.length - 1];
    return Boolean(last?.connectTime && !last.disconnectTime);
}

/** The policy types `_rules` lists for a proxy (to-rules, from-rules and single-item rules alike). */
export function policyTypesInRules(rules: any): string[] {
    const types = new Set<string>();
    for (const list of [rules?.rules, rules?.toRules, rules?.fromRules, rules?.toResourceRules]) {
        for (const r of list ?? []) if (r?.type) types.add(String(r.type));
    }
    return [...types].sort();
}

const firstLine = (e: unknown) =>
    String((e as Error).message ?? e)
        .split("\n")[0]
        .slice(0, 200);

/** `f`'s promise, started on the first call and shared by the later ones. */
function once<T>(f: () => Promise<T>): () => Promise<T> {
    let p: Promise<T> | undefined;
    return () => (p ??= f());
}

async function attempt(name: string, fn: () => Promise<Check>): Promise<Check> {
    try {
        return await fn();
    } catch (e) {
        return { name, ok: false, detail: firstLine(e) };
    }
}

export async function readCpSettings(cp: ControlPlane): Promise<CpSettingsReading> {
    try {
        return { timings: timingsFromConfig(await cp.config()) };
    } catch (e) {
        // The API's errors name the CP already, a transport's (a refused connection) do not.
        const error = firstLine(e);
        return { error: error.startsWith(`${cp.name}: `) ? error : `${cp.name}: ${error}` };
    }
}

/**
 * Each control plane's settings, those it did not say taken at Kuma's defaults (the values a CP runs
 * with unless someone set them), with why each was not read.
 */
function withAssumedDefaults(
    cps: string[],
    readings: Record<string, CpSettingsReading>,
): { timings: Record<string, CpTimings>; why: Record<string, Partial<Record<CpSettingName, string>>> } {
    const defaults = profileTimings("default");
    const timings: Record<string, CpTimings> = {};
    const why: Record<string, Partial<Record<CpSettingName, string>>> = {};
    for (const cp of cps) {
        const r = readings[cp];
        timings[cp] = { ...r?.timings };
        why[cp] = {};
        for (const name of CP_SETTING_NAMES) {
            if (timings[cp][name] !== undefined) continue;
            timings[cp][name] = defaults[name];
            why[cp][name] =
                r?.error ??
                (r ? `${cp}'s /config has no duration at ${CP_SETTINGS[name].configPath}` : `${cp}'s /config not read`);
        }
    }
    return { timings, why };
}

/**
 * The "failover" check of a zone: the worst case for another zone's gateway to drop it, from the
 * settings the control planes run with (`readings`, by CP name: the zones and "global"), within
 * `targetSeconds`; otherwise the settings to change to the DR profile's values. A setting a CP did
 * not say (its /config not readable, as on a global reached only through an API that does not
 * serve it, or without the setting) is taken at Kuma's default, and the check says so.
 */
export function failoverCheck(
    zone: string,
    zones: string[],
    readings: Record<string, CpSettingsReading>,
    targetSeconds: number,
): { check: Check; failover?: FailoverStatus } {
    const { timings, why } = withAssumedDefaults(["global", ...zones], readings);
    const model = crossZoneModel(zone, zones, timings);
    if (!model) return { check: { name: "failover", ok: true, detail: "no other zone" } };
    const steps = model.steps.map(st => {
        const reason = why[st.cp]?.[st.setting];
        return { ...st, env: CP_SETTINGS[st.setting].env, ...(reason ? { assumed: `Kuma default, ${reason}` } : {}) };
    });
    // Per control plane and reason, the settings taken at Kuma's default.
    const assumedBy = new Map<string, { cp: string; reason: string; settings: string[] }>();
    for (const st of model.steps) {
        const reason = why[st.cp]?.[st.setting];
        if (!reason) continue;
        const key = `${st.cp}\n${reason}`;
        if (!assumedBy.has(key)) assumedBy.set(key, { cp: st.cp, reason, settings: [] });
        assumedBy.get(key)!.settings.push(`${st.setting} ${CP_SETTINGS[st.setting].kumaDefault}`);
    }
    const assumed = [...assumedBy.values()].map(
        a => `Kuma default for ${a.cp}'s ${a.settings.join(", ")}, not read: ${a.reason}`,
    );
    const worst = model.worstCaseSeconds!;
    const failover: FailoverStatus = { targetSeconds, worstCaseSeconds: worst, steps, assumed, fixes: [] };
    const assumedCps = [...new Set([...assumedBy.values()].map(a => a.cp))];
    const note = assumedCps.length ? ` (${assumedCps.join(", ")}: Kuma's defaults assumed)` : "";
    if (worst <= targetSeconds)
        return {
            check: { name: "failover", ok: true, detail: `${worst} s ≤ target ${targetSeconds} s${note}` },
            failover,
        };
    const dr = profileTimings("dr");
    failover.fixes = [
        ...[...assumedBy.values()].map(
            a =>
                `make ${a.cp}'s GET /config readable to the DR tool (${a.reason}), so the model uses the settings it runs with instead of Kuma's defaults` +
                // Kuma refuses /config to a user outside access.static.controlPlaneMetadata.
                (/: 403\b/.test(a.reason)
                    ? ` (on a kuma-cp: KUMA_ACCESS_STATIC_CONTROL_PLANE_METADATA_GROUPS or _USERS must include the token's)`
                    : ""),
        ),
        ...model.steps
            .filter(st => st.seconds! > dr[st.setting])
            .map(st => {
                const { env, dr: value } = CP_SETTINGS[st.setting];
                const role = st.cp === "global" ? "global" : "zone";
                return `${env}=${value} on ${role === "global" ? "the global CP" : `${st.cp}'s CP`} (Helm ${helmKey("kong-mesh", env)}; npm run dr -- profile --helm ${role})`;
            }),
    ];
    const withProfile = sumSeconds(model.steps.map(st => Math.min(st.seconds!, dr[st.setting])));
    if (withProfile > targetSeconds) {
        failover.fixes.push(
            `the DR profile's values reach ${withProfile} s here: raise failover.targetSeconds to ${withProfile} or more, or set the path's settings below the profile's`,
        );
    } else if (assumedCps.length) {
        failover.fixes.push(
            `or, where ${assumedCps.join(" and ")}'s settings cannot be read or changed: raise failover.targetSeconds to ${worst} or more`,
        );
    }
    return {
        check: { name: "failover", ok: false, detail: `${worst} s > target ${targetSeconds} s${note}` },
        failover,
    };
}

/** The gateway dataplane of a zone the checks and drills look at (the first, by name). */
export async function zoneGateway(cp: ControlPlane, mesh: string): Promise<string | undefined> {
    return (await gatewayDataplanes(cp, mesh, K8S_NAMES.namespace))[0];
}

export async function zoneStatus(
    s: DrStack,
    zone: string,
    readings: Record<string, CpSettingsReading>,
): Promise<ZoneStatus> {
    const cluster = s.zone(zone);
    const cp = s.controlPlane(zone);
    const mesh = s.mesh;
    const services = s.services;
    const checks: Check[] = [];
    const reachable = await cluster.reachable();
    checks.push({ name: "cluster", ok: reachable, detail: reachable ? "API server ready" : "API server unreachable" });
    checks.push(
        await attempt("zone CP", async () => {
            const ok = zoneConnected(await s.controlPlane("global").get(`/zones/${zone}/_overview`));
            return {
                name: "zone CP",
                ok,
                detail: ok ? "connected to the global CP" : "not connected to the global CP",
            };
        }),
    );
    // Read once per zone, whatever the number of services: the synced MMZS copies and the gateway's config.
    // Started on first use, inside a check, so a failure is that check's detail.
    const mmzsList = once(() => cluster.get(["-n", controlPlaneNamespace(s.config), "meshmultizoneservices.kuma.io"]));
    const dp = once(() => zoneGateway(cp, mesh));
    const xds = once(async () => {
        const d = await dp();
        return d && cp.proxyConfig(mesh, d);
    });
    for (const svc of services) {
        const of = (check: Check): Check => ({ ...check, service: svc.name });
        checks.push(
            of(
                await attempt("MeshService", async () => {
                    // The zone CP names a Kubernetes zone's MeshService `<name>.<namespace>`; its status counts the healthy dataplanes.
                    const ms = await cp.get(`/meshes/${mesh}/meshservices/${svc.name}.${svc.namespace}`);
                    if (!ms)
                        return {
                            name: "MeshService",
                            ok: false,
                            detail: `no MeshService ${svc.name} in namespace ${svc.namespace}`,
                        };
                    const healthy = Number(ms.status?.dataplaneProxies?.healthy ?? 0);
                    return {
                        name: "MeshService",
                        ok: healthy > 0,
                        detail: `${ms.spec?.state ?? "no state"}, ${healthy} healthy dataplane(s)`,
                    };
                }),
            ),
        );
        checks.push(
            of(
                await attempt("MMZS", async () => {
                    // The zone's synced copy carries the status the zone CP computed. Synced under a hashed
                    // name (`<name>-<hash>`): its hostname is the service's.
                    const items: any[] = (await mmzsList())?.items ?? [];
                    const mmzs =
                        items.find(o => (o.status?.addresses ?? []).some((a: any) => a.hostname === svc.hostname)) ??
                        items.find(
                            o =>
                                o.metadata.name === svc.name ||
                                new RegExp(`^${svc.name}-[a-z0-9]+$`).test(o.metadata.name),
                        );
                    if (!mmzs) return { name: "MMZS", ok: false, detail: "not synced to the zone" };
                    const listed = new Set<string>((mmzs.status?.meshServices ?? []).map((m: any) => m.zone));
                    const missing = s.zoneNames.filter(z => !listed.has(z));
                    return {
                        name: "MMZS",
                        ok: missing.length === 0,
                        detail: missing.length
                            ? `misses ${missing.join(", ")}`
                            : `lists ${[...listed].sort().join(", ")}`,
                    };
                }),
            ),
        );
        checks.push(
            of(
                await attempt("gateway", async () => {
                    const config = await xds();
                    if (!config) return { name: "gateway", ok: false, detail: "no gateway dataplane" };
                    return gatewayRoutesLocalFirst(zone, s.zoneNames, serviceLocalities(config, svc.envoyCluster));
                }),
            ),
        );
    }
    checks.push(
        await attempt("policies", async () => {
            const d = await dp();
            if (!d) return { name: "policies", ok: false, detail: "no gateway dataplane" };
            const types = policyTypesInRules(await cp.get(`/meshes/${mesh}/dataplanes/${d}/_rules`));
            const missing = FAILOVER_POLICY_TYPES.filter(t => !types.includes(t));
            return {
                name: "policies",
                ok: missing.length === 0,
                detail: missing.length ? `missing ${missing.join(", ")}` : types.join(", "),
            };
        }),
    );
    const { check, failover } = failoverCheck(zone, s.zoneNames, readings, s.config.failover.targetSeconds);
    checks.push(check);
    return {
        zone,
        ready: checks.every(c => c.ok),
        checks,
        failover,
        services: services.map(svc => ({
            service: svc.name,
            ready: checks.every(c => c.ok || c.service !== svc.name),
        })),
    };
}

export async function status(s: DrStack, opts: { preview: boolean }): Promise<StatusReport> {
    // A service without its stack output is bad input: refused before anything is read or previewed.
    void s.services;
    const preview = opts.preview
        ? s.pendingChanges().then(
              n => ({ n }),
              (e: Error) => ({ error: previewError(String(e.message ?? e)) }),
          )
        : undefined;
    const cps = ["global", ...s.zoneNames];
    const readings = Object.fromEntries(
        await Promise.all(cps.map(async cp => [cp, await readCpSettings(s.controlPlane(cp))] as const)),
    );
    const zones = await Promise.all(s.zoneNames.map(z => zoneStatus(s, z, readings)));
    const report: StatusReport = { stack: s.name, at: new Date().toISOString(), ready: false, zones };
    const p = await preview;
    if (p && "n" in p) report.pendingChanges = p.n;
    if (p && "error" in p) report.previewError = p.error;
    report.ready = zones.every(z => z.ready) && (!opts.preview || report.pendingChanges === 0);
    return report;
}

/** The engine's own error lines of a failed preview, without its progress output. */
export function previewError(message: string): string {
    const lines = message
        .split("\n")
        .map(l => l.trim())
        .filter(l => /^(error:|\* )/.test(l) && !/^error: preview failed$/.test(l));
    return lines.join(" ").slice(0, 400) || "preview failed";
}

/**
 * One line per zone and service, a mark and the detail per check, then the verdict. A zone's own
 * checks are shown on its first line only: they hold for all its services.
 */
export function formatStatus(r: StatusReport): string {
    const cell = (c: Check | undefined) => (c ? `${c.ok ? "ok" : "FAIL"} ${c.detail}` : "");
    const rows = r.zones.flatMap(z =>
        (z.services.length ? z.services.map(v => v.service) : [""]).map((service, i) => [
            z.zone,
            service,
            ...CHECKS.map(name =>
                (SERVICE_CHECKS as readonly string[]).includes(name)
                    ? cell(z.checks.find(c => c.name === name && c.service === service))
                    : i === 0
                      ? cell(z.checks.find(c => c.name === name && c.service === undefined))
                      : "",
            ),
        ]),
    );
    const header = ["zone", "service", ...CHECKS];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(row => row[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    const stack =
        r.pendingChanges !== undefined
            ? `stack ${r.stack}: ${r.pendingChanges === 0 ? "no pending changes" : `${r.pendingChanges} pending change(s) (pulumi preview --refresh --diff)`}`
            : r.previewError
              ? `stack ${r.stack}: preview failed: ${r.previewError}`
              : `stack ${r.stack}: preview skipped`;
    // A zone whose own check fails is not ready for any service; otherwise name the services that are not.
    const notReady = r.zones
        .filter(z => !z.ready)
        .map(z =>
            z.checks.some(c => !c.ok && c.service === undefined)
                ? `zone ${z.zone}`
                : `zone ${z.zone} (${z.services
                      .filter(v => !v.ready)
                      .map(v => v.service)
                      .join(", ")})`,
        );
    const verdict = r.ready
        ? "READY: every zone can take over for another"
        : `NOT READY: ${[...notReady, ...(r.pendingChanges !== 0 && !(r.pendingChanges === undefined && !r.previewError) ? ["the stack"] : [])].join(", ")}`;
    return [line(header), ...rows.map(line), ...formatFailover(r.zones), stack, verdict].join("\n");
}

/** Per zone, the cross-zone worst case as the sum of its steps, and what to change when it misses the target. */
function formatFailover(zones: ZoneStatus[]): string[] {
    const modelled = zones.filter(z => z.failover);
    if (!modelled.length) return [];
    const lines = [
        `cross-zone failover, worst case for another zone's gateway to drop the zone (target ${modelled[0].failover!.targetSeconds} s):`,
    ];
    for (const { zone, failover: f } of modelled) {
        const steps = f!.steps
            .map(st => `${st.cp} ${st.setting} ${st.seconds} s${st.assumed ? " (assumed)" : ""}`)
            .join(" + ");
        lines.push(
            `  ${zone}: ${f!.worstCaseSeconds} s = ${steps}`,
            ...f!.assumed.map(a => `    assumed: ${a}`),
            ...f!.fixes.map(fix => `    fix: ${fix}`),
        );
    }
    return lines;
}
