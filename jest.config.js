// Two kinds of tests: `unit` (pure functions and Pulumi mocks, seconds) and `integration`
// (real PostgreSQL, Kafka, Connect, Flink, Nessie, MinIO and Pulumi CLI started by the harness).
// `npm test` runs both; `npm run test:unit` is the inner loop.
const tsJest = ["ts-jest", { diagnostics: false }];

/** @type {import('jest').Config} */
module.exports = {
    // Two workers, but one integration file at a time: the integration tests share one set of real
    // services, and the fault scenarios (tests/integration/stack/faults.test.ts) kill and restart them, so
    // each integration file holds a lock while it runs (tests/support/integration-environment.ts). The
    // second worker runs the unit files (pure, under mocks) beside the first integration file
    // (tests/support/sequencer.js). That takes them off the serial path only where the machine has CPU to
    // spare: on a cold 2-core machine, saturated, it slowed the edit matrix by about what it saved (docs/testing.md).
    maxWorkers: 2,
    // ...in a worker process that is replaced after every file (0: always). Without it, a worker runs its
    // files inside one process, where memory from every file accumulates: 10.2 GB after the unit project,
    // and a CI run was killed by the kernel at 20 GB. A limit of 1 GB was not enough: jest compares it with
    // the V8 heap only, while the growth is outside it (buffers, native memory), so on 2026-12-02 a worker
    // that had run the integration files one after another reached 11.1 GB of resident memory and was
    // killed by the kernel (docs/testing.md).
    workerIdleMemoryLimit: 0,
    reporters: ["default", "<rootDir>/tests/support/summary-reporter.js"],
    // The Kubernetes cluster tests run last: CI builds the cluster's programs in the background meanwhile.
    testSequencer: "<rootDir>/tests/support/sequencer.js",
    projects: [
        {
            displayName: "unit",
            testEnvironment: "node",
            roots: ["<rootDir>/tests/unit"],
            testMatch: ["**/*.test.ts"],
            transform: { "^.+\\.ts$": tsJest },
            setupFilesAfterEnv: ["<rootDir>/tests/support/unit-timeout.ts"],
        },
        {
            displayName: "integration",
            testEnvironment: "<rootDir>/tests/support/integration-environment.ts",
            roots: ["<rootDir>/tests/integration"],
            testMatch: ["**/*.test.ts"],
            transform: { "^.+\\.ts$": tsJest },
            globalSetup: "<rootDir>/tests/integration/setup.ts",
            setupFilesAfterEnv: ["<rootDir>/tests/support/integration-timeout.ts", "<rootDir>/tests/support/integration-env.ts"],
        },
    ],
};
