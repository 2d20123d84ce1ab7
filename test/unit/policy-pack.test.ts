// The mesh-dr policy pack (policy/): each rule passes on a compliant stack modelled on what the
// program registers, and fails with a precise message on one mutation per case. Resources reach the
// rules the way the engine hands them over: through @pulumi/policy's deserializer and proxy
// (policy/testing.ts), and in the last block through its Analyze/AnalyzeStack handlers.
import { beforeAll, describe, expect, it } from "vitest";
import { FAILOVER_POLICY_KINDS } from "../../components/failover";
import {
    DISPLAY_NAME_LABEL as PROGRAM_DISPLAY_NAME_LABEL,
    K8S_NAMES,
    MANAGED_BY as PROGRAM_MANAGED_BY,
    NAMESPACE_LABEL as PROGRAM_NAMESPACE_LABEL,
    multiZoneServiceHostname as programHostname,
    serviceNames,
} from "../../components/names";
import {
    DISPLAY_NAME_LABEL,
    FAILOVER_POLICIES,
    bridgeName,
    K8S,
    KumaObject,
    MANAGED_BY,
    NAMESPACE_LABEL,
    PACK_ENFORCEMENT_LEVEL,
    PACK_NAME,
    checkKubeconfigSecret,
    kumaObjects,
    multiZoneServiceHostname,
    policies,
} from "../../policy/rules";
import { secretTrackingProblem } from "../../policy/secrets";
import {
    ModelResource,
    StackOptions,
    T,
    UNKNOWN,
    Violation,
    analyzeWithPolicyServer,
    evaluate,
    find,
    meshDrStack,
    policyProps,
    secret,
    toPolicyResources,
} from "../../policy/testing";
import { Recorder, Registered, once, runProgram } from "./harness";

const P = {
    minZones: "mesh-dr-min-zones",
    route: "mesh-dr-route-via-mmzs",
    ports: "mesh-dr-ports-agree",
    echoHa: "mesh-dr-echo-ha",
    failover: "mesh-dr-failover-policies",
    provider: "mesh-dr-explicit-provider",
    kubeconfig: "mesh-dr-kubeconfig-secret",
} as const;

/** The baseline with one change applied. */
function mutated(change: (model: ModelResource[]) => void, base: ModelResource[] = meshDrStack()): ModelResource[] {
    change(base);
    return base;
}

function without(model: ModelResource[], type: string, name: string): ModelResource[] {
    const r = find(model, type, name);
    return model.filter(m => m !== r);
}

/** Violations of one policy. */
function of(violations: Violation[], policy: string): Violation[] {
    return violations.filter(v => v.policy === policy);
}

/** Asserts that exactly the given policy fired, `count` times, and returns its messages. */
function onlyViolations(model: ModelResource[], policy: string, count = 1): string[] {
    const violations = evaluate(policies, model);
    expect(
        violations.map(v => v.policy),
        JSON.stringify(violations, null, 1),
    ).toEqual(Array(count).fill(policy));
    return violations.map(v => v.message);
}

/** Asserts that exactly one violation was reported, of the given policy, and returns it. */
function theViolation(model: ModelResource[], policy: string): Violation {
    const violations = evaluate(policies, model);
    expect(
        violations.map(v => v.policy),
        JSON.stringify(violations, null, 1),
    ).toEqual([policy]);
    return violations[0];
}

const urn = (type: string, name: string, chain: string[]) =>
    `urn:pulumi:test::mesh-dr::${[...chain, type].join("$")}::${name}`;

describe("the pack", () => {
    it("has seven uniquely named policies, all mandatory", () => {
        expect(PACK_NAME).toBe("mesh-dr");
        expect(PACK_ENFORCEMENT_LEVEL).toBe("mandatory");
        expect(policies.map(p => p.name).sort()).toEqual(Object.values(P).sort());
        for (const p of policies) expect(p.enforcementLevel, p.name).toBe("mandatory");
    });

    it("uses the program's names, labels, hostname scheme and failover policy kinds", () => {
        expect(K8S.zoneNamespace).toBe(K8S_NAMES.namespace);
        expect(K8S.echo).toBe(K8S_NAMES.echo);
        expect(K8S.echo).toBe(serviceNames(K8S_NAMES.echo).multiZoneService);
        for (const service of [K8S.echo, "api"]) expect(bridgeName(service)).toBe(serviceNames(service).bridge);
        expect(NAMESPACE_LABEL).toBe(PROGRAM_NAMESPACE_LABEL);
        expect({ [MANAGED_BY.key]: MANAGED_BY.value }).toEqual(PROGRAM_MANAGED_BY);
        expect(DISPLAY_NAME_LABEL).toBe(PROGRAM_DISPLAY_NAME_LABEL);
        expect(multiZoneServiceHostname("echo")).toBe(programHostname("echo"));
        expect(Object.fromEntries(Object.entries(FAILOVER_POLICIES).map(([k, v]) => [k, v.suffix]))).toEqual(
            FAILOVER_POLICY_KINDS,
        );
    });

    it("can see which properties arrived as secrets through @pulumi/policy's deserializer", () => {
        expect(secretTrackingProblem()).toBeUndefined();
    });
});

