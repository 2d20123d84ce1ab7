// The GitHub Actions workflows through actionlint (built by scripts/toolchain.sh, run as a
// process); what they do is in test/unit/workflows.test.ts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const WORKFLOWS_DIR = path.join(ROOT, ".github", "workflows");
const ACTIONLINT = path.join(ROOT, ".toolchain", "bin", "actionlint");

function workflowFiles(): string[] {
    return fs.existsSync(WORKFLOWS_DIR)
        ? fs
              .readdirSync(WORKFLOWS_DIR)
              .filter(f => /\.ya?ml$/.test(f))
              .sort()
              .map(f => path.join(WORKFLOWS_DIR, f))
        : [];
}

describe("actionlint", () => {
    it("finds no problem in .github/workflows/*.yml", () => {
        const files = workflowFiles();
        expect(files.length, "no workflow in .github/workflows").toBeGreaterThan(0);
        expect(
            fs.existsSync(ACTIONLINT),
            `actionlint is missing at ${path.relative(ROOT, ACTIONLINT)}: run \`npm run toolchain -- actionlint\` to build it, as \`npm run test:integration\` does (this test never skips)`,
        ).toBe(true);
        const result = spawnSync(ACTIONLINT, ["-no-color", "-oneline", ...files.map(f => path.relative(ROOT, f))], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 60_000,
        });
        expect(result.error, `could not run ${ACTIONLINT}`).toBeUndefined();
        expect(`${result.stdout}${result.stderr}`).toBe("");
        expect(result.status).toBe(0);
    }, 90_000);
});
