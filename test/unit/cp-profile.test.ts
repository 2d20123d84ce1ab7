// The control-plane DR profile: its table against what real Kuma 2.14.3 control planes answer on
// `GET /config` (recorded, default settings), the forms it is installed with, the failover model
// it gives, and what `dr status` makes of the control planes' settings. The entry the sandbox runs as a
// process: test/integration/dr-profile-entry.test.ts.
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import {
    CP_SETTINGS,
    CP_SETTING_NAMES,
    CpTimings,
    crossZoneModel,
    failoverDetectionModel,
    goDurationSeconds,
    profileEnv,
    profileTimings,
    timingsFromConfig,
} from "../../components/cp-profile";
import { parseArgs } from "../../dr/args";
import { run } from "../../dr/cli";
import { ControlPlane, KumaApiTransport } from "../../dr/kuma";
import { envLines, helmValues } from "../../dr/profile";
import { CpSettingsReading, StatusReport, failoverCheck, formatStatus, readCpSettings } from "../../dr/status";

const REPO = path.resolve(__dirname, "../..");
const CPS = ["global", "zone1", "zone2"] as const;
const ZONES = ["zone1", "zone2"];
/** What the sandbox's control planes answered, Kuma's defaults throughout. */
const recorded = (cp: string) =>
    JSON.parse(
        fs.readFileSync(
            path.join(REPO, "test/fixtures/kuma-api/recorded-v2.14.3/healthy", `${cp}-config.json`),
            "utf8",
        ),
    );

/** A recorded /config with some settings changed, by config path (undefined deletes it). */
function withSettings(cp: string, changes: Record<string, string | undefined>) {
    const config = recorded(cp);
    for (const [p, value] of Object.entries(changes)) {
        const keys = p.split(".");
        const parent = keys.slice(0, -1).reduce((o, k) => o[k], config);
        if (value === undefined) delete parent[keys[keys.length - 1]];
        else parent[keys[keys.length - 1]] = value;
    }
    return config;
}

/** Every setting of the table at its DR value. */
const DR_VALUES = Object.fromEntries(CP_SETTING_NAMES.map(n => [CP_SETTINGS[n].configPath, CP_SETTINGS[n].dr]));

const readings = (configs: Record<string, unknown>): Record<string, CpSettingsReading> =>
    Object.fromEntries(Object.entries(configs).map(([cp, c]) => [cp, { timings: timingsFromConfig(c) }]));
const defaults = () => readings(Object.fromEntries(CPS.map(cp => [cp, recorded(cp)])));
const profiled = () => readings(Object.fromEntries(CPS.map(cp => [cp, withSettings(cp, DR_VALUES)])));

