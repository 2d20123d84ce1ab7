// Pure helpers: names, labels and specs, tested as plain functions (no Pulumi runtime).
import { describe, expect, it } from "vitest";
import { ECHO_EXTRA_PORTS, echoPodSpec } from "../../components/echo";
import {
    crossZoneFailover,
    kumaDuration,
    durationMs,
    failoverPolicySpecs,
    minimumRequestTimeoutMs,
} from "../../components/failover";
import { gatewayConfigurationSpec } from "../../components/gateway";
import { meshSpec } from "../../components/mesh";
import { meshMultiZoneServiceSpec } from "../../components/multizone-service";
import { K8S_NAMES, multiZoneServiceHostname, serviceNames, zoneResourceName } from "../../components/names";
import { httpRouteSpec, routeBackendService } from "../../components/service-route";
import { imagePullPolicy, workloadServicePorts } from "../../components/service-workload";
import { IMAGE_REF } from "../../zones/validate";

describe("names", () => {
    it("prefixes resource names with the zone", () => {
        expect(zoneResourceName("zone1", K8S_NAMES.echo)).toBe("zone1-echo");
        expect(zoneResourceName("eu-west", serviceNames("echo").bridge)).toBe("eu-west-echo-mmzs-service");
    });

    it("derives every name of a service from the service's name, as the walkthrough named echo's", () => {
        const echo = serviceNames("echo");
        expect([
            echo.service,
            echo.multiZoneService,
            echo.route,
            echo.bridge,
            echo.permission,
            echo.defaultRoute,
        ]).toEqual(["echo", "echo", "echo", "echo-mmzs-service", "echo-gateways-only", "/echo"]);
        expect(echo.components).toEqual({
            multiZoneService: "echo-mmzs",
            failover: "echo-failover",
            permission: "echo-permission",
        });
        expect(echo.zoneObjects("zone1")).toEqual({
            workload: "zone1-echo",
            routeComponent: "zone1-echo-route",
            bridge: "zone1-echo-mmzs-service",
            httpRoute: "zone1-echo",
        });
    });

    it("derives the MMZS hostname as Kuma's default HostnameGenerator does", () => {
        expect(multiZoneServiceHostname("echo")).toBe("echo.mzsvc.mesh.local");
    });
});

describe("echo pod spec", () => {
    const pod = echoPodSpec("kong/go-echo:0.3.0");
    const container = (pod.containers as any[])[0];
    const podSecurity = pod.securityContext as any;

    it("meets every rule of the restricted Pod Security Standard", () => {
        // https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
        expect(podSecurity.runAsNonRoot).toBe(true);
        expect(podSecurity.runAsUser).toBeGreaterThan(0);
        expect(podSecurity.seccompProfile).toEqual({ type: "RuntimeDefault" });
        expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
        expect(container.securityContext.capabilities).toEqual({ drop: ["ALL"] });
        expect(container.securityContext.privileged).toBeUndefined();
        expect(pod.hostNetwork ?? false).toBe(false);
        expect(pod.volumes ?? []).toEqual([]);
    });

    it("hardens beyond restricted: read-only root, requests and limits (ephemeral storage too), no token", () => {
        expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
        expect(container.resources.requests).toEqual({ cpu: "10m", memory: "32Mi", "ephemeral-storage": "32Mi" });
        expect(container.resources.limits).toEqual({ cpu: "200m", memory: "64Mi", "ephemeral-storage": "128Mi" });
        expect(pod.automountServiceAccountToken).toBe(false);
    });

    it("is ready only when HTTP answers on the named http port", () => {
        expect(container.readinessProbe.httpGet).toEqual({ path: "/", port: "http" });
        expect(container.ports.find((p: any) => p.name === "http").containerPort).toBe(1027);
    });

    it("spreads replicas across nodes without blocking a one-node cluster", () => {
        expect(pod.topologySpreadConstraints).toEqual([
            {
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { app: "echo" } },
            },
        ]);
    });

    it("passes the downward-API env of the upstream manifest", () => {
        expect(container.env.map((e: any) => `${e.name}=${e.valueFrom.fieldRef.fieldPath}`)).toEqual([
            "NODE_NAME=spec.nodeName",
            "POD_NAME=metadata.name",
            "POD_NAMESPACE=metadata.namespace",
            "POD_IP=status.podIP",
        ]);
    });
});

