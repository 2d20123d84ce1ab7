// Stand-ins for the Envoys of a zone's proxies, for the bench's control-plane CPU section: one
// xDS stream (ADS, state of the world) per Dataplane, ZoneIngress or ZoneEgress, opened on the
// zone CP's dp-server as Envoy opens it, authenticated with a service-account token of the
// proxy's namespace (Kubernetes mode: the CP checks it by TokenReview against the pod's
// service account), subscribed to clusters and listeners, and acknowledging every answer. The
// zone CP then does for each what it does for a real proxy: a watchdog that regenerates the
// proxy's config every xdsServer.dataplaneConfigurationRefreshInterval, the DataplaneInsight.
// No Envoy runs: the answers are counted, not applied. Protobuf by hand: the few fields needed.
import * as grpc from "@grpc/grpc-js";

const ADS = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources";
export const XDS_TYPES = [
    "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    "type.googleapis.com/envoy.config.listener.v3.Listener",
];

export type ProxyType = "dataplane" | "ingress" | "egress";

export interface ProxyRef {
    /** The Envoy node id Kuma expects: `<mesh>.<name>` (`.<name>` for zone proxies), name `<pod>.<namespace>`. */
    id: string;
    type: ProxyType;
    /** A service-account token of the pod's namespace (the pod's service account). */
    token: string;
}

// --- protobuf, the wire format's three shapes used here ---------------------------------------

function varint(n: number): Buffer {
    const out: number[] = [];
    while (n > 0x7f) {
        out.push((n & 0x7f) | 0x80);
        n = Math.floor(n / 128);
    }
    out.push(n);
    return Buffer.from(out);
}

/** A length-delimited field: a string, bytes or an embedded message. */
function field(n: number, body: Buffer | string): Buffer {
    const b = typeof body === "string" ? Buffer.from(body) : body;
    return Buffer.concat([varint((n << 3) | 2), varint(b.length), b]);
}

export type Json = string | boolean | Json[] | { [k: string]: Json };

/** google.protobuf.Value: string_value 3, bool_value 4, struct_value 5, list_value 6. */
function value(v: Json): Buffer {
    if (typeof v === "string") return field(3, v);
    if (typeof v === "boolean") return Buffer.from([(4 << 3) | 0, v ? 1 : 0]);
    if (Array.isArray(v)) return field(6, Buffer.concat(v.map(x => field(1, value(x)))));
    return field(5, struct(v));
}

/** google.protobuf.Struct: map<string, Value> fields = 1. */
function struct(o: Record<string, Json>): Buffer {
    return Buffer.concat(Object.entries(o).map(([k, v]) => field(1, Buffer.concat([field(1, k), field(2, value(v))]))));
}

/** envoy.service.discovery.v3.DiscoveryRequest: version_info 1, node 2, type_url 4, response_nonce 5. */
export function discoveryRequest(node: Buffer, typeUrl: string, ack?: { version: string; nonce: string }): Buffer {
    return Buffer.concat([
        ...(ack ? [field(1, ack.version)] : []),
        field(2, node),
        field(4, typeUrl),
        ...(ack ? [field(5, ack.nonce)] : []),
    ]);
}

/** The node metadata Kuma's bootstrap gives a proxy (pkg/xds/bootstrap), with kuma-dp's default ports. */
export function nodeMetadata(type: ProxyType): Record<string, Json> {
    return {
        "dataplane.proxyType": type,
        "dataplane.admin.port": "9901",
        "dataplane.admin.address": "127.0.0.1",
        // The CP refuses to build a config without a readiness port.
        "dataplane.readinessReporter.port": "9902",
        "dataplane.dns.port": "15053",
        version: {
            kumaDp: { version: "2.14.3", gitTag: "2.14.3", gitCommit: "mesh-dr-bench", buildDate: "" },
            envoy: { version: "1.37.0", build: "mesh-dr-bench", kumaDpCompatible: true },
        },
        features: [],
        workdir: "/tmp",
    };
}

