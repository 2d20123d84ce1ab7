// Test support for the policy pack (not loaded by index.ts):
//  - meshDrStack(): a compliant model of what the program registers, in the engine's wire form;
//  - toPolicyResources(): turns a model into the objects policies get, through @pulumi/policy's own
//    deserializer and unknown-checking proxy (so secrets and preview unknowns behave as in the engine);
//  - evaluate(): runs policies on a model directly, the way the policy server calls them;
//  - analyzeWithPolicyServer(): runs them through @pulumi/policy's Analyze/AnalyzeStack handlers
//    with protobuf requests shaped like the engine's (pkg/resource/plugin/analyzer_plugin.go).
import type {
    Policies,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
} from "@pulumi/policy";
import * as path from "path";
// The API's path scheme is the program's own; the fixture takes it rather than restating it.
import { kumaApiPath } from "../components/kuma-api";
import { isSecretMarker } from "./secrets";

/** A property value as the engine sends it: secrets as {<sig key>: <secret sig>, value}. */
export type WireValue = any;

export interface ModelResource {
    type: string;
    name: string;
    /** false for component resources (no provider reference). */
    custom: boolean;
    props: Record<string, WireValue>;
    /** Name of a `pulumi:providers:kubernetes` resource in the model, or e.g. "default_4_25_0". */
    provider?: string;
    /** The parent, as `key()` of another model resource. */
    parent?: string;
}

export const PROJECT = "mesh-dr";
export const STACK = "test";

// @pulumi/pulumi runtime/rpc.ts: specialSigKey, specialSecretSig; unknown string sentinel (rpc unknownValue).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** What the engine sends for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A secret in the engine's wire form. */
export function secret(value: WireValue): WireValue {
    return { [SIG_KEY]: SECRET_SIG, value };
}

export function key(r: { type: string; name: string }): string {
    return `${r.type}::${r.name}`;
}

