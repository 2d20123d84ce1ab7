import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "./config";

/**
 * One explicit provider per cluster. The kubeconfig (path or contents) always travels as a
 * secret so it is encrypted in state; `clusterIdentifier` keeps a rotated credential from
 * replacing every object on the cluster.
 */
export function clusterProvider(cluster: ClusterConfig, skipUnreachable: boolean): k8s.Provider {
    return new k8s.Provider(cluster.name, {
        kubeconfig: cluster.kubeconfig === undefined ? undefined : pulumi.secret(cluster.kubeconfig),
        context: cluster.context,
        clusterIdentifier: cluster.name,
        // With skipUnreachable, `up` goes ahead for the other clusters while this one is down.
        skipUpdateUnreachable: skipUnreachable,
    });
}
