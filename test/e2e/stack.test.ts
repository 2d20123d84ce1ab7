// The stack's life on real kube-apiservers with the real CRDs and no control plane (see stack-suite.ts).
import { stackSuite } from "./stack-suite";

stackSuite({ kuma: false, portBase: 27443 });