describe("the profile's table", () => {
    it("holds Kuma 2.14.3's defaults: what the recorded control planes run with", () => {
        for (const cp of CPS) expect(timingsFromConfig(recorded(cp)), cp).toEqual(profileTimings("default"));
    });

    it("names each env var after its /config path, as Kuma does (KUMA_ + the path in upper snake case)", () => {
        for (const s of Object.values(CP_SETTINGS)) {
            expect(s.env).toBe(
                `KUMA_${s.configPath
                    .split(".")
                    .map(k => k.replace(/([a-z])([A-Z])/g, "$1_$2"))
                    .join("_")
                    .toUpperCase()}`,
            );
        }
    });

    it("is what docs/failover.md shows, row for row: the docs copy the table, they do not keep one of their own", () => {
        const doc = fs.readFileSync(path.join(REPO, "docs/failover.md"), "utf8");
        const rows = doc
            .split("\n")
            .filter(l => /^\| `[a-zA-Z.]+` \| `KUMA_/.test(l))
            .map(l =>
                l
                    .split("|")
                    .slice(1, -1)
                    .map(c => c.trim().replace(/^`|`$/g, "")),
            );
        expect(rows).toEqual(
            CP_SETTING_NAMES.map(n => {
                const s = CP_SETTINGS[n];
                const roles = s.roles.length === 2 ? "both" : s.roles[0];
                return [s.configPath, s.env, roles, s.kumaDefault, s.dr, s.cost];
            }),
        );
    });

    it("reads Go durations as Kuma prints them, and nothing else", () => {
        const cases: [string, number | undefined][] = [
            ["500ms", 0.5],
            ["1s", 1],
            ["1.5s", 1.5],
            ["1m30s", 90],
            ["1h0m0s", 3600],
            ["0s", 0],
            ["250µs", 0.00025],
            ["5", undefined],
            ["5 s", undefined],
            ["", undefined],
            ["-1s", undefined],
        ];
        for (const [text, seconds] of cases) expect(goDurationSeconds(text), text).toBe(seconds);
    });

    it("counts a disabled store cache as no staleness, and leaves out what a /config lacks or holds no duration at", () => {
        expect(
            timingsFromConfig(withSettings("zone1", { "store.cache.enabled": false as unknown as string })).storeCache,
        ).toBe(0);
        const t = timingsFromConfig(
            withSettings("zone1", {
                "coreResources.status.meshServiceInterval": undefined,
                "xdsServer.dataplaneConfigurationRefreshInterval": "often",
            }),
        );
        expect(Object.keys(t).sort()).toEqual(["globalKds", "meshMultiZoneServiceStatus", "storeCache", "zoneKds"]);
        expect(timingsFromConfig(undefined)).toEqual({});
    });
});

describe("the failover model", () => {
    it("sums the path: Kuma's defaults 2 s in the zone, 9 s across zones; the DR profile 1 s and 2.5 s", () => {
        expect(failoverDetectionModel("default")).toEqual({
            sameZoneWorstCaseSeconds: 2,
            otherZoneWorstCaseSeconds: 9,
        });
        expect(failoverDetectionModel("dr")).toEqual({ sameZoneWorstCaseSeconds: 1, otherZoneWorstCaseSeconds: 2.5 });
    });

    it("bounds every drill measured on real Kuma 2.14.3 control planes (issue 20: max of 5 echo drills each)", () => {
        const measured: [string, Record<string, string>, number][] = [
            ["Kuma's defaults", {}, 8.07],
            [
                "status intervals at 1s",
                {
                    "coreResources.status.meshServiceInterval": "1s",
                    "coreResources.status.meshMultiZoneServiceInterval": "1s",
                },
                3.87,
            ],
            ["the DR profile", DR_VALUES, 2.05],
        ];
        for (const [what, changes, maxSeconds] of measured) {
            const cps = Object.fromEntries(CPS.map(cp => [cp, timingsFromConfig(withSettings(cp, changes))]));
            const worst = crossZoneModel("zone1", ZONES, cps)!.worstCaseSeconds!;
            expect(worst, what).toBeGreaterThanOrEqual(maxSeconds);
            // A bound, not a guess twice too high.
            expect(worst, what).toBeLessThan(2 * maxSeconds);
        }
    });

    it("takes each step from the control plane that runs it, through the slowest other zone", () => {
        const cps: Record<string, CpTimings> = {
            global: profileTimings("dr"),
            zone1: profileTimings("dr"),
            zone2: profileTimings("dr"),
            zone3: { ...profileTimings("dr"), xdsRefresh: 3 },
        };
        const zone1 = crossZoneModel("zone1", ["zone1", "zone2", "zone3"], cps)!;
        expect(zone1.worstCaseSeconds).toBe(5);
        expect(zone1.steps.map(s => `${s.cp} ${s.setting} ${s.seconds}`)).toEqual([
            "zone1 meshServiceStatus 0.5",
            "zone1 zoneKds 0.5",
            "global globalKds 0.5",
            "zone3 storeCache 0.5",
            "zone3 xdsRefresh 3",
        ]);
        expect(crossZoneModel("zone3", ["zone1", "zone2", "zone3"], cps)!.worstCaseSeconds).toBe(2.5);
        expect(crossZoneModel("zone1", ["zone1"], cps)).toBeUndefined();
        // A zone whose settings are not known is the slowest: the model is unknown.
        expect(crossZoneModel("zone1", ["zone1", "zone2", "zone4"], cps)!.worstCaseSeconds).toBeUndefined();
    });
});

describe("dr status's failover check", () => {
    it("fails Kuma's defaults against the default target, naming each setting to change, its value, where, and its Helm key", () => {
        const { check, failover } = failoverCheck("zone1", ZONES, defaults(), 5);
        expect(check).toEqual({ name: "failover", ok: false, detail: "9 s > target 5 s" });
        expect(failover!.worstCaseSeconds).toBe(9);
        expect(failover!.steps.map(s => `${s.cp} ${s.env} ${s.seconds}`)).toEqual([
            "zone1 KUMA_CORE_RESOURCES_STATUS_MESH_SERVICE_INTERVAL 5",
            "zone1 KUMA_MULTIZONE_ZONE_KDS_REFRESH_INTERVAL 1",
            "global KUMA_MULTIZONE_GLOBAL_KDS_REFRESH_INTERVAL 1",
            "zone2 KUMA_STORE_CACHE_EXPIRATION_TIME 1",
            "zone2 KUMA_XDS_SERVER_DATAPLANE_CONFIGURATION_REFRESH_INTERVAL 1",
        ]);
        expect(failover!.fixes).toHaveLength(5);
        expect(failover!.fixes[0]).toBe(
            "KUMA_CORE_RESOURCES_STATUS_MESH_SERVICE_INTERVAL=500ms on zone1's CP " +
                "(Helm kuma.controlPlane.envVars.KUMA_CORE_RESOURCES_STATUS_MESH_SERVICE_INTERVAL; npm run dr -- profile --helm zone)",
        );
        expect(failover!.fixes[2]).toBe(
            "KUMA_MULTIZONE_GLOBAL_KDS_REFRESH_INTERVAL=500ms on the global CP " +
                "(Helm kuma.controlPlane.envVars.KUMA_MULTIZONE_GLOBAL_KDS_REFRESH_INTERVAL; npm run dr -- profile --helm global)",
        );
        // A looser objective that Kuma's defaults meet: ready, nothing to change.
        expect(failoverCheck("zone1", ZONES, defaults(), 10)).toMatchObject({
            check: { ok: true, detail: "9 s ≤ target 10 s" },
            failover: { fixes: [] },
        });
    });

    it("passes the DR profile, with twice its worst case to spare", () => {
        for (const zone of ZONES) {
            expect(failoverCheck(zone, ZONES, profiled(), 5)).toMatchObject({
                check: { ok: true, detail: "2.5 s ≤ target 5 s" },
                failover: { worstCaseSeconds: 2.5, fixes: [] },
            });
        }
    });

    it("fails only the zone whose control plane is slow, and names only its setting", () => {
        const r = {
            ...profiled(),
            ...readings({
                zone2: withSettings("zone2", { ...DR_VALUES, "coreResources.status.meshServiceInterval": "5s" }),
            }),
        };
        expect(failoverCheck("zone1", ZONES, r, 5).check.ok).toBe(true);
        const { check, failover } = failoverCheck("zone2", ZONES, r, 5);
        expect(check.detail).toBe("7 s > target 5 s");
        expect(failover!.fixes).toEqual([
            expect.stringMatching(/^KUMA_CORE_RESOURCES_STATUS_MESH_SERVICE_INTERVAL=500ms on zone2's CP /),
        ]);
    });

    it("says when the DR profile cannot meet the target either", () => {
        const { check, failover } = failoverCheck("zone1", ZONES, profiled(), 2);
        expect(check).toMatchObject({ ok: false, detail: "2.5 s > target 2 s" });
        expect(failover!.fixes).toEqual([
            "the DR profile's values reach 2.5 s here: raise failover.targetSeconds to 2.5 or more, or set the path's settings below the profile's",
        ]);
    });

    it("takes a setting a /config lacks at Kuma's default, and says so", () => {
        const missing = {
            ...defaults(),
            ...readings({ zone1: withSettings("zone1", { "coreResources.status.meshServiceInterval": undefined }) }),
        };
        const { check, failover } = failoverCheck("zone1", ZONES, missing, 10);
        expect(check).toEqual({
            name: "failover",
            ok: true,
            detail: "9 s ≤ target 10 s (zone1: Kuma's defaults assumed)",
        });
        expect(failover!.steps[0]).toMatchObject({
            cp: "zone1",
            setting: "meshServiceStatus",
            seconds: 5,
            assumed: "Kuma default, zone1's /config has no duration at coreResources.status.meshServiceInterval",
        });
        expect(failover!.steps.slice(1).every(st => st.assumed === undefined)).toBe(true);
        expect(failover!.assumed).toEqual([
            "Kuma default for zone1's meshServiceStatus 5s, not read: zone1's /config has no duration at coreResources.status.meshServiceInterval",
        ]);
        // zone2's path takes only zone1's cache and xDS refresh, which zone1 still says: nothing assumed.
        expect(failoverCheck("zone2", ZONES, missing, 10)).toMatchObject({
            check: { ok: true, detail: "9 s ≤ target 10 s" },
            failover: { assumed: [] },
        });
    });

    // A global reached only through an API that does not serve /config (Konnect's, or one behind a
    // proxy that answers only the resource paths): the zones' recorded /config, the global's refused.
    const globalUnread = (zones: () => Record<string, CpSettingsReading>, error: string) => ({
        ...zones(),
        global: { error },
    });

    it("reads a global whose /config cannot be read as running Kuma's defaults: ready when the zones' profile meets the target anyway", () => {
        const r = globalUnread(profiled, "global: GET /config: 403 access denied");
        for (const zone of ZONES) {
            const { check, failover } = failoverCheck(zone, ZONES, r, 5);
            // 0.5 + 0.5 + 1 (the global's KDS refresh, assumed) + 0.5 + 0.5
            expect(check).toEqual({
                name: "failover",
                ok: true,
                detail: "3 s ≤ target 5 s (global: Kuma's defaults assumed)",
            });
            expect(failover!.steps.find(st => st.cp === "global")).toEqual({
                setting: "globalKds",
                cp: "global",
                seconds: 1,
                env: "KUMA_MULTIZONE_GLOBAL_KDS_REFRESH_INTERVAL",
                assumed: "Kuma default, global: GET /config: 403 access denied",
            });
            expect(failover!.assumed).toEqual([
                "Kuma default for global's globalKds 1s, not read: global: GET /config: 403 access denied",
            ]);
            expect(failover!.fixes).toEqual([]);
        }
    });

    it("fails such a global against a tighter target, naming every way out: /config readable, the setting, or the target", () => {
        const r = globalUnread(profiled, "global: GET /config: not found");
        const { check, failover } = failoverCheck("zone1", ZONES, r, 2.5);
        expect(check).toEqual({
            name: "failover",
            ok: false,
            detail: "3 s > target 2.5 s (global: Kuma's defaults assumed)",
        });
        expect(failover!.fixes).toEqual([
            "make global's GET /config readable to the DR tool (global: GET /config: not found), so the model uses the settings it runs with instead of Kuma's defaults",
            "KUMA_MULTIZONE_GLOBAL_KDS_REFRESH_INTERVAL=500ms on the global CP " +
                "(Helm kuma.controlPlane.envVars.KUMA_MULTIZONE_GLOBAL_KDS_REFRESH_INTERVAL; npm run dr -- profile --helm global)",
            "or, where global's settings cannot be read or changed: raise failover.targetSeconds to 3 or more",
        ]);
        // Zones on Kuma's defaults too: every slow step named, the global's first among the settings.
        const slow = failoverCheck("zone1", ZONES, globalUnread(defaults, "global: GET /config: not found"), 5);
        expect(slow.check.detail).toBe("9 s > target 5 s (global: Kuma's defaults assumed)");
        expect(slow.failover!.fixes).toHaveLength(7);
        expect(slow.failover!.fixes[6]).toBe(
            "or, where global's settings cannot be read or changed: raise failover.targetSeconds to 9 or more",
        );
    });

    it("assumes Kuma's defaults for a zone CP that does not answer, and says why", () => {
        const down = { ...profiled(), zone2: { error: "zone2: connect ECONNREFUSED 127.0.0.1:5681" } };
        const { check, failover } = failoverCheck("zone1", ZONES, down, 5);
        // zone2 is the other zone here: its store cache and xDS refresh, 1 s each.
        expect(check.detail).toBe("3.5 s ≤ target 5 s (zone2: Kuma's defaults assumed)");
        expect(failover!.assumed).toEqual([
            "Kuma default for zone2's storeCache 1s, xdsRefresh 1s, not read: zone2: connect ECONNREFUSED 127.0.0.1:5681",
        ]);
    });

    it("has nothing to check with one zone", () => {
        expect(failoverCheck("zone1", ["zone1"], defaults(), 5)).toEqual({
            check: { name: "failover", ok: true, detail: "no other zone" },
        });
    });

    it("reads a control plane's settings through its API, and says why it could not", async () => {
        const answering = (status: number, body: unknown) =>
            new ControlPlane("zone1", { where: "test", get: async () => ({ status, body: JSON.stringify(body) }) });
        expect(await readCpSettings(answering(200, recorded("zone1")))).toEqual({ timings: profileTimings("default") });
        expect(await readCpSettings(answering(404, {}))).toEqual({ error: "zone1: GET /config: not found" });
        expect(await readCpSettings(answering(500, "boom"))).toEqual({ error: 'zone1: GET /config: 500 "boom"' });
        const refusing = new ControlPlane("zone1", {
            where: "test",
            get: async () => {
                throw new Error("connect ECONNREFUSED 127.0.0.1:5681");
            },
        });
        expect(await readCpSettings(refusing)).toEqual({ error: "zone1: connect ECONNREFUSED 127.0.0.1:5681" });
    });

    it("prints the model per zone under the table: the sum of its steps, and the fixes", () => {
        const zone = (name: string) => {
            const { check, failover } = failoverCheck(name, ZONES, defaults(), 5);
            return { zone: name, ready: false, checks: [check], services: [], failover };
        };
        const r: StatusReport = {
            stack: "s",
            at: "now",
            ready: false,
            pendingChanges: 0,
            zones: [zone("zone1"), zone("zone2")],
        };
        const text = formatStatus(r).split("\n");
        expect(text[0]).toMatch(/ failover$/);
        expect(text[1]).toMatch(/^zone1 +FAIL 9 s > target 5 s$/);
        expect(text).toContain(
            "cross-zone failover, worst case for another zone's gateway to drop the zone (target 5 s):",
        );
        expect(text).toContain(
            "  zone1: 9 s = zone1 meshServiceStatus 5 s + zone1 zoneKds 1 s + global globalKds 1 s + zone2 storeCache 1 s + zone2 xdsRefresh 1 s",
        );
        expect(text.filter(l => l.startsWith("    fix: "))).toHaveLength(10);
        expect(text[text.length - 1]).toBe("NOT READY: zone zone1, zone zone2");
    });
});

describe("dr status's output when a /config cannot be read", () => {
    it("marks the assumed steps, says why, and puts the ways out under the zone (text and JSON)", () => {
        const r = { ...profiled(), global: { error: "global: GET /config: not found" } };
        const zones = ZONES.map(name => {
            const { check, failover } = failoverCheck(name, ZONES, r, 2.5);
            return { zone: name, ready: false, checks: [check], services: [], failover };
        });
        const report: StatusReport = { stack: "s", at: "now", ready: false, pendingChanges: 0, zones };
        const text = formatStatus(report).split("\n");
        expect(text[1]).toMatch(/^zone1 +FAIL 3 s > target 2.5 s \(global: Kuma's defaults assumed\)$/);
        const i = text.indexOf(
            "  zone1: 3 s = zone1 meshServiceStatus 0.5 s + zone1 zoneKds 0.5 s + global globalKds 1 s (assumed) + zone2 storeCache 0.5 s + zone2 xdsRefresh 0.5 s",
        );
        expect(text.slice(i + 1, i + 5)).toEqual([
            "    assumed: Kuma default for global's globalKds 1s, not read: global: GET /config: not found",
            "    fix: make global's GET /config readable to the DR tool (global: GET /config: not found), so the model uses the settings it runs with instead of Kuma's defaults",
            expect.stringMatching(/^\s{4}fix: KUMA_MULTIZONE_GLOBAL_KDS_REFRESH_INTERVAL=500ms on the global CP /),
            "    fix: or, where global's settings cannot be read or changed: raise failover.targetSeconds to 3 or more",
        ]);
        expect(text[text.length - 1]).toBe("NOT READY: zone zone1, zone zone2");
        const json = JSON.parse(JSON.stringify(report));
        expect(json.zones[0].failover.steps[2].assumed).toBe("Kuma default, global: GET /config: not found");
        expect(json.zones[0].failover.worstCaseSeconds).toBe(3);
    });
});

describe("a Universal global's /config through its API (recorded)", () => {
    /** `universal-global/<file>`'s answer, served on GET /config as the real CP sent it. */
    async function globalAnswering<T>(file: string, fn: (cp: ControlPlane) => Promise<T>): Promise<T> {
        const rec = JSON.parse(
            fs.readFileSync(path.join(REPO, "test/fixtures/kuma-api/recorded-v2.14.3/universal-global", file), "utf8"),
        );
        expect(rec.request).toEqual({ method: "GET", path: "/config", body: null });
        const server = http.createServer((req, res) =>
            req.url === "/config"
                ? res.writeHead(rec.status, { "content-type": "application/json" }).end(JSON.stringify(rec.response))
                : res.writeHead(404).end(),
        );
        await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        try {
            return await fn(new ControlPlane("global", new KumaApiTransport({ url, token: "t" })));
        } finally {
            await new Promise(resolve => server.close(resolve));
        }
    }

    it("reads the settings a Universal global serves to its token (the sandbox's, on the DR profile)", async () => {
        const reading = await globalAnswering("config.json", readCpSettings);
        expect(reading.timings).toMatchObject({ globalKds: 0.5, storeCache: 0.5 });
        const r = { ...profiled(), global: reading };
        expect(failoverCheck("zone1", ZONES, r, 5).check).toEqual({
            name: "failover",
            ok: true,
            detail: "2.5 s ≤ target 5 s",
        });
    });

    it("assumes Kuma's defaults for one that refuses it (access.static.controlPlaneMetadata), and names the setting that lets the token read it", async () => {
        const reading = await globalAnswering("config-access-denied.json", readCpSettings);
        expect(reading.error).toMatch(
            /^global: GET \/config: 403 GET http:\/\/127\.0\.0\.1:\d+\/config: 403 Access Denied: user "admin\/mesh-system:admin,mesh-system:authenticated" cannot access control-plane metadata$/,
        );
        const r = { ...profiled(), global: reading };
        expect(failoverCheck("zone1", ZONES, r, 5).check.detail).toBe(
            "3 s ≤ target 5 s (global: Kuma's defaults assumed)",
        );
        const { failover } = failoverCheck("zone1", ZONES, r, 2.5);
        expect(failover!.fixes[0]).toBe(
            `make global's GET /config readable to the DR tool (${reading.error}), so the model uses the settings it runs with instead of Kuma's defaults` +
                " (on a kuma-cp: KUMA_ACCESS_STATIC_CONTROL_PLANE_METADATA_GROUPS or _USERS must include the token's)",
        );
    });
});

describe("the profile as users install it", () => {
    it("gives the zone CPs the zone settings and the global CP the global ones, at the DR values or Kuma's defaults", () => {
        expect(profileEnv("zone")).toEqual({
            KUMA_CORE_RESOURCES_STATUS_MESH_SERVICE_INTERVAL: "500ms",
            KUMA_CORE_RESOURCES_STATUS_MESH_MULTI_ZONE_SERVICE_INTERVAL: "500ms",
            KUMA_MULTIZONE_ZONE_KDS_REFRESH_INTERVAL: "500ms",
            KUMA_STORE_CACHE_EXPIRATION_TIME: "500ms",
            KUMA_XDS_SERVER_DATAPLANE_CONFIGURATION_REFRESH_INTERVAL: "500ms",
        });
        expect(profileEnv("global")).toEqual({
            KUMA_MULTIZONE_GLOBAL_KDS_REFRESH_INTERVAL: "500ms",
            KUMA_STORE_CACHE_EXPIRATION_TIME: "500ms",
        });
        expect(envLines("global", "default")).toBe(
            "KUMA_MULTIZONE_GLOBAL_KDS_REFRESH_INTERVAL=1s\nKUMA_STORE_CACHE_EXPIRATION_TIME=1s",
        );
    });

    it("renders Helm values under each chart's env key, with each setting's default and cost", () => {
        for (const role of ["global", "zone"] as const) {
            const kongMesh = helmValues(role, "kong-mesh");
            expect(YAML.parse(kongMesh)).toEqual({ kuma: { controlPlane: { envVars: profileEnv(role) } } });
            expect(YAML.parse(helmValues(role, "kuma"))).toEqual({ controlPlane: { envVars: profileEnv(role) } });
            expect(kongMesh).toContain(
                `# ${CP_SETTINGS.storeCache.configPath}: Kuma's default 1s; costs: ${CP_SETTINGS.storeCache.cost}`,
            );
        }
    });

    it("prints them from the DR tool without a stack, and refuses what does not fit", async () => {
        const out: string[] = [];
        expect(await run(parseArgs(["profile", "--helm", "zone", "--chart", "kuma"]), s => out.push(s))).toBe(0);
        expect(out).toEqual([helmValues("zone", "kuma")]);
        expect(parseArgs(["profile", "--env", "global"]).profile).toEqual({
            form: "env",
            role: "global",
            chart: "kong-mesh",
        });
        const fail = (argv: string[]) => {
            try {
                parseArgs(argv);
            } catch (e) {
                return (e as Error).message;
            }
            return "parsed";
        };
        expect(fail(["profile"])).toBe(
            '--helm: "" is missing. Fix: write profile --helm global|zone, or profile --env global|zone',
        );
        expect(fail(["profile", "--helm", "region"])).toBe(
            '--helm: "region" is not a control-plane role. Fix: write --helm global or --helm zone',
        );
        expect(fail(["profile", "--helm", "zone", "--chart", "istio"])).toBe(
            '--chart: "istio" is not a chart. Fix: use one of: kong-mesh, kuma',
        );
        expect(fail(["profile", "--env", "zone", "--chart", "kuma"])).toBe(
            '--chart: "kuma" applies to --helm only. Fix: drop it, or use --helm',
        );
        expect(fail(["profile", "--env", "zone", "--helm", "zone"])).toBe(
            '--helm: "zone" comes after --env. Fix: give one of --helm, --env',
        );
        expect(fail(["status", "--stack", "s", "--helm", "zone"])).toBe(
            '--helm: "zone" does not apply to status. Fix: drop it, or use the profile command',
        );
    });
});
