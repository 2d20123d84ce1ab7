// Which properties of a resource reached the policy pack as secrets.
//
// @pulumi/policy 1.x strips secrets before validateResource/validateStack see a resource: the engine
// sends a secret as {<sig key>: <secret sig>, value} (analyzer_plugin.go marshals with KeepSecrets),
// but the library's deserializer (deserialize.js, deserializeProperties(struct, proxySecrets=false))
// replaces it with the bare value. A secret kubeconfig and a plain one then look the same; only
// remediations get `Secret` wrappers.
//
// So that the kubeconfig rule can still tell them apart, we wrap that deserializer once, in the pack
// process: it returns exactly what it returned before, and we remember which top-level property
// names arrived as secrets, keyed by the returned object. Policies see that object behind the
// library's unknown-checking proxy, which hands out its target under `__getSpecialProxyTarget`.
// A self-test runs right after wrapping; if the library's internals ever change, the kubeconfig
// rule reports that it cannot verify secrecy instead of silently passing.
import * as path from "path";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/** The protobuf Struct the engine's properties arrive in (google-protobuf's Struct). */
interface StructLike {
    toJavaScript(): Record<string, unknown>;
}

type Deserialize = ((struct: StructLike, proxySecrets: boolean) => object) & { [WRAPPED]?: true };

interface DeserializeModule {
    deserializeProperties: Deserialize;
}

interface StructModule {
    Struct: { fromJavaScript(value: Record<string, unknown>): StructLike };
}

const WRAPPED = Symbol.for("mesh-dr-policy.secret-tracking");
/** @pulumi/policy proxy.js: `getSpecialProxyTarget`, the property its proxies answer with their target. */
const PROXY_TARGET = "__getSpecialProxyTarget";

const secretKeysOf = new WeakMap<object, ReadonlySet<string>>();
let tracking: { ok: true } | { ok: false; reason: string } | undefined;

/** A value in the engine's wire form for a secret: `{<sig key>: <secret sig>, value}`. */
export function isSecretMarker(value: unknown): boolean {
    return (
        typeof value === "object" &&
        value !== null &&
        (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
    );
}

/** Resolves a module the way @pulumi/policy itself does, so we share its instances. */
function requireBesidePolicy<T>(id: string): T {
    const policyDir = path.dirname(require.resolve("@pulumi/policy/package.json"));
    return require(require.resolve(id, { paths: [policyDir] })) as T;
}

/**
 * Wraps @pulumi/policy's deserializer (idempotent) and checks that the wrapper sees secrets.
 * Returns whether secret tracking works; `secretTrackingStatus()` says why not.
 */
export function installSecretTracking(): boolean {
    if (tracking) return tracking.ok;
    try {
        const mod = require("@pulumi/policy/deserialize") as DeserializeModule;
        const original = mod.deserializeProperties;
        if (typeof original !== "function")
            throw new Error("@pulumi/policy/deserialize no longer exports deserializeProperties");
        if (!original[WRAPPED]) {
            const wrapped: Deserialize = (struct, proxySecrets) => {
                const props = original(struct, proxySecrets);
                const raw = struct.toJavaScript();
                secretKeysOf.set(props, new Set(Object.keys(raw).filter(k => isSecretMarker(raw[k]))));
                return props;
            };
            wrapped[WRAPPED] = true;
            mod.deserializeProperties = wrapped;
        }
        // Self-test through the library's own entry point, the way server.js calls it.
        const { Struct } = requireBesidePolicy<StructModule>("google-protobuf/google/protobuf/struct_pb");
        const probe = mod.deserializeProperties(
            Struct.fromJavaScript({
                hidden: { [specialSigKey]: specialSecretSig, value: "x" },
                shown: "y",
            }),
            false,
        ) as Record<string, unknown>;
        const keys = secretKeysOf.get(probe);
        if (probe.hidden !== "x" || !keys?.has("hidden") || keys.has("shown")) {
            throw new Error("@pulumi/policy's deserializer no longer behaves as this pack expects");
        }
        tracking = { ok: true };
    } catch (e) {
        tracking = { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
    return tracking.ok;
}

/** Why secret tracking is off, or undefined when it works. */
export function secretTrackingProblem(): string | undefined {
    installSecretTracking();
    return tracking && !tracking.ok ? tracking.reason : undefined;
}

/** The objects behind @pulumi/policy's proxies, outermost first (the props object itself included). */
function targetsOf(props: object): object[] {
    const chain: object[] = [props];
    let current: unknown = props;
    for (let i = 0; i < 4; i++) {
        const next: unknown = (current as Record<string, unknown>)[PROXY_TARGET];
        if (typeof next !== "object" || next === null || next === current) break;
        chain.push(next);
        current = next;
    }
    return chain;
}

/** The raw (unproxied) props object, for reading a key without tripping the unknown-value check. */
export function rawProps(props: object): Record<string, unknown> {
    const chain = targetsOf(props);
    return chain[chain.length - 1] as Record<string, unknown>;
}

/** An instance of @pulumi/policy's `Secret` (what remediations see). */
function isPolicySecret(value: unknown): boolean {
    if (typeof value !== "object" || value === null) return false;
    try {
        const { Secret } = require("@pulumi/policy") as { Secret: new (v: unknown) => object };
        return value instanceof Secret;
    } catch {
        return false;
    }
}

export type Secrecy = "secret" | "plain" | "untracked";

/**
 * Whether `props[key]` arrived as a secret. "untracked" means these props did not come through
 * @pulumi/policy's deserializer (or tracking is off), so nothing can be said.
 */
export function secrecyOf(props: object, key: string): Secrecy {
    installSecretTracking();
    const raw = rawProps(props);
    const value = raw[key];
    // Wire form (props built by hand) or a remediation's Secret wrapper: secret on its face.
    if (isSecretMarker(value) || isPolicySecret(value)) return "secret";
    for (const target of targetsOf(props)) {
        const keys = secretKeysOf.get(target);
        if (keys) return keys.has(key) ? "secret" : "plain";
    }
    return "untracked";
}

installSecretTracking();
