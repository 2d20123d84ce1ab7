import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// One sandbox, one engine: the files of a sandbox suite run one after another.
const sandboxSuite = { fileParallelism: false, testTimeout: 15 * 60_000, hookTimeout: 15 * 60_000 };

export default defineConfig({
    test: {
        // One worker per core: vitest's default leaves one core out, a single worker on two cores.
        maxWorkers: availableParallelism(),
        projects: [
            // In-process tests: Pulumi mocks, local HTTP servers, fixtures (`npm run test:unit`).
            {
                test: {
                    name: "unit",
                    include: ["test/unit/**/*.test.ts"],
                    // The files share their workers, so @pulumi/pulumi loads once per worker, not once
                    // per file; the setup file gives each file fresh Pulumi runtime state.
                    isolate: false,
                    setupFiles: ["test/unit/setup.ts"],
                    testTimeout: 20_000,
                },
            },
            // What runs outside the test process: the repository's scripts in bash, the program and
            // its entries in node subprocesses, Chromium (`npm run test:integration`).
            {
                test: { name: "integration", include: ["test/integration/**/*.test.ts"], testTimeout: 60_000 },
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
