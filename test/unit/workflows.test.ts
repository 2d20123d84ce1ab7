// The GitHub Actions workflows: previewing every shared stack on pull requests, deploying dev →
// staging → prod behind environments, and holding no secret of their own (actionlint-clean:
// test/integration/actionlint.test.ts).
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const GITHUB_DIR = path.join(ROOT, ".github");
const WORKFLOWS_DIR = path.join(GITHUB_DIR, "workflows");

/**
 * Stacks that CI never previews or deploys. `sandbox` runs against kube-apiservers on the
 * developer's loopback (`npm run sandbox:up`), which no CI runner can reach: it is local only.
 * Every other committed Pulumi.<stack>.yaml must be previewed on pull requests and deployed from main.
 */
const LOCAL_ONLY_STACKS = ["sandbox"];

type Yaml = any;
type Step = Record<string, Yaml>;
type Job = Record<string, Yaml>;

function sharedStacks(): string[] {
    return fs
        .readdirSync(ROOT)
        .map(f => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined && !LOCAL_ONLY_STACKS.includes(s))
        .sort();
}

/** Every YAML file under .github/: the workflows and the local actions they use. */
function githubYamlFiles(dir = GITHUB_DIR): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return githubYamlFiles(full);
        return /\.ya?ml$/.test(e.name) ? [full] : [];
    });
}

function loadWorkflow(name: string): Yaml {
    const file = path.join(WORKFLOWS_DIR, name);
    expect(fs.existsSync(file), `${path.relative(ROOT, file)} is missing`).toBe(true);
    return parse(fs.readFileSync(file, "utf8"));
}

/** A job's steps with local composite actions (`uses: ./...`) expanded into their own steps. */
function stepsOf(job: Job): Step[] {
    const expand = (steps: Step[]): Step[] =>
        steps.flatMap(step => {
            const uses: unknown = step.uses;
            if (typeof uses !== "string" || !uses.startsWith("./")) return [step];
            const dir = path.join(ROOT, uses);
            const file = ["action.yml", "action.yaml"].map(f => path.join(dir, f)).find(f => fs.existsSync(f));
            expect(file, `local action ${uses} has no action.yml`).toBeDefined();
            const action = parse(fs.readFileSync(file!, "utf8"));
            expect(action.runs.using, `${uses} must be a composite action`).toBe("composite");
            return [step, ...expand(action.runs.steps)];
        });
    return expand(job.steps ?? []);
}

const runsOf = (job: Job): string[] =>
    stepsOf(job)
        .map(s => s.run)
        .filter((r): r is string => typeof r === "string");
const usesOf = (job: Job, action: string): Step[] =>
    stepsOf(job).filter(s => typeof s.uses === "string" && s.uses.split("@")[0] === action);

/** Jobs that run pulumi/actions, by the command and stack they run. */
function pulumiJobs(workflow: Yaml, command: string): { id: string; job: Job; step: Step }[] {
    return Object.entries(workflow.jobs as Record<string, Job>).flatMap(([id, job]) =>
        usesOf(job, "pulumi/actions")
            .filter(s => s.with?.command === command)
            .map(step => ({ id, job, step })),
    );
}

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]) as string[];
const environmentName = (job: Job): string | undefined =>
    typeof job.environment === "string" ? job.environment : job.environment?.name;

describe("the pull-request workflow (preview.yml)", () => {
    const wf = loadWorkflow("preview.yml");

    it("runs on pull requests with least privilege", () => {
        expect(wf.on).toHaveProperty("pull_request");
        expect(wf.permissions).toEqual({ contents: "read", "pull-requests": "write" });
        for (const [id, job] of Object.entries(wf.jobs as Record<string, Job>))
            expect(job.permissions, id).toBeUndefined();
    });

    it("installs with npm ci on Node 22 with the npm cache, and runs the unit tests", () => {
        const unit = Object.values(wf.jobs as Record<string, Job>).find(job =>
            runsOf(job).some(r => r.includes("npm run test:unit")),
        );
        expect(unit, "no job runs npm run test:unit").toBeDefined();
        const runs = runsOf(unit!).join("\n");
        expect(runs).toMatch(/^\s*npm ci\s*$/m);
        expect(runs.indexOf("npm ci")).toBeLessThan(runs.indexOf("npm run test:unit"));
        const [node] = usesOf(unit!, "actions/setup-node");
        expect(String(node?.with?.["node-version"])).toMatch(/^22(\.|$)/);
        expect(node?.with?.cache).toBe("npm");
    });

    it("previews every committed stack except the local-only ones, one matrix entry each", () => {
        const previews = pulumiJobs(wf, "preview");
        expect(previews).toHaveLength(1);
        const { job, step } = previews[0];
        const matrix = job.strategy?.matrix ?? {};
        const stacks = [...asList(matrix.stack), ...asList(matrix.include).map((e: Yaml) => e.stack)];
        expect([...new Set(stacks)].sort()).toEqual(sharedStacks());
        expect(stacks).toHaveLength(new Set(stacks).size);
        expect(step.with["stack-name"]).toBe("${{ matrix.stack }}");
    });

    it("previews with the diff, a PR comment, the policy pack and the backend from secrets", () => {
        const [{ job, step }] = pulumiJobs(wf, "preview");
        expect(step.with).toMatchObject({
            diff: true,
            "comment-on-pr": true,
            policyPacks: "policy",
            "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
        });
        expect(step.env).toEqual({
            PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
            PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        });
        // The pack's modules come with the root install: policy/ is a workspace, under the one lock.
        const runs = runsOf(job).join("\n");
        expect(runs).toMatch(/^\s*npm ci\s*$/m);
        expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).workspaces).toContain("policy");
        expect(fs.existsSync(path.join(ROOT, "policy", "package-lock.json")), "policy/package-lock.json").toBe(false);
        expect(runs).toMatch(/KUBECONFIG=.*>> "\$GITHUB_ENV"/);
    });
});

