// Reading what the sandbox's real Kuma control planes computed, through their HTTP API (the one
// kumactl uses): resources, and the Envoy configuration a zone CP generates for a dataplane.
import * as fs from "node:fs";
import * as path from "node:path";

/** A control plane's API on loopback (scripts/sandbox/kuma.sh: PORT_BASE + 1000 + 10 × index). */
export class ControlPlane {
    constructor(readonly name: string, readonly apiPort: number) {}

    static of(sandboxDir: string, portBase: number, cluster: string): ControlPlane {
        const index = Number(fs.readFileSync(path.join(sandboxDir, cluster, "index"), "utf8"));
        return new ControlPlane(cluster, portBase + 1000 + 10 * index);
    }

    get url(): string {
        return `http://127.0.0.1:${this.apiPort}`;
    }

    /** GET a path of the API; undefined on 404. */
    async get(apiPath: string): Promise<any> {
        const r = await fetch(`${this.url}${apiPath}`);
        if (r.status === 404) return undefined;
        if (!r.ok) throw new Error(`${this.name}: GET ${apiPath}: ${r.status} ${await r.text()}`);
        return r.json();
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

    /** The one cluster whose name matches, e.g. the MMZS's; fails when none or several do. */
    clusterMatching(re: RegExp): string {
        const names = this.clusterNames().filter(n => re.test(n));
        if (names.length !== 1) throw new Error(`expected one cluster matching ${re}, found ${JSON.stringify(names)} among ${JSON.stringify(this.clusterNames())}`);
        return names[0];
    }

    /** The cluster's endpoints by locality, lowest priority number (most preferred) first. */
    localities(clusterName: string): Locality[] {
        const cla = this.ofType(TYPE.loadAssignment)[clusterName] ?? this.cluster(clusterName)?.loadAssignment ?? {};
        return (cla.endpoints ?? []).map((le: any) => ({
            zone: le.locality?.zone ?? "",
            priority: le.priority ?? 0,
            addresses: (le.lbEndpoints ?? []).map((e: any) => {
                const a = e.endpoint.address.socketAddress;
                return `${a.address}:${a.portValue}`;
            }),
        })).sort((a: Locality, b: Locality) => a.priority - b.priority || a.zone.localeCompare(b.zone));
    }
}

/** The Kong gateway stand-in `sandbox.sh gateway <zone>` creates, as a Kuma dataplane name. */
export const GATEWAY_DATAPLANE = "kong-gateway-standin.kong";

/** The name of an MMZS's Envoy cluster on a gateway: <mesh>_<name>___mzsvc_<port> (a KRI with workload identity). */
export const MMZS_CLUSTER = /_mzsvc_/;

/** Where a zone's gateway sends /echo: its MMZS cluster's endpoints, by locality. */
export async function gatewayLocalities(cp: ControlPlane, mesh: string): Promise<Locality[]> {
    const xds = await cp.proxyConfig(mesh, GATEWAY_DATAPLANE);
    return xds.localities(xds.clusterMatching(MMZS_CLUSTER));
}

/** Localities as `priority:zone`, most preferred first, e.g. ["0:zone1", "1:zone2"]. */
export function byPriority(localities: Locality[]): string[] {
    return localities.map(l => `${l.priority}:${l.zone}`);
}

/** Whether the gateway's MMZS cluster lists exactly these `priority:zone` entries, in order. */
export async function gatewayListsNow(cp: ControlPlane, mesh: string, expected: string[]): Promise<boolean> {
    return JSON.stringify(byPriority(await gatewayLocalities(cp, mesh))) === JSON.stringify(expected);
}
