// Least privilege for whoever runs `pulumi up`: per cluster part (a zone's cluster, the global
// control plane's), the kinds the program registers and the verbs the Kubernetes provider uses on
// them, as RBAC objects an administrator applies once. A unit test registers the program under
// mocks and compares every kind it registers with `managedKinds`, so the two cannot drift.
import { FAILOVER_POLICY_KINDS } from "../components/failover";
import { GATEWAY_API, GATEWAY_CONFIGURATION_API } from "../components/gateway";
import { KUMA_API } from "../components/global-control-plane";
import { KUMA_API_COLLECTIONS } from "../components/kuma-api";
import { K8S_NAMES, MANAGED_BY } from "../components/names";
import { DEFAULTS, StackConfig } from "./config";

export type ClusterPart = "zone" | "global";

export interface ManagedKind {
    apiVersion: string;
    kind: string;
    /** The RBAC resource (plural) of the kind. */
    resource: string;
    namespaced: boolean;
    /** The one object of a cluster-scoped kind the program manages: get/patch/delete are limited to it. */
    objectName?: string;
    /** Objects of the kind the program only patches (labels it adds, and gives back): get and patch, by name. */
    patchedNames?: string[];
}

/** What the RBAC depends on: the names of the cluster-scoped objects, the Mesh mode, the global namespace. */
export interface RbacSettings {
    meshName: string;
    meshManage: "create" | "patch" | "none";
    gatewayClassName: string;
    systemNamespace: string;
    /** The services' namespaces the program did not create, whose sidecar-injection label it patches (none when unset). */
    labelledNamespaces?: string[];
}

export function rbacSettingsOf(config: StackConfig): RbacSettings {
    return {
        meshName: config.mesh.name,
        meshManage: config.mesh.manage,
        gatewayClassName: config.gateway.className,
        // An API global control plane has no cluster to give RBAC on: only the zones' part is used.
        systemNamespace: config.global.kind === "kubernetes" ? config.global.systemNamespace : DEFAULTS.systemNamespace,
        labelledNamespaces: [...new Set(config.services.map(s => s.namespace))]
            .filter(ns => ns !== K8S_NAMES.namespace)
            .sort(),
    };
}

const apiGroup = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

/**
 * Every kind the program can register on a cluster part, whatever its switches (`failover.enabled`,
 * `gatewaysOnly`): turning one on must not need new RBAC. `platform.install` is not covered: Helm
 * charts create CRDs, RBAC and webhooks, which takes a cluster administrator.
 */
export function managedKinds(part: ClusterPart, s: RbacSettings): ManagedKind[] {
    if (part === "zone") {
        return [
            {
                apiVersion: "v1",
                kind: "Namespace",
                resource: "namespaces",
                namespaced: false,
                objectName: K8S_NAMES.namespace,
                patchedNames: s.labelledNamespaces,
            },
            { apiVersion: "apps/v1", kind: "Deployment", resource: "deployments", namespaced: true },
            { apiVersion: "v1", kind: "Service", resource: "services", namespaced: true },
            {
                apiVersion: "policy/v1",
                kind: "PodDisruptionBudget",
                resource: "poddisruptionbudgets",
                namespaced: true,
            },
            {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                resource: "networkpolicies",
                namespaced: true,
            },
            {
                apiVersion: GATEWAY_CONFIGURATION_API,
                kind: "GatewayConfiguration",
                resource: "gatewayconfigurations",
                namespaced: true,
            },
            {
                apiVersion: GATEWAY_API,
                kind: "GatewayClass",
                resource: "gatewayclasses",
                namespaced: false,
                objectName: s.gatewayClassName,
            },
            { apiVersion: GATEWAY_API, kind: "Gateway", resource: "gateways", namespaced: true },
            { apiVersion: GATEWAY_API, kind: "HTTPRoute", resource: "httproutes", namespaced: true },
        ];
    }
    const kuma = (kind: string, resource: string) => ({ apiVersion: KUMA_API, kind, resource, namespaced: true });
    return [
        ...(s.meshManage === "none"
            ? []
            : [{ apiVersion: KUMA_API, kind: "Mesh", resource: "meshes", namespaced: false, objectName: s.meshName }]),
        kuma("MeshMultiZoneService", KUMA_API_COLLECTIONS.MeshMultiZoneService),
        ...[...Object.keys(FAILOVER_POLICY_KINDS), "MeshProxyPatch", "MeshTrafficPermission"].map(kind =>
            kuma(kind, KUMA_API_COLLECTIONS[kind]),
        ),
    ];
}

