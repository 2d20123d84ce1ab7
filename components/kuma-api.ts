// Kuma's HTTP API as a Pulumi resource: the global objects of a Universal or Konnect global control
// plane are created, read back (refresh, drift, import), updated and deleted here, in Kuma's own
// resource format (what `kumactl apply` sends). Everything the provider runs is in this file:
// Pulumi serializes it into the state and runs it in a provider process of its own.
import * as pulumi from "@pulumi/pulumi";

/** How to reach a global control plane's API. */
export interface KumaApiConnection {
    /** Base URL: `https://cp.example.com:5682` or Konnect's `https://<region>.api.konghq.com/v1/mesh/control-planes/<id>/api`. */
    url: string;
    /** Sent as `Authorization: Bearer <token>` (a Kuma user token, or a Konnect access token). */
    token?: string;
    /** PEM contents of the CA that signed the API's certificate, when not a public CA. */
    caCert?: string;
}

/** The config key the provider reads its connection from, at run time in its own process. */
export const GLOBAL_CONFIG_KEY = "mesh-dr:global";

/** Collection names of the kinds the program manages (Kuma's `WsPath`). */
export const KUMA_API_COLLECTIONS: Record<string, string> = {
    MeshMultiZoneService: "meshmultizoneservices",
    MeshHealthCheck: "meshhealthchecks",
    MeshCircuitBreaker: "meshcircuitbreakers",
    MeshRetry: "meshretries",
    MeshTimeout: "meshtimeouts",
    MeshLoadBalancingStrategy: "meshloadbalancingstrategies",
    MeshProxyPatch: "meshproxypatches",
    MeshTrafficPermission: "meshtrafficpermissions",
};

/** An object's path under the API's base URL: `meshes/<name>` or `meshes/<mesh>/<collection>/<name>`. */
export function kumaApiPath(o: { kind: string; name: string; mesh?: string }): string {
    if (o.mesh === undefined) return `meshes/${o.name}`;
    const collection = KUMA_API_COLLECTIONS[o.kind];
    if (collection === undefined) throw new Error(`no Kuma API collection known for kind ${o.kind}`);
    return `meshes/${o.mesh}/${collection}/${o.name}`;
}

/** A refused or failed API call, with what the control plane said. */
export class KumaApiError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
        this.name = "KumaApiError";
    }
}

export interface KumaResponse {
    status: number;
    body: any;
}

/**
 * One call to the API. 404 comes back as a response (callers decide what absence means); every
 * other non-2xx status and every transport failure throws a KumaApiError naming the URL.
 */
export async function kumaRequest(
    conn: KumaApiConnection,
    method: string,
    path: string,
    body?: unknown,
): Promise<KumaResponse> {
    const url = new URL(path, conn.url.endsWith("/") ? conn.url : `${conn.url}/`);
    const client = url.protocol === "https:" ? require("node:https") : require("node:http");
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: "application/json" };
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (conn.token) headers.authorization = `Bearer ${conn.token}`;
    return new Promise<KumaResponse>((resolve, reject) => {
        const req = client.request(url, { method, headers, ca: conn.caCert, timeout: 30_000 }, (res: any) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                let parsed: any = text;
                try {
                    parsed = text === "" ? undefined : JSON.parse(text);
                } catch {
                    /* not JSON: keep the text */
                }
                const status = res.statusCode as number;
                if ((status >= 200 && status < 300) || status === 404) return resolve({ status, body: parsed });
                const said =
                    typeof parsed === "object" && parsed !== null
                        ? (parsed.title ?? "") + (parsed.details ? `: ${parsed.details}` : "")
                        : String(parsed ?? "");
                const invalid = Array.isArray(parsed?.invalid_parameters)
                    ? ` (${parsed.invalid_parameters.map((p: any) => `${p.field}: ${p.reason}`).join("; ")})`
                    : "";
                reject(new KumaApiError(status, `${method} ${url.href}: ${status} ${said}${invalid}`.trim()));
            });
        });
        req.on("timeout", () => req.destroy(new Error("no answer within 30s")));
        req.on("error", (e: Error) => reject(new KumaApiError(0, `${method} ${url.href}: ${e.message}`)));
        if (payload !== undefined) req.write(payload);
        req.end();
    });
}

