// The command line of the DR tool, parsed into typed options; every mistake is a DrError naming
// the flag, the value and the fix.
import type { CpRole } from "../components/cp-profile";
import { DrError } from "./errors";
import { FaultKind, parseFault } from "./faults";
import { CP_ROLES, HELM_ENV_KEYS, HelmChart } from "./profile";
import { DEFAULT_CP_SERVICE } from "./stack";

export const USAGE = `usage: npm run dr -- <command> --stack NAME [options]

commands:
  status                 readiness per zone and service, from the live systems; exit 1 when not ready
  drill --zone Z --fault echo|service|gateway|zone [--service NAME]
                         break one thing in zone Z, record the gateways' configs, restore, report
  repair                 put back a fault a killed drill left behind
  profile --helm global|zone [--chart kong-mesh|kuma]
                         the DR control-plane profile as Helm values (no --stack)
  profile --env global|zone
                         the same as KEY=VALUE lines, for a kuma-cp started by hand

options:
  --stack NAME           the Pulumi stack (its config and outputs say where everything is)
  --dir DIR              the project's directory (default: this repository)
  --json                 machine-readable output
  --no-preview           status: skip the refresh-preview for pending changes
  --service NAME         drill: the service to fault and to read on the gateways (default: the first of the stack's services)
  --ready-wait SECONDS   drill: longest wait for every gateway to be ready before the fault (default 120)
  --repeat N             drill: N drills in a row; prints median and max (default 1)
  --hold SECONDS         drill: longest the fault stays in if a gateway keeps the zone (default 2 × the model's cross-zone worst case)
  --recover-timeout S    drill: longest wait for every gateway to be back (default 180)
  --interval MS          drill: how often each gateway config is read (default 250)
  --probe URL...         drill: also send requests through these gateway URLs (bounded)
  --probe-interval MS    time between one URL's requests (default 200)
  --probe-max N          most requests per URL and drill (default 3000)
  --out DIR              drill: where the report goes (default dr-reports/<stack>/<time>-<zone>-<service>-<fault>)
  --yes                  drill: required on clusters that are not the local sandbox, and for the echo and
                         service faults on a service mesh-dr does not deploy
  --cp NAME=URL          a control plane's API (NAME: a zone or global); default: the sandbox's
                         loopback port, else the API server's service proxy to --cp-service
  --cp-service NAME      the control plane's Service in the system namespace (default ${DEFAULT_CP_SERVICE})`;

export const COMMANDS = ["status", "drill", "repair", "profile"] as const;
export type Command = (typeof COMMANDS)[number];

export interface Options {
    command: Command;
    stack: string;
    dir?: string;
    json: boolean;
    preview: boolean;
    zone?: string;
    fault?: FaultKind;
    service?: string;
    readyWaitSeconds: number;
    repeat: number;
    holdSeconds?: number;
    recoverTimeoutSeconds: number;
    intervalMs: number;
    probes: string[];
    probeIntervalMs: number;
    probeMax: number;
    out?: string;
    yes: boolean;
    cp: Record<string, string>;
    cpService: string;
    /** profile: the form and the control planes it is for. */
    profile?: { form: "helm" | "env"; role: CpRole; chart: HelmChart };
}

function positive(flag: string, value: string | undefined, fix: string): number {
    const n = Number(value);
    if (value === undefined || !/^\d+(\.\d+)?$/.test(value) || n <= 0)
        throw DrError.bad(flag, value ?? "", "is not a positive number", fix);
    return n;
}

