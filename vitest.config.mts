import { defineConfig } from "vitest/config";

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
            {
                test: {
                    name: "e2e",
                    include: ["test/e2e/**/*.test.ts"],
                    // One sandbox, one engine: the e2e files run one after another.
                    fileParallelism: false,
                    testTimeout: 15 * 60_000,
                    hookTimeout: 15 * 60_000,
                },
            },
        ],
    },
});
