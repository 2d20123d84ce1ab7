// The mesh-dr policy pack: `pulumi preview --policy-pack policy` (from the project root) runs it.
// The rules live in rules.ts so they can be tested without the policy server this constructor starts.
import { PolicyPack } from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies } from "./rules";

new PolicyPack(PACK_NAME, {
    description: "mesh-dr disaster-recovery invariants for Kong Mesh multi-zone deployments",
    enforcementLevel: PACK_ENFORCEMENT_LEVEL,
    policies,
});