export function parseArgs(argv: string[]): Options {
    const [command, ...rest] = argv;
    if (!COMMANDS.includes(command as Command)) {
        throw DrError.bad(
            "command",
            command ?? "",
            "is not a command",
            `use one of: ${COMMANDS.join(", ")} (npm run dr -- --help)`,
        );
    }
    const o: Options = {
        command: command as Command,
        stack: "",
        json: false,
        preview: true,
        repeat: 1,
        readyWaitSeconds: 120,
        recoverTimeoutSeconds: 180,
        intervalMs: 250,
        probes: [],
        probeIntervalMs: 200,
        probeMax: 3000,
        yes: false,
        cp: {},
        cpService: DEFAULT_CP_SERVICE,
    };
    let fault: string | undefined;
    let chart: string | undefined;
    for (let i = 0; i < rest.length; i++) {
        const flag = rest[i];
        const value = () => {
            const v = rest[++i];
            if (v === undefined || v.startsWith("--"))
                throw DrError.bad(flag, v ?? "", "needs a value", `write ${flag} <value>`);
            return v;
        };
        switch (flag) {
            case "--stack":
                o.stack = value();
                break;
            case "--dir":
                o.dir = value();
                break;
            case "--json":
                o.json = true;
                break;
            case "--no-preview":
                o.preview = false;
                break;
            case "--zone":
                o.zone = value();
                break;
            case "--fault":
                fault = value();
                break;
            case "--service":
                o.service = value();
                break;
            case "--ready-wait":
                o.readyWaitSeconds = positive(flag, value(), "give seconds, e.g. --ready-wait 120");
                break;
            case "--repeat":
                o.repeat = positive(flag, value(), "give a whole number of drills, e.g. --repeat 5");
                break;
            case "--hold":
                o.holdSeconds = positive(flag, value(), "give seconds, e.g. --hold 30");
                break;
            case "--recover-timeout":
                o.recoverTimeoutSeconds = positive(flag, value(), "give seconds, e.g. --recover-timeout 180");
                break;
            case "--interval":
                o.intervalMs = positive(flag, value(), "give milliseconds, e.g. --interval 250");
                break;
            case "--probe-interval":
                o.probeIntervalMs = positive(flag, value(), "give milliseconds, e.g. --probe-interval 200");
                break;
            case "--probe-max":
                o.probeMax = positive(flag, value(), "give a number of requests, e.g. --probe-max 3000");
                break;
            case "--out":
                o.out = value();
                break;
            case "--yes":
                o.yes = true;
                break;
            case "--cp-service":
                o.cpService = value();
                break;
            case "--helm":
            case "--env": {
                const role = value();
                if (!CP_ROLES.includes(role as CpRole))
                    throw DrError.bad(
                        flag,
                        role,
                        "is not a control-plane role",
                        `write ${flag} global or ${flag} zone`,
                    );
                if (o.profile)
                    throw DrError.bad(flag, role, `comes after --${o.profile.form}`, "give one of --helm, --env");
                o.profile = { form: flag === "--helm" ? "helm" : "env", role: role as CpRole, chart: "kong-mesh" };
                break;
            }
            case "--chart":
                chart = value();
                break;
            case "--cp": {
                const v = value();
                const m = /^([a-z0-9-]+)=(https?:\/\/.+)$/.exec(v);
                if (!m)
                    throw DrError.bad(
                        flag,
                        v,
                        "is not NAME=URL",
                        "write --cp zone1=http://127.0.0.1:5681 (NAME: a zone, or global)",
                    );
                o.cp[m[1]] = m[2];
                break;
            }
            case "--probe":
                while (rest[i + 1] !== undefined && !rest[i + 1].startsWith("--")) {
                    const url = rest[++i];
                    if (!/^https?:\/\//.test(url))
                        throw DrError.bad(
                            flag,
                            url,
                            "is not an http(s) URL",
                            "give the gateway's URL, e.g. --probe https://zone1.example.com/echo",
                        );
                    o.probes.push(url);
                }
                if (!o.probes.length)
                    throw DrError.bad(flag, "", "needs at least one URL", "write --probe URL [URL...]");
                break;
            default:
                throw DrError.bad("option", flag, "is not an option", "see npm run dr -- --help");
        }
    }
    if (!Number.isInteger(o.repeat))
        throw DrError.bad("--repeat", o.repeat, "is not a whole number", "e.g. --repeat 5");
    if (o.command === "profile") return profileOptions(o, chart);
    if (o.profile || chart !== undefined) {
        throw DrError.bad(
            chart !== undefined ? "--chart" : `--${o.profile!.form}`,
            chart ?? o.profile!.role,
            `does not apply to ${o.command}`,
            "drop it, or use the profile command",
        );
    }
    if (!o.stack) throw DrError.bad("--stack", "", "is missing", "name the stack, e.g. --stack sandbox");
    if (o.command === "drill") {
        if (!o.zone) throw DrError.bad("--zone", "", "is missing", "name the zone to break, e.g. --zone zone1");
        o.fault = parseFault(fault);
    } else {
        const [flag, v] =
            (
                [
                    ["--fault", fault],
                    ["--zone", o.zone],
                    ["--service", o.service],
                ] as const
            ).find(([, x]) => x !== undefined) ?? [];
        if (flag) throw DrError.bad(flag, v, `does not apply to ${o.command}`, "drop it, or use the drill command");
    }
    return o;
}

/** The profile command needs no stack: it prints what the project's table holds. */
function profileOptions(o: Options, chart: string | undefined): Options {
    if (!o.profile)
        throw DrError.bad("--helm", "", "is missing", "write profile --helm global|zone, or profile --env global|zone");
    if (chart !== undefined) {
        if (!(chart in HELM_ENV_KEYS))
            throw DrError.bad(
                "--chart",
                chart,
                "is not a chart",
                `use one of: ${Object.keys(HELM_ENV_KEYS).join(", ")}`,
            );
        if (o.profile.form !== "helm")
            throw DrError.bad("--chart", chart, "applies to --helm only", "drop it, or use --helm");
        o.profile.chart = chart as HelmChart;
    }
    return o;
}
