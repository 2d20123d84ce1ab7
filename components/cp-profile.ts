// The Kuma / Kong Mesh control-plane settings on the failover path, in one table: the DR profile
// users install (Helm values, env lines), the stack's failover model and `dr status`'s advice all
// come from it. Env names, `GET /config` paths and defaults are Kuma 2.14.3's
// (pkg/config/..., kuma-cp.defaults.yaml).

export type CpRole = "global" | "zone";
export type Profile = "default" | "dr";

export interface CpSetting {
    env: string;
    /** Where `GET /config` on the control plane's API shows the effective value. */
    configPath: string;
    /** The control planes that run what the setting times. */
    roles: readonly CpRole[];
    kumaDefault: string;
    dr: string;
    /** Its part in failing over. */
    part: string;
    /** What the DR value costs against Kuma's default. */
    cost: string;
}

export const CP_SETTINGS = {
    meshServiceStatus: {
        env: "KUMA_CORE_RESOURCES_STATUS_MESH_SERVICE_INTERVAL",
        configPath: "coreResources.status.meshServiceInterval",
        roles: ["zone"],
        kumaDefault: "5s",
        dr: "500ms",
        part: "how often a zone CP marks its MeshServices Available or Unavailable: another zone drops it only once Unavailable",
        cost: "the zone CP lists every MeshService, Dataplane and DataplaneInsight 10 times as often",
    },
    meshMultiZoneServiceStatus: {
        env: "KUMA_CORE_RESOURCES_STATUS_MESH_MULTI_ZONE_SERVICE_INTERVAL",
        configPath: "coreResources.status.meshMultiZoneServiceInterval",
        roles: ["zone"],
        kumaDefault: "5s",
        dr: "500ms",
        part: "how often a zone CP matches MeshServices to each MeshMultiZoneService: on the path when a zone's MeshService is deleted or (re)created, not when it turns Unavailable",
        cost: "the zone CP lists every MeshMultiZoneService and MeshService 10 times as often",
    },
    zoneKds: {
        env: "KUMA_MULTIZONE_ZONE_KDS_REFRESH_INTERVAL",
        configPath: "multizone.zone.kds.refreshInterval",
        roles: ["zone"],
        kumaDefault: "1s",
        dr: "500ms",
        part: "zone → global sync: how often a zone CP sends its changes (the MeshService status) to the global CP",
        cost: "the zone CP rebuilds what it syncs to the global CP twice as often",
    },
    globalKds: {
        env: "KUMA_MULTIZONE_GLOBAL_KDS_REFRESH_INTERVAL",
        configPath: "multizone.global.kds.refreshInterval",
        roles: ["global"],
        kumaDefault: "1s",
        dr: "500ms",
        part: "global → zone sync: how often the global CP sends every zone the other zones' MeshServices",
        cost: "the global CP rebuilds every zone's snapshot twice as often (grows with zones × resources)",
    },
    storeCache: {
        env: "KUMA_STORE_CACHE_EXPIRATION_TIME",
        configPath: "store.cache.expirationTime",
        roles: ["global", "zone"],
        kumaDefault: "1s",
        dr: "500ms",
        part: "how stale a control plane's reads of its store may be when it rebuilds a proxy's config",
        cost: "the CP reads its store twice as often: on Kubernetes from its own informer cache, not the API server; with Postgres from the database",
    },
    xdsRefresh: {
        env: "KUMA_XDS_SERVER_DATAPLANE_CONFIGURATION_REFRESH_INTERVAL",
        configPath: "xdsServer.dataplaneConfigurationRefreshInterval",
        roles: ["zone"],
        kumaDefault: "1s",
        dr: "500ms",
        part: "how often a zone CP rebuilds each proxy's (each gateway's) Envoy config",
        cost: "the zone CP checks every connected proxy's config (and rebuilds it when its inputs changed) twice as often: its CPU grows with the proxies",
    },
} as const satisfies Record<string, CpSetting>;

export type CpSettingName = keyof typeof CP_SETTINGS;
export const CP_SETTING_NAMES = Object.keys(CP_SETTINGS) as CpSettingName[];

/** Seconds per setting of one control plane: a profile's, or what its `GET /config` says. */
export type CpTimings = Partial<Record<CpSettingName, number>>;

/** The settings of a control plane of this role, as env vars, at the profile's values. */
export function profileEnv(role: CpRole, profile: Profile = "dr"): Record<string, string> {
    return Object.fromEntries(
        CP_SETTING_NAMES.filter(n => (CP_SETTINGS[n].roles as readonly CpRole[]).includes(role)).map(n => [
            CP_SETTINGS[n].env,
            profile === "dr" ? CP_SETTINGS[n].dr : CP_SETTINGS[n].kumaDefault,
        ]),
    );
}

/** Every setting at the profile's values, in seconds. */
export function profileTimings(profile: Profile): Required<CpTimings> {
    return Object.fromEntries(
        CP_SETTING_NAMES.map(n => [
            n,
            goDurationSeconds(profile === "dr" ? CP_SETTINGS[n].dr : CP_SETTINGS[n].kumaDefault),
        ]),
    ) as Required<CpTimings>;
}

/** A sum of seconds, rounded to the microsecond so that 0.1 + 0.2 prints as 0.3. */
export const sumSeconds = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 1e6) / 1e6;

