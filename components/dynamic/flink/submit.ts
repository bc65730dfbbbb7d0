/**
 * How the Flink job resource submits its job: the setup statements (catalog DDL, tables) and the
 * job's INSERT / STATEMENT SET in one SQL Gateway session named after the job, with the job's
 * settings as session properties, secrets filled in only in what is sent, and the restore point
 * (savepoint or retained checkpoint) on the INSERT alone.
 *
 * Serialization-safe (see ../toolkit/README.md): functions and literals only.
 */
import { PROVIDER_DEFAULTS } from "../../defaults";
import { redact } from "../toolkit/redact";
import { runStatement, withSession } from "./gateway";
import { flinkGatewayTarget } from "./request";
import { fillSecrets, normalizeSettings, statementLabel } from "./sql";

/** The INSERT's configuration to resume from `restorePath` (1.20 reads execution.state-recovery.*; older releases execution.savepoint.*). */
export function restoreConfig(restorePath: string | undefined, allowNonRestoredState: boolean): Record<string, string> {
    if (!restorePath) return {};
    const ignore = String(allowNonRestoredState);
    return {
        "execution.state-recovery.path": restorePath,
        "execution.savepoint.path": restorePath,
        "execution.state-recovery.ignore-unclaimed-state": ignore,
        "execution.savepoint.ignore-unclaimed-state": ignore,
    };
}

/** Runs the setup statements and submits the job in one gateway session; returns the job id. */
export async function submitStatements(inputs: Record<string, any>, restorePath: string | undefined): Promise<string> {
    const gateway = flinkGatewayTarget(inputs);
    const secrets: Record<string, string> = inputs.secrets ?? {};
    const secretValues = Object.values(secrets);
    const timeoutMs = (inputs.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds) * 1000;
    const statements: string[] = inputs.statements;
    if (!statements?.length) throw new Error(`Flink SQL job "${inputs.name}": no statements to submit`);
    const properties: Record<string, string> = {
        "execution.runtime-mode": "streaming",
        ...normalizeSettings(inputs.settings),
        "pipeline.name": inputs.name,
    };
    // The session holds only this submission; the job keeps running when it is closed.
    return withSession(
        gateway,
        { name: inputs.name, properties },
        async (session) => {
            let jobId = "";
            for (let index = 0; index < statements.length; index++) {
                const isJob = index === statements.length - 1;
                const label = `statement ${index + 1} of ${statements.length} (${statementLabel(statements[index])})`;
                try {
                    // Setup statements run to their end; the job's INSERT returns once Flink names its job.
                    const result = await runStatement(gateway, session, fillSecrets(statements[index], secrets), {
                        timeoutMs,
                        what: `the SQL Gateway to finish ${label}`,
                        untilJobId: true,
                        executionConfig: isJob ? restoreConfig(restorePath, inputs.allowNonRestoredState === true) : undefined,
                        secrets: secretValues,
                    });
                    if (isJob) {
                        if (!result.jobId) throw new Error("the statement finished without submitting a Flink job");
                        jobId = result.jobId;
                    }
                } catch (err) {
                    throw new Error(redact(`Flink SQL job "${inputs.name}": ${label} failed: ${(err as Error).message}`, secrets));
                }
            }
            return jobId;
        },
        { secrets: secretValues },
    );
}
