// Upgrading a stack that today's walkthrough deployed: every URN the program registers now is one
// it had (test/fixtures/walkthrough-urns.json, recorded from the program before services), or an
// alias leads to one, and every old URN has a successor. The engine then previews no replace and
// no delete for the objects that were there (new objects, such as the NetworkPolicy, are creates).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MINIMAL_CONFIG, Recorder, once, runProgram } from "./harness";
import { UrnRecord, previousUrns, recordUrns, recordedUrns, resetUrns } from "./urns";
import { ECHO_AS_SERVICE } from "../echo-service";

const FIXTURE = path.resolve(__dirname, "../fixtures/walkthrough-urns.json");
const recorded = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as Record<string, string[]>;
// ECHO_AS_SERVICE: moving a stack from the old keys to `services` moves nothing either.
const API_GLOBAL = { ...MINIMAL_CONFIG, global: { api: { url: "https://cp.example.com:5682", token: "t" } } };
/** Each config, the fixture entry it upgrades (recorded from the old program with that config), and its secret keys. */
const CONFIGS: Record<string, [string, Record<string, unknown>, string[]]> = {
    minimal: ["minimal", MINIMAL_CONFIG, []],
    "platform.install": ["platform.install", { ...MINIMAL_CONFIG, platform: { install: true } }, []],
    "global.api": ["global.api", API_GLOBAL, ["global"]],
    "minimal, echo written as services[0]": ["minimal", { ...MINIMAL_CONFIG, services: [ECHO_AS_SERVICE] }, []],
};

const rec = new Recorder();
let stopRecordingUrns: () => void;
beforeAll(() => {
    stopRecordingUrns = recordUrns();
});
afterAll(() => stopRecordingUrns());

/** The program's URNs and registrations for a config, run once per config: the tests only read them. */
const runOf = once(async (raw: Record<string, unknown>, secretKeys: string[]) => {
    resetUrns();
    await runProgram(rec, raw, secretKeys);
    return { urns: [...recordedUrns()], registered: [...rec.resources] };
});

const urnsOf = async (raw: Record<string, unknown>, secretKeys: string[] = []) => (await runOf(raw, secretKeys)).urns;

/** Each new registration's old URN: its own when the state has it, else the first alias the state has. */
function successors(now: UrnRecord[], old: ReadonlySet<string>): Map<string, string | undefined> {
    const byUrn = new Map(now.map(r => [r.urn, r]));
    return new Map(now.map(r => [r.urn, old.has(r.urn) ? r.urn : previousUrns(r, byUrn).find(u => old.has(u))]));
}

describe("upgrading a stack deployed before services", () => {
    for (const [label, [fixture, raw, secretKeys]] of Object.entries(CONFIGS)) {
        it(`keeps every object of the walkthrough (${label}): each old URN is a new one or an alias of one`, async () => {
            const old = new Set(recorded[fixture]);
            const now = await urnsOf(raw, secretKeys);
            const found = successors(now, old);
            // No old URN left behind (it would be deleted), and none claimed twice.
            const claimed = [...found.values()].filter((u): u is string => u !== undefined);
            expect([...old].filter(u => !claimed.includes(u))).toEqual([]);
            expect(claimed.filter((u, i) => claimed.indexOf(u) !== i)).toEqual([]);
            // What is new is only what services add: the NetworkPolicy of a deployed workload.
            const added = now.filter(r => found.get(r.urn) === undefined).map(r => r.type);
            expect([...new Set(added)]).toEqual(["kubernetes:networking.k8s.io/v1:NetworkPolicy"]);
        }, 60_000); // an API global serializes its dynamic provider: seconds of CPU
    }

    it("registers the same objects for echo from the old keys and as services[0]", async () => {
        const { parseConfig } = await import("../../zones/config");
        const fromKeys = await runOf(MINIMAL_CONFIG, []);
        const inputs = new Map(fromKeys.registered.map(r => [`${r.type}::${r.name}`, r.inputs]));
        const asService = await runOf({ ...MINIMAL_CONFIG, services: [ECHO_AS_SERVICE] }, []);
        expect(asService.urns.map(r => r.urn)).toEqual(fromKeys.urns.map(r => r.urn));
        for (const r of asService.registered)
            expect(r.inputs, `${r.type} ${r.name}`).toEqual(inputs.get(`${r.type}::${r.name}`));
        expect(parseConfig({ ...MINIMAL_CONFIG, services: [ECHO_AS_SERVICE] }).echo).toEqual(
            parseConfig(MINIMAL_CONFIG).echo,
        );
    });

    it("moves the renamed components by alias, never by name alone", async () => {
        const now = await urnsOf(MINIMAL_CONFIG);
        const old = new Set(recorded.minimal);
        const moved = now.filter(r => !old.has(r.urn) && r.type.startsWith("mesh-dr:"));
        expect(moved.map(r => `${r.type} ${r.name}`).sort()).toEqual([
            "mesh-dr:index:ServiceRoute zone1-echo-route",
            "mesh-dr:index:ServiceRoute zone2-echo-route",
            "mesh-dr:index:ServiceTrafficPermission echo-permission",
            "mesh-dr:index:ServiceWorkload zone1-echo",
            "mesh-dr:index:ServiceWorkload zone2-echo",
        ]);
        for (const r of moved) expect(r.aliases.length, r.urn).toBeGreaterThan(0);
    });
});
