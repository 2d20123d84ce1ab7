// mesh-dr: Kong Mesh multi-zone disaster recovery. Config is read and validated first, and an API
// global control plane is reached, so a bad stack config fails here with every problem listed and
// nothing registered.
import { loadConfig } from "./zones/config";
import { checkGlobalControlPlane } from "./zones/global";
import { deployStack } from "./zones";

const config = loadConfig();

// Stack outputs: zones, multiZoneService (the first service's), services, globalControlPlane, failover, deployerRbac.
export = checkGlobalControlPlane(config.global, config.mesh).then(() => deployStack(config));