/**
 * What the provider's await logic watches besides the object itself (pulumi-kubernetes
 * `provider/pkg/await`: deployment.go, service.go, watchers.go): read-only.
 */
export const AWAIT_READS: Record<string, { apiGroup: string; resources: string[] }[]> = {
    Deployment: [
        { apiGroup: "apps", resources: ["replicasets"] },
        { apiGroup: "", resources: ["pods", "persistentvolumeclaims"] },
    ],
    Service: [{ apiGroup: "", resources: ["endpoints"] }],
};

/** Server-side apply creates and updates with PATCH (an apply that creates also needs `create`); no `update`. */
const WRITE_VERBS = ["create", "patch", "delete"];
const READ_VERBS = ["get", "list", "watch"];

interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    resourceNames?: string[];
}

/** One rule per API group, verbs and names, listing its resources: the form `kubectl describe` reads well. */
function merged(rules: PolicyRule[]): PolicyRule[] {
    const byKey = new Map<string, PolicyRule>();
    for (const r of rules) {
        const key = JSON.stringify([r.apiGroups, r.verbs, r.resourceNames ?? []]);
        const seen = byKey.get(key);
        if (seen) seen.resources.push(...r.resources.filter(x => !seen.resources.includes(x)));
        else byKey.set(key, { ...r, resources: [...r.resources] });
    }
    return [...byKey.values()];
}

function rulesFor(kinds: ManagedKind[], s: RbacSettings): PolicyRule[] {
    return kinds.flatMap(k => {
        const base = { apiGroups: [apiGroup(k.apiVersion)], resources: [k.resource] };
        // A Mesh we only adopt: applying our fields and giving them back on destroy are both patches.
        if (k.kind === "Mesh" && s.meshManage === "patch") {
            return [
                { ...base, verbs: ["list", "watch"] },
                { ...base, verbs: ["get", "patch"], resourceNames: [k.objectName!] },
            ];
        }
        // create, list and watch cannot be limited by name; get, patch and delete can. A namespace
        // the program only labels is never created or deleted: get and patch it, by name.
        if (k.objectName !== undefined) {
            const patched = k.patchedNames?.length
                ? [{ ...base, verbs: ["get", "patch"], resourceNames: k.patchedNames }]
                : [];
            return [
                { ...base, verbs: ["create", "list", "watch"] },
                { ...base, verbs: ["get", "patch", "delete"], resourceNames: [k.objectName] },
                ...patched,
            ];
        }
        return [{ ...base, verbs: [...READ_VERBS, ...WRITE_VERBS] }];
    });
}

function awaitRules(kinds: ManagedKind[]): PolicyRule[] {
    return kinds
        .flatMap(k => AWAIT_READS[k.kind] ?? [])
        .map(r => ({ apiGroups: [r.apiGroup], resources: r.resources, verbs: READ_VERBS }));
}

/** Name of the RBAC objects and the group they are bound to. */
export const DEPLOYER = { name: "mesh-dr-deployer", group: "mesh-dr:deployer" } as const;

/**
 * The RBAC objects for one cluster part, bound to the group `mesh-dr:deployer` (put the deploy
 * identity in it). A zone's namespaced kinds go in a ClusterRole: the program creates the
 * namespace `kong` itself, and a Role cannot exist before its namespace (nor cover the services'
 * namespaces, which the stack config names). On the global cluster
 * they go in a Role in the control plane's namespace, which its install created.
 */
export function deployerRbac(part: ClusterPart, s: RbacSettings): object[] {
    const kinds = managedKinds(part, s);
    const labels = { ...MANAGED_BY };
    const subjects = [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: DEPLOYER.group }];
    const name = `${DEPLOYER.name}-${part}`;
    const roleRef = (kind: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });
    // Events are read for the provider's warnings about any object, cluster-scoped ones included.
    const events = { apiGroups: [""], resources: ["events"], verbs: READ_VERBS };
    const clusterKinds = part === "zone" ? kinds : kinds.filter(k => !k.namespaced);
    const objects: object[] = [
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name, labels },
            rules: merged([...rulesFor(clusterKinds, s), ...awaitRules(clusterKinds), events]),
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name, labels },
            roleRef: roleRef("ClusterRole"),
            subjects,
        },
    ];
    const namespaced = part === "global" ? kinds.filter(k => k.namespaced) : [];
    if (namespaced.length > 0) {
        const metadata = { name, namespace: s.systemNamespace, labels };
        objects.push(
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata,
                rules: merged([...rulesFor(namespaced, s), ...awaitRules(namespaced)]),
            },
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "RoleBinding",
                metadata,
                roleRef: roleRef("Role"),
                subjects,
            },
        );
    }
    return objects;
}
