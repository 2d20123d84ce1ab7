// Start-up of the program alone: node starts, compiles the TypeScript as `pulumi` does (ts-node,
// honouring tsconfig's noCheck like @pulumi/pulumi's runner), and registers every resource
// against Pulumi mocks. Prints the time from process start to the last registration.
const path = require("node:path");
const root = path.resolve(__dirname, "..");
const zones = Number(process.argv[2] ?? 2);

// The tsconfig Pulumi.yaml names for the runtime, as `pulumi` would use it.
const project = require("yaml").parse(require("node:fs").readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
const tsconfigPath = path.join(root, project.runtime.options?.tsconfig ?? "tsconfig.json");
const tsconfig = require("yaml").parse(require("node:fs").readFileSync(tsconfigPath, "utf8"));
// BENCH_TYPECHECK=1: type-check as the engine did before tsconfig.pulumi.json (the "before" numbers).
const typecheck = process.env.BENCH_TYPECHECK === "1";
require("ts-node").register({
    project: tsconfigPath,
    transpileOnly: !typecheck && tsconfig.compilerOptions?.noCheck === true,
});

const pulumi = require("@pulumi/pulumi");
let registered = 0;
let last = 0;
pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered++;
            last = process.uptime();
            return { id: `${args.name}-id`, state: { metadata: { name: args.name }, ...args.inputs } };
        },
        call: args => args.inputs,
    },
    "mesh-dr",
    "bench",
    false,
);
pulumi.runtime.setAllConfig({
    "mesh-dr:zones": JSON.stringify(
        Array.from({ length: zones }, (_, i) => ({ name: `zone${i + 1}`, context: `zone${i + 1}` })),
    ),
    "mesh-dr:global": JSON.stringify({ context: "global" }),
});
require(path.join(root, "index.ts"));

// Registrations arrive over several turns of the event loop; stop once they have settled.
let seen = -1;
const timer = setInterval(() => {
    if (registered === seen) {
        clearInterval(timer);
        console.log(`registered ${registered} resources in ${last.toFixed(2)}s`);
    }
    seen = registered;
}, 200);
