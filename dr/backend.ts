// Which state backend the DR tool's Pulumi runs use: the sandbox stack's own (where `npm start`
// put it) when none is set, so `npm run dr -- status --stack sandbox` works in any shell.
import * as fs from "node:fs";
import * as path from "node:path";

/** scripts/sandbox-backend.json, which scripts/start.sh reads too: one place for both. */
export const SANDBOX_BACKEND: { stack: string; stateDir: string; passphrase: string } = JSON.parse(
    fs.readFileSync(path.join(__dirname, "..", "scripts", "sandbox-backend.json"), "utf8"),
);

/**
 * The environment for `stack` in `workDir`: for the sandbox stack in the project directory with
 * no PULUMI_BACKEND_URL, the sandbox's file backend and passphrase (as start.sh: an empty URL
 * counts as none, a set passphrase wins); otherwise undefined, and Pulumi's own rules apply.
 */
export function sandboxBackend(
    stack: string,
    workDir: string,
    projectDir: string,
    env: NodeJS.ProcessEnv,
): Record<string, string> | undefined {
    if (stack !== SANDBOX_BACKEND.stack || path.resolve(workDir) !== path.resolve(projectDir) || env.PULUMI_BACKEND_URL)
        return undefined;
    return {
        PULUMI_BACKEND_URL: `file://${path.join(path.resolve(projectDir), SANDBOX_BACKEND.stateDir)}`,
        PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE ?? SANDBOX_BACKEND.passphrase,
    };
}
