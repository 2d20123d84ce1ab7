// Each component alone, under mocks: its children, their names, parents' providers and fields.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { FailoverPolicies } from "../../components/failover";
import { KongGateway } from "../../components/gateway";
import { KubernetesGlobal } from "../../components/global-control-plane";
import { MeshSettings, meshSpec } from "../../components/mesh";
import { MeshMultiZoneService } from "../../components/multizone-service";
import { ZonePlatform } from "../../components/platform";
import { ServiceRoute } from "../../components/service-route";
import { ServiceWorkload } from "../../components/service-workload";
import { echoWorkload } from "../../components/echo";
import { ServiceTrafficPermission } from "../../components/traffic-permission";
import { MeshZone } from "../../components/zone";
import { Recorder, valueOf } from "./harness";

const rec = new Recorder();
beforeEach(() => rec.install());

const DEFAULT_GATEWAY = {
    className: "kong",
    serviceType: "LoadBalancer" as const,
    replicas: 1,
    listenerPort: 80,
    dnsOrder: "LAST,A,CNAME",
};
const FAILOVER = {
    healthCheck: { interval: "5s", timeout: "2s", unhealthyThreshold: 2, healthyThreshold: 1, path: "/" },
    circuitBreaker: { interval: "5s", baseEjectionTime: "30s", consecutiveFailures: 5, maxEjectionPercent: 100 },
    retry: { numRetries: 3, perTryTimeout: "2s", backOffBase: "25ms", backOffMax: "250ms" },
    timeout: { connect: "2s", request: "8750ms" },
};

/** A Kubernetes global control plane whose objects go to the `global` provider's cluster. */
const kubernetesGlobal = (namespace = "kong-mesh-system") =>
    new KubernetesGlobal(namespace, new k8s.Provider("global", {}));

function childTypes(): string[] {
    return rec.resources.map(r => `${r.type.split(":").pop()}/${r.name}`).sort();
}

describe("ServiceWorkload", () => {
    it("creates the echo Deployment, Service, PodDisruptionBudget and NetworkPolicy in the given namespace", async () => {
        new ServiceWorkload("zone1-echo", {
            service: "echo",
            namespace: "kong",
            ...echoWorkload("kong/go-echo:0.3.0"),
            replicas: 3,
            port: 1027,
        });
        await rec.settle();
        expect(childTypes()).toEqual([
            "Deployment/zone1-echo",
            "NetworkPolicy/zone1-echo",
            "PodDisruptionBudget/zone1-echo",
            "Service/zone1-echo",
            "ServiceWorkload/zone1-echo",
        ]);
        const dep = rec.one("kubernetes:apps/v1:Deployment", "zone1-echo").inputs;
        expect(dep.metadata).toMatchObject({ name: "echo", namespace: "kong", labels: { app: "echo" } });
        expect(dep.spec.replicas).toBe(3);
        expect(dep.spec.selector.matchLabels).toEqual({ app: "echo" });
        expect(dep.spec.template.metadata.labels).toEqual({ app: "echo" });
        const svc = rec.one("kubernetes:core/v1:Service", "zone1-echo").inputs;
        expect(svc.spec.selector).toEqual({ app: "echo" });
        expect(svc.spec.ports.map((p: any) => `${p.name}:${p.port}/${p.protocol}`)).toEqual([
            "tcp:1025/TCP",
            "udp:1026/UDP",
            "http:1027/TCP",
            "tls:1030/TCP",
        ]);
        const pdb = rec.one("kubernetes:policy/v1:PodDisruptionBudget", "zone1-echo").inputs;
        expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { app: "echo" } } });
        const np = rec.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "zone1-echo").inputs;
        expect(np.spec).toEqual({
            podSelector: { matchLabels: { app: "echo" } },
            policyTypes: ["Ingress"],
            // The ports it serves, and Kuma's probe ports.
            ingress: [
                {
                    ports: [
                        { port: 1027, protocol: "TCP" },
                        { port: 1025, protocol: "TCP" },
                        { port: 1026, protocol: "UDP" },
                        { port: 1030, protocol: "TCP" },
                        { port: 9000, protocol: "TCP" },
                        { port: 9001, protocol: "TCP" },
                    ],
                },
            ],
        });
    });

    it("deploys any service under its own name and labels, on its own ports", async () => {
        new ServiceWorkload("zone1-api", {
            service: "api",
            namespace: "payments",
            image: "registry.example.com/api@sha256:" + "a".repeat(64),
            targetPort: 8080,
            readinessPath: "/healthz",
            extraPorts: [],
            replicas: 2,
            port: 80,
        });
        await rec.settle();
        const dep = rec.one("kubernetes:apps/v1:Deployment", "zone1-api").inputs;
        expect(dep.metadata).toMatchObject({ name: "api", namespace: "payments", labels: { app: "api" } });
        const container = dep.spec.template.spec.containers[0];
        expect(container).toMatchObject({
            name: "api",
            imagePullPolicy: "IfNotPresent",
            ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
        });
        expect(container.readinessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
        expect(rec.one("kubernetes:core/v1:Service", "zone1-api").inputs.spec.ports).toEqual([
            { name: "http", port: 80, targetPort: "http", protocol: "TCP", appProtocol: "http" },
        ]);
    });
});

