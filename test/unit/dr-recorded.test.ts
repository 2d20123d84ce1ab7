// The DR tool's readers (dr/kuma.ts, dr/status.ts) on what real Kuma 2.14.3 control planes answered
// (test/fixtures/kuma-api/recorded-v2.14.3): the control planes' answers served over HTTP by API
// path, as the tool reads them, and the zone clusters' objects as kubectl prints them.
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "../../dr/cluster";
import { ControlPlane, GATEWAY_DATAPLANE, byPriority, gatewayDataplanes, gatewayListsNow, gatewayLocalities } from "../../dr/kuma";
import { DrStack, StackOutputs } from "../../dr/stack";
import { FAILOVER_POLICY_TYPES, formatStatus, gatewayRoutesLocalFirst, policyTypesInRules, readCpSettings, status, zoneConnected, zoneGateway, zoneStatus } from "../../dr/status";
import { hasLeft } from "../../dr/timeline";
import { parseConfig } from "../../zones/config";
import { MINIMAL_CONFIG } from "./harness";

const RECORDED = path.resolve(__dirname, "../fixtures/kuma-api/recorded-v2.14.3");

/** The API paths the DR tool reads, and the recordings' file of each (after `<cp>-`). */
const API_FILES: Record<string, string> = {
    "/zones/_overview": "zones-overview",
    "/zones/zone1/_overview": "zone1-overview",
    "/meshes/default/dataplanes?size=1000": "dataplanes",
    [`/meshes/default/dataplanes/${GATEWAY_DATAPLANE}/_config`]: "gateway-config",
    [`/meshes/default/dataplanes/${GATEWAY_DATAPLANE}/_rules`]: "gateway-rules",
    "/config": "config",
};

/**
 * `/<scenario>/<cp><API path>`: the recorded answer, byte for byte, or Kuma's 404. A zone's
 * overview that was not recorded on its own is its item of `/zones/_overview` (the recorded
 * zone1 answer is exactly its item there; a test below holds that).
 */
function answer(url: string): { status: number; body: string } {
    const [, scenario, cp, apiPath] = /^\/([^/]+)\/([^/]+)(\/.*)$/.exec(url)!;
    const file = path.join(RECORDED, scenario, `${cp}-${API_FILES[apiPath]}.json`);
    if (API_FILES[apiPath] && fs.existsSync(file)) return { status: 200, body: fs.readFileSync(file, "utf8") };
    const zone = cp === "global" ? /^\/zones\/([^/]+)\/_overview$/.exec(apiPath)?.[1] : undefined;
    const list = path.join(RECORDED, scenario, "global-zones-overview.json");
    const item = zone && fs.existsSync(list) && JSON.parse(fs.readFileSync(list, "utf8")).items.find((z: any) => z.name === zone);
    if (item) return { status: 200, body: JSON.stringify(item) };
    return { status: 404, body: JSON.stringify({ type: "/std-errors", status: 404, title: "Could not retrieve a resource", detail: "Not found" }) };
}