/** The one model resource of a type and name; throws otherwise, so tests fail loudly. */
export function find(model: readonly ModelResource[], type: string, name: string): ModelResource {
    const found = model.filter(r => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

// ---------------------------------------------------------------------------------------------
// The compliant baseline.

export const T = {
    provider: "pulumi:providers:kubernetes",
    namespace: "kubernetes:core/v1:Namespace",
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    namespacePatch: "kubernetes:core/v1:NamespacePatch",
    gatewayConfiguration: "kubernetes:gateway-operator.konghq.com/v2beta1:GatewayConfiguration",
    gatewayClass: "kubernetes:gateway.networking.k8s.io/v1:GatewayClass",
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    mesh: "kubernetes:kuma.io/v1alpha1:Mesh",
    meshPatch: "kubernetes:kuma.io/v1alpha1:MeshPatch",
    mmzs: "kubernetes:kuma.io/v1alpha1:MeshMultiZoneService",
    kuma: (kind: string) => `kubernetes:kuma.io/v1alpha1:${kind}`,
    kumaApiObject: "pulumi-nodejs:dynamic/mesh-dr:KumaApiObject",
    meshZone: "mesh-dr:index:MeshZone",
} as const;

export interface StackOptions {
    zones?: string[];
    port?: number;
    /** Give each provider a kubeconfig path, as a secret (as the sandbox stack does). */
    kubeconfigs?: boolean;
    /**
     * Where the global objects go: `kubernetes` (custom resources on the global cluster's provider,
     * the default) or `api` (KumaApiObjects in Kuma's resource format: Universal, Konnect).
     */
    global?: "kubernetes" | "api";
}

const MANAGED_BY = { "app.kubernetes.io/managed-by": "mesh-dr" };

/**
 * What the program registers for its defaults (components/*.ts, zones/index.ts): one explicit
 * provider per zone cluster, the global objects on the global cluster's provider (or its API), and
 * per zone the namespace, echo workload, gateway and route, all on that zone's provider.
 */
export function meshDrStack(opts: StackOptions = {}): ModelResource[] {
    const zones = opts.zones ?? ["zone1", "zone2"];
    // The global control plane's cluster of its own (Kuma forbids sharing a zone's).
    const globalCluster = "global";
    const api = opts.global === "api";
    const port = opts.port ?? 1027;
    const systemNamespace = "kong-mesh-system";
    const mesh = "default";
    const out: ModelResource[] = [];
    const add = (r: ModelResource) => {
        out.push(r);
        return key(r);
    };
    const component = (type: string, name: string, parent?: string) =>
        add({ type, name, custom: false, props: {}, parent });
    const object = (type: string, name: string, provider: string, parent: string, props: Record<string, WireValue>) =>
        add({ type, name, custom: true, provider, parent, props });
    // A global object as components/global-control-plane.ts places it: the Mesh is adopted (a
    // patch, or `adopt` on the API); every other kind belongs to the mesh.
    const onGlobal = (kind: string, resourceName: string, name: string, parent: string, spec: object) => {
        const isMesh = kind === "Mesh";
        if (api) {
            return add({
                type: T.kumaApiObject,
                name: resourceName,
                custom: true,
                parent,
                props: isMesh
                    ? { path: kumaApiPath({ kind, name }), adopt: true, body: { type: kind, name, ...spec } }
                    : {
                          path: kumaApiPath({ kind, name, mesh }),
                          adopt: false,
                          body: { type: kind, name, mesh, labels: MANAGED_BY, spec },
                      },
            });
        }
        return object(isMesh ? T.meshPatch : T.kuma(kind), resourceName, globalCluster, parent, {
            apiVersion: "kuma.io/v1alpha1",
            kind,
            metadata: isMesh
                ? { name, labels: MANAGED_BY }
                : { name, namespace: systemNamespace, labels: { "kuma.io/mesh": mesh, ...MANAGED_BY } },
            spec,
        });
    };

    for (const z of api ? zones : [...zones, globalCluster]) {
        add({
            type: T.provider,
            name: z,
            custom: true,
            props: {
                ...(opts.kubeconfigs ? { kubeconfig: secret(`.sandbox/${z}/kubeconfig`) } : { context: z }),
                clusterIdentifier: z,
                skipUpdateUnreachable: "false",
                version: "4.25.0",
            },
        });
    }

    // Global objects (zones/index.ts), on the global control plane.
    const meshSettings = component("mesh-dr:index:MeshSettings", "default-mesh");
    onGlobal("Mesh", "default-mesh", mesh, meshSettings, {
        mtls: { enabledBackend: "ca-1", backends: [{ name: "ca-1", type: "builtin" }] },
        meshServices: { mode: "Exclusive" },
    });
    const mmzs = component("mesh-dr:index:MeshMultiZoneService", "echo-mmzs");
    onGlobal("MeshMultiZoneService", "echo-mmzs", "echo", mmzs, {
        selector: { meshService: { matchLabels: { "kuma.io/display-name": "echo", "k8s.kuma.io/namespace": "kong" } } },
        ports: [{ port, name: "http", appProtocol: "http" }],
    });
    const failover = component("mesh-dr:index:FailoverPolicies", "echo-failover");
    const to = (conf: object) => ({
        targetRef: { kind: "Mesh" },
        to: [
            { targetRef: { kind: "MeshMultiZoneService", labels: { "kuma.io/display-name": "echo" } }, default: conf },
        ],
    });
    const failoverSpecs: [string, string, object][] = [
        [
            "MeshHealthCheck",
            "health-check",
            to({
                interval: "5s",
                timeout: "2s",
                unhealthyThreshold: 2,
                healthyThreshold: 1,
                http: { path: "/", expectedStatuses: [200] },
            }),
        ],
        [
            "MeshCircuitBreaker",
            "circuit-breaker",
            to({
                outlierDetection: {
                    disabled: false,
                    healthyPanicThreshold: 0,
                    interval: "5s",
                    baseEjectionTime: "30s",
                    maxEjectionPercent: 100,
                    detectors: { totalFailures: { consecutive: 5 }, gatewayFailures: { consecutive: 5 } },
                },
            }),
        ],
        [
            "MeshRetry",
            "retry",
            to({
                http: {
                    numRetries: 3,
                    perTryTimeout: "2s",
                    backOff: { baseInterval: "25ms", maxInterval: "250ms" },
                    retryOn: ["5xx", "GatewayError", "Reset", "ConnectFailure"],
                    hostSelection: [
                        { predicate: "OmitPreviousHosts" },
                        { predicate: "OmitPreviousPriorities", updateFrequency: 1 },
                    ],
                },
            }),
        ],
        ["MeshTimeout", "timeout", to({ connectionTimeout: "2s", http: { requestTimeout: "8.75s" } })],
        [
            "MeshLoadBalancingStrategy",
            "load-balancing",
            to({
                localityAwareness: { disabled: false, crossZone: { failover: [{ to: { type: "Any" } }] } },
            }),
        ],
    ];
    for (const [kind, suffix, spec] of failoverSpecs)
        onGlobal(kind, `echo-${suffix}`, `echo-${suffix}`, failover, spec);
    const permission = component("mesh-dr:index:ServiceTrafficPermission", "echo-permission");
    onGlobal("MeshTrafficPermission", "echo-gateways-only", "echo-gateways-only", permission, {
        targetRef: { kind: "Dataplane", labels: { app: "echo", "k8s.kuma.io/namespace": "kong" } },
        from: [
            { targetRef: { kind: "Mesh" }, default: { action: "Deny" } },
            {
                targetRef: { kind: "MeshSubset", tags: { "app.kubernetes.io/name": "kong-gateway" } },
                default: { action: "Allow" },
            },
        ],
    });

    // One MeshZone per zone (components/zone.ts), on the zone's own cluster.
    for (const z of zones) {
        const zone = component(T.meshZone, z);
        object(T.namespace, `${z}-kong`, z, zone, {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: "kong", labels: { "kuma.io/sidecar-injection": "enabled", ...MANAGED_BY } },
        });
        const echoMeta = { name: "echo", namespace: "kong", labels: { app: "echo", ...MANAGED_BY } };
        const workload = component("mesh-dr:index:ServiceWorkload", `${z}-echo`, zone);
        object(T.deployment, `${z}-echo`, z, workload, {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: echoMeta,
            spec: {
                replicas: 2,
                selector: { matchLabels: { app: "echo" } },
                template: {
                    metadata: { labels: { app: "echo" } },
                    spec: {
                        automountServiceAccountToken: false,
                        containers: [
                            {
                                name: "echo",
                                image: "kong/go-echo:0.3.0",
                                ports: [
                                    { name: "tcp", containerPort: 1025, protocol: "TCP" },
                                    { name: "udp", containerPort: 1026, protocol: "UDP" },
                                    { name: "http", containerPort: 1027, protocol: "TCP" },
                                    { name: "tls", containerPort: 1030, protocol: "TCP" },
                                ],
                                readinessProbe: {
                                    httpGet: { path: "/", port: "http" },
                                    periodSeconds: 5,
                                    failureThreshold: 2,
                                },
                            },
                        ],
                    },
                },
            },
        });
        object(T.service, `${z}-echo`, z, workload, {
            apiVersion: "v1",
            kind: "Service",
            metadata: echoMeta,
            spec: {
                selector: { app: "echo" },
                ports: [
                    { name: "tcp", port: 1025, targetPort: 1025, protocol: "TCP" },
                    { name: "udp", port: 1026, targetPort: 1026, protocol: "UDP" },
                    { name: "http", port, targetPort: "http", protocol: "TCP", appProtocol: "http" },
                    { name: "tls", port: 1030, targetPort: 1030, protocol: "TCP" },
                ],
            },
        });
        object(T.pdb, `${z}-echo`, z, workload, {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: echoMeta,
            spec: { maxUnavailable: 1, selector: { matchLabels: { app: "echo" } } },
        });
        const gateway = component("mesh-dr:index:KongGateway", `${z}-gateway`, zone);
        object(T.gatewayConfiguration, `${z}-kong`, z, gateway, {
            apiVersion: "gateway-operator.konghq.com/v2beta1",
            kind: "GatewayConfiguration",
            metadata: { name: "kong", namespace: "kong", labels: MANAGED_BY },
            spec: { dataPlaneOptions: { network: { services: { ingress: { type: "LoadBalancer" } } } } },
        });
        object(T.gatewayClass, `${z}-kong`, z, gateway, {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "GatewayClass",
            metadata: { name: "kong", labels: MANAGED_BY },
            spec: {
                controllerName: "konghq.com/gateway-operator",
                parametersRef: {
                    group: "gateway-operator.konghq.com",
                    kind: "GatewayConfiguration",
                    name: "kong",
                    namespace: "kong",
                },
            },
        });
        object(T.gateway, `${z}-kong`, z, gateway, {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { name: "kong", namespace: "kong", labels: MANAGED_BY },
            spec: { gatewayClassName: "kong", listeners: [{ name: "http", protocol: "HTTP", port: 80 }] },
        });
        const route = component("mesh-dr:index:ServiceRoute", `${z}-echo-route`, zone);
        object(T.service, `${z}-echo-mmzs-service`, z, route, {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "echo-mmzs-service", namespace: "kong", labels: MANAGED_BY },
            spec: {
                type: "ExternalName",
                externalName: "echo.mzsvc.mesh.local",
                ports: [{ name: "http", port, targetPort: port }],
            },
        });
        object(T.httpRoute, `${z}-echo`, z, route, {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { name: "echo", namespace: "kong", labels: MANAGED_BY },
            spec: {
                parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "kong" }],
                rules: [
                    {
                        matches: [{ path: { type: "PathPrefix", value: "/echo" } }],
                        backendRefs: [{ name: "echo-mmzs-service", port }],
                    },
                ],
            },
        });
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// From the model to what policies see.