/** envoy.config.core.v3.Node: id 1, cluster 2, metadata 3. */
export function node(proxy: Pick<ProxyRef, "id" | "type">): Buffer {
    return Buffer.concat([field(1, proxy.id), field(2, proxy.id), field(3, struct(nodeMetadata(proxy.type)))]);
}

/** The DiscoveryResponse fields an ACK needs: version_info 1, type_url 4, nonce 5 (the rest skipped). */
export function discoveryResponse(b: Buffer): { version: string; typeUrl: string; nonce: string } {
    const out = { version: "", typeUrl: "", nonce: "" };
    let i = 0;
    const readVarint = () => {
        let n = 0,
            mul = 1,
            byte: number;
        do {
            byte = b[i++];
            n += (byte & 0x7f) * mul;
            mul *= 128;
        } while (byte & 0x80);
        return n;
    };
    while (i < b.length) {
        const tag = readVarint();
        const wire = tag & 7;
        if (wire === 0) readVarint();
        else if (wire === 1) i += 8;
        else if (wire === 5) i += 4;
        else if (wire === 2) {
            const len = readVarint();
            const s = b.subarray(i, i + len).toString();
            i += len;
            const f = tag >> 3;
            if (f === 1) out.version = s;
            else if (f === 4) out.typeUrl = s;
            else if (f === 5) out.nonce = s;
        } else throw new Error(`DiscoveryResponse: wire type ${wire} at byte ${i}`);
    }
    return out;
}

// --- the streams -------------------------------------------------------------------------------

interface ProxyState {
    ref: ProxyRef;
    call: grpc.ClientDuplexStream<Buffer, Buffer>;
    /** Answers per type URL. */
    answers: Map<string, number>;
    error?: string;
}

/** The proxies of one zone, connected to its CP's dp-server (`127.0.0.1:<port>`, TLS with `ca`). */
export class ZoneProxies {
    private readonly client: grpc.Client;
    private readonly proxies: ProxyState[] = [];

    constructor(
        readonly zone: string,
        address: string,
        ca: Buffer,
    ) {
        // The certificate names 127.0.0.1 and localhost; TLS's server name cannot be an IP address.
        this.client = new grpc.Client(address, grpc.credentials.createSsl(ca), {
            "grpc.max_receive_message_length": 64 * 1024 * 1024,
            "grpc.ssl_target_name_override": "localhost",
            "grpc.default_authority": "localhost",
        });
    }

    connect(ref: ProxyRef): void {
        const meta = new grpc.Metadata();
        meta.set("authorization", ref.token);
        const call = this.client.makeBidiStreamRequest<Buffer, Buffer>(
            ADS,
            b => b,
            b => b,
            meta,
        );
        const p: ProxyState = { ref, call, answers: new Map() };
        const n = node(ref);
        call.on("data", (b: Buffer) => {
            const r = discoveryResponse(b);
            p.answers.set(r.typeUrl, (p.answers.get(r.typeUrl) ?? 0) + 1);
            call.write(discoveryRequest(n, r.typeUrl, r));
        });
        call.on("error", (e: grpc.ServiceError) => {
            if (e.code !== grpc.status.CANCELLED) p.error = e.details || e.message;
        });
        for (const t of XDS_TYPES) call.write(discoveryRequest(n, t));
        this.proxies.push(p);
    }

    /** How many proxies have had an answer of every type, and the errors of those whose stream ended. */
    progress(): { connected: number; total: number; errors: string[] } {
        return {
            connected: this.proxies.filter(p => !p.error && XDS_TYPES.every(t => p.answers.get(t))).length,
            total: this.proxies.length,
            errors: this.proxies.filter(p => p.error).map(p => `${p.ref.id}: ${p.error}`),
        };
    }

    /** Answers received so far, all proxies and types. */
    answers(): number {
        return this.proxies.reduce((n, p) => n + [...p.answers.values()].reduce((a, b) => a + b, 0), 0);
    }

    close(): void {
        for (const p of this.proxies) p.call.cancel();
        this.proxies.length = 0;
        this.client.close();
    }
}
