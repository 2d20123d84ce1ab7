// The mesh-dr policies: disaster-recovery invariants of the Kong Mesh multi-zone objects the
// program registers (components/*.ts). Kept apart from index.ts so they can be tested without
// starting the policy server.
//
// Resource policies (validateResource) run on each resource's inputs before it is created or
// updated, so a violation blocks that step; stack policies (validateStack) see every resource of
// the stack, with its provider, after the program has registered everything.
import type {
    EnforcementLevel,
    PolicyProviderResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { rawProps, secrecyOf, secretTrackingProblem } from "./secrets";

// ---------------------------------------------------------------------------------------------
// What the program registers (components/names.ts, components/failover.ts). The unit test checks
// these against the program's own constants, so a rename there fails the test instead of the pack.

/** Kubernetes object names the program fixes or derives from a service's name. */
export const K8S = {
    /** Each zone's namespace, joined to the mesh, where the gateway and every service's route live. */
    zoneNamespace: "kong",
    /** The walkthrough's service, which a stack without mesh-dr:services runs. */
    echo: "echo",
} as const;

/**
 * The ExternalName Service (the bridge) a service's route uses to reach its MMZS. A service's
 * MeshMultiZoneService, HTTPRoute and zone Services carry the service's own name.
 */
export function bridgeName(service: string): string {
    return `${service}-mmzs-service`;
}

export const DISPLAY_NAME_LABEL = "kuma.io/display-name";
/** With the display name, the MMZS selector picks the service's namespace. */
export const NAMESPACE_LABEL = "k8s.kuma.io/namespace";
export const MESH_LABEL = "kuma.io/mesh";
/** What marks the objects the program manages, its Deployments among them. */
export const MANAGED_BY = { key: "app.kubernetes.io/managed-by", value: "mesh-dr" } as const;
export const MIN_ZONES = 2;
export const MIN_REPLICAS = 2;

/** The hostname Kuma's default HostnameGenerator gives a MeshMultiZoneService. */
export function multiZoneServiceHostname(name: string): string {
    return `${name}.mzsvc.mesh.local`;
}

/** Kuma policies that make cross-zone failover happen, with what each contributes. */
export const FAILOVER_POLICIES = {
    MeshHealthCheck: {
        suffix: "health-check",
        role: "active health checks find dead local endpoints while every endpoint is local",
    },
    MeshCircuitBreaker: {
        suffix: "circuit-breaker",
        role: "outlier detection ejects failing endpoints (of any zone) before the control plane removes them, with panic mode off",
    },
    MeshRetry: { suffix: "retry", role: "requests caught by a failure are retried on another zone" },
    MeshTimeout: { suffix: "timeout", role: "hung requests are cut off instead of waiting on a dead zone" },
    MeshLoadBalancingStrategy: {
        suffix: "load-balancing",
        role: "cross-zone failover is what sends traffic to the other zones",
    },
} as const;
export type FailoverKind = keyof typeof FAILOVER_POLICIES;

export const TYPES = {
    k8sProvider: "pulumi:providers:kubernetes",
    namespace: "kubernetes:core/v1:Namespace",
    service: "kubernetes:core/v1:Service",
    deployment: "kubernetes:apps/v1:Deployment",
    httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    /** A global object on an API global control plane (components/kuma-api.ts). */
    kumaApiObject: "pulumi-nodejs:dynamic/mesh-dr:KumaApiObject",
    meshZone: "mesh-dr:index:MeshZone",
} as const;

/**
 * Component resources of @pulumi/kubernetes that run in the program (not in a provider): the
 * engine never gives them a provider reference; their children carry it and are checked instead.
 */
export const LOCAL_KUBERNETES_COMPONENTS: ReadonlySet<string> = new Set([
    "kubernetes:helm.sh/v2:Chart",
    "kubernetes:helm.sh/v3:Chart",
    "kubernetes:yaml:ConfigFile",
    "kubernetes:yaml:ConfigGroup",
    "kubernetes:kustomize:Directory",
]);

const MANDATORY: EnforcementLevel = "mandatory";

// ---------------------------------------------------------------------------------------------
// Reading resources. Props come from @pulumi/policy behind a proxy that throws on values unknown
// during preview; the library then reports the policy as not runnable (advisory) for that preview.

type Obj = Record<string, unknown>;

/** What the stack rules read of a resource (a PolicyResource has more). */
export interface StackResource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, any>;
    provider?: PolicyProviderResource;
    parent?: StackResource;
}

