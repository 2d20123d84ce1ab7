// Reading what Kuma control planes computed, through their HTTP API (the one kumactl uses):
// resources, the Envoy configuration a zone CP generates for a dataplane, and the policies in
// effect for it. Used by the DR tool, the e2e suite and the bench alike.
import { execFile } from "node:child_process";
import { KumaApiConnection, KumaApiError, kumaRequest } from "../components/kuma-api";

/** How a control plane's API is reached: a URL, or through a cluster's API server. */
export interface Transport {
    /** A display form of where requests go (never credentials). */
    readonly where: string;
    /** GET a path of the API: the status and the body text. */
    get(apiPath: string): Promise<{ status: number; body: string }>;
}

/** Requests to a frozen or dead control plane must not hang a poll loop. */
export const REQUEST_TIMEOUT_MS = 3000;

/** The API at a URL (the sandbox's loopback ports, or a `--cp zone=URL` the operator gives). */
export class HttpTransport implements Transport {
    constructor(readonly where: string) {}

    async get(apiPath: string) {
        const r = await fetch(`${this.where}${apiPath}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        return { status: r.status, body: await r.text() };
    }
}

/** An API global control plane (Universal, Konnect), with the stack's token and CA. */
export class KumaApiTransport implements Transport {
    constructor(private readonly conn: KumaApiConnection) {}

    get where(): string {
        return this.conn.url;
    }

    async get(apiPath: string) {
        try {
            const r = await kumaRequest(this.conn, "GET", apiPath.replace(/^\//, ""));
            return { status: r.status, body: JSON.stringify(r.body ?? null) };
        } catch (e) {
            if (e instanceof KumaApiError && e.status > 0) return { status: e.status, body: e.message };
            throw e;
        }
    }
}

/**
 * The API through the Kubernetes API server's service proxy, with the cluster's own kubeconfig:
 * no port-forward, nothing exposed. `kubectl get --raw` exits non-zero on any HTTP error, so a 404
 * is recognised from its message.
 */
export class ServiceProxyTransport implements Transport {
    constructor(
        private readonly kubectlArgs: string[],
        private readonly namespace: string,
        private readonly service: string,
        port = 5681,
    ) {
        this.where = `/api/v1/namespaces/${namespace}/services/${service}:${port}/proxy`;
    }
    readonly where: string;

    get(apiPath: string) {
        return new Promise<{ status: number; body: string }>((resolve, reject) => {
            execFile(
                "kubectl",
                [...this.kubectlArgs, "get", "--raw", `${this.where}${apiPath}`],
                { timeout: REQUEST_TIMEOUT_MS * 2 },
                (err, stdout, stderr) => {
                    if (!err) return resolve({ status: 200, body: stdout });
                    // No control plane behind the proxy is not an object Kuma lacks: say so, not "absent".
                    if (stderr.includes(`services "${this.service}" not found`)) {
                        return reject(
                            new Error(
                                `no control plane: no Service ${this.service} in namespace ${this.namespace} on this cluster`,
                            ),
                        );
                    }
                    if (/NotFound|\(404\)|not found/i.test(stderr)) return resolve({ status: 404, body: stderr });
                    reject(new Error(`kubectl get --raw ${this.where}${apiPath}: ${stderr.trim() || err.message}`));
                },
            );
        });
    }
}

/** A control plane's API. */
export class ControlPlane {
    constructor(
        readonly name: string,
        readonly transport: Transport,
    ) {}

    /** A control plane whose API listens at this URL. */
    static at(name: string, url: string): ControlPlane {
        return new ControlPlane(name, new HttpTransport(url));
    }

    /** GET a path of the API; undefined on 404. */
    async get(apiPath: string): Promise<any> {
        const r = await this.transport.get(apiPath);
        if (r.status === 404) return undefined;
        if (r.status < 200 || r.status >= 300) throw new Error(`${this.name}: GET ${apiPath}: ${r.status} ${r.body}`);
        return JSON.parse(r.body);
    }

    /** The control plane's effective configuration (`GET /config`: its file, env vars and defaults). */
    async config(): Promise<unknown> {
        const body = await this.get("/config");
        if (!body) throw new Error(`${this.name}: GET /config: not found`);
        return body;
    }

    /** The Envoy resources the CP computed for a dataplane (`kumactl inspect dataplane --type config`). */
    async proxyConfig(mesh: string, dataplane: string): Promise<Xds> {
        const body = await this.get(`/meshes/${mesh}/dataplanes/${dataplane}/_config`);
        if (!body) throw new Error(`${this.name}: no config for dataplane ${dataplane} in mesh ${mesh}`);
        return new Xds(body.xds);
    }
}

/** One locality of an Envoy cluster's endpoints: the zone it is in, its priority, its addresses. */
export interface Locality {
    zone: string;
    priority: number;
    addresses: string[];
}

const TYPE = {
    cluster: "envoy.config.cluster.v3.Cluster",
    loadAssignment: "envoy.config.endpoint.v3.ClusterLoadAssignment",
} as const;

/** The `xds` part of a `_config` answer: Envoy resources by type URL, then by name. */
export class Xds {
    constructor(readonly resources: Record<string, Record<string, any>>) {}

    private ofType(type: string): Record<string, any> {
        const key = Object.keys(this.resources).find(k => k.endsWith(type));
        return key ? this.resources[key] : {};
    }

    clusterNames(): string[] {
        return Object.keys(this.ofType(TYPE.cluster)).sort();
    }

    cluster(name: string): any {
        return this.ofType(TYPE.cluster)[name];
    }

    /** The cluster's endpoints by locality, lowest priority number (most preferred) first. */
    localities(clusterName: string): Locality[] {
        const cla = this.ofType(TYPE.loadAssignment)[clusterName] ?? this.cluster(clusterName)?.loadAssignment ?? {};
        return (cla.endpoints ?? [])
            .map((le: any) => ({
                zone: le.locality?.zone ?? "",
                priority: le.priority ?? 0,
                addresses: (le.lbEndpoints ?? []).map((e: any) => {
                    const a = e.endpoint.address.socketAddress;
                    return `${a.address}:${a.portValue}`;
                }),
            }))
            .sort((a: Locality, b: Locality) => a.priority - b.priority || a.zone.localeCompare(b.zone));
    }
}

/** The Kong gateway stand-in `sandbox.sh gateway <zone>` creates, as a Kuma dataplane name. */
export const GATEWAY_DATAPLANE = "kong-gateway-standin.kong";

/**
 * Where a zone's gateway sends a service: the endpoints, by locality, of its MMZS's Envoy cluster
 * (the stack's `services.<name>.envoyCluster`); fails when the gateway has no such cluster.
 */
export async function gatewayLocalities(
    cp: ControlPlane,
    mesh: string,
    envoyCluster: string,
    dataplane = GATEWAY_DATAPLANE,
): Promise<Locality[]> {
    return serviceLocalities(await cp.proxyConfig(mesh, dataplane), envoyCluster);
}

/** A service's localities in a gateway config already read (one read serves every service). */
export function serviceLocalities(xds: Xds, envoyCluster: string): Locality[] {
    if (!xds.cluster(envoyCluster))
        throw new Error(`no cluster ${envoyCluster} on the gateway (it has ${JSON.stringify(xds.clusterNames())})`);
    return xds.localities(envoyCluster);
}

/** Localities as `priority:zone`, most preferred first, e.g. ["0:zone1", "1:zone2"]. */
export function byPriority(localities: Locality[]): string[] {
    return localities.map(l => `${l.priority}:${l.zone}`);
}

/** Whether the gateway's cluster of a service lists exactly these `priority:zone` entries, in order. */
export async function gatewayListsNow(
    cp: ControlPlane,
    mesh: string,
    envoyCluster: string,
    expected: string[],
): Promise<boolean> {
    return JSON.stringify(byPriority(await gatewayLocalities(cp, mesh, envoyCluster))) === JSON.stringify(expected);
}

/**
 * The delegated-gateway dataplanes of a namespace in a zone (Kong's data-plane pods, or the
 * sandbox's stand-in), by name; Kong Operator names its pods at random, so they are found, not named.
 */
export async function gatewayDataplanes(cp: ControlPlane, mesh: string, namespace: string): Promise<string[]> {
    const list = await cp.get(`/meshes/${mesh}/dataplanes?size=1000`);
    return (list?.items ?? [])
        .filter(
            (d: any) =>
                d.networking?.gateway &&
                d.networking.gateway.type !== "BUILTIN" &&
                String(d.name).endsWith(`.${namespace}`),
        )
        .map((d: any) => String(d.name))
        .sort();
}