/**
 * The connection as the stack config gives it (`mesh-dr:global` → `api`), with a CA file path
 * read into PEM contents. Used by the program's preflight and by the provider process alike.
 */
export function apiConnection(api: { url: string; token?: string; caCert?: string }): KumaApiConnection {
    let caCert = api.caCert;
    if (caCert !== undefined && !caCert.includes("-----BEGIN"))
        caCert = require("node:fs").readFileSync(caCert, "utf8");
    return { url: api.url, token: api.token, caCert };
}

/**
 * Fields the control plane adds to every object (readOnly in its OpenAPI spec); never ours to
 * send back or compare. Kuma 2.14 answers a GET of a Mesh with its `kri`.
 */
const SERVER_FIELDS = ["creationTime", "modificationTime", "kri"];

export interface KumaApiObjectInputs {
    /** Where the object lives under the API's base URL (also its Pulumi ID). */
    path: string;
    /** The object in Kuma's resource format (`type`, `name`, then `mesh`/`labels`/`spec`, or a Mesh's fields). */
    body: Record<string, any>;
    /** The object exists already (a control plane's Mesh): set only our fields, give them back on delete. */
    adopt: boolean;
}

interface KumaApiObjectState extends KumaApiObjectInputs {
    /** With `adopt`: the values our fields had before we set them (absent keys were unset). */
    original?: Record<string, any>;
}

/**
 * Only what we manage of a live object: our top-level keys, and of `labels`, our label keys.
 * Kuma adds its own labels (`kuma.io/origin`, ...) and timestamps; those are no drift.
 */
export function ourView(live: Record<string, any>, body: Record<string, any>): Record<string, any> {
    const view: Record<string, any> = {};
    for (const key of Object.keys(body)) {
        if (!(key in live)) continue;
        if (key === "labels" && typeof live.labels === "object" && live.labels !== null) {
            view.labels = Object.fromEntries(
                Object.keys(body.labels)
                    .filter(l => l in live.labels)
                    .map(l => [l, live.labels[l]]),
            );
        } else {
            view[key] = live[key];
        }
    }
    return view;
}

