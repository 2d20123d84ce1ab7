// typescript-eslint's recommended rules; each exception below says why the code needs it.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        ignores: [
            "node_modules/",
            ".toolchain/",
            ".sandbox/",
            ".pulumi-state/",
            ".test-results/",
            "bin/",
            "dr-reports/",
        ],
    },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Kubernetes objects, Kuma API answers, Pulumi mock inputs and stack config arrive as
            // untyped JSON; the code narrows them where it reads them.
            "@typescript-eslint/no-explicit-any": "off",
            // `const { dropped: _, ...rest } = o` is how the code leaves a field out.
            "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true, argsIgnorePattern: "^_" }],
        },
    },
    {
        // Pulumi serializes the dynamic provider's functions into the state: what they load, they
        // require where they run. The policy pack loads modules beside @pulumi/policy's own copy.
        files: ["components/kuma-api.ts", "policy/**/*.ts"],
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        // Plain CommonJS scripts run by Node.
        files: ["**/*.js"],
        languageOptions: {
            sourceType: "commonjs",
            globals: {
                require: "readonly",
                module: "writable",
                process: "readonly",
                console: "readonly",
                __dirname: "readonly",
                setInterval: "readonly",
                clearInterval: "readonly",
            },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
);