let server: http.Server;
let url = "";
beforeAll(async () => {
    server = http.createServer((req, res) => {
        const { status, body } = answer(req.url!);
        res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise(resolve => server.close(resolve)));

const cp = (scenario: string, name: string) => ControlPlane.at(name, `${url}/${scenario}/${name}`);

/** A zone's cluster whose kubectl prints what was recorded there (`<zone>-k8s-*.json`). */
class RecordedCluster extends Cluster {
    constructor(name: string, private readonly scenario: string) {
        super(name);
    }

    override async kubectl(args: string[]): Promise<string> {
        const command = args.join(" ");
        // The API server's readiness is no Kuma answer: not recorded, and these clusters are up.
        if (command === "get --raw /readyz") return "ok";
        const file = ({
            "get -n kong meshservices.kuma.io echo -o json": "k8s-meshservices",
            "get -n kong endpoints echo -o json": "k8s-endpoints-echo",
            "get -n kong-mesh-system meshmultizoneservices.kuma.io -o json": "k8s-mmzs",
        } as Record<string, string>)[command];
        if (!file) throw new Error(`${this.name}: kubectl ${command}: not a command the recordings answer`);
        const text = fs.readFileSync(path.join(RECORDED, this.scenario, `${this.name}-${file}.json`), "utf8");
        // Recorded as the namespace's list; `get meshservices.kuma.io echo` prints its item.
        return file === "k8s-meshservices" ? JSON.stringify(JSON.parse(text).items.find((o: any) => o.metadata.name === "echo")) : text;
    }
}

/** What the program exports for the walkthrough's stack (program.test.ts holds them). */
const OUTPUTS: StackOutputs = {
    zones: { zone1: { namespace: "kong", gateway: "kong" }, zone2: { namespace: "kong", gateway: "kong" } },
    multiZoneService: { name: "echo", hostname: "echo.mzsvc.mesh.local", envoyCluster: "default_echo_kong-mesh-system__mzsvc_1027" },
    globalControlPlane: { mesh: "default" },
    failover: { sameZoneWorstCaseSeconds: 2, otherZoneWorstCaseSeconds: 12 },
};

/** The walkthrough's stack as the DR tool holds it, its clusters and control planes answering as recorded. */
function recordedStack(scenario: string, extra: Record<string, unknown> = {}): DrStack {
    const config = parseConfig({ ...MINIMAL_CONFIG, ...extra });
    const zones = new Map(config.zones.map(z => [z.name, new RecordedCluster(z.name, scenario)]));
    const controlPlanes = new Map(["global", ...zones.keys()].map(name => [name, cp(scenario, name)]));
    // DrStack.open needs a deployed stack (the engine); the checks read only these. No engine
    // stack and no temp dir: nothing here previews or closes.
    return Reflect.construct(DrStack, ["recorded", RECORDED, undefined, config, OUTPUTS, zones, undefined, controlPlanes, undefined]);
}

const ZONES = ["zone1", "zone2"];
const ZONE_INGRESS = { zone1: "192.0.2.2:10001", zone2: "192.0.2.3:10001" };

describe("the DR tool on a healthy mesh (recorded)", () => {
    it("reads every zone as connected from the global CP's zone insight", async () => {
        const global = cp("healthy", "global");
        expect(await global.get("/zones/zone1/_overview")).toEqual((await global.get("/zones/_overview")).items.find((z: any) => z.name === "zone1"));
        for (const zone of ZONES) expect(zoneConnected(await global.get(`/zones/${zone}/_overview`)), zone).toBe(true);
        // The same insight with its subscription ended reads as gone: the reader looks at the times.
        const overview = await global.get("/zones/zone1/_overview");
        overview.zoneInsight.subscriptions.at(-1).disconnectTime = "2026-12-07T12:29:00Z";
        expect(zoneConnected(overview)).toBe(false);
    });

    it("finds each zone's gateway among its dataplanes (not the echo pods)", async () => {
        for (const zone of ZONES) {
            expect((await cp("healthy", zone).get("/meshes/default/dataplanes?size=1000")).items).toHaveLength(3);
            expect(await gatewayDataplanes(cp("healthy", zone), "default", "kong")).toEqual([GATEWAY_DATAPLANE]);
            expect(await zoneGateway(cp("healthy", zone), "default")).toBe(GATEWAY_DATAPLANE);
        }
    });

    it("reads each gateway's MMZS endpoints by locality, own zone first, the other behind it", async () => {
        expect(await gatewayLocalities(cp("healthy", "zone1"), "default")).toEqual([
            { zone: "zone1", priority: 0, addresses: ["10.101.1.2:1027", "10.101.2.2:1027"] },
            { zone: "zone2", priority: 1, addresses: [ZONE_INGRESS.zone2] },
        ]);
        // zone2's config lists zone1 first: the reader orders by priority.
        expect(await gatewayLocalities(cp("healthy", "zone2"), "default")).toEqual([
            { zone: "zone2", priority: 0, addresses: ["10.102.1.2:1027", "10.102.2.2:1027"] },
            { zone: "zone1", priority: 1, addresses: [ZONE_INGRESS.zone1] },
        ]);
        const listing: Record<string, string[]> = { zone1: ["0:zone1", "1:zone2"], zone2: ["0:zone2", "1:zone1"] };
        for (const zone of ZONES) {
            const localities = await gatewayLocalities(cp("healthy", zone), "default");
            expect(byPriority(localities)).toEqual(listing[zone]);
            expect(gatewayRoutesLocalFirst(zone, ZONES, localities)).toEqual({ name: "gateway", ok: true, detail: listing[zone].join(" ") });
        }
        expect(await gatewayListsNow(cp("healthy", "zone1"), "default", listing.zone1)).toBe(true);
        expect(await gatewayListsNow(cp("healthy", "zone1"), "default", listing.zone2)).toBe(false);
    });

    it("finds the failover policies in each gateway's _rules", async () => {
        for (const zone of ZONES) {
            const rules = await cp("healthy", zone).get(`/meshes/default/dataplanes/${GATEWAY_DATAPLANE}/_rules`);
            expect(policyTypesInRules(rules)).toEqual(["MeshCircuitBreaker", "MeshHealthCheck", "MeshLoadBalancingStrategy", "MeshProxyPatch", "MeshRetry", "MeshTimeout"]);
            expect(policyTypesInRules(rules)).toEqual(FAILOVER_POLICY_TYPES);
        }
    });

    it("says READY, every check of every zone passing with what it read", async () => {
        // Recorded with Kuma's default control-plane settings: 9 s worst case across zones, over the
        // default target (5 s) and within one of 9 s.
        const checks = (zone: string, other: string, failover: object) => [
            { name: "cluster", ok: true, detail: "API server ready" },
            { name: "zone CP", ok: true, detail: "connected to the global CP" },
            { name: "echo", ok: true, detail: "MeshService, 2 ready endpoint(s)" },
            { name: "MMZS", ok: true, detail: "lists zone1, zone2" },
            { name: "gateway", ok: true, detail: `0:${zone} 1:${other}` },
            { name: "policies", ok: true, detail: FAILOVER_POLICY_TYPES.join(", ") },
            { name: "failover", ...failover },
        ];
        const readings = async (s: DrStack) => Object.fromEntries(await Promise.all(["global", ...ZONES].map(async c => [c, await readCpSettings(s.controlPlane(c))])));
        const slow = recordedStack("healthy");
        const zone1 = await zoneStatus(slow, "zone1", await readings(slow));
        expect({ ...zone1, failover: undefined }).toEqual({ zone: "zone1", ready: false, checks: checks("zone1", "zone2", { ok: false, detail: "9 s > target 5 s" }), failover: undefined });
        expect(zone1.failover!.fixes[0]).toContain("KUMA_CORE_RESOURCES_STATUS_MESH_SERVICE_INTERVAL=500ms on zone1's CP");
        expect(formatStatus(await status(slow, { preview: false })).split("\n").pop()).toBe("NOT READY: zone zone1, zone zone2");

        const s = recordedStack("healthy", { failover: { targetSeconds: 9 } });
        for (const [zone, other] of [["zone1", "zone2"], ["zone2", "zone1"]]) {
            const z = await zoneStatus(s, zone, await readings(s));
            expect({ ...z, failover: undefined }).toEqual({ zone, ready: true, checks: checks(zone, other, { ok: true, detail: "9 s ≤ target 9 s" }), failover: undefined });
        }
        const report = await status(s, { preview: false });
        expect(report.ready).toBe(true);
        expect(formatStatus(report).split("\n").pop()).toBe("READY: every zone can take over for another");
    });
});

describe("the DR tool 12 s after zone1's echo was scaled to zero (recorded)", () => {
    it("reads zone1 gone from both gateways: zone1's lists only zone2 behind it, zone2's only itself", async () => {
        // zone1 has no echo dataplane left, zone2 has its two: the gateway is found in both.
        expect((await cp("zone1-echo-gone", "zone1").get("/meshes/default/dataplanes?size=1000")).items).toHaveLength(1);
        for (const zone of ZONES) expect(await zoneGateway(cp("zone1-echo-gone", zone), "default")).toBe(GATEWAY_DATAPLANE);
        const zone1 = await gatewayLocalities(cp("zone1-echo-gone", "zone1"), "default");
        const zone2 = await gatewayLocalities(cp("zone1-echo-gone", "zone2"), "default");
        expect(zone1).toEqual([{ zone: "zone2", priority: 1, addresses: [ZONE_INGRESS.zone2] }]);
        expect(byPriority(zone2)).toEqual(["0:zone2"]);
        expect(gatewayRoutesLocalFirst("zone1", ZONES, zone1)).toEqual({ name: "gateway", ok: false, detail: "zone1 is not alone at the first priority (1:zone2)" });
        expect(gatewayRoutesLocalFirst("zone2", ZONES, zone2)).toEqual({ name: "gateway", ok: false, detail: "no failover to zone1 (0:zone2)" });
        // What a drill reads: both gateways have left zone1.
        expect(hasLeft("echo", "zone1", "zone1", byPriority(zone1))).toBe(true);
        expect(hasLeft("echo", "zone1", "zone2", byPriority(zone2))).toBe(true);
        expect(hasLeft("echo", "zone1", "zone2", byPriority(await gatewayLocalities(cp("healthy", "zone2"), "default")))).toBe(false);
    });

    it("says zone1 is not ready: its echo has no ready endpoint and its gateway no longer routes locally", async () => {
        // No /config was recorded here (the fault changes no setting): the failover check is left out.
        const zone1 = await zoneStatus(recordedStack("zone1-echo-gone"), "zone1", {});
        expect(zone1.ready).toBe(false);
        // The MMZS still matches zone1's MeshService (Unavailable now). The gateway's _rules were
        // not recorded here (the fault changes no policy), so the policies check is left out.
        expect(zone1.checks.filter(c => c.name !== "policies" && c.name !== "failover")).toEqual([
            { name: "cluster", ok: true, detail: "API server ready" },
            { name: "zone CP", ok: true, detail: "connected to the global CP" },
            { name: "echo", ok: false, detail: "MeshService, 0 ready endpoint(s)" },
            { name: "MMZS", ok: true, detail: "lists zone1, zone2" },
            { name: "gateway", ok: false, detail: "zone1 is not alone at the first priority (1:zone2)" },
        ]);
    });
});

describe("the DR tool with a second MMZS in the mesh (recorded)", () => {
    it("refuses to guess which of the gateway's two MMZS clusters is echo's, and says which it found", async () => {
        for (const zone of ZONES) {
            await expect(gatewayLocalities(cp("two-services", zone), "default")).rejects.toThrow(
                'expected one cluster matching /_mzsvc_/, found ["default_billing_kong-mesh-system__mzsvc_8080","default_echo_kong-mesh-system__mzsvc_1027"]');
        }
    });

    it("reads echo's endpoints when given the stack's Envoy cluster name", async () => {
        const xds = await cp("two-services", "zone1").proxyConfig("default", GATEWAY_DATAPLANE);
        expect(xds.localities(OUTPUTS.multiZoneService.envoyCluster)).toEqual([
            { zone: "zone1", priority: 0, addresses: ["10.101.1.3:1027", "10.101.2.1:1027"] },
            { zone: "zone2", priority: 1, addresses: [ZONE_INGRESS.zone2] },
        ]);
        expect(xds.localities("default_billing_kong-mesh-system__mzsvc_8080")[0]).toEqual({ zone: "zone1", priority: 0, addresses: ["10.101.2.3:8080"] });
    });
});
