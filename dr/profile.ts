// The DR profile in the forms it is installed with: Helm values for the kong-mesh and kuma charts
// (`npm run dr -- profile --helm global|zone`), and KEY=VALUE lines for a kuma-cp started by hand.
// The sandbox calls this file directly, without the DR tool's Pulumi start-up:
//   node -r ts-node/register/transpile-only dr/profile.ts env global|zone [dr|default]
import { CP_SETTINGS, CP_SETTING_NAMES, CpRole, Profile, profileEnv } from "../components/cp-profile";

export const CP_ROLES: readonly CpRole[] = ["global", "zone"];
export const PROFILES: readonly Profile[] = ["dr", "default"];

/** Where each chart takes the control plane's extra env vars (Kong Mesh's wraps Kuma's under `kuma`). */
export const HELM_ENV_KEYS = {
    "kong-mesh": ["kuma", "controlPlane", "envVars"],
    kuma: ["controlPlane", "envVars"],
} as const;
export type HelmChart = keyof typeof HELM_ENV_KEYS;

/** The Helm key of one env var, e.g. kuma.controlPlane.envVars.KUMA_STORE_CACHE_EXPIRATION_TIME. */
export function helmKey(chart: HelmChart, env: string): string {
    return [...HELM_ENV_KEYS[chart], env].join(".");
}

/** The `-f` values file for one role's control planes: each env var with its default and cost above it. */
export function helmValues(role: CpRole, chart: HelmChart): string {
    const env = profileEnv(role);
    const path = HELM_ENV_KEYS[chart];
    const lines = [
        `# DR profile for the ${role} control plane${role === "zone" ? "s" : ""} (mesh-dr, components/cp-profile.ts): faster`,
        "# cross-zone failover for a little more control-plane CPU. Add it to the release's values:",
        `#   helm upgrade <release> ${chart}/${chart} -n <namespace> --reuse-values -f <this file>`,
        ...path.map((key, depth) => `${"  ".repeat(depth)}${key}:`),
    ];
    const indent = "  ".repeat(path.length);
    for (const name of CP_SETTING_NAMES) {
        const s = CP_SETTINGS[name];
        if (!(s.env in env)) continue;
        lines.push(
            `${indent}# ${s.configPath}: Kuma's default ${s.kumaDefault}; costs: ${s.cost}`,
            `${indent}${s.env}: "${env[s.env]}"`,
        );
    }
    return lines.join("\n");
}

/** KEY=VALUE lines, one per setting of the role's control planes. */
export function envLines(role: CpRole, profile: Profile): string {
    return Object.entries(profileEnv(role, profile))
        .map(([k, v]) => `${k}=${v}`)
        .join("\n");
}

function main(argv: string[]): number {
    const [form, role, profile = "dr"] = argv;
    if (form !== "env" || !CP_ROLES.includes(role as CpRole) || !PROFILES.includes(profile as Profile)) {
        process.stderr.write(`usage: profile.ts env ${CP_ROLES.join("|")} [${PROFILES.join("|")}]\n`);
        return 2;
    }
    process.stdout.write(envLines(role as CpRole, profile as Profile) + "\n");
    return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
