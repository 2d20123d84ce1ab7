import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KumaApiObject, kumaApiPath } from "./kuma-api";
import { MANAGED_BY } from "./names";

export const KUMA_API = "kuma.io/v1alpha1";

/**
 * A Kuma object as the components describe it, whatever kind of global control plane gets it:
 * the Mesh itself (`mesh` undefined; `spec` holds its fields) or a mesh-scoped policy/service.
 */
export interface KumaObject {
    kind: string;
    name: string;
    /** The Mesh the object belongs to; undefined for the Mesh itself. */
    mesh?: string;
    spec: object;
    /**
     * `patch`: the object exists already (the control plane's own Mesh `default`); only our
     * fields are set, and given back on destroy. Default: the object is ours.
     */
    adopt?: boolean;
}

/** What a component gets back for an object it handed over. */
export interface PlacedKumaObject {
    resource: pulumi.CustomResource;
    /** The object's name once the control plane has it: outputs derived from it wait for it. */
    name: pulumi.Output<string>;
}

/**
 * Where the global objects go. Components hand their Kuma objects to it and do not care which
 * kind of global control plane it is; `zones/global.ts` picks the kind from the stack config.
 */
export interface GlobalControlPlane {
    /** Namespace of mesh-scoped objects, as it appears in names Kuma derives ("" when none). */
    readonly namespace: string;
    place(resourceName: string, object: KumaObject, opts: pulumi.CustomResourceOptions): PlacedKumaObject;
}

/** A global control plane on Kubernetes: objects are custom resources in its system namespace. */
export class KubernetesGlobal implements GlobalControlPlane {
    constructor(
        readonly namespace: string,
        private readonly provider: k8s.Provider,
    ) {}

    place(resourceName: string, object: KumaObject, opts: pulumi.CustomResourceOptions): PlacedKumaObject {
        const props = {
            apiVersion: KUMA_API,
            kind: object.kind,
            metadata:
                object.mesh === undefined
                    ? { name: object.name, labels: { ...MANAGED_BY } }
                    : {
                          name: object.name,
                          namespace: this.namespace,
                          labels: { "kuma.io/mesh": object.mesh, ...MANAGED_BY },
                      },
            spec: object.spec,
        };
        const resourceOpts = { ...opts, provider: this.provider };
        // A patch server-side-applies only our fields, and gives them back on destroy.
        const resource = object.adopt
            ? new k8s.apiextensions.CustomResourcePatch(resourceName, props, resourceOpts)
            : new k8s.apiextensions.CustomResource(resourceName, props, resourceOpts);
        return { resource, name: resource.metadata.name };
    }
}

/**
 * A global control plane reached through Kuma's HTTP API (Universal, Konnect): objects in Kuma's
 * own resource format, as `kumactl apply` sends them. The connection comes from the stack config
 * (see KumaApiObject), so no token is ever part of a resource's state.
 */
export class ApiGlobal implements GlobalControlPlane {
    readonly namespace = "";

    place(resourceName: string, object: KumaObject, opts: pulumi.CustomResourceOptions): PlacedKumaObject {
        const body =
            object.mesh === undefined
                ? { type: object.kind, name: object.name, ...object.spec }
                : {
                      type: object.kind,
                      name: object.name,
                      mesh: object.mesh,
                      labels: { ...MANAGED_BY },
                      spec: object.spec,
                  };
        const resource = new KumaApiObject(
            resourceName,
            { path: kumaApiPath(object), body, adopt: object.adopt ?? false },
            opts,
        );
        return { resource, name: resource.body.apply(b => b.name as string) };
    }
}
