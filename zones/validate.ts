// Small, dependency-free readers for untyped stack config. Each reader records a problem
// (key, bad value, fix) instead of throwing, so one run reports every mistake at once.

export interface Problem {
    key: string;
    value: unknown;
    message: string;
    fix: string;
    /** The value lies under a secret config key: it is never printed. */
    secret?: boolean;
}

/** What a problem shows for a value under a secret config key: a misspelled key may hold a kubeconfig. */
export const SECRET_SHOWN = "[secret]";

export function formatProblem(p: Problem): string {
    const shown = p.secret ? SECRET_SHOWN : p.value === undefined ? "(missing)" : JSON.stringify(p.value);
    return `${p.key}: ${shown} ${p.message}. Fix: ${p.fix}`;
}

type Plain = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Plain {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A pattern a string setting must match, and how a problem describes a value that does not. */
export interface Pattern {
    re: RegExp;
    what: string;
}

/** DNS-1123 label: what Kubernetes accepts for namespace names and label values, 63 characters at most. */
export const DNS_LABEL: Pattern = {
    re: /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    what: "is not a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)",
};
/** DNS-1123 subdomain: what Kubernetes accepts for object names such as a GatewayClass, 253 characters at most. */
export const DNS_SUBDOMAIN: Pattern = {
    re: /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    what: "is not a DNS-1123 name (lower-case letters, digits, '-' and '.')",
};
/**
 * A container image reference: optional registry host[:port], lower-case path, and a tag
 * and/or digest. Upper case, spaces and empty parts are what users get wrong.
 */
export const IMAGE_REF: Pattern = {
    re: /^([a-z0-9.-]+(:[0-9]+)?\/)?[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
    what: "is not an image reference",
};
export const DURATION: Pattern = { re: /^\d+(ms|s|m|h)$/, what: "is not a duration" };
/** Kuma reads durations into Go's time.Duration, which holds 2^63-1 ns (about 292 years) at most. */
export const MAX_DURATION_MS = 9_223_372_036_854;
const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export class Reader {
    readonly problems: Problem[] = [];

    /** `isSecret(key)`: whether the value at a key came from a secret config key. */
    constructor(private readonly isSecret: (key: string) => boolean = () => false) {}

    problem(key: string, value: unknown, message: string, fix: string): void {
        this.problems.push({ key, value, message, fix, secret: value !== undefined && this.isSecret(key) });
    }

    /** True when one of these keys already has a problem: checks across keys then skip it. */
    failed(...keys: string[]): boolean {
        return this.problems.some(p => keys.includes(p.key));
    }

    /** An optional object whose keys must all be known; returns {} when absent. */
    object(key: string, value: unknown, known: readonly string[]): Plain {
        if (value === undefined || value === null) return {};
        if (!isPlainObject(value)) {
            this.problem(key, value, "is not an object", `set ${key} to a map with keys ${known.join(", ")}`);
            return {};
        }
        for (const k of Object.keys(value)) {
            if (!known.includes(k)) {
                this.problem(
                    `${key}.${k}`,
                    value[k],
                    "is not a known setting",
                    `remove it, or use one of ${known.join(", ")} (see docs/configuration.md)`,
                );
            }
        }
        return value;
    }

    string(key: string, value: unknown, dflt: string, pattern?: Pattern, fix?: string): string;
    string(key: string, value: unknown, dflt: undefined, pattern?: Pattern, fix?: string): string | undefined;
    string(key: string, value: unknown, dflt: string | undefined, pattern?: Pattern, fix?: string): string | undefined {
        if (value === undefined || value === null) return dflt;
        if (typeof value !== "string" || value === "") {
            this.problem(key, value, "is not a non-empty string", fix ?? `set ${key} to a string`);
            return dflt;
        }
        if (pattern && !pattern.re.test(value)) {
            this.problem(key, value, pattern.what, fix ?? `correct ${key}`);
            return dflt;
        }
        return value;
    }

    integer(key: string, value: unknown, dflt: number, min: number, max: number): number {
        if (value === undefined || value === null) return dflt;
        const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n)) {
            this.problem(key, value, "is not a whole number", `set ${key} to a whole number from ${min} to ${max}`);
            return dflt;
        }
        if (n < min || n > max) {
            this.problem(
                key,
                value,
                `is out of range (${min} to ${max})`,
                `set ${key} to a whole number from ${min} to ${max}`,
            );
            return dflt;
        }
        return n;
    }

    /** A number above `min` (exclusive) and at most `max`, decimals allowed. */
    number(key: string, value: unknown, dflt: number, min: number, max: number): number {
        if (value === undefined || value === null) return dflt;
        const n = typeof value === "string" && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
        const fix = `set ${key} to a number above ${min} and at most ${max}`;
        if (typeof n !== "number" || !Number.isFinite(n)) this.problem(key, value, "is not a number", fix);
        else if (n <= min || n > max) this.problem(key, value, `is out of range (above ${min}, at most ${max})`, fix);
        else return n;
        return dflt;
    }

    boolean(key: string, value: unknown, dflt: boolean): boolean {
        if (value === undefined || value === null) return dflt;
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        this.problem(key, value, "is not a boolean", `set ${key} to true or false`);
        return dflt;
    }

    oneOf<T extends string>(key: string, value: unknown, options: readonly T[], dflt: T): T {
        if (value === undefined || value === null) return dflt;
        if (typeof value === "string" && (options as readonly string[]).includes(value)) return value as T;
        this.problem(key, value, `is not one of ${options.join(", ")}`, `set ${key} to one of ${options.join(", ")}`);
        return dflt;
    }

    /** A duration such as "5s", "250ms" or "1m": what Kuma policies accept. */
    duration(key: string, value: unknown, dflt: string): string {
        const fix = `set ${key} to a duration such as "5s", "250ms" or "1m"`;
        const d = this.string(key, value, dflt, DURATION, fix);
        if (d !== value) return d; // the default, or a problem already recorded
        const [, n, unit] = /^(\d+)(\D+)$/.exec(d)!;
        const ms = Number(n) * DURATION_UNIT_MS[unit];
        // Zero is refused by Kuma's admission (health-check and outlier intervals and timeouts, the
        // connect timeout) or by Envoy (a back-off), or turns a timeout off (per try, per request).
        if (ms === 0) this.problem(key, value, "is zero; Kuma needs a positive duration", fix);
        else if (ms > MAX_DURATION_MS) this.problem(key, value, "is longer than Kuma accepts (about 292 years)", fix);
        else return d;
        return dflt;
    }

    list(key: string, value: unknown): unknown[] {
        if (value === undefined || value === null) return [];
        if (!Array.isArray(value)) {
            this.problem(key, value, "is not a list", `set ${key} to a YAML list`);
            return [];
        }
        return value;
    }
}