describe("the compliant baseline", () => {
    it("passes every policy (contexts only)", () => {
        expect(evaluate(policies, meshDrStack())).toEqual([]);
    });

    it("passes every policy with secret kubeconfigs, three zones, another port and the global plane on its own cluster", () => {
        expect(evaluate(policies, meshDrStack({ kubeconfigs: true }))).toEqual([]);
        expect(evaluate(policies, meshDrStack({ zones: ["east", "west", "south-1"], port: 8080 }))).toEqual([]);
    });
});

describe("mesh-dr-min-zones", () => {
    it("fails for a single zone and says how many there are", () => {
        const [message] = onlyViolations(meshDrStack({ zones: ["zone1"] }), P.minZones);
        expect(message).toContain(
            'needs at least 2 zones on separate clusters for disaster recovery, but this stack has 1 zone cluster: zone1 (provider "zone1")',
        );
        expect(message).toContain("Fix: list at least 2 zones in mesh-dr:zones");
    });

    it("counts two zones on one provider as one cluster", () => {
        const model = mutated(m => {
            for (const r of m) if (r.provider === "zone2") r.provider = "zone1";
        });
        const [message] = of(evaluate(policies, model), P.minZones).map(v => v.message);
        expect(message).toContain(
            'this stack has 1 zone cluster: zone1, zone2 (provider "zone1") (zones on one provider share a cluster',
        );
    });

    it("fails when no zone namespace is registered", () => {
        const model = meshDrStack().filter(r => r.type !== T.namespace);
        const [message] = of(evaluate(policies, model), P.minZones).map(v => v.message);
        expect(message).toContain("but this stack has 0 zone clusters.");
    });
});

describe("mesh-dr-route-via-mmzs", () => {
    it("reports a zone routed to its local echo Service (routeBackend: local) as a DR violation", () => {
        const model = mutated(m => {
            find(m, T.httpRoute, "zone1-echo").props.spec.rules[0].backendRefs = [{ name: "echo", port: 1027 }];
        });
        const violations = evaluate(policies, model);
        expect(violations.map(v => v.policy)).toEqual([P.route]);
        expect(violations[0].urn).toBe(urn(T.httpRoute, "zone1-echo", [T.meshZone, "mesh-dr:index:ServiceRoute"]));
        expect(violations[0].message).toBe(
            'zone zone1: HTTPRoute "zone1-echo" sends /echo to the zone-local ClusterIP Service "kong/echo" (routeBackend: local) ' +
                "instead of the MeshMultiZoneService. This breaks the DR invariant: when this zone's echo fails, its gateway has no " +
                "other zone to fail over to. Fix: remove routeBackend: local from this zone in mesh-dr:zones (the default, multizone, " +
                'routes through the ExternalName Service "echo-mmzs-service").',
        );
    });

    it("fails when the ExternalName does not point at the MMZS hostname", () => {
        const model = mutated(m => {
            find(m, T.service, "zone2-echo-mmzs-service").props.spec.externalName = "echo.kong.svc.cluster.local";
        });
        const [message] = onlyViolations(model, P.route);
        expect(message).toContain(
            'zone zone2: Service "zone2-echo-mmzs-service" (kong/echo-mmzs-service), the backend of HTTPRoute "zone2-echo", ' +
                'has externalName "echo.kong.svc.cluster.local", which is not the hostname of a MeshMultiZoneService in this stack ' +
                "(expected echo.mzsvc.mesh.local)",
        );
    });

    it("fails when the route's backend Service is on another cluster", () => {
        const model = mutated(m => {
            find(m, T.service, "zone2-echo-mmzs-service").provider = "zone1";
        });
        const messages = of(evaluate(policies, model), P.route).map(v => v.message);
        expect(messages).toEqual([
            expect.stringContaining(
                'zone zone2: HTTPRoute "zone2-echo" sends /echo to Service "kong/echo-mmzs-service", which this stack does not create ' +
                    'on the zone\'s cluster (provider "zone2")',
            ),
        ]);
    });

    it("fails when a zone has no route for a service", () => {
        const [message] = onlyViolations(without(meshDrStack(), T.httpRoute, "zone2-echo"), P.route);
        expect(message).toContain('zone zone2: no HTTPRoute "echo" in namespace "kong" routes service echo');
    });

    it("fails when the route's /echo rule names something other than a Service", () => {
        const model = mutated(m => {
            find(m, T.httpRoute, "zone1-echo").props.spec.rules[0].backendRefs = [
                { group: "kuma.io", kind: "MeshService", name: "echo", port: 1027 },
            ];
        });
        const messages = of(evaluate(policies, model), P.route).map(v => v.message);
        expect(messages).toEqual([
            expect.stringContaining(
                'zone zone1: HTTPRoute "zone1-echo" sends /echo to MeshService "echo", not to a Service',
            ),
        ]);
    });

    it("fails when the stack has no MeshMultiZoneService", () => {
        const model = without(meshDrStack(), T.mmzs, "echo-mmzs");
        const [message] = of(evaluate(policies, model), P.route).map(v => v.message);
        expect(message).toContain(
            "this stack has no MeshMultiZoneService, so no zone's route can fail over to another zone",
        );
    });
});

