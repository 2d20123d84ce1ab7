// mesh-dr: Kong Mesh multi-zone disaster recovery. Config is read and validated first, so a bad
// stack config fails here with every problem listed and nothing registered.
import { loadConfig } from "./zones/config";
import { deployStack } from "./zones";

const stack = deployStack(loadConfig());

export const zones = stack.zones;
export const multiZoneService = stack.multiZoneService;
export const globalControlPlane = stack.globalControlPlane;
export const failover = stack.failover;
export const deployerRbac = stack.deployerRbac;