const GO_UNIT_SECONDS: Record<string, number> = {
    h: 3600,
    m: 60,
    s: 1,
    ms: 1e-3,
    us: 1e-6,
    µs: 1e-6,
    μs: 1e-6,
    ns: 1e-9,
};

/** Seconds of a Go time.Duration as Kuma prints it ("500ms", "1.5s", "1m30s", "0s"); undefined if it is not one. */
export function goDurationSeconds(text: string): number | undefined {
    if (!/^((\d+(\.\d+)?)(h|m|s|ms|us|µs|μs|ns))+$/.test(text)) return undefined;
    return sumSeconds(
        [...text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|μs|ns)/g)].map(
            ([, n, , unit]) => Number(n) * GO_UNIT_SECONDS[unit],
        ),
    );
}

/**
 * A control plane's settings from its `GET /config` answer. A config path it lacks (another Kuma
 * version) or that holds no duration leaves the setting out: not known.
 */
export function timingsFromConfig(config: unknown): CpTimings {
    const timings: CpTimings = {};
    for (const name of CP_SETTING_NAMES) {
        const value = CP_SETTINGS[name].configPath.split(".").reduce<any>((o, key) => o?.[key], config);
        const seconds = typeof value === "string" ? goDurationSeconds(value) : undefined;
        if (seconds === undefined) continue;
        // A disabled cache makes every read fresh, whatever its expiration time.
        timings[name] = name === "storeCache" && (config as any)?.store?.cache?.enabled === false ? 0 : seconds;
    }
    return timings;
}

/**
 * Where each part of the cross-zone path runs: the zone being dropped, the global CP, or the
 * zone whose gateway drops it.
 */
export type PathCp = "zone" | "global" | "other";

/**
 * How another zone's gateway drops a zone (Kuma's MeshMultiZoneService endpoints leave out a
 * remote MeshService that is not Available): the zone's CP marks its MeshService Unavailable
 * (status interval), sends it to the global CP (zone KDS), which sends it to the other zone
 * (global KDS), whose CP rebuilds the gateway's config from its store's cache (cache + xDS
 * refresh). The worst case is the sum: each step waits at most its interval for the next.
 * The dropped zone's and the global CP's reads go through their store caches too; the model leaves
 * those out. On Kuma 2.14.3 the sum bounded issue 20's drills (maxima 8.07 s with Kuma's defaults,
 * 2.05 s with the DR profile, against 9 s and 2.5 s here) until the bench of 2026-12-07, whose
 * slowest DR-profile drill took 2.93 s; with those caches the bound is 11 s and 3.5 s.
 */
export const CROSS_ZONE_PATH: readonly { setting: CpSettingName; on: PathCp }[] = [
    { setting: "meshServiceStatus", on: "zone" },
    { setting: "zoneKds", on: "zone" },
    { setting: "globalKds", on: "global" },
    { setting: "storeCache", on: "other" },
    { setting: "xdsRefresh", on: "other" },
];

/**
 * A gateway drops its own zone's endpoint (a deleted or not-ready pod makes the Dataplane's inbound
 * not ready) at its CP's next config rebuild.
 */
export const SAME_ZONE_PATH: readonly CpSettingName[] = ["storeCache", "xdsRefresh"];

/**
 * How long Kuma takes to take a dead zone's echo out of a gateway's config, every control plane
 * on the profile. Until then, passive outlier detection and retries to the next priority carry the
 * requests (and the health check patched into the MMZS cluster, see docs/failover.md).
 */
export function failoverDetectionModel(profile: Profile) {
    const t = profileTimings(profile);
    return {
        sameZoneWorstCaseSeconds: sumSeconds(SAME_ZONE_PATH.map(n => t[n])),
        otherZoneWorstCaseSeconds: sumSeconds(CROSS_ZONE_PATH.map(p => t[p.setting])),
    };
}

/** One step of the cross-zone path on a live system: the setting, the CP it is read from, its seconds. */
export interface PathStep {
    setting: CpSettingName;
    cp: string;
    seconds?: number;
}

export interface CrossZoneModel {
    /** The worst case for another zone's gateway to drop this zone; undefined when a step is unknown. */
    worstCaseSeconds?: number;
    steps: PathStep[];
}

/**
 * The cross-zone worst case for `zone` from the control planes' settings (by CP name: the zones
 * and "global"): the path through the slowest of the other zones. Undefined with no other zone.
 */
export function crossZoneModel(
    zone: string,
    zones: string[],
    cps: Record<string, CpTimings | undefined>,
): CrossZoneModel | undefined {
    const others = zones.filter(z => z !== zone);
    if (others.length === 0) return undefined;
    const stepsVia = (other: string): PathStep[] =>
        CROSS_ZONE_PATH.map(({ setting, on }) => {
            const cp = on === "zone" ? zone : on === "global" ? "global" : other;
            return { setting, cp, seconds: cps[cp]?.[setting] };
        });
    const total = (steps: PathStep[]) =>
        steps.some(s => s.seconds === undefined) ? undefined : sumSeconds(steps.map(s => s.seconds!));
    // An unknown other zone is the worst, so its unknown steps are what the model shows.
    const slowest = others.map(stepsVia).reduce((a, b) => ((total(b) ?? Infinity) > (total(a) ?? Infinity) ? b : a));
    return { worstCaseSeconds: total(slowest), steps: slowest };
}