describe("mesh-dr-ports-agree", () => {
    it("fails when the ExternalName port differs, naming every port and the odd object", () => {
        const model = mutated(m => {
            find(m, T.service, "zone2-echo-mmzs-service").props.spec.ports[0].port = 8080;
        });
        const violations = evaluate(policies, model);
        expect(violations.map(v => v.policy)).toEqual([P.ports]);
        expect(violations[0].urn).toBe(
            urn(T.service, "zone2-echo-mmzs-service", [T.meshZone, "mesh-dr:index:ServiceRoute"]),
        );
        expect(violations[0].message).toBe(
            'zone zone2: service echo\'s port differs between the objects that must agree on it: Service "zone2-echo" port "http" = 1027, ' +
                'Service "zone2-echo-mmzs-service" port = 8080, MeshMultiZoneService "echo-mmzs" spec.ports[0].port = 1027, ' +
                'HTTPRoute "zone2-echo" backendRef "echo-mmzs-service" port = 1027. The route, the ExternalName Service, the ' +
                "MeshMultiZoneService and the Service's \"http\" port must all use one port. Fix: set the service's port once " +
                "(mesh-dr:services[i].port, or mesh-dr:echo.port for the walkthrough) and let the program derive every port from it.",
        );
    });

    it("fails in every zone when the MMZS port differs", () => {
        const model = mutated(m => {
            find(m, T.mmzs, "echo-mmzs").props.spec.ports[0].port = 9000;
        });
        const messages = onlyViolations(model, P.ports, 2);
        expect(messages[0]).toMatch(/^zone zone1: .*MeshMultiZoneService "echo-mmzs" spec.ports\[0\].port = 9000/);
        expect(messages[1]).toMatch(/^zone zone2: /);
    });

    it("fails when the route's backendRef port differs", () => {
        const model = mutated(m => {
            find(m, T.httpRoute, "zone1-echo").props.spec.rules[0].backendRefs[0].port = 80;
        });
        const [message] = onlyViolations(model, P.ports);
        expect(message).toContain('HTTPRoute "zone1-echo" backendRef "echo-mmzs-service" port = 80');
    });

    it("fails when the echo Service has no port named http", () => {
        const model = mutated(m => {
            const ports = find(m, T.service, "zone1-echo").props.spec.ports;
            ports.find((p: { name: string }) => p.name === "http").name = "web";
        });
        const [message] = onlyViolations(model, P.ports);
        expect(message).toContain('zone zone1: Service "zone1-echo" has no port named "http"');
    });
});

describe("mesh-dr-echo-ha", () => {
    it("fails for a single replica", () => {
        const model = mutated(m => {
            find(m, T.deployment, "zone2-echo").props.spec.replicas = 1;
        });
        const violations = evaluate(policies, model);
        expect(violations.map(v => v.policy)).toEqual([P.echoHa]);
        expect(violations[0].urn).toBe(urn(T.deployment, "zone2-echo", [T.meshZone, "mesh-dr:index:ServiceWorkload"]));
        expect(violations[0].message).toBe(
            'zone zone2: Deployment "zone2-echo" runs 1 replica; a zone needs at least 2 so it keeps ' +
                "serving while one pod fails or its node is drained. Fix: set the service's workload.replicas in mesh-dr:services, or this " +
                "zone's services.<name>.replicas in mesh-dr:zones (for the walkthrough: mesh-dr:echo.replicas, or the zone's echoReplicas), to 2 or more.",
        );
    });

    it("treats an unset replica count as Kubernetes' default of 1", () => {
        const model = mutated(m => {
            delete find(m, T.deployment, "zone1-echo").props.spec.replicas;
        });
        expect(onlyViolations(model, P.echoHa)[0]).toContain('zone zone1: Deployment "zone1-echo" runs 1 replica');
    });

    it("fails for a container without a readinessProbe", () => {
        const model = mutated(m => {
            delete find(m, T.deployment, "zone1-echo").props.spec.template.spec.containers[0].readinessProbe;
        });
        expect(onlyViolations(model, P.echoHa)[0]).toContain(
            'zone zone1: Deployment "zone1-echo": container "echo" has no readinessProbe, so a dead pod stays an endpoint',
        );
    });
});