describe("service ports", () => {
    it("maps the configured HTTP port to the container's http port with appProtocol http, the extra ports as they are, by container port", () => {
        const ports = workloadServicePorts({ targetPort: 1027, extraPorts: ECHO_EXTRA_PORTS }, 8080);
        expect(ports.map(p => p.name)).toEqual(["tcp", "udp", "http", "tls"]);
        expect(ports.find(p => p.name === "http")).toEqual({
            name: "http",
            port: 8080,
            targetPort: "http",
            protocol: "TCP",
            appProtocol: "http",
        });
        expect(ports.find(p => p.name === "udp")).toEqual({
            name: "udp",
            port: 1026,
            targetPort: 1026,
            protocol: "UDP",
        });
    });
});

describe("image pull policy", () => {
    it("pulls a pinned image once per node (a zone recovers without its registry), an unpinned one every time", () => {
        expect(imagePullPolicy("kong/go-echo:0.3.0")).toBe("IfNotPresent");
        expect(imagePullPolicy("localhost:5000/echo@sha256:" + "a".repeat(64))).toBe("IfNotPresent");
        expect(imagePullPolicy("localhost:5000/echo")).toBe("Always");
        expect(imagePullPolicy("kong/go-echo:latest")).toBe("Always");
        expect(imagePullPolicy("kong/go-echo")).toBe("Always");
    });
});

describe("route", () => {
    it("targets the ExternalName for multizone and the echo Service for local", () => {
        expect(routeBackendService("echo", "multizone")).toBe("echo-mmzs-service");
        expect(routeBackendService("echo", "local")).toBe("echo");
        expect(httpRouteSpec("echo", "kong", "local", 1027, ["/echo"]).rules[0].backendRefs).toEqual([
            { name: "echo", port: 1027 },
        ]);
    });
});

describe("MMZS and Mesh specs", () => {
    it("selects MeshServices by display name with an HTTP port", () => {
        expect(meshMultiZoneServiceSpec("echo", "kong", 1027)).toEqual({
            selector: {
                meshService: { matchLabels: { "kuma.io/display-name": "echo", "k8s.kuma.io/namespace": "kong" } },
            },
            ports: [{ port: 1027, name: "http", appProtocol: "http" }],
        });
    });

    it("enables builtin mTLS and the chosen MeshServices mode", () => {
        expect(meshSpec({ meshServicesMode: "Everywhere", zoneEgress: true })).toEqual({
            mtls: { enabledBackend: "ca-1", backends: [{ name: "ca-1", type: "builtin" }] },
            meshServices: { mode: "Everywhere" },
            routing: { zoneEgress: true },
        });
    });

    it("annotates gateway pods into the mesh and sets KONG_DNS_ORDER", () => {
        const spec = gatewayConfigurationSpec({ serviceType: "ClusterIP", replicas: 2, dnsOrder: "LAST,A,CNAME" });
        const tpl = spec.dataPlaneOptions.deployment.podTemplateSpec;
        expect(spec.dataPlaneOptions.deployment.replicas).toBe(2);
        expect(tpl.metadata.annotations).toEqual({ "kuma.io/gateway": "enabled" });
        expect(tpl.metadata.labels).toEqual({
            "app.kubernetes.io/name": "kong-gateway",
            "app.kubernetes.io/part-of": "mesh-dr",
        });
        expect(tpl.spec.containers[0].env).toEqual([{ name: "KONG_DNS_ORDER", value: "LAST,A,CNAME" }]);
        expect(spec.dataPlaneOptions.network.services.ingress.type).toBe("ClusterIP");
    });
});

