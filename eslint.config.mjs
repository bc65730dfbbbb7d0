// @ts-check
// ESLint for the whole tree (`npm run lint`): ESLint's and typescript-eslint's recommended rules, plus
// the type-aware promise rules for TypeScript (they need the type checker: tsconfig.eslint.json covers
// every .ts file, the harness and the policy pack included).
import eslint from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
    // What .gitignore lists as build output or local state (ESLint itself skips node_modules and .git).
    { ignores: ["bin/", "coverage/", ".pulumi-state/", "manifests/"] },
    eslint.configs.recommended,
    tseslint.configs.recommended,
    {
        languageOptions: { globals: globals.node },
        rules: {
            // A leading underscore marks a binding left unused on purpose (e.g. dropping a key with a rest pattern).
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
            ],
            // Off: Pulumi's dynamic provider interface passes inputs and outputs as `any`; `Record<string, any>` is the
            // providers' input type throughout (81 uses) and tests read JSON answers as `any` (405 reports).
            "@typescript-eslint/no-explicit-any": "off",
            // Off: every require() here is deliberate: dynamic providers are serialized into state and must require
            // their modules inside their methods, lazy loads keep optional clients out of the program's start, the
            // harness lists its services, tests load modules afresh, the two .js files are CommonJS (45 reports).
            "@typescript-eslint/no-require-imports": "off",
            // Off: errors rethrown here are redacted on purpose (secrets removed from the message); a `cause` would
            // carry the unredacted original into Pulumi's logs and state (20 reports).
            "preserve-caught-error": "off",
        },
    },
    {
        files: ["**/*.js"],
        languageOptions: { sourceType: "commonjs" },
    },
    {
        files: ["**/*.ts"],
        languageOptions: {
            parserOptions: { project: "./tsconfig.eslint.json", tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            // A promise nobody awaits or catches: a failure becomes an unhandled rejection, or is lost.
            // Pulumi's log calls return promises the engine tracks itself: calling them bare is the SDK's idiom.
            "@typescript-eslint/no-floating-promises": [
                "error",
                { allowForKnownSafeCalls: [{ from: "package", package: "@pulumi/pulumi", name: ["debug", "info", "warn", "error"] }] },
            ],
            // A promise where a boolean or a void callback is expected (`if (promise)`, an async listener whose rejection nobody sees).
            "@typescript-eslint/no-misused-promises": "error",
            // `await` on something that is not a promise: usually a missing call or a wrong type.
            "@typescript-eslint/await-thenable": "error",
        },
    },
);
