#!/usr/bin/env node
// `npx mesh-dr <command> ...`: the DR tool through ts-node (transpile only), as `npm run dr` runs it.
require("ts-node").register({
    transpileOnly: true,
    project: require("node:path").join(__dirname, "..", "tsconfig.json"),
});
require("./cli.ts")
    .main(process.argv.slice(2))
    .then(code => process.exit(code));