describe("failover", () => {
    const settings = {
        healthCheck: { interval: "10s", timeout: "3s", unhealthyThreshold: 3, healthyThreshold: 2, path: "/healthz" },
        circuitBreaker: { interval: "5s", baseEjectionTime: "30s", consecutiveFailures: 4, maxEjectionPercent: 100 },
        retry: { numRetries: 2, perTryTimeout: "1s", backOffBase: "25ms", backOffMax: "500ms" },
        timeout: { connect: "1s", request: "5s" },
        targetLabels: { "kuma.io/display-name": "echo" },
        failoverOrder: { zone1: ["zone2", "zone3"] },
    };
    const specs = failoverPolicySpecs(settings) as Record<string, any>;

    it("parses Kuma durations", () => {
        expect(durationMs("250ms")).toBe(250);
        expect(durationMs("5s")).toBe(5000);
        expect(durationMs("2m")).toBe(120_000);
        expect(durationMs("1h")).toBe(3_600_000);
        expect(() => durationMs("5 s")).toThrow("not a duration");
    });

    it("writes durations as Kuma stores them (Go's time.Duration text), so a refresh finds no difference", () => {
        const asGo: [string, string][] = [
            ["0s", "0s"],
            ["25ms", "25ms"],
            ["2s", "2s"],
            ["8750ms", "8.75s"],
            ["90s", "1m30s"],
            ["1m", "1m0s"],
            ["1h", "1h0m0s"],
            ["3723500ms", "1h2m3.5s"],
        ];
        for (const [given, stored] of asGo) expect(kumaDuration(given), given).toBe(stored);
        expect(specs.MeshTimeout.to[0].default.http.requestTimeout).toBe("5s");
    });

    it("requires a request timeout covering every retry and back-off", () => {
        expect(minimumRequestTimeoutMs(settings.retry)).toBe(3 * 1000 + 2 * 500);
    });

    it("health-checks over HTTP, without the panic threshold Kuma 2.14 deprecates there", () => {
        expect(specs.MeshHealthCheck.to[0].default).toEqual({
            interval: "10s",
            timeout: "3s",
            unhealthyThreshold: 3,
            healthyThreshold: 2,
            http: { path: "/healthz", expectedStatuses: [200] },
        });
    });

    it("retries on 5xx (lower case), gateway errors, resets and connect failures on other hosts and priorities", () => {
        const http = specs.MeshRetry.to[0].default.http;
        expect(http.retryOn).toEqual(["5xx", "GatewayError", "Reset", "ConnectFailure"]);
        expect(http.hostSelection).toEqual([
            { predicate: "OmitPreviousHosts" },
            { predicate: "OmitPreviousPriorities", updateFrequency: 1 },
        ]);
        expect(http).toMatchObject({
            numRetries: 2,
            perTryTimeout: "1s",
            backOff: { baseInterval: "25ms", maxInterval: "500ms" },
        });
    });

    it("ejects outliers after consecutive failures, with panic mode off", () => {
        expect(specs.MeshCircuitBreaker.to[0].default.outlierDetection).toMatchObject({
            disabled: false,
            interval: "5s",
            baseEjectionTime: "30s",
            maxEjectionPercent: 100,
            healthyPanicThreshold: 0,
            detectors: { totalFailures: { consecutive: 4 }, gatewayFailures: { consecutive: 4 } },
        });
    });

    it("times requests out no sooner than the retries allow", () => {
        expect(specs.MeshTimeout.to[0].default).toEqual({ connectionTimeout: "1s", http: { requestTimeout: "5s" } });
    });

    it("keeps traffic zone-local and fails over in the configured order, then anywhere", () => {
        expect(specs.MeshLoadBalancingStrategy.to[0].default.localityAwareness).toEqual({
            disabled: false,
            crossZone: {
                failover: [
                    { from: { zones: ["zone1"] }, to: { type: "Only", zones: ["zone2"] } },
                    { from: { zones: ["zone1"] }, to: { type: "Only", zones: ["zone3"] } },
                    { to: { type: "Any" } },
                ],
            },
        });
        expect(crossZoneFailover({})).toEqual([{ to: { type: "Any" } }]);
    });
});

describe("image references", () => {
    it.each([
        "kong/go-echo:0.3.0",
        "registry.example.com:5000/team/echo@sha256:" + "a".repeat(64),
        "echo",
        "ghcr.io/kong/go-echo:v1.2_3",
        "kong/go--echo:1",
        "kong/go__echo:1",
    ])("accepts %s", ref => expect(IMAGE_REF.re.test(ref)).toBe(true));
    it.each(["Kong/go-echo:0.3.0", "kong/go echo:latest", "kong//echo", "kong/echo:", ":latest"])("rejects %s", ref =>
        expect(IMAGE_REF.re.test(ref)).toBe(false),
    );
});
