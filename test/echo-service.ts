// The walkthrough's echo written as a `services` entry, with go-echo's ports (docs/services.md):
// the stack it makes is the one without `services`, which the unit and e2e suites both check.
export const ECHO_AS_SERVICE = {
    name: "echo",
    port: 1027,
    workload: {
        image: "kong/go-echo:0.3.0",
        replicas: 2,
        targetPort: 1027,
        extraPorts: [
            { name: "tcp", port: 1025, protocol: "TCP" },
            { name: "udp", port: 1026, protocol: "UDP" },
            { name: "tls", port: 1030, protocol: "TCP" },
        ],
    },
};