describe("mesh-dr-failover-policies", () => {
    it("fails when one failover policy is missing, naming the kind and the MMZS", () => {
        const [message] = onlyViolations(without(meshDrStack(), T.kuma("MeshRetry"), "echo-retry"), P.failover);
        expect(message).toContain(
            'MeshMultiZoneService "echo-mmzs" ("echo") has no MeshRetry whose spec.to[].targetRef is ' +
                "{kind: MeshMultiZoneService, labels: {kuma.io/display-name: echo}}, and requests caught by a failure are retried on another zone.",
        );
        expect(message).toContain(
            'Fix: set mesh-dr:failover.enabled to true (the default) so FailoverPolicies creates "echo-retry"',
        );
    });

    it("fails for each kind when failover is disabled", () => {
        const model = meshDrStack().filter(
            r =>
                ![
                    "MeshHealthCheck",
                    "MeshCircuitBreaker",
                    "MeshRetry",
                    "MeshTimeout",
                    "MeshLoadBalancingStrategy",
                ].some(kind => r.type === T.kuma(kind)),
        );
        const messages = onlyViolations(model, P.failover, 5);
        for (const [i, kind] of Object.keys(FAILOVER_POLICY_KINDS).entries())
            expect(messages[i]).toContain(`has no ${kind} whose`);
    });

    it("fails when a policy targets the MMZS by other labels than its display name", () => {
        const model = mutated(m => {
            find(m, T.kuma("MeshTimeout"), "echo-timeout").props.spec.to[0].targetRef.labels["kuma.io/zone"] = "zone1";
        });
        expect(onlyViolations(model, P.failover)[0]).toContain("has no MeshTimeout whose spec.to[].targetRef is");
    });

    it("fails when a policy targets the MMZS from where Kuma does not read it", () => {
        const model = mutated(m => {
            const hc = find(m, T.kuma("MeshHealthCheck"), "echo-health-check");
            hc.props.metadata.namespace = "kong";
            hc.provider = "zone2";
        });
        expect(onlyViolations(model, P.failover)).toEqual([
            'MeshHealthCheck "echo-health-check" targets MeshMultiZoneService "echo" ' +
                'but is not where Kuma reads it: it is in namespace "kong" on provider "zone2", mesh "default", while the ' +
                'MeshMultiZoneService is in namespace "kong-mesh-system" on provider "global", mesh "default". Fix: create the ' +
                'MeshHealthCheck where the MeshMultiZoneService is: with provider "global", in namespace "kong-mesh-system", ' +
                "labelled kuma.io/mesh: default.",
        ]);
    });
});

// ---------------------------------------------------------------------------------------------
// The same rules on the other form of the global objects: KumaApiObjects in Kuma's resource format
// (mesh-dr:global.api: Universal, Konnect), with no global cluster and no namespace.

