// Real services: a generous ceiling per test. Every wait inside a test is bounded on its own;
// this only stops a test that hangs outright. (Jest ignores `testTimeout` in a project's config.)
jest.setTimeout(600_000);
