// Kuma as an installed tool (scripts/toolchain/kuma.sh): found where users put it and
// version-checked, refused with the install message when absent, and the official release's
// tarball installed only after its layout and versions check out. Each case runs the real script
// in a throwaway copy of scripts/, with a PATH that holds no Kuma, so the answer is the same on
// every machine, Kuma installed or not. The binaries are small shell stand-ins that answer
// `version` as kuma-cp and kumactl do: what is under test is the script, not Kuma.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-dr-kuma-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));
const RELEASE = "2.14.3";
const MISSING =
    "Kuma 2.14.x is not installed (no kuma-cp and kumactl on PATH or in $KUMA_HOME/bin). Install it: bash scripts/toolchain.sh kuma";

let n = 0;
/** A copy of the scripts (a project root of its own) with an empty cache. */
function project(): { root: string; cache: string } {
    const root = path.join(TMP, `root-${++n}`);
    fs.cpSync(path.join(ROOT, "scripts"), path.join(root, "scripts"), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "package-lock.json"), path.join(root, "package-lock.json"));
    return { root, cache: path.join(root, "cache") };
}

/** `bin/kuma-cp` and `bin/kumactl` under `dir`, answering `version` as the real ones do. */
function fakeKuma(dir: string, version: string, extra: string[] = []): string {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    const script = (line: string) => `#!/bin/sh\n[ "$1" = version ] && echo "${line}"\nexit 0\n`;
    fs.writeFileSync(path.join(bin, "kuma-cp"), script(`Kuma: ${version}`), { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "kumactl"), script(`Client: Kuma ${version}`), { mode: 0o755 });
    for (const f of extra) fs.writeFileSync(path.join(bin, f), "", { mode: 0o755 });
    return bin;
}

