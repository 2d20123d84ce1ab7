import { defineConfig } from "vitest/config";

// One sandbox, one engine: the files of a sandbox suite run one after another.
const sandboxSuite = { fileParallelism: false, testTimeout: 15 * 60_000, hookTimeout: 15 * 60_000 };

export default defineConfig({
    test: {
        projects: [
            {
                test: {
                    name: "unit",
                    include: ["test/unit/**/*.test.ts"],
                    // Each file gets fresh Pulumi runtime state; never run with --no-isolate.
                    isolate: true,
                    testTimeout: 20_000,
                },
            },
            // The real engine against real kube-apiservers with the real CRDs, and no control
            // plane: the same on every machine, Kuma installed or not (`npm test`).
            {
                test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], ...sandboxSuite },
            },
            // The same against real Kuma control planes: needs Kuma installed (`npm run test:kuma`).
            {
                test: { name: "kuma", include: ["test/kuma/**/*.test.ts"], ...sandboxSuite },
            },
        ],
    },
});
