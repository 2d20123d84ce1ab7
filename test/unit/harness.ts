// Runs Pulumi code under mocks and records every registration, so tests can assert on what
// the program would send to the engine: types, names, inputs, providers and parents.
import * as pulumi from "@pulumi/pulumi";
import * as settingsModule from "@pulumi/pulumi/runtime/settings";
import * as stateModule from "@pulumi/pulumi/runtime/state";

// The runtime's own bookkeeping of operations in flight (internal: not in its type declarations).
const pulumiSettings = settingsModule as unknown as { waitForRPCs(): Promise<void> };
const pulumiState = stateModule as unknown as { getStore(): { settings: { rpcDone: Promise<void> } } };

export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** `<provider urn>::<id>`; "" means the default provider. */
    provider: string;
    custom: boolean;
}

export const PROJECT = "mesh-dr";
export const STACK = "test";

export class Recorder {
    readonly resources: Registered[] = [];

    install(): void {
        this.resources.length = 0;
        pulumi.runtime.setMocks(
            {
                newResource: (args: pulumi.runtime.MockResourceArgs) => {
                    this.resources.push({
                        type: args.type,
                        name: args.name,
                        inputs: args.inputs,
                        provider: args.provider ?? "",
                        custom: args.custom ?? true,
                    });
                    // Kubernetes names are never auto-generated under mocks: echo the given ones.
                    const state = { ...args.inputs };
                    if (args.type.startsWith("kubernetes:") && state.metadata === undefined)
                        state.metadata = { name: args.name };
                    return { id: `${args.name}-id`, state };
                },
                call(args: pulumi.runtime.MockCallArgs) {
                    return args.inputs;
                },
            },
            PROJECT,
            STACK,
            false,
        );
    }

    /**
     * Waits until registrations stop arriving (outputs resolve over several turns): until Pulumi's
     * queue of operations in flight is drained, as the runtime waits for it at a program's end, and
     * no operation began in a timer turn after that (an apply may register more once its input
     * resolves).
     */
    async settle(): Promise<void> {
        const inFlight = () => pulumiState.getStore().settings.rpcDone;
        for (;;) {
            await pulumiSettings.waitForRPCs();
            const queue = inFlight();
            const count = this.resources.length;
            await new Promise(r => setTimeout(r, 10));
            if (inFlight() === queue && this.resources.length === count) return;
        }
    }

    ofType(type: string): Registered[] {
        return this.resources.filter(r => r.type === type);
    }

    one(type: string, name: string): Registered {
        const found = this.resources.filter(r => r.type === type && r.name === name);
        if (found.length !== 1) {
            throw new Error(
                `expected one ${type} named ${name}, found ${found.length}; registered: ` +
                    this.resources.map(r => `${r.type}/${r.name}`).join(", "),
            );
        }
        return found[0];
    }

    /** The URN of the provider resource a registration uses, or "" for the default provider. */
    providerName(r: Registered): string {
        if (r.provider === "") return "";
        const urn = r.provider.split("::").slice(0, -1).join("::");
        return urn.split("::").pop()!;
    }
}

/**
 * Runs the program the way `pulumi up` does (stack config in, its secret keys named without the
 * `mesh-dr:` prefix; index.ts's wiring), records its registrations in `rec` and returns its outputs.
 */
export async function runProgram(rec: Recorder, raw: Record<string, unknown>, secretKeys: string[] = []) {
    rec.install();
    pulumi.runtime.setAllConfig(
        stackConfig(raw),
        secretKeys.map(k => `${PROJECT}:${k}`),
    );
    const { loadConfig } = await import("../../zones/config");
    const { deployStack } = await import("../../zones");
    const stack = deployStack(loadConfig());
    await rec.settle();
    return stack;
}

/** `fn` run once per list of arguments (compared as JSON): for tests that only read what a run made. */
export function once<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    const runs = new Map<string, Promise<R>>();
    return (...args: A) => {
        const key = JSON.stringify(args);
        if (!runs.has(key)) runs.set(key, fn(...args));
        return runs.get(key)!;
    };
}

/** Resolves an Output's value under mocks. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise(resolve =>
        o.apply(v => {
            resolve(v);
            return v;
        }),
    );
}

/** Stack config as `pulumi config` would hand it to the program: `mesh-dr:<key>` → JSON text. */
export function stackConfig(raw: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(raw).map(([k, v]) => [`${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

export const MINIMAL_CONFIG = {
    zones: [
        { name: "zone1", context: "zone1" },
        { name: "zone2", context: "zone2" },
    ],
    global: { context: "mesh-global" },
};