function toolchain(p: { root: string; cache: string }, args: string[], env: Record<string, string> = {}) {
    const start = Date.now();
    const r = spawnSync("bash", [path.join(p.root, "scripts", "toolchain.sh"), ...args], {
        encoding: "utf8",
        timeout: 60_000,
        // No Kuma anywhere but where a case puts it.
        env: {
            PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
            HOME: process.env.HOME!,
            MESH_DR_CACHE: p.cache,
            ...env,
        },
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}`, ms: Date.now() - start };
}

const link = (p: { root: string }, b: string) => {
    try {
        return fs.readlinkSync(path.join(p.root, ".toolchain", "bin", b));
    } catch {
        return undefined;
    }
};

/** A release tarball in the official layout (top folder kuma-<version>/), as a file:// URL. */
function tarball(name: string, build: (top: string) => void, topName = `kuma-${RELEASE}`): string {
    const src = path.join(TMP, `tar-${name}`);
    build(path.join(src, topName));
    const file = path.join(TMP, `${name}.tar.gz`);
    const r = spawnSync("tar", ["-czf", file, "-C", src, ...fs.readdirSync(src)]);
    expect(r.status).toBe(0);
    return file;
}
const release = (top: string, version = RELEASE) => fakeKuma(top, version, ["kuma-dp", "envoy", "coredns"]);

describe("finding an installed Kuma", () => {
    it("without one, --require-kuma fails at once with the install message", () => {
        const r = toolchain(project(), ["--require-kuma"]);
        expect(r.code).toBe(1);
        expect(r.out).toContain(MISSING);
        expect(r.ms).toBeLessThan(10_000);
    });

    it("takes a 2.14.x pair from $KUMA_HOME/bin and links it; --check names it", () => {
        const p = project();
        const home = path.join(TMP, "home-2.14.5");
        const bin = fakeKuma(home, "2.14.5");
        expect(toolchain(p, ["--require-kuma"], { KUMA_HOME: home }).code).toBe(0);
        const r = toolchain(p, ["kuma"], { KUMA_HOME: home });
        expect(r.code, r.out).toBe(0);
        expect(r.out).toContain(`==> kuma-cp 2.14.5: using ${bin}/kuma-cp`);
        expect([link(p, "kuma-cp"), link(p, "kumactl")]).toEqual([`${bin}/kuma-cp`, `${bin}/kumactl`]);
        expect(toolchain(p, ["--check"], { KUMA_HOME: home }).out).toContain(`kuma: 2.14.5 in ${bin}, linked`);
    });

    it("takes a pair from PATH too; refuses another minor or a mixed pair, naming what it found", () => {
        const p = project();
        const old = fakeKuma(path.join(TMP, "path-2.13.1"), "2.13.1");
        const check = toolchain(p, ["--check"], { PATH: `${old}:${path.dirname(process.execPath)}:/usr/bin:/bin` });
        expect(check.out).toContain(`kuma: not using ${old} (kuma-cp 2.13.1, kumactl 2.13.1; want both at one 2.14.x)`);
        expect(check.out).toContain("kuma: not installed");
        const mixed = fakeKuma(path.join(TMP, "mixed"), "2.14.3");
        fs.copyFileSync(path.join(old, "kumactl"), path.join(mixed, "kumactl"));
        expect(
            toolchain(p, ["--require-kuma"], { PATH: `${mixed}:${path.dirname(process.execPath)}:/usr/bin:/bin` }).code,
        ).toBe(1);
        const good = fakeKuma(path.join(TMP, "path-2.14.3"), "2.14.3");
        expect(
            toolchain(p, ["--require-kuma"], { PATH: `${old}:${good}:${path.dirname(process.execPath)}:/usr/bin:/bin` })
                .code,
        ).toBe(0);
    });

    it("removes what the old source build left in the cache; --check reports it first", () => {
        const p = project();
        fs.mkdirSync(path.join(p.cache, "bin"), { recursive: true });
        for (const f of ["kuma-cp-v2.14.3", "kumactl-v2.14.3"]) fs.writeFileSync(path.join(p.cache, "bin", f), "");
        const check = toolchain(p, ["--check"]);
        expect(check.out).toContain(`kuma: STALE ${p.cache}/bin/kuma-cp-v2.14.3`);
        const home = path.join(TMP, "home-stale");
        fakeKuma(home, RELEASE);
        const r = toolchain(p, ["kuma"], { KUMA_HOME: home });
        expect(r.code, r.out).toBe(0);
        expect(fs.readdirSync(path.join(p.cache, "bin"))).toEqual([]);
    });
});

describe("installing the official release", () => {
    it("unpacks a tarball whose layout and versions check out, keeps its SHA-256, and links it", () => {
        const p = project();
        const file = tarball("good", top => release(top));
        const r = toolchain(p, ["kuma"], { KUMA_RELEASE_URL: `file://${file}` });
        expect(r.code, r.out).toBe(0);
        const dest = path.join(p.cache, `kuma-${RELEASE}`);
        const sum = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
        expect(r.out).toContain(`installed in ${dest} (SHA-256 of the download: ${sum})`);
        expect(fs.readFileSync(path.join(dest, "SHA256"), "utf8")).toBe(`${sum}  kuma-${RELEASE}-linux-amd64.tar.gz\n`);
        expect(link(p, "kuma-cp")).toBe(path.join(dest, "bin", "kuma-cp"));
        // A pinned digest that matches is taken; a different one is refused before unpacking.
        expect(toolchain(project(), ["kuma"], { KUMA_RELEASE_URL: `file://${file}`, KUMA_SHA256: sum }).code).toBe(0);
        const pinned = toolchain(project(), ["kuma"], {
            KUMA_RELEASE_URL: `file://${file}`,
            KUMA_SHA256: "0".repeat(64),
        });
        expect(pinned.code).toBe(1);
        expect(pinned.out).toContain(`has SHA-256 ${sum}, not KUMA_SHA256=${"0".repeat(64)}: refused`);
    });

    it("refuses a tarball with entries outside its top folder, without bin/kumactl, of another version, or cut short", () => {
        const cases: [string, string, string][] = [
            [
                "outside",
                tarball("outside", top => {
                    release(top);
                    fs.mkdirSync(path.join(top, "..", "other"));
                    fs.writeFileSync(path.join(top, "..", "other", "x"), "");
                }),
                "entries outside kuma-2.14.3/: other/",
            ],
            [
                "no-kumactl",
                tarball("no-kumactl", top => {
                    release(top);
                    fs.rmSync(path.join(top, "bin", "kumactl"));
                }),
                "no bin/kumactl in kuma-2.14.3/",
            ],
            [
                "version",
                tarball("version", top => release(top, "2.14.2")),
                "bin/kuma-cp reports version '2.14.2', not 2.14.3",
            ],
        ];
        const whole = tarball("cut", top => release(top));
        const cut = path.join(TMP, "cut-short.tar.gz");
        fs.writeFileSync(cut, fs.readFileSync(whole).subarray(0, 200));
        cases.push(["cut", cut, "not a whole gzip file (cut short?)"]);
        for (const [name, file, message] of cases) {
            const p = project();
            const r = toolchain(p, ["kuma"], { KUMA_RELEASE_URL: `file://${file}` });
            expect(r.code, name).toBe(1);
            expect(r.out, name).toContain(message);
            expect(fs.existsSync(path.join(p.cache, `kuma-${RELEASE}`)), name).toBe(false);
            expect(link(p, "kuma-cp"), name).toBeUndefined();
        }
    });

    it("without a network, fails fast naming the URL and the other ways to install it", () => {
        const url = "https://127.0.0.1:9/kuma.tar.gz";
        const r = toolchain(project(), ["kuma"], { KUMA_RELEASE_URL: url });
        expect(r.code).toBe(1);
        expect(r.out).toContain(`cannot download Kuma ${RELEASE} from ${url}: curl: (7)`);
        expect(r.out).toContain("put its bin/ on PATH or set KUMA_HOME");
        expect(r.ms).toBeLessThan(15_000);
    });
});
