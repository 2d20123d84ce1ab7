// A local HTTP server that answers as Kuma's API does for the calls the program makes: objects
// by path, Bearer tokens, 404 for absent objects, and what the control plane adds on store
// (timestamps, its own labels). It records every request, so tests can check their shapes.
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface Recorded {
    method: string;
    path: string;
    authorization?: string;
    body?: any;
}

export class FakeKumaApi {
    readonly objects = new Map<string, any>();
    readonly requests: Recorded[] = [];
    private server?: http.Server;

    /** `prefix` is where the API sits under the host: "" on-prem, `/v1/mesh/control-planes/<id>/api` on Konnect. */
    constructor(
        readonly token: string,
        readonly prefix = "",
    ) {}

    async start(): Promise<string> {
        this.server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", c => chunks.push(c));
            req.on("end", () => this.answer(req, Buffer.concat(chunks).toString("utf8"), res));
        });
        await new Promise<void>(resolve => this.server!.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.prefix}`;
    }

    async stop(): Promise<void> {
        await new Promise(resolve => this.server?.close(resolve));
    }

    private answer(req: http.IncomingMessage, text: string, res: http.ServerResponse) {
        const send = (status: number, body?: unknown) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(body === undefined ? "" : JSON.stringify(body));
        };
        const body = text === "" ? undefined : JSON.parse(text);
        const url = new URL(req.url!, "http://x");
        this.requests.push({ method: req.method!, path: url.pathname, authorization: req.headers.authorization, body });
        if (!url.pathname.startsWith(`${this.prefix}/`)) return send(404, { title: "Not found" });
        if (req.headers.authorization !== `Bearer ${this.token}`) {
            return send(401, { title: "Unauthenticated", details: "Invalid authentication data" });
        }
        const path = url.pathname.slice(this.prefix.length + 1);
        if (path === "meshes" && req.method === "GET") {
            return send(200, {
                total: 0,
                items: [...this.objects.entries()].filter(([p]) => /^meshes\/[^/]+$/.test(p)).map(([, o]) => o),
            });
        }
        const live = this.objects.get(path);
        switch (req.method) {
            case "GET":
                return live === undefined ? send(404, { title: "Could not find resource" }) : send(200, live);
            case "PUT": {
                const { creationTime, modificationTime, ...sent } = body;
                if (creationTime !== undefined || modificationTime !== undefined)
                    return send(400, { title: "server fields sent back" });
                const stored = {
                    ...sent,
                    creationTime: live?.creationTime ?? "2026-12-02T00:00:00Z",
                    modificationTime: new Date().toISOString(),
                };
                if (sent.labels) stored.labels = { ...sent.labels, "kuma.io/origin": "global" };
                this.objects.set(path, stored);
                return send(live === undefined ? 201 : 200, {});
            }
            case "DELETE":
                if (live === undefined) return send(404, { title: "Could not find resource" });
                this.objects.delete(path);
                return send(200, {});
        }
        send(405, { title: "Method not allowed" });
    }
}
