// URNs as the real engine forms them, and the aliases each registration declares, under the
// harness's mocks. The mock monitor qualifies a child's type with its parent's own type only;
// the engine uses the parent's whole chain (`A$B$C`), which is what state holds and an upgrade
// must match. Patched onto the mock monitor (recordUrns), so a program run records both.
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { getProject, getStack } from "@pulumi/pulumi/runtime/settings";

/** What the engine needs to resolve one registration's aliases: its URN, parent URN and alias specs. */
export interface UrnRecord {
    urn: string;
    type: string;
    name: string;
    parent: string;
    aliases: AliasRecord[];
}

/** An alias spec with the unset parts left undefined (they default to the resource's own), or a full URN. */
export interface AliasRecord {
    urn?: string;
    name?: string;
    type?: string;
    parentUrn?: string;
    noParent?: boolean;
}

const records: UrnRecord[] = [];

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>` and its parts. */
export function urnParts(urn: string): { prefix: string; qualifiedType: string; name: string } {
    const parts = urn.split("::");
    return { prefix: parts.slice(0, 2).join("::"), qualifiedType: parts[2], name: parts.slice(3).join("::") };
}

function urnOf(prefix: string, parent: string, type: string, name: string): string {
    const qualified = parent ? `${urnParts(parent).qualifiedType}$${type}` : type;
    return `${prefix}::${qualified}::${name}`;
}

const monitor = MockMonitor.prototype as any;

/**
 * Patches the mock monitor to record every registration's URN and aliases, and to form URNs as
 * the engine does; returns what undoes it. The monitor is shared by every test file a worker runs
 * (the unit suite runs without per-file isolation), so a file patches it only while its tests run.
 */
export function recordUrns(): () => void {
    const { newUrn, registerResource } = monitor;
    monitor.newUrn = function (parent: string, type: string, name: string): string {
        return urnOf(`urn:pulumi:${getStack()}::${getProject()}`, parent, type, name);
    };
    monitor.registerResource = function (req: any, callback: any) {
        const parent: string = req.getParent();
        const aliases: AliasRecord[] = req.getAliasesList().map((a: any) => {
            if (!a.hasSpec()) return { urn: a.getUrn() };
            const s = a.getSpec();
            return {
                name: s.getName() || undefined,
                type: s.getType() || undefined,
                parentUrn: s.getParenturn() || undefined,
                noParent: s.getNoparent() || undefined,
            };
        });
        records.push({
            urn: this.newUrn(parent, req.getType(), req.getName()),
            type: req.getType(),
            name: req.getName(),
            parent,
            aliases,
        });
        return registerResource.call(this, req, callback);
    };
    return () => {
        monitor.newUrn = newUrn;
        monitor.registerResource = registerResource;
        records.length = 0;
    };
}

/** Forgets what was recorded: call before each program run. */
export function resetUrns(): void {
    records.length = 0;
}

export function recordedUrns(): readonly UrnRecord[] {
    return records;
}

/**
 * The URNs a registration may have had before, as the engine computes them (step_generator.go
 * generateAliases): its own aliases, and its parent's aliases carried down to it (a child named
 * after its parent, `<parent>-x`, is renamed with it).
 */
export function previousUrns(r: UrnRecord, byUrn: ReadonlyMap<string, UrnRecord>): string[] {
    const { prefix } = urnParts(r.urn);
    const own = r.aliases.map(
        a => a.urn ?? urnOf(prefix, a.noParent ? "" : (a.parentUrn ?? r.parent), a.type ?? r.type, a.name ?? r.name),
    );
    const result = new Set(own);
    const parent = byUrn.get(r.parent);
    if (parent) {
        for (const parentAlias of previousUrns(parent, byUrn)) {
            for (const child of [r.urn, ...own]) {
                const { qualifiedType, name } = urnParts(child);
                const childType = qualifiedType.split("$").pop()!;
                const renamed = name.startsWith(parent.name)
                    ? urnParts(parentAlias).name + name.slice(parent.name.length)
                    : name;
                result.add(urnOf(prefix, parentAlias, childType, renamed));
            }
        }
    }
    return [...result];
}
