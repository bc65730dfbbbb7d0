/** The integration tests' Jest environment (tests/support/integration-environment.ts): one integration file at a time. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import IntegrationEnvironment, { integrationLockFile } from "../../support/integration-environment";

const environment = (testPath: string) =>
    new IntegrationEnvironment(
        { globalConfig: {}, projectConfig: { testEnvironmentOptions: {}, globals: {}, setupFiles: [], testPathIgnorePatterns: [] } } as any,
        { testPath, console, docblockPragmas: {} } as any,
    );

test("a second file's environment is set up only after the first's is torn down; the lock is in the harness's run directory", async () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "integration-env-"));
    const saved = process.env.LAKEHOUSE_RUN;
    process.env.LAKEHOUSE_RUN = runDir;
    const said: string[] = [];
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation((chunk: any) => (said.push(String(chunk)), true));
    try {
        const events: string[] = [];
        const first = environment("/repo/tests/integration/a.test.ts");
        const second = environment("/repo/tests/integration/b.test.ts");
        await first.setup();
        events.push("first set up");
        expect(fs.readFileSync(integrationLockFile(), "utf8").trim()).toBe(String(process.pid));
        expect(integrationLockFile()).toBe(path.join(runDir, "integration-tests.lock"));
        const secondReady = second.setup().then(() => events.push("second set up"));
        await new Promise((r) => setTimeout(r, 1500));
        expect(events).toEqual(["first set up"]);
        await first.teardown();
        events.push("first torn down");
        await secondReady;
        expect(events).toEqual(["first set up", "first torn down", "second set up"]);
        await second.teardown();
        expect(fs.existsSync(integrationLockFile())).toBe(false);
        expect(said.join("")).toMatch(/\[integration lock\] waiting for the integration test file before .*b\.test\.ts to end/);
    } finally {
        stderr.mockRestore();
        if (saved === undefined) delete process.env.LAKEHOUSE_RUN;
        else process.env.LAKEHOUSE_RUN = saved;
        fs.rmSync(runDir, { recursive: true, force: true });
    }
});