interface StructLike {
    toJavaScript(): Record<string, unknown>;
}
interface PolicyInternals {
    Struct: { fromJavaScript(value: Record<string, unknown>): StructLike };
    deserializeProperties(struct: StructLike, proxySecrets: boolean): Record<string, any>;
    unknownCheckingProxy<T>(props: T): T;
    UnknownValueError: new (...args: never[]) => Error;
}

/** Modules as @pulumi/policy itself loads them, so the same instances (and our secret hook) are used. */
function besidePolicy<M>(id: string): M {
    const policyDir = path.dirname(require.resolve("@pulumi/policy/package.json"));
    return require(require.resolve(id, { paths: [policyDir] })) as M;
}

function internals(): PolicyInternals {
    const { Struct } = besidePolicy<Pick<PolicyInternals, "Struct">>("google-protobuf/google/protobuf/struct_pb");
    const { deserializeProperties } = require("@pulumi/policy/deserialize") as Pick<
        PolicyInternals,
        "deserializeProperties"
    >;
    const { unknownCheckingProxy, UnknownValueError } = require("@pulumi/policy/proxy") as Pick<
        PolicyInternals,
        "unknownCheckingProxy" | "UnknownValueError"
    >;
    return { Struct, deserializeProperties, unknownCheckingProxy, UnknownValueError };
}