describe("global objects on an API global control plane", () => {
    const apiStack = (opts: Omit<StackOptions, "global"> = {}) => meshDrStack({ ...opts, global: "api" });
    const body = (model: ModelResource[], name: string) => find(model, T.kumaApiObject, name).props.body;

    it("are read by kumaObjects as the same objects as on a Kubernetes global, all on the one API", () => {
        const read = (model: ModelResource[]) => kumaObjects(toPolicyResources(model));
        // An API global's Mesh has its fields at the top level of its body, not in spec.
        const same = (objects: KumaObject[]) =>
            objects.map(({ kind, name, mesh, spec, label }) => ({
                kind,
                name,
                mesh,
                label,
                spec: kind === "Mesh" ? undefined : spec,
            }));
        const [k8s, api] = [read(meshDrStack()), read(apiStack())];
        expect(api.map(o => o.kind)).toEqual([
            "Mesh",
            "MeshMultiZoneService",
            ...Object.keys(FAILOVER_POLICY_KINDS),
            "MeshTrafficPermission",
        ]);
        expect(same(api)).toEqual(same(k8s));
        expect(new Set(api.map(o => `${o.namespace}|${o.controlPlane}|${o.where}`))).toEqual(
            new Set(["|api|the API global control plane"]),
        );
        expect(new Set(k8s.map(o => `${o.namespace}|${o.where}`))).toEqual(
            new Set(['undefined|provider "global"', 'kong-mesh-system|provider "global"']),
        );
    });

    it("pass every policy, with no global cluster and no Kuma custom resource", () => {
        const model = apiStack();
        expect(model.filter(r => r.type === T.provider).map(r => r.name)).toEqual(["zone1", "zone2"]);
        expect(model.filter(r => r.type.startsWith("kubernetes:kuma.io/"))).toEqual([]);
        expect(evaluate(policies, model)).toEqual([]);
        expect(
            evaluate(policies, apiStack({ zones: ["east", "west", "south-1"], port: 8080, kubeconfigs: true })),
        ).toEqual([]);
    });

    it("fail mesh-dr-failover-policies when one failover policy is missing, on the MMZS's KumaApiObject", () => {
        const violation = theViolation(without(apiStack(), T.kumaApiObject, "echo-retry"), P.failover);
        expect(violation.urn).toBe(urn(T.kumaApiObject, "echo-mmzs", ["mesh-dr:index:MeshMultiZoneService"]));
        expect(violation.message).toBe(
            'MeshMultiZoneService "echo-mmzs" ("echo") has no MeshRetry whose spec.to[].targetRef is ' +
                "{kind: MeshMultiZoneService, labels: {kuma.io/display-name: echo}}, and requests caught by a failure are retried on " +
                'another zone. Fix: set mesh-dr:failover.enabled to true (the default) so FailoverPolicies creates "echo-retry", or ' +
                "target the MeshMultiZoneService by exactly that targetRef in an existing MeshRetry.",
        );
    });

    it("fail mesh-dr-failover-policies for each kind when failover is disabled", () => {
        const model = apiStack().filter(
            r => !(r.type === T.kumaApiObject && r.props.body.type in FAILOVER_POLICY_KINDS),
        );
        const messages = onlyViolations(model, P.failover, 5);
        for (const [i, kind] of Object.keys(FAILOVER_POLICY_KINDS).entries())
            expect(messages[i]).toContain(`has no ${kind} whose`);
    });

    it("fail mesh-dr-failover-policies when a policy targets the MMZS by other labels than its display name", () => {
        const model = mutated(m => {
            body(m, "echo-timeout").spec.to[0].targetRef.labels["kuma.io/zone"] = "zone1";
        }, apiStack());
        expect(onlyViolations(model, P.failover)[0]).toContain(
            'MeshMultiZoneService "echo-mmzs" ("echo") has no MeshTimeout whose',
        );
    });

    it("fail mesh-dr-failover-policies when a policy is in another mesh", () => {
        const model = mutated(m => {
            const hc = find(m, T.kumaApiObject, "echo-health-check");
            hc.props.path = "meshes/payments/meshhealthchecks/echo-health-check";
            hc.props.body.mesh = "payments";
        }, apiStack());
        const violation = theViolation(model, P.failover);
        expect(violation.urn).toBe(urn(T.kumaApiObject, "echo-health-check", ["mesh-dr:index:FailoverPolicies"]));
        expect(violation.message).toBe(
            'MeshHealthCheck "echo-health-check" targets MeshMultiZoneService "echo" but is not ' +
                'where Kuma reads it: it is on the API global control plane, mesh "payments", while the MeshMultiZoneService is on ' +
                'the API global control plane, mesh "default". Fix: create the MeshHealthCheck where the MeshMultiZoneService is: ' +
                'on the API global control plane (mesh-dr:global.api), in mesh "default".',
        );
    });

    it("fail mesh-dr-failover-policies for a policy on a Kubernetes global while the MMZS is on the API", () => {
        const k8s = meshDrStack();
        const model = [
            ...without(apiStack(), T.kumaApiObject, "echo-health-check"),
            find(k8s, T.provider, "global"),
            find(k8s, T.kuma("MeshHealthCheck"), "echo-health-check"),
        ];
        expect(onlyViolations(model, P.failover)).toEqual([
            expect.stringContaining(
                'MeshHealthCheck "echo-health-check" targets ' +
                    'MeshMultiZoneService "echo" but is not where Kuma reads it: it is in namespace "kong-mesh-system" on provider ' +
                    '"global", mesh "default", while the MeshMultiZoneService is on the API global control plane, mesh "default".',
            ),
        ]);
    });

    it("fail mesh-dr-ports-agree in every zone when the MMZS port differs", () => {
        const model = mutated(m => {
            body(m, "echo-mmzs").spec.ports[0].port = 9000;
        }, apiStack());
        const violations = evaluate(policies, model);
        expect(violations.map(v => [v.policy, v.urn])).toEqual(
            Array(2).fill([P.ports, urn(T.kumaApiObject, "echo-mmzs", ["mesh-dr:index:MeshMultiZoneService"])]),
        );
        expect(violations[0].message).toBe(
            "zone zone1: service echo's port differs between the objects that must agree on it: " +
                'Service "zone1-echo" port "http" = 1027, Service "zone1-echo-mmzs-service" port = 1027, MeshMultiZoneService ' +
                '"echo-mmzs" spec.ports[0].port = 9000, HTTPRoute "zone1-echo" backendRef "echo-mmzs-service" port = 1027. The ' +
                'route, the ExternalName Service, the MeshMultiZoneService and the Service\'s "http" port must all use one ' +
                "port. Fix: set the service's port once (mesh-dr:services[i].port, or mesh-dr:echo.port for the walkthrough) and let the program derive every port from it.",
        );
        expect(violations[1].message).toMatch(/^zone zone2: /);
    });

    it("fail mesh-dr-route-via-mmzs when a renamed MMZS (its body's name) leaves the zones without its route", () => {
        const model = mutated(m => {
            const mmzs = find(m, T.kumaApiObject, "echo-mmzs");
            mmzs.props.path = "meshes/default/meshmultizoneservices/echo-dr";
            mmzs.props.body.name = "echo-dr";
        }, apiStack());
        const route = of(evaluate(policies, model), P.route).map(v => v.message);
        expect(route).toHaveLength(2);
        expect(route[0]).toContain('zone zone1: no HTTPRoute "echo-dr" in namespace "kong" routes service echo-dr');
    });

    it("fail mesh-dr-route-via-mmzs when the ExternalName does not point at its service's MMZS hostname", () => {
        const model = mutated(m => {
            find(m, T.service, "zone1-echo-mmzs-service").props.spec.externalName = "echo-dr.mzsvc.mesh.local";
        }, apiStack());
        const [message] = onlyViolations(model, P.route);
        expect(message).toContain(
            'has externalName "echo-dr.mzsvc.mesh.local", which is not the hostname of a ' +
                "MeshMultiZoneService in this stack (expected echo.mzsvc.mesh.local)",
        );
    });

    it("fail mesh-dr-route-via-mmzs when the stack has no MeshMultiZoneService", () => {
        const [message] = onlyViolations(without(apiStack(), T.kumaApiObject, "echo-mmzs"), P.route);
        expect(message).toBe(
            "this stack has no MeshMultiZoneService, so no zone's route can fail over to another zone. " +
                "Fix: keep the MeshMultiZoneService component (zones/index.ts), which hands it to the global control plane " +
                "(on its cluster, or through mesh-dr:global.api).",
        );
    });

    it("make mesh-dr-ports-agree advisory when the MMZS port is unknown during preview", () => {
        const model = mutated(m => {
            body(m, "echo-mmzs").spec.ports[0].port = UNKNOWN;
        }, apiStack());
        expect(evaluate(policies, model)).toEqual([expect.objectContaining({ policy: P.ports, level: "advisory" })]);
    });
});