describe("the deploy workflow (deploy.yml)", () => {
    const wf = loadWorkflow("deploy.yml");
    const ups = pulumiJobs(wf, "up");
    const byStack = new Map(ups.map(u => [u.step.with["stack-name"] as string, u]));

    it("runs on pushes to main with read-only contents", () => {
        expect(asList(wf.on.push.branches)).toContain("main");
        expect(wf.permissions).toEqual({ contents: "read" });
    });

    it("deploys every committed stack except the local-only ones, one job each", () => {
        expect(ups.map(u => u.step.with["stack-name"]).sort()).toEqual(sharedStacks());
        for (const { id, step } of ups) expect(step.with.policyPacks, id).toBe("policy");
    });

    it("deploys dev without approval, staging and prod behind their environments, prod after staging", () => {
        const dev = byStack.get("dev")!;
        const staging = byStack.get("staging")!;
        const prod = byStack.get("prod")!;
        expect(environmentName(dev.job)).toBeUndefined();
        expect(environmentName(staging.job)).toBe("staging");
        expect(environmentName(prod.job)).toBe("prod");
        expect(asList(staging.job.needs)).toContain(dev.id);
        expect(asList(prod.job.needs)).toContain(staging.id);
    });

    it("never runs two deploys of one stack at once, and never cancels a running one", () => {
        const groups = ups.map(({ id, job, step }) => {
            expect(job.concurrency, id).toBeDefined();
            expect(job.concurrency["cancel-in-progress"], id).toBe(false);
            expect(job.concurrency.group, id).toContain(step.with["stack-name"]);
            return job.concurrency.group as string;
        });
        expect(new Set(groups).size).toBe(groups.length);
    });
});

describe("all workflows and local actions", () => {
    const files = githubYamlFiles();

    it("pin every action to a major version or a commit", () => {
        for (const file of files) {
            const text = fs.readFileSync(file, "utf8");
            for (const [, uses] of text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)/gm)) {
                if (uses.startsWith("./")) continue;
                expect(uses, path.relative(ROOT, file)).toMatch(/@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
            }
        }
    });

    it("hold no literal secret or kubeconfig", () => {
        const literal = [
            /-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/,
            /certificate-authority-data|client-certificate-data|client-key-data/,
            /^\s*kind:\s*Config\s*$/m,
            /^\s*current-context:/m,
            /\bpul-[0-9a-f]{40}\b/,
            /\bgh[pousr]_[A-Za-z0-9]{30,}/,
            /\bAKIA[0-9A-Z]{16}\b/,
        ];
        const sensitiveKey = /token|passphrase|password|secret|kubeconfig|access[-_]?key|private[-_]?key/i;
        // A sensitive value must come from an expression (secrets, inputs, matrix) or merely name a secret.
        const allowed = /^(\$\{\{\s*(secrets[.[]|inputs\.|matrix\.|github\.token)[^}]*\}\}|[A-Z][A-Z0-9_]*)$/;
        const walk = (node: Yaml, where: string, file: string): void => {
            if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`, file));
            if (node === null || typeof node !== "object") return;
            for (const [key, value] of Object.entries(node)) {
                if (sensitiveKey.test(key) && (typeof value === "string" || typeof value === "number")) {
                    expect(String(value), `${path.relative(ROOT, file)}: ${where}.${key}`).toMatch(allowed);
                }
                walk(value, `${where}.${key}`, file);
            }
        };
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) {
            const text = fs.readFileSync(file, "utf8");
            for (const re of literal) expect(text, `${path.relative(ROOT, file)} matches ${re}`).not.toMatch(re);
            walk(parse(text), "", file);
        }
    });

    it("pass secrets to scripts only through env, and never print the kubeconfig", () => {
        for (const file of files) {
            const doc = parse(fs.readFileSync(file, "utf8"));
            const steps: Step[] = [
                ...Object.values((doc.jobs ?? {}) as Record<string, Job>).flatMap(j => (j.steps ?? []) as Step[]),
                ...((doc.runs?.steps ?? []) as Step[]),
            ];
            for (const step of steps) {
                if (typeof step.run !== "string") continue;
                const where = `${path.relative(ROOT, file)}: ${step.name ?? step.run.split("\n")[0]}`;
                expect(step.run, where).not.toMatch(/\$\{\{\s*secrets/);
                expect(step.run, where).not.toMatch(/set -[a-z]*x/);
                for (const line of step.run.split("\n")) {
                    if (/KUBECONFIG_CONTENTS/.test(line) && /\b(echo|printf|cat)\b/.test(line)) {
                        expect(line, `${where}: prints the kubeconfig other than into a file`).toMatch(/>\s*"?\$/);
                    }
                }
            }
        }
    });
});