/** Drops undefined values, which protobuf Structs cannot hold (the engine drops them too). */
function plain(v: WireValue): WireValue {
    if (Array.isArray(v)) return v.map(e => (e === undefined ? null : plain(e)));
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(
            Object.entries(v)
                .filter(([, e]) => e !== undefined)
                .map(([k, e]) => [k, plain(e)]),
        );
    }
    return v;
}

/** Props exactly as @pulumi/policy hands them to validateResource/validateStack. */
export function policyProps(props: Record<string, WireValue>): Record<string, any> {
    const { Struct, deserializeProperties, unknownCheckingProxy } = internals();
    return unknownCheckingProxy(deserializeProperties(Struct.fromJavaScript(plain(props)), false));
}

/** The resource's URN: its ancestors' types joined by `$`, as the engine builds it. */
export function urnOf(model: readonly ModelResource[], r: ModelResource): string {
    const types: string[] = [];
    for (let p: ModelResource | undefined = r; p; p = p.parent ? model.find(m => key(m) === p!.parent) : undefined) {
        types.unshift(p.type);
    }
    return `urn:pulumi:${STACK}::${PROJECT}::${types.join("$")}::${r.name}`;
}

function providerOf(model: readonly ModelResource[], r: ModelResource): PolicyProviderResource | undefined {
    if (!r.provider) return undefined;
    const p = model.find(m => m.type === T.provider && m.name === r.provider) ?? {
        type: T.provider,
        name: r.provider,
        custom: true,
        props: {},
    };
    return { type: p.type, name: p.name, urn: urnOf(model, p), props: policyProps(p.props) };
}

const OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

/** The model as validateStack's `args.resources`: parents linked, providers attached. */
export function toPolicyResources(model: readonly ModelResource[]): PolicyResource[] {
    const resources = model.map((r): PolicyResource => ({
        type: r.type,
        name: r.name,
        urn: urnOf(model, r),
        props: policyProps(r.props),
        provider: providerOf(model, r),
        opts: { ...OPTIONS },
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    }));
    model.forEach((r, i) => {
        const parent = r.parent ? model.findIndex(m => key(m) === r.parent) : -1;
        if (parent >= 0) {
            resources[i].parent = resources[parent];
            resources[i].opts.parent = resources[parent].urn;
        }
    });
    return resources;
}

// ---------------------------------------------------------------------------------------------
// Running policies.

export interface Violation {
    policy: string;
    message: string;
    /** The resource the violation is reported on; undefined for the stack as a whole. */
    urn?: string;
    level: "mandatory" | "advisory" | "other";
}

class NotApplicable extends Error {}

function resourceArgs(r: PolicyResource): ResourceValidationArgs {
    return {
        type: r.type,
        props: r.props,
        urn: r.urn,
        name: r.name,
        opts: r.opts,
        provider: r.provider,
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
}

/**
 * Runs every resource policy on each resource, then every stack policy on the whole stack, as the
 * policy server does (an unknown value during preview makes that policy advisory, as it does there).
 */
export function evaluate(policies: Policies, model: readonly ModelResource[]): Violation[] {
    const { UnknownValueError } = internals();
    const resources = toPolicyResources(model);
    const out: Violation[] = [];
    const run = (policy: string, urn: string | undefined, fn: (report: ReportViolation) => void) => {
        try {
            fn((message, reported) => out.push({ policy, message, urn: reported ?? urn, level: "mandatory" }));
        } catch (e) {
            if (e instanceof UnknownValueError)
                out.push({ policy, message: `can't run during preview: ${e.message}`, level: "advisory" });
            else if (!(e instanceof NotApplicable)) throw e;
        }
    };
    for (const p of policies) {
        if ("validateResource" in p && p.validateResource) {
            const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            for (const r of resources) {
                for (const v of validations)
                    run(p.name, r.urn, report => {
                        void v(resourceArgs(r), report);
                    });
            }
        }
    }
    for (const p of policies) {
        if ("validateStack" in p) {
            const args: StackValidationArgs = {
                resources,
                stackTags: new Map(),
                getConfig: <T extends object>() => ({}) as T,
                notApplicable: (reason?: string): never => {
                    throw new NotApplicable(reason);
                },
            };
            run(p.name, undefined, report => {
                void p.validateStack(args, report);
            });
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Through @pulumi/policy's own gRPC handlers (what `pulumi preview --policy-pack` talks to).

interface PbMessage {
    [setter: string]: any;
}
type Rpc = (call: { request: PbMessage }, callback: (err: unknown, resp?: PbMessage) => void) => Promise<void>;
interface PolicyServer {
    makeAnalyzeRpcFun(pack: string, version: string, level: string, policies: Policies): Rpc;
    makeAnalyzeStackRpcFun(pack: string, version: string, level: string, policies: Policies): Rpc;
}
interface AnalyzerProto {
    [message: string]: new () => PbMessage;
}

function callRpc(rpc: Rpc, request: PbMessage): Promise<PbMessage> {
    return new Promise((resolve, reject) => {
        void rpc({ request }, (err, resp) => (err ? reject(err) : resolve(resp!)));
    });
}

/**
 * Sends the model to @pulumi/policy's Analyze handler (one request per resource, with its inputs
 * and provider) and AnalyzeStack handler (all resources, with parents), as the engine does during
 * a preview, and returns the diagnostics.
 */
export async function analyzeWithPolicyServer(
    packName: string,
    level: string,
    policies: Policies,
    model: readonly ModelResource[],
): Promise<Violation[]> {
    const server = require("@pulumi/policy/server") as PolicyServer;
    const pb = besidePolicy<AnalyzerProto>("@pulumi/pulumi/proto/analyzer_pb");
    const { Struct } = internals();
    const levels: Record<number, Violation["level"]> = { 0: "advisory", 1: "mandatory" };
    const options = (parent?: string) => {
        const o = new pb.AnalyzerResourceOptions();
        o.setProtect(false);
        if (parent) o.setParent(parent);
        return o;
    };
    const provider = (r: ModelResource) => {
        if (!r.provider) return undefined;
        const p = model.find(m => m.type === T.provider && m.name === r.provider) ?? {
            type: T.provider,
            name: r.provider,
            custom: true,
            props: {},
        };
        const msg = new pb.AnalyzerProviderResource();
        msg.setType(p.type);
        msg.setName(p.name);
        msg.setUrn(urnOf(model, p));
        msg.setProperties(Struct.fromJavaScript(plain(p.props)));
        return msg;
    };
    const parentUrn = (r: ModelResource) => {
        const p = r.parent ? model.find(m => key(m) === r.parent) : undefined;
        return p ? urnOf(model, p) : undefined;
    };
    const diagnostics = (resp: PbMessage, urn?: string): Violation[] =>
        (resp.getDiagnosticsList() as PbMessage[]).map(d => ({
            policy: d.getPolicyname(),
            message: d.getMessage(),
            urn: d.getUrn() || urn,
            level: levels[d.getEnforcementlevel()] ?? "other",
        }));

    // The fields an AnalyzeRequest and a stack's AnalyzerResource share.
    const describeResource = (msg: PbMessage, r: ModelResource): PbMessage => {
        msg.setType(r.type);
        msg.setName(r.name);
        msg.setUrn(urnOf(model, r));
        msg.setProperties(Struct.fromJavaScript(plain(r.props)));
        msg.setOptions(options(parentUrn(r)));
        const p = provider(r);
        if (p) msg.setProvider(p);
        return msg;
    };

    const out: Violation[] = [];
    const analyze = server.makeAnalyzeRpcFun(packName, "0.1.0", level, policies);
    for (const r of model) {
        out.push(...diagnostics(await callRpc(analyze, describeResource(new pb.AnalyzeRequest(), r)), urnOf(model, r)));
    }
    const stackReq = new pb.AnalyzeStackRequest();
    stackReq.setResourcesList(
        model.map(r => {
            const res = describeResource(new pb.AnalyzerResource(), r);
            const parent = parentUrn(r);
            if (parent) res.setParent(parent);
            return res;
        }),
    );
    out.push(
        ...diagnostics(await callRpc(server.makeAnalyzeStackRpcFun(packName, "0.1.0", level, policies), stackReq)),
    );
    return out;
}

/** True when a wire value is a secret (for assertions on models). */
export const isSecret = isSecretMarker;
