/**
 * Restore points as the program declares them, under mocks: every job resource gets the stack's
 * `pipeline.jobRestorePointsKept`, and `pipeline.periodicSavepoints` adds the periodic-savepoints job
 * (its entry class, arguments, and the JobManager address the cluster's own processes use); the
 * config's refusals name the key.
 */
import { PERIODIC_SAVEPOINTS_ENTRY_CLASS, periodicSavepointsProgramArgs } from "../../../components/periodic-savepoints";
import { expectProblemAt, parseConfigValues as parse } from "../../support/lakehouse-config";
import { TWO_TABLE_SOURCE, dynamicType as DYNAMIC, renderLakehouse as render } from "../../support/render-lakehouse";

describe("restore points in the program", () => {
    it("gives every job the stack's count, and runs no periodic-savepoints job by default", async () => {
        const resources = await render({ maintenance: { enabled: true }, pipeline: { jobRestorePointsKept: 5 } });
        const jobs = resources.filter((r) => r.type === DYNAMIC("FlinkSqlJob") || r.type === DYNAMIC("FlinkJarJob"));
        expect(jobs.map((j) => [j.inputs.name, j.inputs.restorePointsKept])).toEqual([
            ["cdc-lakehouse-dev-demographics-to-iceberg", 5],
            ["cdc-lakehouse-dev-table-maintenance", 5],
        ]);
        expect(parse({}).pipeline.periodicSavepoints).toEqual({ intervalSeconds: 0, kept: 3 });
    });

    it("runs the periodic-savepoints job from the maintenance jar, after the table jobs, on the cluster's own JobManager address", async () => {
        const resources = await render({
            source: TWO_TABLE_SOURCE,
            pipeline: { periodicSavepoints: { intervalSeconds: 3600, kept: 2 } },
        });
        const jar = resources.filter((r) => r.type === DYNAMIC("FlinkJarJob"));
        expect(jar.map((j) => j.name)).toEqual(["lakehouse-periodic-savepoints"]);
        expect(jar[0].inputs).toMatchObject({
            name: "cdc-lakehouse-dev-periodic-savepoints",
            entryClass: PERIODIC_SAVEPOINTS_ENTRY_CLASS,
            allowNonRestoredState: true,
        });
        expect(jar[0].inputs.programArgs).toEqual([
            "--job-name=cdc-lakehouse-dev-periodic-savepoints",
            "--rest-url=http://flink-jobmanager:8081",
            "--job=cdc-lakehouse-dev-demographics-to-iceberg",
            "--job=cdc-lakehouse-dev-orders-to-iceberg",
            "--interval-seconds=3600",
            "--kept=2",
            "--timeout-seconds=240",
            "--checkpoint-interval-seconds=60",
        ]);
        // The Flink processes accept the jar (web.submit.enable), as for table maintenance.
        const flinkProps = resources.filter((r) => JSON.stringify(r.inputs).includes("web.submit.enable: true"));
        expect(flinkProps.length).toBeGreaterThan(0);
    });

    it("renders the arguments from config alone", () => {
        const cfg = parse({ pipeline: { periodicSavepoints: { intervalSeconds: 600 } } });
        expect(periodicSavepointsProgramArgs(cfg, "http://jm:8081")).toContain("--kept=3");
    });

    it.each([
        [
            "an interval under a minute",
            { pipeline: { periodicSavepoints: { intervalSeconds: 30 } } },
            "lakehouse:pipeline.periodicSavepoints.intervalSeconds",
            /60 to 604800/,
        ],
        [
            "keeping none",
            { pipeline: { periodicSavepoints: { intervalSeconds: 600, kept: 0 } } },
            "lakehouse:pipeline.periodicSavepoints.kept",
            /from 1 to 1000/,
        ],
        ["a misspelt key", { pipeline: { periodicSavepoints: { interval: 600 } } }, "lakehouse:pipeline.periodicSavepoints.interval", /no such key/],
    ])("refuses %s, naming the key", (_title, values, key, expected) => expectProblemAt(values, key, expected));
});