describe("mesh-dr-explicit-provider", () => {
    it("fails for a Kubernetes object on the default provider", () => {
        const model = mutated(m => {
            find(m, T.deployment, "zone2-echo").provider = "default_4_25_0";
        });
        const violations = evaluate(policies, model);
        expect(violations.map(v => v.policy)).toContain(P.provider);
        const [message] = of(violations, P.provider).map(v => v.message);
        expect(message).toBe(
            'zone zone2: Deployment "zone2-echo" uses the default Kubernetes provider "default_4_25_0", i.e. ' +
                "whatever cluster $KUBECONFIG points at, not its zone's cluster. Fix: create it with the zone's explicit provider " +
                "({provider} on the component, as zones/index.ts does with clusterProvider()), and keep " +
                "pulumi:disable-default-providers: [kubernetes] in Pulumi.yaml.",
        );
    });

    it("fails for a Kubernetes object without any provider reference", () => {
        const model = mutated(m => {
            delete find(m, T.mmzs, "echo-mmzs").provider;
        });
        const [message] = of(evaluate(policies, model), P.provider).map(v => v.message);
        expect(message).toContain('MeshMultiZoneService "echo-mmzs" has no provider reference');
    });

    it("leaves local Kubernetes components and other packages' resources alone", () => {
        const model = [
            ...meshDrStack(),
            { type: "kubernetes:helm.sh/v3:Chart", name: "zone1-chart", custom: false, props: {} },
            {
                type: "kubernetes-cert-manager:index:CertManager",
                name: "zone1-cert-manager",
                custom: false,
                props: {},
                provider: "default_0_2_0",
            },
        ];
        expect(evaluate(policies, model)).toEqual([]);
    });
});

describe("mesh-dr-kubeconfig-secret", () => {
    it("fails for a kubeconfig in plain text", () => {
        const model = mutated(
            m => {
                find(m, T.provider, "zone2").props.kubeconfig = ".sandbox/zone2/kubeconfig";
            },
            meshDrStack({ kubeconfigs: true }),
        );
        const violations = evaluate(policies, model);
        expect(violations.map(v => v.policy)).toEqual([P.kubeconfig]);
        expect(violations[0].urn).toBe("urn:pulumi:test::mesh-dr::pulumi:providers:kubernetes::zone2");
        expect(violations[0].message).toBe(
            'Kubernetes provider "zone2" gets its kubeconfig in plain text: it would be stored ' +
                "unencrypted in the stack's state and shown in diffs. Fix: pass it as pulumi.secret(...) as zones/providers.ts " +
                "clusterProvider() does, and store kubeconfig contents with `pulumi config set --secret`.",
        );
    });

    it("says it cannot tell when the props did not come from the engine", () => {
        const messages: string[] = [];
        checkKubeconfigSecret({ type: T.provider, name: "zone1", props: { kubeconfig: "/tmp/kubeconfig" } }, m =>
            messages.push(m),
        );
        expect(messages).toEqual([
            expect.stringContaining('cannot tell whether Kubernetes provider "zone1"\'s kubeconfig is a secret'),
        ]);
    });

    it("accepts a secret kubeconfig, and a provider without one", () => {
        const messages: string[] = [];
        checkKubeconfigSecret(
            { type: T.provider, name: "zone1", props: policyProps({ kubeconfig: secret("apiVersion: v1\n") }) },
            m => messages.push(m),
        );
        checkKubeconfigSecret({ type: T.provider, name: "zone2", props: policyProps({ context: "zone2" }) }, m =>
            messages.push(m),
        );
        expect(messages).toEqual([]);
    });
});

describe("values unknown during preview", () => {
    it("make the stack policy that reads them advisory instead of failing it", () => {
        const model = mutated(m => {
            find(m, T.service, "zone1-echo-mmzs-service").props.spec.externalName = UNKNOWN;
        });
        const violations = evaluate(policies, model);
        expect(violations).toEqual([expect.objectContaining({ policy: P.route, level: "advisory" })]);
        expect(violations[0].message).toContain("spec.externalName");
    });
});

// ---------------------------------------------------------------------------------------------
// The program itself, under mocks, as the policies would see it.

const rec = new Recorder();