describe("KongGateway", () => {
    it("links GatewayClass → GatewayConfiguration and Gateway → GatewayClass", async () => {
        new KongGateway("zone2-gateway", {
            zone: "zone2",
            namespace: "kong",
            ...DEFAULT_GATEWAY,
            className: "kong-dr",
            dnsOrder: "A,CNAME",
        });
        await rec.settle();
        const cfg = rec.one("kubernetes:gateway-operator.konghq.com/v2beta1:GatewayConfiguration", "zone2-kong").inputs;
        expect(cfg.metadata).toMatchObject({ name: "kong", namespace: "kong" });
        const proxy = cfg.spec.dataPlaneOptions.deployment.podTemplateSpec.spec.containers[0];
        expect(proxy.name).toBe("proxy");
        expect(proxy.env).toEqual([{ name: "KONG_DNS_ORDER", value: "A,CNAME" }]);
        expect(proxy.securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
        expect(cfg.spec.dataPlaneOptions.network.services.ingress.type).toBe("LoadBalancer");
        const cls = rec.one("kubernetes:gateway.networking.k8s.io/v1:GatewayClass", "zone2-kong-dr").inputs;
        expect(cls.metadata.name).toBe("kong-dr");
        expect(cls.spec.parametersRef).toMatchObject({ kind: "GatewayConfiguration", name: "kong", namespace: "kong" });
        const gw = rec.one("kubernetes:gateway.networking.k8s.io/v1:Gateway", "zone2-kong").inputs;
        expect(gw.spec.gatewayClassName).toBe("kong-dr");
    });
});

describe("ServiceRoute", () => {
    it("points the ExternalName at the given MMZS hostname and the route at it", async () => {
        new ServiceRoute("zone1-echo-route", {
            zone: "zone1",
            service: "echo",
            namespace: "kong",
            gatewayName: "kong",
            multiZoneHostname: "echo.mzsvc.mesh.local",
            port: 1027,
            paths: ["/echo"],
            backend: "multizone",
        });
        await rec.settle();
        const ext = rec.one("kubernetes:core/v1:Service", "zone1-echo-mmzs-service").inputs;
        expect(ext.spec).toEqual({
            type: "ExternalName",
            externalName: "echo.mzsvc.mesh.local",
            ports: [{ name: "http", port: 1027, targetPort: 1027 }],
        });
        const route = rec.one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "zone1-echo").inputs;
        expect(route.spec.rules[0].backendRefs).toEqual([{ name: "echo-mmzs-service", port: 1027 }]);
    });

    it("routes every path of a service to its own bridge", async () => {
        new ServiceRoute("zone2-api-route", {
            zone: "zone2",
            service: "api",
            namespace: "kong",
            gatewayName: "kong",
            multiZoneHostname: "api.mzsvc.mesh.local",
            port: 80,
            paths: ["/api", "/v2/api"],
            backend: "multizone",
        });
        await rec.settle();
        expect(rec.one("kubernetes:core/v1:Service", "zone2-api-mmzs-service").inputs.metadata.name).toBe(
            "api-mmzs-service",
        );
        const route = rec.one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "zone2-api").inputs;
        expect(route.metadata.name).toBe("api");
        expect(route.spec.rules).toEqual([
            {
                matches: [
                    { path: { type: "PathPrefix", value: "/api" } },
                    { path: { type: "PathPrefix", value: "/v2/api" } },
                ],
                backendRefs: [{ name: "api-mmzs-service", port: 80 }],
            },
        ]);
    });
});

