/**
 * Fault injection on the real services (issue 7). KILLS SHARED SERVICES (each one in turn): run it
 * only when no one else uses the harness. One throwaway copy of the local stack is deployed through
 * the real Pulumi engine for all scenarios and destroyed at the end (also on failure). For each
 * service, while a writer keeps changing rows in PostgreSQL: SIGKILL it, restart it as a supervisor
 * would, let the pipeline recover (or run `pulumi up --refresh` as a user would, reported as such),
 * stop the writer, wait for lag zero, then:
 * - the JobManager (high availability through ZooKeeper) and ZooKeeper recover with NO pulumi command:
 *   the same Flink job RUNNING again (the JobManager's: from a checkpoint at least as new as the last
 *   one completed before the kill); every other fault must recover too, a user's step allowed;
 * - the Iceberg upsert table equals the PostgreSQL table exactly;
 * - the changelog holds every committed change at least once (duplicates are reported, not failed);
 * - every harness service is healthy again.
 * The code is in bench/faults/ (also `npm run bench:faults`); the table is printed at the end.
 */
import { DEFAULT_OPTIONS, FAULT_EXPECTATIONS, FAULTS, resultsTable, ScenarioResult, seconds, unmetExpectations } from "../../../bench/faults/model";
import { closeFaultEnv, FaultEnv, prepareFaultEnv, runScenario } from "../../../bench/faults/scenarios";

const log = (m: string) => process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

describe("fault injection: kill each service while writing; the pipeline recovers without losing a change", () => {
    let env: FaultEnv | undefined;
    const results: ScenarioResult[] = [];

    beforeAll(async () => {
        env = await prepareFaultEnv(DEFAULT_OPTIONS, log);
    }, 20 * 60_000);

    afterAll(async () => {
        const problems = await closeFaultEnv(env);
        if (results.length) {
            process.stdout.write(`\n${resultsTable(results)}\n`);
            for (const r of results) for (const n of r.notes) process.stdout.write(`  ${r.label}: ${n}\n`);
        }
        expect(problems.filter((p) => p.startsWith("LEFT BEHIND"))).toEqual([]);
    }, 20 * 60_000);

    it.each(FAULTS.map((f) => [f]))(
        "SIGKILL %s: recovers, the mirror equals PostgreSQL, no committed change is missing from the changelog, services healthy after",
        async (fault) => {
            expect(env).toBeDefined();
            const r = await runScenario(env!, fault);
            results.push(r);
            log(
                `[${fault}] recovered ${r.recovered}: first change after the kill in Iceberg after ${seconds(r.recoveryMs)} s, job RUNNING again after ${seconds(r.jobRunningAgainMs)} s, lag 0 after ${seconds(r.lagZeroMs)} s`,
            );
            expect(r.error).toBeUndefined();
            expect(r.changesWritten).toBeGreaterThan(0);
            expect(r.recovered).not.toBe("no");
            if (FAULT_EXPECTATIONS[fault].automatic) {
                // Without a person: no pulumi command ran, the job came back under its id.
                expect(r.recovered).toBe("automatic");
                expect(r.pulumiUpMs).toBeUndefined();
                expect(r.jobAfter).toBe(r.jobBefore);
            }
            expect(r.recoveryMs).toBeGreaterThan(0);
            expect(r.lagZeroMs).toBeDefined();
            expect(r.mirror?.equal).toBe(true);
            expect(r.lost).toBe(0);
            expect(r.healthyAfter).toBe(true);
            // All of the above and the fault's own expectations (e.g. restored from the latest checkpoint), as sentences.
            expect(unmetExpectations(r)).toEqual([]);
        },
        30 * 60_000,
    );
});