/** JSON equality regardless of key order. */
export function sameJson(a: unknown, b: unknown): boolean {
    const canon = (v: any): any =>
        Array.isArray(v)
            ? v.map(canon)
            : v !== null && typeof v === "object"
              ? Object.fromEntries(
                    Object.keys(v)
                        .sort()
                        .map(k => [k, canon(v[k])]),
                )
              : v;
    return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/** A live object with our fields set on top (adopted objects keep everything else). */
function withOurFields(live: Record<string, any>, body: Record<string, any>): Record<string, any> {
    const merged = { ...live, ...body };
    for (const f of SERVER_FIELDS) delete merged[f];
    return merged;
}

/** The dynamic provider, with the connection its process read from the stack config. */
interface KumaApiProvider extends pulumi.dynamic.ResourceProvider<KumaApiObjectInputs, KumaApiObjectState> {
    conn?: KumaApiConnection;
}

function connectionOf(p: KumaApiProvider): KumaApiConnection {
    if (p.conn === undefined) {
        throw new Error(
            `${GLOBAL_CONFIG_KEY}.api is not set in this stack's config: the objects on the API global control ` +
                "plane cannot be reached. Set it back (url and token) to update or delete them",
        );
    }
    return p.conn;
}

async function getLive(conn: KumaApiConnection, path: string): Promise<Record<string, any> | undefined> {
    const r = await kumaRequest(conn, "GET", path);
    return r.status === 404 ? undefined : r.body;
}

async function adoptedLive(conn: KumaApiConnection, path: string): Promise<Record<string, any>> {
    const live = await getLive(conn, path);
    if (live === undefined) {
        throw new Error(
            `${path} does not exist on the global control plane at ${conn.url}; ` +
                "it is adopted, not created (mesh-dr:mesh.manage patch): create it, or set mesh.manage to create",
        );
    }
    return live;
}

// The connection is a property of the provider object, not a closure variable: Pulumi serializes
// captured variables by value, per function, so one set in configure would not reach create.
export function kumaApiProvider(): KumaApiProvider {
    return {
        async configure(req) {
            const raw = req.config.get(GLOBAL_CONFIG_KEY);
            const api = raw === undefined ? undefined : JSON.parse(raw).api;
            if (api?.url) this.conn = apiConnection(api);
        },
        async create(inputs) {
            const conn = connectionOf(this);
            if (inputs.adopt) {
                const live = await adoptedLive(conn, inputs.path);
                const original = Object.fromEntries(
                    Object.keys(inputs.body)
                        .filter(k => k in live)
                        .map(k => [k, live[k]]),
                );
                await kumaRequest(conn, "PUT", inputs.path, withOurFields(live, inputs.body));
                return { id: inputs.path, outs: { ...inputs, original } };
            }
            if ((await getLive(conn, inputs.path)) !== undefined) {
                throw new Error(
                    `${inputs.path} already exists on the global control plane at ${conn.url} and is not ` +
                        "this stack's: delete it there, or adopt it with the resource option import",
                );
            }
            await kumaRequest(conn, "PUT", inputs.path, inputs.body);
            return { id: inputs.path, outs: inputs };
        },
        async read(id, props) {
            const live = await getLive(connectionOf(this), id);
            // Gone: refresh drops it from the state, and the next `up` creates it again.
            if (live === undefined) return {};
            // Imported without inputs: the whole live object is what we manage from now on.
            const body = props?.body ?? withOurFields(live, {});
            return { id, props: { adopt: false, ...props, path: id, body: ourView(live, body) } };
        },
        async diff(_id, olds, news) {
            const replaces = olds.path !== news.path ? ["path"] : [];
            const changes = replaces.length > 0 || olds.adopt !== news.adopt || !sameJson(olds.body, news.body);
            return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
        },
        async update(id, olds, news) {
            const conn = connectionOf(this);
            await kumaRequest(
                conn,
                "PUT",
                id,
                news.adopt ? withOurFields(await adoptedLive(conn, id), news.body) : news.body,
            );
            // The engine takes outputs as a protobuf Struct, which has no `undefined`.
            return { outs: olds.original === undefined ? news : { ...news, original: olds.original } };
        },
        async delete(id, props) {
            const conn = connectionOf(this);
            if (!props.adopt) {
                await kumaRequest(conn, "DELETE", id);
                return;
            }
            const live = await getLive(conn, id);
            if (live === undefined) return;
            const restored = withOurFields(live, {});
            for (const key of Object.keys(props.body)) {
                if (key === "type" || key === "name") continue;
                if (props.original && key in props.original) restored[key] = props.original[key];
                else delete restored[key];
            }
            await kumaRequest(conn, "PUT", id, restored);
        },
    };
}

/** One provider for every object: Pulumi serializes a provider once (it is cached by identity). */
const KUMA_API_PROVIDER = kumaApiProvider();

/**
 * One object on an API global control plane. Its ID is its path; `pulumi import` and the
 * `import` option take that path (e.g. `meshes/default/meshmultizoneservices/echo`).
 */
export class KumaApiObject extends pulumi.dynamic.Resource {
    declare readonly path: pulumi.Output<string>;
    declare readonly body: pulumi.Output<Record<string, any>>;

    constructor(name: string, args: KumaApiObjectInputs, opts?: pulumi.CustomResourceOptions) {
        super(KUMA_API_PROVIDER, name, { ...args }, opts, "mesh-dr", "KumaApiObject");
    }
}
