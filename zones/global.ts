import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ApiGlobal, GlobalControlPlane, KubernetesGlobal } from "../components/global-control-plane";
import { KumaApiError, apiConnection, kumaRequest } from "../components/kuma-api";
import { ApiGlobalConfig, ConfigError, GlobalConfig, MeshConfig } from "./config";
import { formatProblem, Problem } from "./validate";

/** The one place that decides where global objects go: the kind of global control plane. */
export function globalControlPlane(
    global: GlobalConfig,
    providerOf: (cluster: { name: string }) => k8s.Provider,
): GlobalControlPlane {
    return global.kind === "kubernetes"
        ? new KubernetesGlobal(global.systemNamespace, providerOf(global.cluster))
        : new ApiGlobal();
}

/** Where the global objects went, as the stack outputs say it. */
export function globalControlPlaneOutput(global: GlobalConfig, mesh: string) {
    return global.kind === "kubernetes"
        ? { kind: global.kind, cluster: global.cluster.name, namespace: global.systemNamespace, mesh }
        : { kind: global.kind, url: global.api.url, mesh };
}

/**
 * Before anything registers: an API global control plane answers at its URL, takes the token,
 * and has the Mesh we adopt. Kubernetes clusters are checked by their providers instead.
 */
export async function checkGlobalControlPlane(global: GlobalConfig, mesh: MeshConfig): Promise<void> {
    if (global.kind !== "api") return;
    const problems = await apiProblems(global, mesh);
    if (problems.length > 0) throw new pulumi.RunError(new ConfigError(problems.map(formatProblem)).message);
}

/** What is wrong with reaching the API global control plane, as config problems (key, value, fix). */
export async function apiProblems(global: ApiGlobalConfig, mesh: MeshConfig): Promise<Problem[]> {
    const { url } = global.api;
    let conn;
    try {
        conn = apiConnection(global.api);
    } catch (e) {
        return [
            {
                key: "mesh-dr:global.api.caCert",
                value: global.api.caCert,
                message: `cannot be read (${(e as Error).message})`,
                fix: "set it to the PEM file of the CA that signed the API's certificate, or its contents",
            },
        ];
    }
    try {
        // Listing meshes needs a user the API knows: the same call proves the URL and the token.
        await kumaRequest(conn, "GET", "meshes");
        if (mesh.manage === "patch" && (await kumaRequest(conn, "GET", `meshes/${mesh.name}`)).status === 404) {
            return [
                {
                    key: "mesh-dr:mesh.manage",
                    value: mesh.manage,
                    message: `adopts Mesh ${mesh.name}, which the global control plane at ${url} does not have`,
                    fix: "create the Mesh there (kumactl apply), or set mesh.manage to create",
                },
            ];
        }
        return [];
    } catch (e) {
        const err = e as KumaApiError;
        if (err.status === 401 || err.status === 403) {
            return [
                {
                    key: "mesh-dr:global.api.token",
                    value: global.api.token === undefined ? undefined : "<token>",
                    message: `is refused by the global control plane (${err.message})`,
                    fix: "set a valid token (an admin user token, or a Konnect access token): pulumi config set --secret --path 'global.api.token' <token>",
                },
            ];
        }
        if (/certificate|self[- ]signed|CERT_|unable to verify/i.test(err.message)) {
            return [
                {
                    key: "mesh-dr:global.api.caCert",
                    value: global.api.caCert === undefined ? undefined : "<set>",
                    message: `does not verify the API's certificate (${err.message})`,
                    fix: "set global.api.caCert to the CA that signed the API's certificate (PEM file or contents)",
                },
            ];
        }
        return [
            {
                key: "mesh-dr:global.api.url",
                value: url,
                message: `cannot be reached (${err.message})`,
                fix: "check the URL and that the global control plane's API answers there (curl <url>/)",
            },
        ];
    }
}
