// The benchmark's parts that need no sandbox. `npm run bench` is not part of `npm test`, so without
// these a change to the program or to the e2e support breaks it unnoticed (it did, twice).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as jspb from "google-protobuf";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { describe, expect, it } from "vitest";
import { discoveryRequest, discoveryResponse, nodeMetadata, node as xdsNode } from "../../scripts/bench-proxies";

const ROOT = path.resolve(__dirname, "../..");

function node(...args: string[]) {
    return spawnSync("node", args, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
}

describe("npm run bench", () => {
    it("its start-up runner runs the program under mocks, more resources for more zones", () => {
        const counts = [2, 4].map(zones => {
            const r = node(path.join("scripts", "bench-startup.js"), String(zones));
            expect(r.status, r.stderr).toBe(0);
            const m = /^registered (\d+) resources in [\d.]+s$/m.exec(r.stdout);
            expect(m, r.stdout).not.toBeNull();
            return Number(m![1]);
        });
        expect(counts[1]).toBeGreaterThan(counts[0]);
    });

    it("the e2e support it drives its sandboxes with loads outside vitest", () => {
        const r = node(
            "-r",
            "ts-node/register/transpile-only",
            "-e",
            'require("./test/e2e/support"); console.log("loaded")',
        );
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout.trim()).toBe("loaded");
    });
});

describe("the cp-cpu section's xDS stand-ins", () => {
    // Read back by google-protobuf, not by the hand-written encoder's own logic.
    it("send Envoy's DiscoveryRequest: version, node (id, cluster, metadata as a protobuf Struct), type, nonce", () => {
        const request = discoveryRequest(
            xdsNode({ id: "default.echo-1.kong", type: "dataplane" }),
            "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            { version: "v7", nonce: "n3" },
        );
        const fields: Record<number, unknown> = {};
        const r = new jspb.BinaryReader(request);
        while (r.nextField() && !r.isEndGroup()) {
            if (r.getFieldNumber() === 2) {
                const nodeFields: Record<number, unknown> = {};
                r.readMessage(nodeFields, (o: Record<number, unknown>, nr: jspb.BinaryReader) => {
                    while (nr.nextField() && !nr.isEndGroup()) {
                        const n = nr.getFieldNumber();
                        o[n] = n === 3 ? Struct.deserializeBinary(nr.readBytes()).toJavaScript() : nr.readString();
                    }
                });
                fields[2] = nodeFields;
            } else fields[r.getFieldNumber()] = r.readString();
        }
        expect(fields).toEqual({
            1: "v7",
            2: {
                1: "default.echo-1.kong",
                2: "default.echo-1.kong",
                3: nodeMetadata("dataplane"),
            },
            4: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            5: "n3",
        });
    });

    it("read what an ACK needs from a DiscoveryResponse, skipping its resources and other fields", () => {
        const w = new jspb.BinaryWriter();
        w.writeString(1, "v9");
        w.writeMessage(2, {}, (_: unknown, mw: jspb.BinaryWriter) => {
            mw.writeString(1, "type.googleapis.com/envoy.config.cluster.v3.Cluster");
            mw.writeBytes(2, new Uint8Array(300).fill(7));
        });
        w.writeBool(3, true);
        w.writeString(4, "type.googleapis.com/envoy.config.cluster.v3.Cluster");
        w.writeString(5, "nonce-1");
        w.writeFixed64(7, 1);
        expect(discoveryResponse(Buffer.from(w.getResultBuffer()))).toEqual({
            version: "v9",
            typeUrl: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            nonce: "nonce-1",
        });
    });
});
