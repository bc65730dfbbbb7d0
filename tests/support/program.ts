/** Running the whole program (index.ts) under Pulumi's mocks. */
import { ProgramRun, runWithMocks } from "./mocks";

/** The options `runWithMocks` takes: config, secret keys, project, stack, preview, stack references. */
export type MockRunOptions = NonNullable<Parameters<typeof runWithMocks>[1]>;

/**
 * Runs index.ts under mocks with `options`, expecting it may fail: what it threw is returned as
 * `error` (undefined when it did not fail), with the resources registered up to then.
 */
export async function runProgramCatchingFailure(options: MockRunOptions): Promise<ProgramRun & { error: unknown }> {
    let error: unknown;
    const run = await runWithMocks(async () => {
        try {
            return await require("../../index")();
        } catch (err) {
            error = err;
            return {};
        }
    }, options);
    return { ...run, error };
}
