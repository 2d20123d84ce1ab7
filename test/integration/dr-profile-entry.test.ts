// The control-plane DR profile's small entry, as the sandbox runs it (scripts/sandbox/kuma.sh: a process
// of its own, under ts-node): KEY=VALUE lines for either profile, and its usage for what does not fit.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { envLines } from "../../dr/profile";

const REPO = path.resolve(__dirname, "../..");

describe("the profile as users install it", () => {
    it("gives the sandbox KEY=VALUE lines from a small entry, for either profile", () => {
        const entry = (...args: string[]) =>
            spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "dr/profile.ts", ...args], {
                cwd: REPO,
                encoding: "utf8",
            });
        const zone = entry("env", "zone");
        expect(zone.status, zone.stderr).toBe(0);
        expect(zone.stdout).toBe(envLines("zone", "dr") + "\n");
        expect(entry("env", "global", "default").stdout).toBe(envLines("global", "default") + "\n");
        const bad = entry("env", "region");
        expect(bad.status).toBe(2);
        expect(bad.stderr).toBe("usage: profile.ts env global|zone [dr|default]\n");
    });
});
