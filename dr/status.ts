// `status`: is every zone ready to lose another one? Read from the live systems: each cluster's API
// server, the global and zone control planes, what the zone CP computed for the zone's gateway.
import { CP_SETTINGS, CpTimings, PathStep, crossZoneModel, profileTimings, sumSeconds, timingsFromConfig } from "../components/cp-profile";
import { K8S_NAMES } from "../components/names";
import { controlPlaneNamespace } from "../zones/config";
import { ControlPlane, Locality, byPriority, gatewayDataplanes, gatewayLocalities } from "./kuma";
import { helmKey } from "./profile";
import { DrStack } from "./stack";

export interface Check {
    name: string;
    ok: boolean;
    detail: string;
}

export interface ZoneStatus {
    zone: string;
    ready: boolean;
    checks: Check[];
    /** How fast another zone's gateway drops this one, from the control planes' settings; none with one zone. */
    failover?: FailoverStatus;
}

/** The cross-zone failover model of one zone against the stack's objective. */
export interface FailoverStatus {
    targetSeconds: number;
    /** Undefined when a step's setting is not known (see `unknown`). */
    worstCaseSeconds?: number;
    steps: (PathStep & { env: string })[];
    /** Why steps are not known: a control plane not answering, or a /config without the setting. */
    unknown: string[];
    /** The settings to change to meet the target: env var, value, control plane, Helm key. */
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

/** The checks of one zone, in the table's column order. */
export const CHECKS = ["cluster", "zone CP", "echo", "MMZS", "gateway", "policies", "failover"] as const;

/** The failover policies the program creates (FailoverPolicies), as Kuma names their types in `_rules`. */
export const FAILOVER_POLICY_TYPES = ["MeshCircuitBreaker", "MeshHealthCheck", "MeshLoadBalancingStrategy", "MeshProxyPatch", "MeshRetry", "MeshTimeout"];

/**
 * Whether a gateway's MMZS localities route the zone locally first and keep every other zone as
 * failover: the own zone at the lowest priority, every other zone behind it.
 */
export function gatewayRoutesLocalFirst(zone: string, allZones: string[], localities: Locality[]): Check {
    const listed = byPriority(localities).join(" ");
    const first = localities[0];
    const missing = allZones.filter(z => z !== zone && !localities.some(l => l.zone === z && l.priority > (first?.priority ?? 0)));
    if (!first || first.zone !== zone || localities.filter(l => l.priority === first.priority).length !== 1) {
        return { name: "gateway", ok: false, detail: `${zone} is not alone at the first priority (${listed || "no endpoints"})` };
    }
    if (missing.length) return { name: "gateway", ok: false, detail: `no failover to ${missing.join(", ")} (${listed})` };
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

const firstLine = (e: unknown) => String((e as Error).message ?? e).split("\n")[0].slice(0, 200);

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
 * The "failover" check of a zone: the worst case for another zone's gateway to drop it, from the
 * settings the control planes run with (`readings`, by CP name: the zones and "global"), within
 * `targetSeconds`; otherwise the settings to change to the DR profile's values.
 */
export function failoverCheck(zone: string, zones: string[], readings: Record<string, CpSettingsReading>, targetSeconds: number):
    { check: Check; failover?: FailoverStatus } {
    const model = crossZoneModel(zone, zones, Object.fromEntries(Object.entries(readings).map(([cp, r]) => [cp, r.timings])));
    if (!model) return { check: { name: "failover", ok: true, detail: "no other zone" } };
    const unknown = [...new Set(model.steps.filter(st => st.seconds === undefined).map(st =>
        readings[st.cp]?.error ?? `${st.cp}'s /config has no duration at ${CP_SETTINGS[st.setting].configPath}`))];
    const worst = model.worstCaseSeconds;
    const failover: FailoverStatus = {
        targetSeconds, worstCaseSeconds: worst, steps: model.steps.map(st => ({ ...st, env: CP_SETTINGS[st.setting].env })), unknown, fixes: [],
    };
    if (worst === undefined) return { check: { name: "failover", ok: false, detail: `unknown: ${unknown.join("; ")}` }, failover };
    if (worst <= targetSeconds) return { check: { name: "failover", ok: true, detail: `${worst} s ≤ target ${targetSeconds} s` }, failover };
    const dr = profileTimings("dr");
    failover.fixes = model.steps.filter(st => st.seconds! > dr[st.setting]).map(st => {
        const { env, dr: value } = CP_SETTINGS[st.setting];
        const role = st.cp === "global" ? "global" : "zone";
        return `${env}=${value} on ${role === "global" ? "the global CP" : `${st.cp}'s CP`} (Helm ${helmKey("kong-mesh", env)}; npm run dr -- profile --helm ${role})`;
    });
    const withProfile = sumSeconds(model.steps.map(st => Math.min(st.seconds!, dr[st.setting])));
    if (withProfile > targetSeconds) {
        failover.fixes.push(`the DR profile's values reach ${withProfile} s here: raise failover.targetSeconds to ${withProfile} or more, or set the path's settings below the profile's`);
    }
    return { check: { name: "failover", ok: false, detail: `${worst} s > target ${targetSeconds} s` }, failover };
}

/** The gateway dataplane of a zone the checks and drills look at (the first, by name). */
export async function zoneGateway(cp: ControlPlane, mesh: string): Promise<string | undefined> {
    return (await gatewayDataplanes(cp, mesh, K8S_NAMES.namespace))[0];
}

export async function zoneStatus(s: DrStack, zone: string, readings: Record<string, CpSettingsReading>): Promise<ZoneStatus> {
    const cluster = s.zone(zone);
    const cp = s.controlPlane(zone);
    const mesh = s.mesh;
    const ns = s.outputs.zones[zone]?.namespace ?? K8S_NAMES.namespace;
    const checks: Check[] = [];
    const reachable = await cluster.reachable();
    checks.push({ name: "cluster", ok: reachable, detail: reachable ? "API server ready" : "API server unreachable" });
    checks.push(await attempt("zone CP", async () => {
        const ok = zoneConnected(await s.controlPlane("global").get(`/zones/${zone}/_overview`));
        return { name: "zone CP", ok, detail: ok ? "connected to the global CP" : "not connected to the global CP" };
    }));
    checks.push(await attempt("echo", async () => {
        const ms = await cluster.get(["-n", ns, "meshservices.kuma.io", K8S_NAMES.echo]);
        if (!ms) return { name: "echo", ok: false, detail: "no MeshService echo" };
        const eps = await cluster.get(["-n", ns, "endpoints", K8S_NAMES.echo]);
        const ready = (eps?.subsets ?? []).reduce((n: number, s: any) => n + (s.addresses?.length ?? 0), 0);
        return { name: "echo", ok: ready > 0, detail: `MeshService, ${ready} ready endpoint(s)` };
    }));
    checks.push(await attempt("MMZS", async () => {
        // The zone's synced copy carries the status the zone CP computed.
        const list = await cluster.get(["-n", controlPlaneNamespace(s.config), "meshmultizoneservices.kuma.io"]);
        // Synced under a hashed name (`echo-<hash>`); its hostname is ours.
        const { name, hostname } = s.outputs.multiZoneService;
        const mmzs = (list?.items ?? []).find((o: any) => (o.status?.addresses ?? []).some((a: any) => a.hostname === hostname)
            || o.metadata.name === name || o.metadata.name.startsWith(`${name}-`));
        if (!mmzs) return { name: "MMZS", ok: false, detail: "not synced to the zone" };
        const listed = new Set<string>((mmzs.status?.meshServices ?? []).map((m: any) => m.zone));
        const missing = s.zoneNames.filter(z => !listed.has(z));
        return { name: "MMZS", ok: missing.length === 0, detail: missing.length ? `misses ${missing.join(", ")}` : `lists ${[...listed].sort().join(", ")}` };
    }));
    const gateway = await attempt("gateway", async () => {
        const dp = await zoneGateway(cp, mesh);
        if (!dp) return { name: "gateway", ok: false, detail: "no gateway dataplane" };
        return gatewayRoutesLocalFirst(zone, s.zoneNames, await gatewayLocalities(cp, mesh, dp));
    });
    checks.push(gateway);
    checks.push(await attempt("policies", async () => {
        const dp = await zoneGateway(cp, mesh);
        if (!dp) return { name: "policies", ok: false, detail: "no gateway dataplane" };
        const types = policyTypesInRules(await cp.get(`/meshes/${mesh}/dataplanes/${dp}/_rules`));
        const missing = FAILOVER_POLICY_TYPES.filter(t => !types.includes(t));
        return { name: "policies", ok: missing.length === 0, detail: missing.length ? `missing ${missing.join(", ")}` : types.join(", ") };
    }));
    const { check, failover } = failoverCheck(zone, s.zoneNames, readings, s.config.failover.targetSeconds);
    checks.push(check);
    return { zone, ready: checks.every(c => c.ok), checks, failover };
}

export async function status(s: DrStack, opts: { preview: boolean }): Promise<StatusReport> {
    const preview = opts.preview ? s.pendingChanges().then(n => ({ n }), (e: Error) => ({ error: previewError(String(e.message ?? e)) })) : undefined;
    const cps = ["global", ...s.zoneNames];
    const readings = Object.fromEntries(await Promise.all(cps.map(async cp => [cp, await readCpSettings(s.controlPlane(cp))] as const)));
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
    const lines = message.split("\n").map(l => l.trim()).filter(l => /^(error:|\* )/.test(l) && !/^error: preview failed$/.test(l));
    return lines.join(" ").slice(0, 400) || "preview failed";
}

/** One line per zone, a mark and the detail per check, then the verdict. */
export function formatStatus(r: StatusReport): string {
    const rows = r.zones.map(z => [z.zone, ...CHECKS.map(name => {
        const c = z.checks.find(x => x.name === name);
        return c ? `${c.ok ? "ok" : "FAIL"} ${c.detail}` : "";
    })]);
    const header = ["zone", ...CHECKS];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(row => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    const stack = r.pendingChanges !== undefined
        ? `stack ${r.stack}: ${r.pendingChanges === 0 ? "no pending changes" : `${r.pendingChanges} pending change(s) (pulumi preview --refresh --diff)`}`
        : r.previewError ? `stack ${r.stack}: preview failed: ${r.previewError}` : `stack ${r.stack}: preview skipped`;
    const notReady = r.zones.filter(z => !z.ready).map(z => z.zone);
    const verdict = r.ready ? "READY: every zone can take over for another"
        : `NOT READY: ${[...notReady.map(z => `zone ${z}`), ...(r.pendingChanges !== 0 && !(r.pendingChanges === undefined && !r.previewError) ? ["the stack"] : [])].join(", ")}`;
    return [line(header), ...rows.map(line), ...formatFailover(r.zones), stack, verdict].join("\n");
}

/** Per zone, the cross-zone worst case as the sum of its steps, and what to change when it misses the target. */
function formatFailover(zones: ZoneStatus[]): string[] {
    const modelled = zones.filter(z => z.failover);
    if (!modelled.length) return [];
    const lines = [`cross-zone failover, worst case for another zone's gateway to drop the zone (target ${modelled[0].failover!.targetSeconds} s):`];
    for (const { zone, failover: f } of modelled) {
        const steps = f!.steps.map(st => `${st.cp} ${st.setting} ${st.seconds === undefined ? "?" : `${st.seconds} s`}`).join(" + ");
        lines.push(`  ${zone}: ${f!.worstCaseSeconds === undefined ? "unknown" : `${f!.worstCaseSeconds} s`} = ${steps}`,
            ...f!.unknown.map(u => `    unknown: ${u}`), ...f!.fixes.map(fix => `    fix: ${fix}`));
    }
    return lines;
}
