// The stack's life on real kube-apiservers with real Kuma control planes (see ../e2e/stack-suite.ts).
import { stackSuite } from "../e2e/stack-suite";

stackSuite({ kuma: true, portBase: 19443 });
