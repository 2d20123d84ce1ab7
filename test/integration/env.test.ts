// scripts/env.sh gives each run a private temp folder: what the Kubernetes provider leaves in
// TMPDIR (a copy of each kubeconfig it is given) lasts only as long as the run, also a killed one.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ENV_SH = path.resolve(__dirname, "../../scripts/env.sh");
/** The system temp folder of these runs: theirs alone, so no other run's sweep meets them. */
const SYSTEM_TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-dr-env-"));
const env = { ...process.env, MESH_DR_SYSTEM_TMPDIR: SYSTEM_TMP };
const runDirs = () => fs.readdirSync(SYSTEM_TMP).filter(e => e.startsWith("mesh-dr-run-"));

/** `bash scripts/env.sh bash -c <script>`, as the npm scripts run their commands. */
const run = (script: string) => spawnSync("bash", [ENV_SH, "bash", "-c", script], { env, encoding: "utf8" });

afterAll(() => fs.rmSync(SYSTEM_TMP, { recursive: true, force: true }));

describe("a run's private temp folder", () => {
    it("is the run's TMPDIR, mode 0700, named after the run's pid, and goes when the run ends, failed or not", () => {
        const r = run('touch "$TMPDIR/kubeconfig123"; echo "$TMPDIR $PPID"; stat -c %a "$TMPDIR"; exit 3');
        expect(r.status).toBe(3);
        const [[dir, pid], [mode]] = r.stdout
            .trim()
            .split("\n")
            .map(l => l.split(" "));
        expect(path.dirname(dir)).toBe(SYSTEM_TMP);
        expect(path.basename(dir)).toMatch(new RegExp(`^mesh-dr-run-${pid}-`));
        expect(mode).toBe("700");
        expect(runDirs()).toEqual([]);
    });

    it("of a script that sources env.sh goes at its exit, with what the script added to CLEANUP", () => {
        const extra = fs.mkdtempSync(path.join(SYSTEM_TMP, "extra-"));
        const r = spawnSync(
            "bash",
            ["-c", `set -euo pipefail; source ${ENV_SH}; CLEANUP+=(${extra}); echo "$TMPDIR"`],
            { env, encoding: "utf8" },
        );
        expect(r.status).toBe(0);
        expect(fs.existsSync(r.stdout.trim())).toBe(false);
        expect(fs.existsSync(extra)).toBe(false);
    });

    it("of a run killed with SIGKILL is removed by the next run, once no process of it is left", async () => {
        // The run's shell is killed; the command it ran (pid printed) lives on with the folder.
        const killed = spawn("bash", [ENV_SH, "bash", "-c", "echo $$; exec sleep 60"], {
            env,
            stdio: ["ignore", "pipe", "inherit"],
        });
        const orphan = Number(
            await new Promise<string>(resolve => killed.stdout!.once("data", d => resolve(String(d)))),
        );
        const [dir] = runDirs();
        expect(dir).toMatch(new RegExp(`^mesh-dr-run-${killed.pid}-`));
        process.kill(killed.pid!, "SIGKILL");
        await new Promise(resolve => killed.once("exit", resolve));

        expect(run("true").status).toBe(0);
        expect(runDirs()).toEqual([dir]);
        process.kill(orphan, "SIGKILL");
        for (let i = 0; i < 100 && fs.existsSync(`/proc/${orphan}`); i++) await new Promise(r => setTimeout(r, 20));
        expect(run("true").status).toBe(0);
        expect(runDirs()).toEqual([]);
    });
});