function isObj(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}

function at(v: unknown, ...path: (string | number)[]): unknown {
    let cur = v;
    for (const key of path) {
        if (Array.isArray(cur) && typeof key === "number") cur = cur[key];
        else if (isObj(cur) && typeof key === "string") cur = cur[key];
        else return undefined;
    }
    return cur;
}

function str(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

function num(v: unknown): number | undefined {
    if (typeof v === "number") return v;
    // Some providers hand numbers over as strings (e.g. config-like inputs).
    if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
    return undefined;
}

interface Meta {
    name?: string;
    namespace?: string;
    labels: Record<string, unknown>;
}

function meta(r: { props: Obj }): Meta {
    const m = r.props.metadata;
    return {
        name: str(at(m, "name")),
        namespace: str(at(m, "namespace")),
        labels: isObj(at(m, "labels")) ? (at(m, "labels") as Obj) : {},
    };
}

/** `HTTPRoute "zone1-echo"`: the kind from the type token and the Pulumi name. */
function describe(r: { type: string; name: string }): string {
    return `${r.type.split(":").pop()} "${r.name}"`;
}

/** Where a resource lives: its provider's URN ("" for none). Objects only meet on one cluster. */
function clusterOf(r: StackResource): string {
    return r.provider?.urn ?? "";
}

function providerLabel(p: PolicyProviderResource | undefined): string {
    return p ? `provider "${p.name}"` : "no provider";
}

/**
 * The zone a resource belongs to: its MeshZone ancestor's name, or else `<zone>` from the
 * `<zone>-<kubernetes name>` naming every zone object follows (components/names.ts).
 */
export function zoneOf(r: { type: string; name: string; props: Obj; parent?: StackResource }): string | undefined {
    for (let p = r.parent; p; p = p.parent) {
        if (p.type === TYPES.meshZone) return p.name;
    }
    const k8sName = meta(r).name;
    if (k8sName && r.name.length > k8sName.length + 1 && r.name.endsWith(`-${k8sName}`)) {
        return r.name.slice(0, -(k8sName.length + 1));
    }
    return undefined;
}

function zoneLabel(r: StackResource): string {
    return `zone ${zoneOf(r) ?? `of ${describe(r)}`}`;
}

function ofType(resources: readonly StackResource[], type: string): StackResource[] {
    return resources.filter(r => r.type === type);
}

/** Each zone's namespace `kong`: the zone's anchor, on the zone's cluster. */
export function zoneNamespaces(resources: readonly StackResource[]): StackResource[] {
    return ofType(resources, TYPES.namespace).filter(r => meta(r).name === K8S.zoneNamespace);
}

/** A namespaced object on a cluster, by kind and name. */
function findObject(
    resources: readonly StackResource[],
    type: string,
    cluster: string,
    namespace: string,
    name: string,
) {
    return resources.find(
        r => r.type === type && clusterOf(r) === cluster && meta(r).namespace === namespace && meta(r).name === name,
    );
}

/** A service's HTTPRoutes in the zone: named after the service, beside the gateway. */
function serviceRoutes(resources: readonly StackResource[], ns: StackResource, service: string) {
    return ofType(resources, TYPES.httpRoute)
        .filter(r => clusterOf(r) === clusterOf(ns) && meta(r).namespace === meta(ns).name && meta(r).name === service)
        .map(route => ({ route, rules: list(at(route.props, "spec", "rules")) }));
}

/** A route's paths for messages: `/echo`, or `/a, /b`. */
function routePaths(rules: unknown[]): string {
    const paths = rules.flatMap(rule => list(at(rule, "matches")).map(m => str(at(m, "path", "value")) ?? "/"));
    return paths.length > 0 ? paths.join(", ") : "its paths";
}

/** The MMZSs of the stack that have a name: one per service. */
function namedServices(resources: readonly StackResource[]): (KumaObject & { name: string })[] {
    return multiZoneServices(resources).filter((m): m is KumaObject & { name: string } => m.name !== undefined);
}

// ---------------------------------------------------------------------------------------------
// The global objects (Mesh, MMZS, policies), in either form the program hands them to the global
// control plane (components/global-control-plane.ts). Every rule reads them through kumaObjects().

/** A Kuma object on the global control plane, whichever kind of control plane has it. */
export interface KumaObject {
    kind: string;
    /** Its name on the control plane. */
    name?: string;
    /** The Mesh it belongs to (undefined for a Mesh). */
    mesh?: string;
    /** Its Kubernetes namespace; "" on an API global, which has none. */
    namespace?: string;
    /** Its `spec` (an API global's Mesh has its fields at the top level instead; no rule reads them). */
    spec: unknown;
    urn: string;
    /** `MeshMultiZoneService "echo-mmzs"`: its kind and Pulumi name, for messages. */
    label: string;
    /** Which control plane reads it: its provider's URN on Kubernetes; all API objects share one. */
    controlPlane: string;
    /** The same, for messages: `provider "global"` or `the API global control plane`. */
    where: string;
    form: "kubernetes" | "api";
}

const KUMA_CUSTOM_RESOURCE = /^kubernetes:kuma\.io\/[^:]+:/;
const MMZS_KIND = "MeshMultiZoneService";

/**
 * The stack's Kuma objects: custom resources on a Kubernetes global (a CustomResourcePatch, as
 * for the adopted Mesh, has its kind in `kind`, not in its type token; the mesh is its label
 * kuma.io/mesh) and KumaApiObjects, whose `body` is the object in Kuma's resource format (`type`,
 * `name`, `mesh`, `labels`, `spec`).
 */
export function kumaObjects(resources: readonly StackResource[]): KumaObject[] {
    return resources.flatMap((r): KumaObject[] => {
        let o: Omit<KumaObject, "kind" | "urn" | "label"> & { kind?: string };
        if (KUMA_CUSTOM_RESOURCE.test(r.type)) {
            const { name, namespace, labels } = meta(r);
            o = {
                kind: str(r.props.kind),
                name,
                mesh: str(labels[MESH_LABEL]),
                namespace,
                spec: r.props.spec,
                controlPlane: clusterOf(r),
                where: providerLabel(r.provider),
                form: "kubernetes",
            };
        } else if (r.type === TYPES.kumaApiObject) {
            const body = isObj(r.props.body) ? r.props.body : {};
            o = {
                kind: str(body.type),
                name: str(body.name),
                mesh: str(body.mesh),
                namespace: "",
                spec: body.spec,
                controlPlane: "api",
                where: "the API global control plane",
                form: "api",
            };
        } else {
            return [];
        }
        const kind = o.kind ?? r.type.split(":").pop()!;
        return [{ ...o, kind, urn: r.urn, label: `${kind} "${r.name}"` }];
    });
}

function multiZoneServices(resources: readonly StackResource[]): KumaObject[] {
    return kumaObjects(resources).filter(o => o.kind === MMZS_KIND);
}

function servicePort(svc: StackResource, portName: string): number | undefined {
    const ports = list(at(svc.props, "spec", "ports"));
    return num(
        at(
            ports.find(p => at(p, "name") === portName),
            "port",
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// Stack checks (exported for tests; the policies below wrap them).

export function checkZoneCount(resources: readonly StackResource[], report: ReportViolation): void {
    const namespaces = zoneNamespaces(resources);
    const byCluster = new Map<string, string[]>();
    for (const ns of namespaces) {
        const zones = byCluster.get(clusterOf(ns)) ?? [];
        zones.push(zoneOf(ns) ?? ns.name);
        byCluster.set(clusterOf(ns), zones);
    }
    if (byCluster.size >= MIN_ZONES) return;
    const found = [...byCluster.entries()].map(([cluster, zones]) => {
        const p = namespaces.find(ns => clusterOf(ns) === cluster)?.provider;
        return `${zones.join(", ")} (${providerLabel(p)})`;
    });
    const shared = [...byCluster.values()].some(z => z.length > 1)
        ? " (zones on one provider share a cluster and fail together)"
        : "";
    report(
        `mesh-dr needs at least ${MIN_ZONES} zones on separate clusters for disaster recovery, but this stack has ` +
            `${byCluster.size} zone cluster${byCluster.size === 1 ? "" : "s"}${found.length ? `: ${found.join("; ")}` : ""}${shared}. ` +
            `A zone is a Namespace "${K8S.zoneNamespace}" on its cluster's provider. ` +
            `Fix: list at least ${MIN_ZONES} zones in mesh-dr:zones, each with its own cluster (context or kubeconfig).`,
    );
}

export function checkRoutesReachMultiZoneService(resources: readonly StackResource[], report: ReportViolation): void {
    const services = namedServices(resources);
    if (multiZoneServices(resources).length === 0) {
        report(
            `this stack has no MeshMultiZoneService, so no zone's route can fail over to another zone. ` +
                `Fix: keep the MeshMultiZoneService component (zones/index.ts), which hands it to the global control plane ` +
                `(on its cluster, or through mesh-dr:global.api).`,
        );
    }
    for (const ns of zoneNamespaces(resources)) {
        const zone = zoneLabel(ns);
        const namespace = meta(ns).name!;
        for (const { name: service } of services) {
            const bridge = bridgeName(service);
            const host = multiZoneServiceHostname(service);
            const routes = serviceRoutes(resources, ns, service);
            if (routes.length === 0) {
                report(
                    `${zone}: no HTTPRoute "${service}" in namespace "${namespace}" routes service ${service}, so the zone's gateway cannot ` +
                        `reach its MeshMultiZoneService. Fix: keep the zone's ServiceRoute (components/service-route.ts) on the zone's provider.`,
                    ns.urn,
                );
                continue;
            }
            for (const { route, rules } of routes) {
                const routeNamespace = meta(route).namespace ?? namespace;
                const paths = routePaths(rules);
                for (const rule of rules) {
                    const refs = list(at(rule, "backendRefs"));
                    if (refs.length === 0) {
                        report(
                            `${zone}: ${describe(route)} matches ${paths} but has no backendRefs. ` +
                                `Fix: point it at the ExternalName Service "${bridge}".`,
                            route.urn,
                        );
                    }
                    for (const ref of refs) {
                        const name = str(at(ref, "name")) ?? "";
                        const kind = str(at(ref, "kind")) ?? "Service";
                        const group = str(at(ref, "group")) ?? "";
                        if (kind !== "Service" || group !== "") {
                            report(
                                `${zone}: ${describe(route)} sends ${paths} to ${kind} "${name}", not to a Service. ` +
                                    `Fix: use backendRefs [{name: "${bridge}", port}] (a core/v1 Service of type ExternalName).`,
                                route.urn,
                            );
                            continue;
                        }
                        const svcNamespace = str(at(ref, "namespace")) ?? routeNamespace;
                        const svc = findObject(resources, TYPES.service, clusterOf(route), svcNamespace, name);
                        if (!svc) {
                            report(
                                `${zone}: ${describe(route)} sends ${paths} to Service "${svcNamespace}/${name}", which this ` +
                                    `stack does not create on the zone's cluster (${providerLabel(route.provider)}). ` +
                                    `Fix: create the ExternalName Service "${bridge}" next to the route, on the same provider.`,
                                route.urn,
                            );
                            continue;
                        }
                        const type = str(at(svc.props, "spec", "type")) ?? "ClusterIP";
                        if (type !== "ExternalName") {
                            report(
                                `${zone}: ${describe(route)} sends ${paths} to the zone-local ${type} Service ` +
                                    `"${svcNamespace}/${name}" (routeBackend: local) instead of the MeshMultiZoneService. This breaks the DR ` +
                                    `invariant: when this zone's ${service} fails, its gateway has no other zone to fail over to. ` +
                                    `Fix: remove routeBackend: local from this zone in mesh-dr:zones (the default, multizone, routes through ` +
                                    `the ExternalName Service "${bridge}").`,
                                route.urn,
                            );
                            continue;
                        }
                        const externalName = str(at(svc.props, "spec", "externalName"));
                        if (externalName !== host) {
                            report(
                                `${zone}: ${describe(svc)} (${svcNamespace}/${name}), the backend of ${describe(route)}, has externalName ` +
                                    `${externalName === undefined ? "unset" : `"${externalName}"`}, which is not the hostname of a ` +
                                    `MeshMultiZoneService in this stack (expected ${host}). Fix: set spec.externalName from the ` +
                                    `MeshMultiZoneService's hostname (<name>.mzsvc.mesh.local), as components/service-route.ts does.`,
                                svc.urn,
                            );
                        }
                    }
                }
            }
        }
    }
}

export function checkPortsAgree(resources: readonly StackResource[], report: ReportViolation): void {
    for (const ns of zoneNamespaces(resources)) {
        const zone = zoneLabel(ns);
        const namespace = meta(ns).name!;
        const cluster = clusterOf(ns);
        for (const mmzs of namedServices(resources)) {
            const service = mmzs.name;
            const ports: { what: string; port: number | undefined; urn: string; routeRef?: boolean }[] = [];

            // The service's own Service, where the MMZS selects it; a Service this stack does not
            // deploy is its owner's, and only a deployed workload without one is a mistake.
            const svcNamespace =
                str(at(mmzs.spec, "selector", "meshService", "matchLabels", NAMESPACE_LABEL)) ?? namespace;
            const own = findObject(resources, TYPES.service, cluster, svcNamespace, service);
            if (!own && findObject(resources, TYPES.deployment, cluster, svcNamespace, service)) {
                report(
                    `${zone}: no Service "${svcNamespace}/${service}" on the zone's cluster (${providerLabel(ns.provider)}): the ` +
                        `MeshMultiZoneService joins the zones' ${service} MeshServices, which Kuma generates from it. ` +
                        `Fix: keep the zone's ServiceWorkload (components/service-workload.ts) on the zone's provider.`,
                    ns.urn,
                );
            } else if (own) {
                const port = servicePort(own, "http");
                if (port === undefined) {
                    report(
                        `${zone}: ${describe(own)} has no port named "http": Kuma applies HTTP policies (health checks, retries) ` +
                            `only through it. Fix: give the Service a port named "http" with appProtocol "http" on the service's port.`,
                        own.urn,
                    );
                }
                ports.push({ what: `${describe(own)} port "http"`, port, urn: own.urn });
            }

            const refs = serviceRoutes(resources, ns, service).flatMap(({ route, rules }) =>
                rules.flatMap(rule => list(at(rule, "backendRefs")).map(ref => ({ route, ref }))),
            );
            // The ExternalName Service: the route's backend when it is one, else the zone's bridge.
            const routeBackends = refs.map(({ route, ref }) =>
                findObject(
                    resources,
                    TYPES.service,
                    cluster,
                    str(at(ref, "namespace")) ?? meta(route).namespace ?? namespace,
                    str(at(ref, "name")) ?? "",
                ),
            );
            const external =
                routeBackends.find(x => x && at(x.props, "spec", "type") === "ExternalName") ??
                findObject(resources, TYPES.service, cluster, namespace, bridgeName(service));
            if (external) {
                const extPorts = list(at(external.props, "spec", "ports"));
                const port = servicePort(external, "http") ?? num(at(extPorts, 0, "port"));
                ports.push({ what: `${describe(external)} port`, port, urn: external.urn });
            }
            ports.push({
                what: `${mmzs.label} spec.ports[0].port`,
                port: num(at(mmzs.spec, "ports", 0, "port")),
                urn: mmzs.urn,
            });
            for (const { route, ref } of refs) {
                ports.push({
                    what: `${describe(route)} backendRef "${str(at(ref, "name")) ?? ""}" port`,
                    port: num(at(ref, "port")),
                    urn: route.urn,
                    routeRef: true,
                });
            }

            const known = ports.filter(p => p.port !== undefined);
            const counts = new Map<number | undefined, number>();
            for (const p of known) counts.set(p.port, (counts.get(p.port) ?? 0) + 1);
            if (counts.size > 1) {
                // Attach the violation to the first object off the most common port: the likely culprit.
                const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
                const odd = known.find(p => p.port !== majority) ?? known[0];
                report(
                    `${zone}: service ${service}'s port differs between the objects that must agree on it: ` +
                        `${ports.map(p => `${p.what} = ${p.port ?? "unset"}`).join(", ")}. The route, the ExternalName Service, the ` +
                        `MeshMultiZoneService and the Service's "http" port must all use one port. ` +
                        `Fix: set the service's port once (mesh-dr:services[i].port, or mesh-dr:echo.port for the walkthrough) and let the program derive every port from it.`,
                    odd.urn,
                );
            }
            for (const p of ports.filter(q => q.routeRef && q.port === undefined)) {
                report(
                    `${zone}: ${p.what} is unset. Fix: give the backendRef the service's port (mesh-dr:services[i].port, or mesh-dr:echo.port).`,
                    p.urn,
                );
            }
        }
    }
}

/** Does a Kuma policy's spec have to[].targetRef = {kind: MeshMultiZoneService, labels: {display-name: <name>}}? */
function targetsMultiZoneService(spec: unknown, name: string): boolean {
    return list(at(spec, "to")).some(to => {
        const ref = at(to, "targetRef");
        const labels = at(ref, "labels");
        return (
            at(ref, "kind") === MMZS_KIND &&
            isObj(labels) &&
            Object.keys(labels).length === 1 &&
            labels[DISPLAY_NAME_LABEL] === name
        );
    });
}

/** `in namespace "kong" on provider "zone2", mesh "default"` or `on the API global control plane, mesh "default"`. */
function position(o: KumaObject, withMesh: boolean): string {
    const namespace = o.form === "api" ? "" : `in namespace "${o.namespace ?? "(none)"}" `;
    return `${namespace}on ${o.where}${withMesh ? `, mesh "${o.mesh ?? "(unset)"}"` : ""}`;
}

/** How to put an object where `o` is, for a Fix line. */
function placeLike(o: KumaObject): string {
    const mesh =
        o.mesh === undefined ? "" : o.form === "api" ? `, in mesh "${o.mesh}"` : `, labelled ${MESH_LABEL}: ${o.mesh}`;
    return o.form === "api"
        ? `on ${o.where} (mesh-dr:global.api)${mesh}`
        : `with ${o.where}, in namespace "${o.namespace ?? "(none)"}"${mesh}`;
}

export function checkFailoverPolicies(resources: readonly StackResource[], report: ReportViolation): void {
    const objects = kumaObjects(resources);
    for (const mmzs of objects.filter(o => o.kind === MMZS_KIND)) {
        const { name, mesh } = mmzs;
        if (!name) continue;
        for (const kind of Object.keys(FAILOVER_POLICIES) as FailoverKind[]) {
            const { suffix, role } = FAILOVER_POLICIES[kind];
            const targeting = objects.filter(o => o.kind === kind && targetsMultiZoneService(o.spec, name));
            const expectedRef = `{kind: MeshMultiZoneService, labels: {${DISPLAY_NAME_LABEL}: ${name}}}`;
            if (targeting.length === 0) {
                report(
                    `${mmzs.label} ("${name}") has no ${kind} whose spec.to[].targetRef is ${expectedRef}, and ${role}. ` +
                        `Fix: set mesh-dr:failover.enabled to true (the default) so FailoverPolicies creates "${name}-${suffix}", or ` +
                        `target the MeshMultiZoneService by exactly that targetRef in an existing ${kind}.`,
                    mmzs.urn,
                );
                continue;
            }
            const inPlace = targeting.filter(
                p =>
                    p.controlPlane === mmzs.controlPlane &&
                    p.namespace === mmzs.namespace &&
                    (mesh === undefined || p.mesh === mesh),
            );
            if (inPlace.length === 0) {
                const p = targeting[0];
                report(
                    `${p.label} targets MeshMultiZoneService "${name}" but is not where Kuma reads it: it is ` +
                        `${position(p, mesh !== undefined)}, while the MeshMultiZoneService is ${position(mmzs, mesh !== undefined)}. ` +
                        `Fix: create the ${kind} where the MeshMultiZoneService is: ${placeLike(mmzs)}.`,
                    p.urn,
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Resource checks.

/** Does a provider reference name one of the engine's default providers (`default`, `default_4_25_0`)? */
export function isDefaultProvider(p: PolicyProviderResource): boolean {
    return p.name === "default" || p.name.startsWith("default_");
}

export function checkExplicitProvider(
    args: Pick<ResourceValidationArgs, "type" | "name" | "props" | "provider">,
    report: ReportViolation,
): void {
    if (!args.type.startsWith("kubernetes:") || LOCAL_KUBERNETES_COMPONENTS.has(args.type)) return;
    const zone = zoneOf({ type: args.type, name: args.name, props: rawProps(args.props) });
    const where = zone ? `zone ${zone}: ` : "";
    const fix =
        `Fix: create it with the zone's explicit provider ({provider} on the component, as zones/index.ts does with ` +
        `clusterProvider()), and keep pulumi:disable-default-providers: [kubernetes] in Pulumi.yaml.`;
    if (!args.provider) {
        report(`${where}${describe(args)} has no provider reference, so nothing pins it to a cluster. ${fix}`);
    } else if (isDefaultProvider(args.provider)) {
        report(
            `${where}${describe(args)} uses the default Kubernetes provider "${args.provider.name}", i.e. whatever cluster ` +
                `$KUBECONFIG points at, not its zone's cluster. ${fix}`,
        );
    }
}

export function checkKubeconfigSecret(
    args: Pick<ResourceValidationArgs, "type" | "name" | "props">,
    report: ReportViolation,
): void {
    if (args.type !== TYPES.k8sProvider) return;
    const raw = rawProps(args.props);
    if (raw.kubeconfig === undefined || raw.kubeconfig === null) return;
    const secrecy = secrecyOf(args.props, "kubeconfig");
    if (secrecy === "secret") return;
    const fix =
        `Fix: pass it as pulumi.secret(...) as zones/providers.ts clusterProvider() does, and store kubeconfig ` +
        `contents with \`pulumi config set --secret\`.`;
    if (secrecy === "plain") {
        report(
            `Kubernetes provider "${args.name}" gets its kubeconfig in plain text: it would be stored unencrypted in the ` +
                `stack's state and shown in diffs. ${fix}`,
        );
    } else {
        report(
            `cannot tell whether Kubernetes provider "${args.name}"'s kubeconfig is a secret: ` +
                `${secretTrackingProblem() ?? "its properties did not come through @pulumi/policy's deserializer"}. ` +
                `Fix: keep @pulumi/policy at the version pinned in policy/package.json (this pack reads secret markers through it).`,
        );
    }
}

/** A service workload the program deploys: each zone's Deployment labelled as ours. */
export function checkWorkloadDeployment(
    args: Pick<ResourceValidationArgs, "type" | "name" | "props">,
    report: ReportViolation,
): void {
    if (args.type !== TYPES.deployment) return;
    const props = args.props as Obj;
    if (meta({ props }).labels[MANAGED_BY.key] !== MANAGED_BY.value) return;
    const zone = zoneOf({ type: args.type, name: args.name, props });
    const where = `${zone ? `zone ${zone}: ` : ""}${describe(args)}`;
    const replicasValue = at(props, "spec", "replicas");
    // Kubernetes defaults an unset replica count to 1.
    const replicas = replicasValue === undefined || replicasValue === null ? 1 : num(replicasValue);
    if (replicas === undefined || replicas < MIN_REPLICAS) {
        report(
            `${where} runs ${replicas ?? String(replicasValue)} replica${replicas === 1 ? "" : "s"}; a zone needs at least ` +
                `${MIN_REPLICAS} so it keeps serving while one pod fails or its node is drained. ` +
                `Fix: set the service's workload.replicas in mesh-dr:services, or this zone's services.<name>.replicas in mesh-dr:zones ` +
                `(for the walkthrough: mesh-dr:echo.replicas, or the zone's echoReplicas), to ${MIN_REPLICAS} or more.`,
        );
    }
    const containers = list(at(props, "spec", "template", "spec", "containers"));
    if (containers.length === 0) {
        report(
            `${where} has no containers. Fix: restore the service's container (components/service-workload.ts workloadPodSpec).`,
        );
    }
    for (const c of containers) {
        if (!isObj(at(c, "readinessProbe"))) {
            report(
                `${where}: container "${str(at(c, "name")) ?? "(unnamed)"}" has no readinessProbe, so a dead pod stays an ` +
                    `endpoint, Kuma never marks the zone's service unavailable and failover never starts. ` +
                    `Fix: give it a readinessProbe on its http port, as components/service-workload.ts workloadPodSpec does.`,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The policies.

function stackPolicy(
    name: string,
    description: string,
    check: (resources: readonly StackResource[], report: ReportViolation) => void,
): StackValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: MANDATORY,
        validateStack: (args: StackValidationArgs, report: ReportViolation) => check(args.resources, report),
    };
}

function resourcePolicy(
    name: string,
    description: string,
    check: (args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidationPolicy {
    return { name, description, enforcementLevel: MANDATORY, validateResource: check };
}

export const minZones = stackPolicy(
    "mesh-dr-min-zones",
    `At least ${MIN_ZONES} zones, each on its own cluster (a Namespace "${K8S.zoneNamespace}" per zone provider).`,
    checkZoneCount,
);

export const routeViaMultiZoneService = stackPolicy(
    "mesh-dr-route-via-mmzs",
    `Every zone's HTTPRoute of each service (named after its MeshMultiZoneService) reaches that MMZS through an ExternalName ` +
        `Service whose externalName is the MMZS hostname; a zone routed to its local Service cannot fail over.`,
    checkRoutesReachMultiZoneService,
);

export const portsAgree = stackPolicy(
    "mesh-dr-ports-agree",
    `Per service, its deployed Service's "http" port, the MeshMultiZoneService port, the ExternalName Service port and the ` +
        `route's backendRef port are one and the same.`,
    checkPortsAgree,
);

// Named when echo was the only workload; the name stays, so suppressions and docs that cite it still hold.
export const workloadHighlyAvailable = resourcePolicy(
    "mesh-dr-echo-ha",
    `Each zone's Deployment of a service the program deploys runs at least ${MIN_REPLICAS} replicas and every container has a readinessProbe.`,
    checkWorkloadDeployment,
);

export const failoverPolicies = stackPolicy(
    "mesh-dr-failover-policies",
    `Every MeshMultiZoneService has a ${Object.keys(FAILOVER_POLICIES).join(", ")} targeting it by ` +
        `{kind: MeshMultiZoneService, labels: {${DISPLAY_NAME_LABEL}: <name>}}, next to it.`,
    checkFailoverPolicies,
);

export const explicitProviders = resourcePolicy(
    "mesh-dr-explicit-provider",
    "No Kubernetes resource uses a default provider: each names its cluster's provider.",
    checkExplicitProvider,
);

export const kubeconfigSecret = resourcePolicy(
    "mesh-dr-kubeconfig-secret",
    "A Kubernetes provider's kubeconfig, when set, is a secret.",
    checkKubeconfigSecret,
);

/** Every mesh-dr policy, all mandatory. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    minZones,
    routeViaMultiZoneService,
    portsAgree,
    workloadHighlyAvailable,
    failoverPolicies,
    explicitProviders,
    kubeconfigSecret,
];

export const PACK_NAME = "mesh-dr";
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = MANDATORY;
