/**
 * The integration tests' Jest environment: Node's, holding the integration lock for the whole test
 * file, from before its first hook to after its last (`setup` and `teardown` wrap them all). The
 * integration files share one set of real services, and some stop and kill them (the fault scenarios),
 * so two of them never run at once; a unit file (pure, under mocks) may run beside one. jest.config.js
 * runs two workers, and the sequencer (tests/support/sequencer.js) hands the unit files to the second
 * worker while the first integration file runs: the unit project's minutes are then off the serial path.
 *
 * The lock is a file in the harness's run directory, so two Jest runs on one machine take turns too.
 */
import * as path from "path";
import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";
import { TestEnvironment } from "jest-environment-node";
import { defaultRunDir } from "../../harness/lib/context";
import { withFileLock } from "../../harness/lib/lock";

/** Where the lock lives: the harness's run directory ($LAKEHOUSE_RUN), whose services it guards. */
export function integrationLockFile(runDir: string = defaultRunDir()): string {
    return path.join(runDir, "integration-tests.lock");
}

/** The longest an integration file waits for the one before it (the edit matrix takes about 20 min). */
const WAIT_MS = 3 * 60 * 60 * 1000;

/** Says when a file starts waiting for the lock and when it has it (not every 15 s in between: the wait is expected). */
function startAndEnd(message: string): void {
    if (!message.startsWith("still waiting")) process.stderr.write(`[integration lock] ${message}\n`);
}

export default class IntegrationEnvironment extends TestEnvironment {
    private release?: () => void;
    private held?: Promise<void>;
    private readonly testPath: string;

    constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
        super(config, context);
        this.testPath = context.testPath;
    }

    override async setup(): Promise<void> {
        await super.setup();
        let taken!: () => void;
        const inside = new Promise<void>((resolve) => (taken = resolve));
        const file = path.relative(process.cwd(), this.testPath);
        this.held = withFileLock(
            integrationLockFile(),
            { waitingFor: `the integration test file before ${file} to end`, timeoutMs: WAIT_MS, log: startAndEnd, maxDelayMs: 1000 },
            () => {
                taken();
                return new Promise<void>((resolve) => (this.release = resolve));
            },
        );
        // The lock is taken (or the wait failed, and the file fails with the reason).
        await Promise.race([inside, this.held]);
    }

    override async teardown(): Promise<void> {
        try {
            this.release?.();
            await this.held;
        } finally {
            await super.teardown();
        }
    }
}
