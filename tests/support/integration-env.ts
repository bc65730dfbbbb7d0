// The environment every integration test file runs in (jest.config.js, setupFilesAfterEnv).
//
// The Pulumi CLI runs the program through ts-node, which type-checks the whole program on every run
// unless told only to transpile it. `npm test` type-checks the program once before any test
// (`tsc --noEmit -p .`), so the integration tests' CLI runs (previews, ups and refreshes of whole
// stacks, well over a hundred across the files) only transpile it: docs/testing.md has what that saves.
// A person's own `pulumi up` still type-checks (nothing here is set outside the tests).
process.env.PULUMI_NODEJS_TRANSPILE_ONLY ??= "true";
