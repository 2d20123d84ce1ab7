// The DR tool's readers (dr/kuma.ts, dr/status.ts) on what real Kuma 2.14.3 control planes answered
// (test/fixtures/kuma-api/recorded-v2.14.3): the control planes' answers served over HTTP by API
// path, as the tool reads them, and the zone clusters' objects as kubectl prints them.
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "../../dr/cluster";
import { drill } from "../../dr/drill";
import {
    ControlPlane,
    GATEWAY_DATAPLANE,
    byPriority,
    gatewayDataplanes,
    gatewayListsNow,
    gatewayLocalities,
} from "../../dr/kuma";
import { DrStack, ServiceOutput, StackOutputs } from "../../dr/stack";
import {
    FAILOVER_POLICY_TYPES,
    formatStatus,
    gatewayRoutesLocalFirst,
    policyTypesInRules,
    readCpSettings,
    status,
    zoneConnected,
    zoneGateway,
    zoneStatus,
} from "../../dr/status";
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
 * `two-services/` is `healthy/` plus billing: what it did not record again (the global CP's zone
 * insight, the dataplanes, the CPs' /config) is as in `healthy/`. The gateway is found among the
 * dataplanes by name, and billing's add none in namespace kong.
 */
const RECORDED_BEFORE: Record<string, string> = { "two-services": "healthy" };

/** A recorded file of a scenario (`<cp>-<name>.json`), or of the scenario it was recorded on top of. */
function recorded(scenario: string, file: string): string | undefined {
    const f = path.join(RECORDED, scenario, file);
    if (fs.existsSync(f)) return f;
    return RECORDED_BEFORE[scenario] && recorded(RECORDED_BEFORE[scenario], file);
}

/** The item named `name` of a recorded list, as the API answers a GET of that one item. */
function itemOf(scenario: string, file: string, name: string): any {
    const list = recorded(scenario, file);
    return list && JSON.parse(fs.readFileSync(list, "utf8")).items.find((i: any) => i.name === name);
}

/**
 * `/<scenario>/<cp><API path>`: the recorded answer, byte for byte, or Kuma's 404. A zone's
 * overview or a MeshService that was not recorded on its own is its item of the recorded list
 * (the recorded zone1 overview is exactly its item there; a test below holds that).
 */
function answer(url: string): { status: number; body: string } {
    const [, scenario, cp, apiPath] = /^\/([^/]+)\/([^/]+)(\/.*)$/.exec(url)!;
    const file = API_FILES[apiPath] && recorded(scenario, `${cp}-${API_FILES[apiPath]}.json`);
    if (file) return { status: 200, body: fs.readFileSync(file, "utf8") };
    const zone = cp === "global" ? /^\/zones\/([^/]+)\/_overview$/.exec(apiPath)?.[1] : undefined;
    const meshService = /^\/meshes\/default\/meshservices\/([^/]+)$/.exec(apiPath)?.[1];
    const item = zone
        ? itemOf(scenario, "global-zones-overview.json", zone)
        : meshService
          ? itemOf(scenario, `${cp}-meshservices.json`, meshService)
          : undefined;
    if (item) return { status: 200, body: JSON.stringify(item) };
    return {
        status: 404,
        body: JSON.stringify({
            type: "/std-errors",
            status: 404,
            title: "Could not retrieve a resource",
            detail: "Not found",
        }),
    };
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
    constructor(
        name: string,
        private readonly scenario: string,
    ) {
        super(name);
    }

    override async kubectl(args: string[]): Promise<string> {
        const command = args.join(" ");
        // The API server's readiness is no Kuma answer: not recorded, and these clusters are up.
        if (command === "get --raw /readyz") return "ok";
        if (command !== "get -n kong-mesh-system meshmultizoneservices.kuma.io -o json")
            throw new Error(`${this.name}: kubectl ${command}: not a command the recordings answer`);
        return fs.readFileSync(path.join(RECORDED, this.scenario, `${this.name}-k8s-mmzs.json`), "utf8");
    }
}

const ECHO: ServiceOutput = {
    name: "echo",
    namespace: "kong",
    hostname: "echo.mzsvc.mesh.local",
    port: 1027,
    envoyCluster: "default_echo_kong-mesh-system__mzsvc_1027",
    routes: ["/echo"],
    deployed: true,
};
const ECHO_CLUSTER = ECHO.envoyCluster;

/** What the program exports for the walkthrough's stack (program.test.ts holds them). */
const OUTPUTS: StackOutputs = {
    zones: { zone1: { namespace: "kong", gateway: "kong" }, zone2: { namespace: "kong", gateway: "kong" } },
    multiZoneService: { name: "echo", hostname: "echo.mzsvc.mesh.local", envoyCluster: ECHO_CLUSTER },
    services: { echo: ECHO },
    globalControlPlane: { mesh: "default" },
    failover: { sameZoneWorstCaseSeconds: 2, otherZoneWorstCaseSeconds: 12 },
};

/** billing as `two-services/` made it by hand: a Service mesh-dr does not deploy, in namespace payments. */
const BILLING: ServiceOutput = {
    name: "billing",
    namespace: "payments",
    hostname: "billing.mzsvc.mesh.local",
    port: 8080,
    envoyCluster: "default_billing_kong-mesh-system__mzsvc_8080",
    routes: ["/billing"],
    deployed: false,
};
const TWO_SERVICES = {
    services: [
        { name: "echo", port: 1027, workload: { image: "kong/go-echo:0.3.0", replicas: 2, targetPort: 1027 } },
        { name: "billing", port: 8080, namespace: "payments", podLabels: { app: "billing" } },
    ],
};

/** The walkthrough's stack as the DR tool holds it, its clusters and control planes answering as recorded. */
function recordedStack(
    scenario: string,
    extra: Record<string, unknown> = {},
    outputs: StackOutputs = OUTPUTS,
): DrStack {
    const config = parseConfig({ ...MINIMAL_CONFIG, ...extra });
    const zones = new Map(config.zones.map(z => [z.name, new RecordedCluster(z.name, scenario)]));
    const controlPlanes = new Map(["global", ...zones.keys()].map(name => [name, cp(scenario, name)]));
    // DrStack.open needs a deployed stack (the engine); the checks read only these. No engine
    // stack and no temp dir: nothing here previews or closes.
    return Reflect.construct(DrStack, [
        "recorded",
        RECORDED,
        undefined,
        config,
        outputs,
        zones,
        undefined,
        controlPlanes,
        undefined,
    ]);
}

const ZONES = ["zone1", "zone2"];
const ZONE_INGRESS = { zone1: "192.0.2.2:10001", zone2: "192.0.2.3:10001" };

describe("the DR tool on a healthy mesh (recorded)", () => {
    it("reads every zone as connected from the global CP's zone insight", async () => {
        const global = cp("healthy", "global");
        expect(await global.get("/zones/zone1/_overview")).toEqual(
            (await global.get("/zones/_overview")).items.find((z: any) => z.name === "zone1"),
        );
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
        expect(await gatewayLocalities(cp("healthy", "zone1"), "default", ECHO_CLUSTER)).toEqual([
            { zone: "zone1", priority: 0, addresses: ["10.101.1.2:1027", "10.101.2.2:1027"] },
            { zone: "zone2", priority: 1, addresses: [ZONE_INGRESS.zone2] },
        ]);
        // zone2's config lists zone1 first: the reader orders by priority.
        expect(await gatewayLocalities(cp("healthy", "zone2"), "default", ECHO_CLUSTER)).toEqual([
            { zone: "zone2", priority: 0, addresses: ["10.102.1.2:1027", "10.102.2.2:1027"] },
            { zone: "zone1", priority: 1, addresses: [ZONE_INGRESS.zone1] },
        ]);
        const listing: Record<string, string[]> = { zone1: ["0:zone1", "1:zone2"], zone2: ["0:zone2", "1:zone1"] };
        for (const zone of ZONES) {
            const localities = await gatewayLocalities(cp("healthy", zone), "default", ECHO_CLUSTER);
            expect(byPriority(localities)).toEqual(listing[zone]);
            expect(gatewayRoutesLocalFirst(zone, ZONES, localities)).toEqual({
                name: "gateway",
                ok: true,
                detail: listing[zone].join(" "),
            });
        }
        expect(await gatewayListsNow(cp("healthy", "zone1"), "default", ECHO_CLUSTER, listing.zone1)).toBe(true);
        expect(await gatewayListsNow(cp("healthy", "zone1"), "default", ECHO_CLUSTER, listing.zone2)).toBe(false);
    });

    it("finds the failover policies in each gateway's _rules", async () => {
        for (const zone of ZONES) {
            const rules = await cp("healthy", zone).get(`/meshes/default/dataplanes/${GATEWAY_DATAPLANE}/_rules`);
            expect(policyTypesInRules(rules)).toEqual([
                "MeshCircuitBreaker",
                "MeshHealthCheck",
                "MeshLoadBalancingStrategy",
                "MeshProxyPatch",
                "MeshRetry",
                "MeshTimeout",
            ]);
            expect(policyTypesInRules(rules)).toEqual(FAILOVER_POLICY_TYPES);
        }
    });

    it("says READY, every check of every zone passing with what it read", async () => {
        // Recorded with Kuma's default control-plane settings: 9 s worst case across zones, over the
        // default target (5 s) and within one of 9 s.
        const checks = (zone: string, other: string, failover: object) => [
            { name: "cluster", ok: true, detail: "API server ready" },
            { name: "zone CP", ok: true, detail: "connected to the global CP" },
            { name: "MeshService", ok: true, detail: "Available, 2 healthy dataplane(s)", service: "echo" },
            { name: "MMZS", ok: true, detail: "lists zone1, zone2", service: "echo" },
            { name: "gateway", ok: true, detail: `0:${zone} 1:${other}`, service: "echo" },
            { name: "policies", ok: true, detail: FAILOVER_POLICY_TYPES.join(", ") },
            { name: "failover", ...failover },
        ];
        const readings = async (s: DrStack) =>
            Object.fromEntries(
                await Promise.all(["global", ...ZONES].map(async c => [c, await readCpSettings(s.controlPlane(c))])),
            );
        const slow = recordedStack("healthy");
        const zone1 = await zoneStatus(slow, "zone1", await readings(slow));
        expect({ ...zone1, failover: undefined }).toEqual({
            zone: "zone1",
            ready: false,
            checks: checks("zone1", "zone2", { ok: false, detail: "9 s > target 5 s" }),
            services: [{ service: "echo", ready: true }],
            failover: undefined,
        });
        expect(zone1.failover!.fixes[0]).toContain(
            "KUMA_CORE_RESOURCES_STATUS_MESH_SERVICE_INTERVAL=500ms on zone1's CP",
        );
        expect(
            formatStatus(await status(slow, { preview: false }))
                .split("\n")
                .pop(),
        ).toBe("NOT READY: zone zone1, zone zone2");

        const s = recordedStack("healthy", { failover: { targetSeconds: 9 } });
        for (const [zone, other] of [
            ["zone1", "zone2"],
            ["zone2", "zone1"],
        ]) {
            const z = await zoneStatus(s, zone, await readings(s));
            expect({ ...z, failover: undefined }).toEqual({
                zone,
                ready: true,
                checks: checks(zone, other, { ok: true, detail: "9 s ≤ target 9 s" }),
                services: [{ service: "echo", ready: true }],
                failover: undefined,
            });
        }
        const report = await status(s, { preview: false });
        expect(report.ready).toBe(true);
        expect(formatStatus(report).split("\n").pop()).toBe("READY: every zone can take over for another");
    });
});

describe("the DR tool 12 s after zone1's echo was scaled to zero (recorded)", () => {
    it("reads zone1 gone from both gateways: zone1's lists only zone2 behind it, zone2's only itself", async () => {
        // zone1 has no echo dataplane left, zone2 has its two: the gateway is found in both.
        expect((await cp("zone1-echo-gone", "zone1").get("/meshes/default/dataplanes?size=1000")).items).toHaveLength(
            1,
        );
        for (const zone of ZONES)
            expect(await zoneGateway(cp("zone1-echo-gone", zone), "default")).toBe(GATEWAY_DATAPLANE);
        const zone1 = await gatewayLocalities(cp("zone1-echo-gone", "zone1"), "default", ECHO_CLUSTER);
        const zone2 = await gatewayLocalities(cp("zone1-echo-gone", "zone2"), "default", ECHO_CLUSTER);
        expect(zone1).toEqual([{ zone: "zone2", priority: 1, addresses: [ZONE_INGRESS.zone2] }]);
        expect(byPriority(zone2)).toEqual(["0:zone2"]);
        expect(gatewayRoutesLocalFirst("zone1", ZONES, zone1)).toEqual({
            name: "gateway",
            ok: false,
            detail: "zone1 is not alone at the first priority (1:zone2)",
        });
        expect(gatewayRoutesLocalFirst("zone2", ZONES, zone2)).toEqual({
            name: "gateway",
            ok: false,
            detail: "no failover to zone1 (0:zone2)",
        });
        // What a drill reads: both gateways have left zone1.
        expect(hasLeft("echo", "zone1", "zone1", byPriority(zone1))).toBe(true);
        expect(hasLeft("echo", "zone1", "zone2", byPriority(zone2))).toBe(true);
        expect(
            hasLeft(
                "echo",
                "zone1",
                "zone2",
                byPriority(await gatewayLocalities(cp("healthy", "zone2"), "default", ECHO_CLUSTER)),
            ),
        ).toBe(false);
    });

    it("says zone1 is not ready for echo: its MeshService has no healthy dataplane and its gateway no longer routes locally", async () => {
        // No /config was recorded here (the fault changes no setting): the failover check is left out.
        const zone1 = await zoneStatus(recordedStack("zone1-echo-gone"), "zone1", {});
        expect(zone1.ready).toBe(false);
        // The MMZS still matches zone1's MeshService (Unavailable now). The gateway's _rules were
        // not recorded here (the fault changes no policy), so the policies check is left out.
        expect(zone1.checks.filter(c => c.name !== "policies" && c.name !== "failover")).toEqual([
            { name: "cluster", ok: true, detail: "API server ready" },
            { name: "zone CP", ok: true, detail: "connected to the global CP" },
            { name: "MeshService", ok: false, detail: "Unavailable, 0 healthy dataplane(s)", service: "echo" },
            { name: "MMZS", ok: true, detail: "lists zone1, zone2", service: "echo" },
            {
                name: "gateway",
                ok: false,
                detail: "zone1 is not alone at the first priority (1:zone2)",
                service: "echo",
            },
        ]);
        expect(zone1.services).toEqual([{ service: "echo", ready: false }]);
    });
});

describe("a drill started while zone1's echo is gone (recorded)", () => {
    it("waits up to --ready-wait for the gateways, saying why, then refuses with what it read", async () => {
        const lines: string[] = [];
        const o = {
            zone: "zone2",
            fault: "echo" as const,
            readyWaitSeconds: 0.5,
            holdSeconds: 1,
            recoverTimeoutSeconds: 1,
            intervalMs: 250,
            probes: [],
            probe: { intervalMs: 200, maxRequests: 0, timeoutMs: 1000 },
            yes: true,
            cpService: "kong-mesh-control-plane",
            outDir: "/nonexistent",
            log: (l: string) => lines.push(l),
        };
        const why = "zone zone1's gateway is not ready (zone1 is not alone at the first priority (1:zone2))";
        await expect(drill(recordedStack("zone1-echo-gone"), o)).rejects.toThrow(
            `${why}, still after 0.5 s. Fix: run the status command and repair that first, or wait longer (--ready-wait SECONDS)`,
        );
        expect(lines).toEqual([
            `${why}: waiting up to 0.5 s for it to be ready (a previous drill's recovery may still be converging)`,
        ]);
    });
});

describe("the DR tool with a second MMZS in the mesh (recorded)", () => {
    // Recorded with Kuma's default control-plane settings: 9 s across zones (see above).
    const target = { failover: { targetSeconds: 9 } };
    const both = { ...OUTPUTS, services: { echo: ECHO, billing: BILLING } };

    it("reads each service's endpoints from the cluster the stack exports for it", async () => {
        const xds = await cp("two-services", "zone1").proxyConfig("default", GATEWAY_DATAPLANE);
        expect(xds.localities(ECHO_CLUSTER)).toEqual([
            { zone: "zone1", priority: 0, addresses: ["10.101.1.3:1027", "10.101.2.1:1027"] },
            { zone: "zone2", priority: 1, addresses: [ZONE_INGRESS.zone2] },
        ]);
        expect(await gatewayLocalities(cp("two-services", "zone1"), "default", BILLING.envoyCluster)).toEqual([
            { zone: "zone1", priority: 0, addresses: ["10.101.2.3:8080"] },
            { zone: "zone2", priority: 1, addresses: [ZONE_INGRESS.zone2] },
        ]);
        await expect(
            gatewayLocalities(cp("two-services", "zone1"), "default", "default_orders_kong-mesh-system__mzsvc_80"),
        ).rejects.toThrow("no cluster default_orders_kong-mesh-system__mzsvc_80 on the gateway (it has [");
    });

    it("says READY for both services in both zones, each checked on its own MeshService, MMZS and gateway cluster", async () => {
        const report = await status(recordedStack("two-services", { ...TWO_SERVICES, ...target }, both), {
            preview: false,
        });
        for (const [zone, other] of [
            ["zone1", "zone2"],
            ["zone2", "zone1"],
        ]) {
            const z = report.zones.find(x => x.zone === zone)!;
            expect(z.services).toEqual([
                { service: "echo", ready: true },
                { service: "billing", ready: true },
            ]);
            expect(z.checks.filter(c => c.service === "billing")).toEqual([
                { name: "MeshService", ok: true, detail: "Available, 1 healthy dataplane(s)", service: "billing" },
                { name: "MMZS", ok: true, detail: "lists zone1, zone2", service: "billing" },
                { name: "gateway", ok: true, detail: `0:${zone} 1:${other}`, service: "billing" },
            ]);
            expect(z.checks.find(c => c.service === "echo" && c.name === "MeshService")!.detail).toBe(
                "Available, 2 healthy dataplane(s)",
            );
        }
        expect(report.ready).toBe(true);
        const text = formatStatus(report).split("\n");
        expect(text[0]).toMatch(/^zone +service +cluster +zone CP +MeshService +MMZS +gateway +policies +failover$/);
        // A zone's own checks on its first line; each service on a line of its own.
        expect(text[1]).toMatch(
            /^zone1 +echo +ok API server ready +ok connected to the global CP +ok Available, 2 healthy dataplane\(s\) +ok lists zone1, zone2 +ok 0:zone1 1:zone2 +ok MeshCircuitBreaker/,
        );
        expect(text[2]).toMatch(
            /^zone1 +billing {2,}ok Available, 1 healthy dataplane\(s\) +ok lists zone1, zone2 +ok 0:zone1 1:zone2$/,
        );
        expect(text[3]).toMatch(/^zone2 +echo +ok API server ready/);
        expect(text[4]).toMatch(/^zone2 +billing {2,}ok Available/);
        expect(text.pop()).toBe("READY: every zone can take over for another");
    });

    it("with outputs naming only echo's cluster (a stack without billing), reads echo's and ignores billing's", async () => {
        const report = await status(recordedStack("two-services", target), { preview: false });
        expect(report.ready).toBe(true);
        for (const z of report.zones) {
            expect(z.services).toEqual([{ service: "echo", ready: true }]);
            expect(z.checks.filter(c => c.service !== undefined && c.service !== "echo")).toEqual([]);
        }
        expect(report.zones[0].checks.find(c => c.name === "gateway")).toEqual({
            name: "gateway",
            ok: true,
            detail: "0:zone1 1:zone2",
            service: "echo",
        });
    });

    it("names the zone and the service that is not ready: billing looked for in the wrong namespace", async () => {
        const wrong = { ...both, services: { echo: ECHO, billing: { ...BILLING, namespace: "billing" } } };
        const report = await status(recordedStack("two-services", { ...TWO_SERVICES, ...target }, wrong), {
            preview: false,
        });
        expect(report.ready).toBe(false);
        expect(report.zones[0].services).toEqual([
            { service: "echo", ready: true },
            { service: "billing", ready: false },
        ]);
        expect(report.zones[0].checks.find(c => c.service === "billing" && c.name === "MeshService")).toEqual({
            name: "MeshService",
            ok: false,
            detail: "no MeshService billing in namespace billing",
            service: "billing",
        });
        expect(formatStatus(report).split("\n").pop()).toBe("NOT READY: zone zone1 (billing), zone zone2 (billing)");
    });

    it("refuses a stack whose outputs lack a configured service's cluster, saying what to run", async () => {
        const s = recordedStack("two-services", { ...TWO_SERVICES, ...target });
        await expect(status(s, { preview: false })).rejects.toThrow(
            '--stack: "recorded" has no output services.billing.envoyCluster (deployed before this service, or before per-service outputs). Fix: run pulumi up --stack recorded',
        );
    });

    it("drills billing, which mesh-dr does not deploy, only with --yes; an unknown --service names the services", async () => {
        const s = recordedStack("two-services", { ...TWO_SERVICES, ...target }, both);
        const o = {
            zone: "zone1",
            readyWaitSeconds: 1,
            holdSeconds: 1,
            recoverTimeoutSeconds: 1,
            intervalMs: 250,
            probes: [],
            probe: { intervalMs: 200, maxRequests: 0, timeoutMs: 1000 },
            yes: false,
            cpService: "kong-mesh-control-plane",
            outDir: "/nonexistent",
            log: () => {},
        };
        for (const fault of ["echo", "service"] as const) {
            await expect(drill(s, { ...o, fault, service: "billing" })).rejects.toThrow(
                `--yes: false is required: mesh-dr does not deploy service billing (payments), and the ${fault} fault ${fault === "echo" ? "scales its Deployment to 0" : "moves its Service's port"} in zone zone1. Fix: tell the service's owners, then add --yes`,
            );
        }
        await expect(drill(s, { ...o, fault: "echo", service: "orders" })).rejects.toThrow(
            '--service: "orders" is not a service of stack recorded. Fix: use one of: echo, billing',
        );
        expect(s.service(undefined).name).toBe("echo");
        // echo is mesh-dr's: what stops this drill is the recorded stack being no sandbox.
        await expect(drill(s, { ...o, fault: "echo" })).rejects.toThrow(
            "--yes: false is required: stack recorded is on real clusters",
        );
    });
});