describe("MeshMultiZoneService", () => {
    it("derives its hostname from its name and keeps the port it was given", async () => {
        const mmzs = new MeshMultiZoneService("echo-mmzs", {
            controlPlane: kubernetesGlobal("kuma-system"),
            serviceName: "echo",
            serviceNamespace: "kong",
            meshName: "prod",
            port: 9000,
        });
        expect(await valueOf(mmzs.hostname)).toBe("echo.mzsvc.mesh.local");
        expect(mmzs.port).toBe(9000);
        expect(mmzs.targetLabels).toEqual({ "kuma.io/display-name": "echo" });
        await rec.settle();
        const cr = rec.one("kubernetes:kuma.io/v1alpha1:MeshMultiZoneService", "echo-mmzs").inputs;
        expect(cr.metadata).toMatchObject({
            name: "echo",
            namespace: "kuma-system",
            labels: { "kuma.io/mesh": "prod" },
        });
        expect(cr.spec.ports).toEqual([{ port: 9000, name: "http", appProtocol: "http" }]);
        // The service's namespace too: a same-named Service elsewhere never joins.
        expect(cr.spec.selector).toEqual({
            meshService: { matchLabels: { "kuma.io/display-name": "echo", "k8s.kuma.io/namespace": "kong" } },
        });
    });
});

describe("MeshSettings", () => {
    it("creates a Mesh with builtin mTLS and MeshServices enabled", async () => {
        new MeshSettings("default-mesh", {
            controlPlane: kubernetesGlobal(),
            meshName: "default",
            mode: "create",
            meshServicesMode: "Exclusive",
            zoneEgress: false,
        });
        await rec.settle();
        const mesh = rec.one("kubernetes:kuma.io/v1alpha1:Mesh", "default-mesh").inputs;
        expect(mesh.metadata.name).toBe("default");
        expect(mesh.metadata.namespace).toBeUndefined();
        expect(mesh.spec).toEqual({
            mtls: { enabledBackend: "ca-1", backends: [{ name: "ca-1", type: "builtin" }] },
            meshServices: { mode: "Exclusive" },
        });
    });

    it("sends routing only to turn zone egress on (Kuma stores no false defaults, so a false would diff on refresh)", () => {
        const off = { meshServicesMode: "Exclusive" as const, zoneEgress: false };
        expect(meshSpec(off)).not.toHaveProperty("routing");
        expect(meshSpec({ ...off, zoneEgress: true }).routing).toEqual({ zoneEgress: true });
    });

    it("patches an existing Mesh instead of creating one", async () => {
        new MeshSettings("default-mesh", {
            controlPlane: kubernetesGlobal(),
            meshName: "default",
            mode: "patch",
            meshServicesMode: "Everywhere",
            zoneEgress: true,
        });
        await rec.settle();
        const patch = rec.one("kubernetes:kuma.io/v1alpha1:MeshPatch", "default-mesh").inputs;
        expect(patch.spec.meshServices.mode).toBe("Everywhere");
        expect(patch.spec.routing.zoneEgress).toBe(true);
        expect(rec.ofType("kubernetes:kuma.io/v1alpha1:Mesh")).toEqual([]);
    });
});

