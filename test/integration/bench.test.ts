// The benchmark's parts that need no sandbox. `npm run bench` is not part of `npm test`, so without
// these a change to the program or to the e2e support breaks it unnoticed (it did, twice).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

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
