/**
 * The review workflow through the real Pulumi engine (the harness's CLI, offline, file backend)
 * against the harness's real services, on a throwaway copy of the `local` stack:
 *
 * 1. A config change of one connector setting (`pipeline.connectorConfig`) and one job setting
 *    (`flink.checkpointIntervalMs`): `preview --diff` shows exactly those two keys changing on the
 *    connector and the Flink job and nothing else; `up` applies them, the job stopped with a savepoint
 *    and resubmitted from it; no change is lost or duplicated across the update (rows written before,
 *    during and after it), read back from Iceberg and compared exactly with PostgreSQL.
 * 2. The connector deleted out of band: `refresh` reports it, `preview` shows it would be created
 *    (nothing else), `up` repairs it, and changes made afterwards reach Iceberg.
 * 3. A column added the documented way (declared in `source.tables`, `up`, then ALTER TABLE in
 *    PostgreSQL): the preview shows only the job changing, the job resumes from its savepoint, and the
 *    column's values reach the mirror and the changelog.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { connectRequest } from "../../../components/dynamic/connector";
import { flinkRequest, jobState } from "../../../components/dynamic/flink-job";
import { endpoints } from "../../../harness/cli";
import { REPO_DIR } from "../../../harness/pulumi/cli";
import { pgQuery, pulumiOn } from "../../support/e2e";
import { icebergSession, pollFor as pollUntil } from "../../support/iceberg-session";

const CONNECT = "http://127.0.0.1:8083";

type Row = [number, string, number | null, string | null];
type Change = [number, string, number | null, string | null, string];

const sortChanges = (changes: Change[]): Change[] =>
    [...changes].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));

/** The lines of `pulumi preview --diff` output inside the blocks of the named resource types. */
function linesOf(diff: string, types: string[]): string[] {
    const out: string[] = [];
    let inside = false;
    for (const line of diff.split("\n")) {
        const header = /^\s*[~+-]+ ([\w-]+:[\w/-]+:\w+): \(/.exec(line) ?? /^\s*[~+-]+ pulumi-nodejs:dynamic\/lakehouse:(\w+)/.exec(line);
        if (header) inside = types.some((t) => header[1].endsWith(t));
        else if (inside) out.push(line);
    }
    return out;
}

describe("review workflow on a copy of the local stack (real engine, real services)", () => {
    let stateDir: string;
    const pulumi = pulumiOn(() => stateDir);

    beforeAll(() => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-review-"));
    });
    afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

    it("previews exactly a one-key connector and job change, applies it through a savepoint without losing or duplicating a change, repairs a connector deleted out of band, and adds a column with one config change", async () => {
        const id = Date.now().toString(36);
        const stack = `review-test-${id}`;
        const bucket = `review-test-${id}`;
        const namespace = `review_test_${id}`;
        const schema = `review_test_${id}`;
        const file = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
        const connector = `cdc-lakehouse-${stack}-postgres-cdc`;
        const local = yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.local.yaml"), "utf8")) as any;
        Object.assign(local.config["lakehouse:storage"], { bucket, forceDestroy: true });
        local.config["lakehouse:iceberg"] = { namespace };
        Object.assign(local.config["lakehouse:source"], { schema, publication: `pub_${id}`, replicationUser: `dbz_${id}` });
        local.config["lakehouse:kafka"] = { topicPrefix: `review_test_${id}` };
        local.config["lakehouse:flink"] = { checkpointIntervalMs: 2000 };
        local.config["lakehouse:dremio"] = { enabled: true, sourceName: `review_test_${id}` };
        fs.writeFileSync(file, yaml.dump(local));

        // Every change made in PostgreSQL, as the history table must hold it (exactly once each).
        const history: Change[] = [];
        const insert = async (name: string, age: number, city: string) => {
            const [row] = await pgQuery(`INSERT INTO ${schema}.demographics (name, age, city) VALUES ($1, $2, $3) RETURNING id`, [name, age, city]);
            history.push([row.id, name, age, city, "INSERT"]);
            return row.id as number;
        };
        const update = async (rowId: number, city: string) => {
            const [row] = await pgQuery(`UPDATE ${schema}.demographics SET city = $2 WHERE id = $1 RETURNING id, name, age, city`, [rowId, city]);
            history.push([row.id, row.name, row.age, row.city, "UPDATE"]);
        };
        const remove = async (rowId: number) => {
            const [row] = await pgQuery(`DELETE FROM ${schema}.demographics WHERE id = $1 RETURNING id, name, age, city`, [rowId]);
            history.push([row.id, row.name, row.age, row.city, "DELETE"]);
        };
        const sourceRows = async (): Promise<Row[]> =>
            (await pgQuery(`SELECT id, name, age, city FROM ${schema}.demographics ORDER BY id`)).map((r) => [r.id, r.name, r.age, r.city]);

        let deployed = false;
        let lake: Awaited<ReturnType<typeof icebergSession>> | undefined;
        /** Waits (bounded) until Iceberg's current table equals PostgreSQL's and the history holds every change; then compares exactly. */
        const expectIcebergMatchesSource = async (timeoutMs: number) => {
            lake ??= await icebergSession(bucket);
            const expected = await sourceRows();
            const expectedHistory = sortChanges(history);
            const current = await pollUntil(
                `Iceberg ${namespace}.demographics to equal ${schema}.demographics (${expected.length} rows)`,
                timeoutMs,
                () => lake!.query(`SELECT id, name, age, city FROM lake.${namespace}.demographics ORDER BY id`).catch(() => [] as unknown[][]),
                (rows) => JSON.stringify(rows) === JSON.stringify(expected),
            );
            expect(current).toEqual(expected);
            const changes = await pollUntil(
                `Iceberg ${namespace}.demographics_changes to hold ${expectedHistory.length} changes`,
                timeoutMs,
                () => lake!.query(`SELECT id, name, age, city, operation_type FROM lake.${namespace}.demographics_changes`).catch(() => [] as unknown[][]),
                (rows) => rows.length >= expectedHistory.length,
            );
            // Every change exactly once: nothing lost, nothing duplicated, nothing else (no re-snapshot).
            expect(sortChanges(changes as Change[])).toEqual(expectedHistory);
        };

        try {
            await pulumi(["stack", "init", stack]);
            deployed = true;
            const up = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            expect(up.stdout).toMatch(/\+ 20 created/);
            const before = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout);
            const oldJobId: string = before.flinkJobs.demographics.jobId;
            expect(await jobState(endpoints()["flink-jobmanager"].restUrl, oldJobId)).toBe("RUNNING");
            expect((await connectRequest(CONNECT, "GET", `/connectors/${connector}/config`))["heartbeat.interval.ms"]).toBe("10000");

            // Changes before the config change, through the pipeline as deployed.
            const ada = await insert("ada", 36, "London");
            const grace = await insert("grace", 45, "Arlington");
            const alan = await insert("alan", 41, "Wilmslow");
            await update(grace, "New York");
            await remove(alan);
            await expectIcebergMatchesSource(180_000);

            // ONE connector setting and ONE job setting change in the stack config.
            local.config["lakehouse:pipeline"] = { ...local.config["lakehouse:pipeline"], connectorConfig: { "heartbeat.interval.ms": "5000" } };
            local.config["lakehouse:flink"] = { checkpointIntervalMs: 3000 };
            fs.writeFileSync(file, yaml.dump(local));

            const preview = await pulumi(["preview", "-s", stack, "--diff"]);
            const text = preview.stdout;
            // The connector, the job, and the settle check that verifies them after the change.
            expect(text).toMatch(/~ 3 to update/);
            expect(text).not.toMatch(/\d+ to (create|replace|delete)/);
            expect(text).toMatch(/~ .*DebeziumConnector.*\n/);
            expect(text).toMatch(/~ .*FlinkSqlJob.*\n/);
            expect(text).toMatch(/~ .*PipelineSettleCheck.*\n/);
            // Exactly two values of the connector and the job change, and they are the two keys changed.
            const changedLines = linesOf(text, ["DebeziumConnector", "FlinkSqlJob"]).filter((line) => line.includes("=>"));
            expect(changedLines).toHaveLength(2);
            expect(changedLines.find((l) => l.includes("heartbeat.interval.ms"))).toMatch(/"10000"\s*=>\s*"5000"/);
            expect(changedLines.find((l) => l.includes("execution.checkpointing.interval"))).toMatch(/"2000 ms"\s*=>\s*"3000 ms"/);
            for (const unrelated of ["snapshot.mode", "slot.name", "topic.prefix", "parallelism.default", "statements", "databasePassword", "secrets"]) {
                expect(changedLines.join("\n")).not.toContain(unrelated);
            }

            // Apply, while a writer keeps changing rows during the update.
            let writing = true;
            const writer = (async () => {
                for (let n = 0; writing; n++) {
                    const rowId = await insert(`during-${n}`, 20 + (n % 50), "Cambridge");
                    if (n % 3 === 0) await update(rowId, "Oxford");
                    await new Promise((resolve) => setTimeout(resolve, 700));
                }
            })();
            let applied;
            try {
                applied = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            } finally {
                writing = false;
                await writer;
            }
            expect(applied.stdout).toMatch(/~ 3 updated/);
            expect(applied.stdout).not.toMatch(/\d+ (created|replaced|deleted)/);
            expect(history.filter(([, name]) => name.startsWith("during-")).length).toBeGreaterThan(5);

            // The job was stopped with a savepoint and resubmitted from it, with the new interval.
            const after = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout);
            const job = after.flinkJobs.demographics;
            expect(job.jobId).not.toBe(oldJobId);
            expect(job.state).toBe("RUNNING");
            expect(job.lastSavepoint).toMatch(/savepoint-/);
            const restUrl = endpoints()["flink-jobmanager"].restUrl;
            expect(await jobState(restUrl, oldJobId)).toBe("FINISHED");
            const stats = await flinkRequest("Flink REST", restUrl, "GET", `/jobs/${job.jobId}/checkpoints`);
            expect(stats.latest?.restored?.external_path).toBe(job.lastSavepoint);
            expect((await flinkRequest("Flink REST", restUrl, "GET", `/jobs/${job.jobId}/checkpoints/config`)).interval).toBe(3000);
            // The connector runs with the new setting, and the program's other settings unchanged.
            const connectorConfig = await connectRequest(CONNECT, "GET", `/connectors/${connector}/config`);
            expect(connectorConfig).toMatchObject({ "heartbeat.interval.ms": "5000", "snapshot.mode": "initial", "slot.name": expect.stringContaining(id) });
            expect((await connectRequest(CONNECT, "GET", `/connectors/${connector}/status`)).connector.state).toBe("RUNNING");

            // Changes after the update; then nothing lost or duplicated across it.
            const linus = await insert("linus", 28, "Helsinki");
            await update(ada, "Cambridge");
            await remove(linus);
            await insert("barbara", 59, "Boston");
            await expectIcebergMatchesSource(240_000);

            // 2. The connector deleted out of band: refresh reports the drift, up repairs it.
            await connectRequest(CONNECT, "DELETE", `/connectors/${connector}`);
            await pollUntil(
                `connector ${connector} to be gone from Connect`,
                60_000,
                () =>
                    connectRequest(CONNECT, "GET", `/connectors/${connector}/status`).then(
                        () => 200,
                        (err: { status?: number }) => err.status ?? 0,
                    ),
                (status) => status === 404,
            );
            const refreshed = await pulumi(["refresh", "-s", stack, "--yes", "--skip-preview"]);
            expect(refreshed.stdout).toMatch(/- .*DebeziumConnector.*deleted/);
            expect(refreshed.stdout).toMatch(/- 1 deleted/);
            // The settle check's probe sees the connector gone too: drift, so the next up verifies again.
            expect(refreshed.stdout).toMatch(/~ 1 updated/);
            expect(refreshed.stdout).not.toMatch(/\d+ (created|replaced)/);
            const drift = await pulumi(["preview", "-s", stack, "--diff"]);
            expect(drift.stdout).toMatch(/\+ .*DebeziumConnector.*\n/);
            expect(drift.stdout).toMatch(/\+ 1 to create/);
            expect(drift.stdout).toMatch(/~ .*PipelineSettleCheck.*\n/);
            expect(drift.stdout).not.toMatch(/\d+ to (replace|delete)/);
            // A change while the connector is gone stays in the replication slot.
            await insert("margaret", 33, "Boston");
            const repaired = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            expect(repaired.stdout).toMatch(/\+ 1 created/);
            expect(repaired.stdout).not.toMatch(/\d+ (replaced|deleted)/);
            const status = await connectRequest(CONNECT, "GET", `/connectors/${connector}/status`);
            expect(status.connector.state).toBe("RUNNING");
            expect(status.tasks.map((t: any) => t.state)).toEqual(["RUNNING"]);
            expect((await connectRequest(CONNECT, "GET", `/connectors/${connector}/config`))["heartbeat.interval.ms"]).toBe("5000");
            await insert("edsger", 72, "Austin");
            await update(grace, "Princeton");
            await expectIcebergMatchesSource(240_000);
            const again = await pulumi(["preview", "-s", stack, "--refresh"]);
            expect(again.stdout).not.toMatch(/\d+ to (create|update|replace|delete)/);

            // 3. A column added to the source table, the documented way (docs/configuration.md "Captured tables, modes, and adding a column"):
            //    declare it in the stack config, `up` (Iceberg tables gain it, the job resumes from its
            //    savepoint), then ALTER the PostgreSQL table. Its values reach both Iceberg tables.
            const jobBefore = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout).flinkJobs.demographics.jobId;
            local.config["lakehouse:source"].tables = { demographics: { columns: ["id INT", "name STRING", "age INT", "city STRING", "email STRING"] } };
            fs.writeFileSync(file, yaml.dump(local));
            const columnPreview = await pulumi(["preview", "-s", stack, "--diff"]);
            expect(columnPreview.stdout).toMatch(/~ 2 to update/);
            expect(columnPreview.stdout).toMatch(/~ .*PipelineSettleCheck.*\n/);
            expect(columnPreview.stdout).not.toMatch(/\d+ to (create|replace|delete)/);
            expect(columnPreview.stdout).toMatch(/~ .*FlinkSqlJob.*\n/);
            expect(columnPreview.stdout).not.toMatch(/~ .*(DebeziumConnector|CdcSource|DremioSource).*\n/);
            // The sink tables gain the column: one `email` entry appended to each table's columns, nothing else changes in them.
            const sinkDiff = columnPreview.stdout.slice(columnPreview.stdout.indexOf("sinkTables"), columnPreview.stdout.indexOf("statements"));
            expect(sinkDiff.match(/\+ +name: +"email"/g)).toHaveLength(2);
            expect(sinkDiff).not.toMatch(/=>/);
            const widened = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            expect(widened.stdout).toMatch(/~ 2 updated/);
            const widenedJob = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout).flinkJobs.demographics;
            expect(widenedJob.jobId).not.toBe(jobBefore);
            const restUrlNow = endpoints()["flink-jobmanager"].restUrl;
            expect((await flinkRequest("Flink REST", restUrlNow, "GET", `/jobs/${widenedJob.jobId}/checkpoints`)).latest?.restored?.external_path).toBe(
                widenedJob.lastSavepoint,
            );
            await pgQuery(`ALTER TABLE ${schema}.demographics ADD COLUMN email TEXT`);
            const [hopper] = await pgQuery(
                `INSERT INTO ${schema}.demographics (name, age, city, email) VALUES ('hopper', 85, 'Arlington', 'grace@navy.mil') RETURNING id`,
            );
            history.push([hopper.id, "hopper", 85, "Arlington", "INSERT"]);
            const [adaRow] = await pgQuery(`UPDATE ${schema}.demographics SET email = 'ada@analytical.engine' WHERE id = $1 RETURNING id, name, age, city`, [
                ada,
            ]);
            history.push([adaRow.id, adaRow.name, adaRow.age, adaRow.city, "UPDATE"]);
            await expectIcebergMatchesSource(240_000);
            const withEmail = (await pgQuery(`SELECT id, name, age, city, email FROM ${schema}.demographics ORDER BY id`)).map((r) => [
                r.id,
                r.name,
                r.age,
                r.city,
                r.email,
            ]);
            expect(await lake!.query(`SELECT id, name, age, city, email FROM lake.${namespace}.demographics ORDER BY id`)).toEqual(withEmail);
            const emailChanges = await lake!.query(
                `SELECT id, email, operation_type FROM lake.${namespace}.demographics_changes WHERE email IS NOT NULL ORDER BY event_time`,
            );
            expect(emailChanges).toEqual([
                [hopper.id, "grace@navy.mil", "INSERT"],
                [ada, "ada@analytical.engine", "UPDATE"],
            ]);
            const settled = await pulumi(["preview", "-s", stack, "--refresh"]);
            expect(settled.stdout).not.toMatch(/\d+ to (create|update|replace|delete)/);

            await lake?.close();
            lake = undefined;
            const destroyed = await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"]);
            deployed = false;
            expect(destroyed.stdout).toMatch(/- 20 deleted/);
            await pulumi(["stack", "rm", stack, "--yes", "--force"]);
        } finally {
            await lake?.close();
            // A failed assertion must not leave a job, connector or replication slot running on the harness.
            if (deployed) {
                await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"], false);
                await pulumi(["stack", "rm", stack, "--yes", "--force"], false);
            }
            fs.rmSync(file, { force: true });
            await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
        }
    }, 1_800_000);
});