describe("FailoverPolicies", () => {
    it("creates the five failover policies, each targeting the MMZS by label, and patches the health check into its Envoy cluster", async () => {
        new FailoverPolicies("echo-failover", {
            ...FAILOVER,
            serviceName: "echo",
            targetLabels: { "kuma.io/display-name": "echo" },
            controlPlane: kubernetesGlobal(),
            meshName: "default",
            failoverOrder: {},
            envoyCluster: "default_echo_kong-mesh-system__mzsvc_1027",
        });
        await rec.settle();
        const kinds = [
            "MeshHealthCheck",
            "MeshCircuitBreaker",
            "MeshRetry",
            "MeshTimeout",
            "MeshLoadBalancingStrategy",
        ];
        const names = [
            "echo-health-check",
            "echo-circuit-breaker",
            "echo-retry",
            "echo-timeout",
            "echo-load-balancing",
        ];
        kinds.forEach((kind, i) => {
            const p = rec.one(`kubernetes:kuma.io/v1alpha1:${kind}`, names[i]).inputs;
            expect(p.metadata).toMatchObject({
                name: names[i],
                namespace: "kong-mesh-system",
                labels: { "kuma.io/mesh": "default" },
            });
            expect(p.spec.targetRef).toEqual({ kind: "Mesh" });
            expect(p.spec.to[0].targetRef).toEqual({
                kind: "MeshMultiZoneService",
                labels: { "kuma.io/display-name": "echo" },
            });
        });
        const patch = rec.one("kubernetes:kuma.io/v1alpha1:MeshProxyPatch", "echo-mmzs-health-check").inputs;
        expect(patch.metadata).toMatchObject({ namespace: "kong-mesh-system", labels: { "kuma.io/mesh": "default" } });
        expect(patch.spec.default.appendModifications).toEqual([
            {
                cluster: {
                    operation: "Patch",
                    match: { name: "default_echo_kong-mesh-system__mzsvc_1027" },
                    jsonPatches: [
                        {
                            op: "add",
                            path: "/healthChecks",
                            value: [
                                {
                                    timeout: "2s",
                                    interval: "5s",
                                    unhealthyThreshold: 2,
                                    healthyThreshold: 1,
                                    httpHealthCheck: { path: "/", expectedStatuses: [{ start: 200, end: 201 }] },
                                },
                            ],
                        },
                    ],
                },
            },
        ]);
    });
});

describe("ServiceTrafficPermission", () => {
    it("denies the mesh and allows only gateway pods to call echo", async () => {
        new ServiceTrafficPermission("echo-permission", {
            controlPlane: kubernetesGlobal(),
            serviceName: "echo",
            meshName: "default",
            podLabels: { app: "echo" },
            serviceNamespace: "kong",
        });
        await rec.settle();
        const mtp = rec.one("kubernetes:kuma.io/v1alpha1:MeshTrafficPermission", "echo-gateways-only").inputs;
        // Its pods only: pods labelled alike in another namespace are not echo's.
        expect(mtp.spec.targetRef).toEqual({
            kind: "Dataplane",
            labels: { app: "echo", "k8s.kuma.io/namespace": "kong" },
        });
        expect(mtp.spec.from).toEqual([
            { targetRef: { kind: "Mesh" }, default: { action: "Deny" } },
            {
                targetRef: { kind: "MeshSubset", tags: { "app.kubernetes.io/name": "kong-gateway" } },
                default: { action: "Allow" },
            },
        ]);
    });
});

describe("ZonePlatform", () => {
    it("installs cert-manager, then Kong Operator with cert-manager webhook certificates", async () => {
        new ZonePlatform("zone1-platform", {
            zone: "zone1",
            certManagerVersion: "v1.19.1",
            kongOperatorVersion: "1.3.0",
            kongOperatorRepo: "https://charts.konghq.com",
        });
        await rec.settle();
        const cm = rec.one("kubernetes-cert-manager:index:CertManager", "zone1-cert-manager").inputs;
        expect(cm).toMatchObject({ installCRDs: true, helmOptions: { namespace: "cert-manager", version: "v1.19.1" } });
        const ko = rec.one("kubernetes:helm.sh/v3:Release", "zone1-kong-operator").inputs;
        expect(ko).toMatchObject({
            chart: "kong-operator",
            version: "1.3.0",
            namespace: "kong-system",
            createNamespace: true,
            repositoryOpts: { repo: "https://charts.konghq.com" },
            values: { global: { webhooks: { options: { certManager: { enabled: true } } } } },
        });
    });
});

