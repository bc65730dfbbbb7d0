/**
 * Helpers shared by the end-to-end tests on the real engine and the harness's real services:
 * a PostgreSQL query on the harness database, and the offline Pulumi CLI on a test's own file backend.
 */
import { Client } from "pg";
import { endpoints } from "../../harness/cli";
import { REPO_DIR, RunPulumiResult, runPulumi } from "../../harness/pulumi/cli";

/** Runs one query on the harness's PostgreSQL and returns its rows. */
export async function pgQuery(query: string, params: unknown[] = []): Promise<any[]> {
    const p = endpoints().postgres;
    const client = new Client({ host: p.host, port: Number(p.port), user: p.user, password: p.password, database: p.database });
    await client.connect();
    try {
        return (await client.query(query, params)).rows;
    } finally {
        await client.end();
    }
}

/**
 * The Pulumi CLI in the repository, on the file backend `stateDir()` names (read at each call, so a
 * test can create the directory in `beforeAll`); each step bounded at 5 minutes. A non-zero exit
 * throws with the output unless `expectOk` is false.
 */
export function pulumiOn(stateDir: () => string) {
    return async (args: string[], expectOk = true): Promise<RunPulumiResult> => {
        const result = await runPulumi(args, { cwd: REPO_DIR, env: { PULUMI_BACKEND_URL: `file://${stateDir()}` }, timeoutMs: 300_000 });
        if (expectOk && result.code !== 0)
            throw new Error(`pulumi ${args.join(" ")} exited ${result.code}${result.timedOut ? " (timed out)" : ""}:\n${result.stdout}\n${result.stderr}`);
        return result;
    };
}