/** The program's registrations for a stack config, run once per config. */
const registrationsOf = once(async (raw: Record<string, unknown>, secretKeys: string[]): Promise<Registered[]> => {
    await runProgram(rec, raw, secretKeys);
    return [...rec.resources];
});

/** Runs the program from stack config and returns its registrations as a model (a copy of its own). */
async function programModel(raw: Record<string, unknown>, secretKeys: string[] = []): Promise<ModelResource[]> {
    return structuredClone(await registrationsOf(raw, secretKeys)).map(r => ({
        type: r.type,
        name: r.name,
        custom: r.custom,
        props: r.inputs,
        // "<provider urn>::<id>": the provider resource's name ends the URN.
        provider:
            r.provider === ""
                ? r.custom && r.type.startsWith("kubernetes:")
                    ? "default"
                    : undefined
                : rec.providerName(r),
    }));
}

describe("the program's own registrations", () => {
    const zones = [
        { name: "zone1", context: "zone1" },
        { name: "zone2", context: "zone2" },
    ];
    const global = { context: "global" };

    it("pass every policy with the default config", async () => {
        const model = await programModel({ zones, global });
        expect(model.filter(r => r.type === T.httpRoute)).toHaveLength(2);
        expect(evaluate(policies, model)).toEqual([]);
    });

    it("pass every policy with secret kubeconfigs, a global cluster of its own and another port", async () => {
        const model = await programModel(
            {
                zones: [
                    { name: "zone1", kubeconfig: "/tmp/zone1.yaml" },
                    { name: "zone2", kubeconfig: "apiVersion: v1\nkind: Config\n" },
                ],
                global: { context: "mesh-global" },
                echo: { port: 8080 },
            },
            ["zones"],
        );
        expect(
            model
                .filter(r => r.type === T.provider)
                .map(r => r.name)
                .sort(),
        ).toEqual(["global", "zone1", "zone2"]);
        expect(evaluate(policies, model)).toEqual([]);
    });

    it("pass every policy with two services, one deployed in a namespace of its own and one that already runs", async () => {
        const services = [
            {
                name: "api",
                port: 80,
                namespace: "payments",
                routes: ["/api", "/v2"],
                workload: { image: "example/api:1.0", targetPort: 8080 },
            },
            { name: "ledger", port: 8080, namespace: "finance", podLabels: { app: "ledger" } },
        ];
        const model = await programModel({ zones, global, services });
        expect(
            model
                .filter(r => r.type === T.httpRoute)
                .map(r => r.name)
                .sort(),
        ).toEqual(["zone1-api", "zone1-ledger", "zone2-api", "zone2-ledger"]);
        expect(evaluate(policies, model)).toEqual([]);
    });

    it("fail mesh-dr-route-via-mmzs and mesh-dr-echo-ha per service: the second service's route gone, its replicas at one", async () => {
        const services = [
            { name: "api", port: 80, workload: { image: "example/api:1.0" } },
            { name: "web", port: 80, workload: { image: "example/web:1.0" } },
        ];
        const model = (
            await programModel({
                zones: [zones[0], { ...zones[1], services: { web: { replicas: 1 } } }],
                global,
                services,
            })
        ).filter(r => !(r.type === T.httpRoute && r.name === "zone1-web"));
        const violations = evaluate(policies, model);
        expect(violations.map(v => v.policy).sort()).toEqual([P.echoHa, P.route].sort());
        expect(violations.find(v => v.policy === P.route)!.message).toContain(
            'zone zone1: no HTTPRoute "web" in namespace "kong" routes service web',
        );
        expect(violations.find(v => v.policy === P.echoHa)!.message).toContain(
            'zone zone2: Deployment "zone2-web" runs 1 replica',
        );
    });

    it("fail mesh-dr-min-zones with one zone", async () => {
        const model = await programModel({ zones: [zones[0]], global });
        expect(evaluate(policies, model).map(v => v.policy)).toEqual([P.minZones]);
    });

    it("fail mesh-dr-route-via-mmzs for a zone with routeBackend: local", async () => {
        const model = await programModel({ zones: [{ ...zones[0], routeBackend: "local" }, zones[1]], global });
        const violations = evaluate(policies, model);
        expect(violations.map(v => v.policy)).toEqual([P.route]);
        expect(violations[0].message).toContain(
            'zone zone1: HTTPRoute "zone1-echo" sends /echo to the zone-local ClusterIP Service "kong/echo" (routeBackend: local)',
        );
    });

    it("fail mesh-dr-echo-ha for a zone with one echo replica", async () => {
        const model = await programModel({ zones: [zones[0], { ...zones[1], echoReplicas: 1 }], global });
        const violations = evaluate(policies, model);
        expect(violations.map(v => v.policy)).toEqual([P.echoHa]);
        expect(violations[0].message).toContain('zone zone2: Deployment "zone2-echo" runs 1 replica');
    });

    it("fail mesh-dr-failover-policies once per policy kind when failover is disabled", async () => {
        const model = await programModel({ zones, global, failover: { enabled: false } });
        expect(evaluate(policies, model).map(v => v.policy)).toEqual(Array(5).fill(P.failover));
    });

    // The preflight that calls the API runs in index.ts, not in deployStack: no server is needed.
    const apiGlobal = { api: { url: "https://kuma-global.example.com:5682", token: "kpat_0123456789" } };

    it("pass every policy with an API global control plane (Universal, Konnect)", async () => {
        const model = await programModel({ zones, global: apiGlobal }, ["global"]);
        expect(model.filter(r => r.type === T.kumaApiObject)).toHaveLength(9);
        expect(model.filter(r => r.type.startsWith("kubernetes:kuma.io/"))).toEqual([]);
        expect(evaluate(policies, model)).toEqual([]);
    }, 60_000); // serializing the dynamic provider takes seconds of CPU

    it("register the API fixture's global objects as the fixture has them", async () => {
        const model = await programModel({ zones, global: apiGlobal }, ["global"]);
        const fixture = meshDrStack({ global: "api" }).filter(r => r.type === T.kumaApiObject);
        for (const r of fixture) {
            const { path, adopt, body } = find(model, T.kumaApiObject, r.name).props;
            expect({ path, adopt, body }, r.name).toEqual(r.props);
        }
    }, 60_000);

    it("fail mesh-dr-failover-policies once per policy kind with an API global and failover disabled", async () => {
        const model = await programModel({ zones, global: apiGlobal, failover: { enabled: false } }, ["global"]);
        const violations = evaluate(policies, model);
        expect(violations.map(v => v.policy)).toEqual(Array(5).fill(P.failover));
        // The model keeps no parents, so the URN has no component chain.
        expect(violations[0].urn).toBe(urn(T.kumaApiObject, "echo-mmzs", []));
    }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Through @pulumi/policy's own gRPC handlers, with requests shaped like the engine's.

describe("through @pulumi/policy's Analyze and AnalyzeStack handlers", () => {
    let baseline: Violation[];
    beforeAll(async () => {
        baseline = await analyzeWithPolicyServer(
            PACK_NAME,
            PACK_ENFORCEMENT_LEVEL,
            policies,
            meshDrStack({ kubeconfigs: true }),
        );
    });

    it("report nothing for the baseline", () => {
        expect(baseline).toEqual([]);
    });

    it("report nothing for the baseline with an API global, and a missing failover policy there", async () => {
        const model = meshDrStack({ global: "api" });
        expect(await analyzeWithPolicyServer(PACK_NAME, PACK_ENFORCEMENT_LEVEL, policies, model)).toEqual([]);
        const violations = await analyzeWithPolicyServer(
            PACK_NAME,
            PACK_ENFORCEMENT_LEVEL,
            policies,
            without(model, T.kumaApiObject, "echo-load-balancing"),
        );
        expect(violations.map(v => [v.policy, v.level, v.urn?.split("::").pop()])).toEqual([
            [P.failover, "mandatory", "echo-mmzs"],
        ]);
    });

    it("report resource and stack violations as mandatory, with the policy's description first", async () => {
        const model = meshDrStack({ kubeconfigs: true });
        find(model, T.provider, "zone1").props.kubeconfig = "/plain/kubeconfig";
        find(model, T.pdb, "zone2-echo").provider = "default_4_25_0";
        find(model, T.deployment, "zone1-echo").props.spec.replicas = 1;
        find(model, T.httpRoute, "zone2-echo").props.spec.rules[0].backendRefs = [{ name: "echo", port: 1027 }];
        const violations = await analyzeWithPolicyServer(PACK_NAME, PACK_ENFORCEMENT_LEVEL, policies, model);
        expect(violations.map(v => [v.policy, v.level, v.urn?.split("::").pop()])).toEqual([
            [P.kubeconfig, "mandatory", "zone1"],
            [P.echoHa, "mandatory", "zone1-echo"],
            [P.provider, "mandatory", "zone2-echo"],
            [P.route, "mandatory", "zone2-echo"],
        ]);
        const kubeconfig = policies.find(p => p.name === P.kubeconfig)!;
        expect(violations[0].message).toBe(
            `${kubeconfig.description}\nKubernetes provider "zone1" gets its kubeconfig in plain text: ` +
                "it would be stored unencrypted in the stack's state and shown in diffs. Fix: pass it as pulumi.secret(...) as " +
                "zones/providers.ts clusterProvider() does, and store kubeconfig contents with `pulumi config set --secret`.",
        );
        expect(violations[2].urn).toBe(urn(T.pdb, "zone2-echo", [T.meshZone, "mesh-dr:index:ServiceWorkload"]));
        expect(violations[3].message).toContain("(routeBackend: local) instead of the MeshMultiZoneService");
    });

    it("downgrade a stack policy to advisory when a value it reads is unknown during preview", async () => {
        const model = meshDrStack();
        find(model, T.service, "zone1-echo-mmzs-service").props.spec.externalName = UNKNOWN;
        const violations = await analyzeWithPolicyServer(PACK_NAME, PACK_ENFORCEMENT_LEVEL, policies, model);
        expect(violations).toEqual([expect.objectContaining({ policy: P.route, level: "advisory" })]);
        expect(violations[0].message).toContain("can't run policy 'mesh-dr-route-via-mmzs'");
    });
});