describe("MeshZone", () => {
    it("assembles namespace, echo, gateway and route on the provider it is given", async () => {
        const provider = new (await import("@pulumi/kubernetes")).Provider("zone3", { context: "zone3" });
        const zone = new MeshZone(
            "zone3",
            {
                zone: "zone3",
                gateway: DEFAULT_GATEWAY,
                services: [
                    {
                        name: "echo",
                        namespace: "kong",
                        port: 1027,
                        paths: ["/echo"],
                        backend: "multizone",
                        multiZoneHostname: pulumi.output("echo.mzsvc.mesh.local"),
                        workload: { ...echoWorkload("kong/go-echo:0.3.0"), replicas: 2 },
                    },
                ],
            },
            { provider },
        );
        expect(await valueOf(zone.namespace.metadata.name)).toBe("kong");
        await rec.settle();
        const k8sObjects = rec.resources.filter(r => r.custom && r.type.startsWith("kubernetes:"));
        expect(k8sObjects.map(r => r.name).sort()).toEqual([
            "zone3-echo",
            "zone3-echo",
            "zone3-echo",
            "zone3-echo",
            "zone3-echo",
            "zone3-echo-mmzs-service",
            "zone3-kong",
            "zone3-kong",
            "zone3-kong",
            "zone3-kong",
        ]);
        for (const r of k8sObjects) expect(rec.providerName(r), `${r.type} ${r.name}`).toBe("zone3");
        expect(rec.one("kubernetes:core/v1:Namespace", "zone3-kong").inputs.metadata.labels).toMatchObject({
            "kuma.io/sidecar-injection": "enabled",
        });
        expect(
            rec.resources
                .filter(r => !r.custom)
                .map(r => r.type)
                .sort(),
        ).toEqual([
            "mesh-dr:index:KongGateway",
            "mesh-dr:index:MeshZone",
            "mesh-dr:index:ServiceRoute",
            "mesh-dr:index:ServiceWorkload",
        ]);
    });

    it("labels a service namespace it did not create for injection, by a patch, and deploys nothing of a service it only routes", async () => {
        const provider = new (await import("@pulumi/kubernetes")).Provider("zone1", { context: "zone1" });
        new MeshZone(
            "zone1",
            {
                zone: "zone1",
                gateway: DEFAULT_GATEWAY,
                services: [
                    {
                        name: "api",
                        namespace: "payments",
                        port: 80,
                        paths: ["/api"],
                        backend: "multizone",
                        multiZoneHostname: "api.mzsvc.mesh.local",
                        workload: {
                            image: "example/api:1.0",
                            targetPort: 8080,
                            readinessPath: "/",
                            extraPorts: [],
                            replicas: 2,
                        },
                    },
                    {
                        name: "legacy",
                        namespace: "payments",
                        port: 8080,
                        paths: ["/legacy"],
                        backend: "multizone",
                        multiZoneHostname: "legacy.mzsvc.mesh.local",
                    },
                ],
            },
            { provider },
        );
        await rec.settle();
        const patch = rec.one("kubernetes:core/v1:NamespacePatch", "zone1-payments").inputs;
        expect(patch.metadata).toEqual({ name: "payments", labels: { "kuma.io/sidecar-injection": "enabled" } });
        expect(rec.ofType("kubernetes:apps/v1:Deployment").map(r => r.name)).toEqual(["zone1-api"]);
        expect(rec.ofType("kubernetes:core/v1:Namespace").map(r => r.name)).toEqual(["zone1-kong"]);
        // Both routed beside the gateway, whatever their namespace.
        for (const name of ["api", "legacy"]) {
            expect(
                rec.one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", `zone1-${name}`).inputs.metadata.namespace,
            ).toBe("kong");
            expect(rec.one("kubernetes:core/v1:Service", `zone1-${name}-mmzs-service`).inputs.metadata.namespace).toBe(
                "kong",
            );
        }
    });
});
