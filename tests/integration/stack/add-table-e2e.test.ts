/**
 * A table added to a running pipeline, through the real Pulumi engine (the harness's CLI, offline, file
 * backend) against the harness's real services, on a throwaway copy of the `local` stack:
 *
 * 1. The stack is deployed with one table (`demographics`).
 * 2. A second table, `orders`, with 100,000 existing rows, is added to `lakehouse:source.tables`. The
 *    preview shows its topic, job and `TableSnapshot` created and the demographics job not changing.
 * 3. `up` runs while a writer changes `demographics`. Every one of the 100,000 rows arrives in the orders
 *    topic as a snapshot read, and in its Iceberg table; the demographics job keeps running under the
 *    same job id, and its mirror equals PostgreSQL exactly.
 * 4. `orders` removed again: the preview deletes only its job, topic resource and snapshot resource; after
 *    `up` its Iceberg table and its topic still hold every row, and demographics' job and mirror are untouched.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { jobState } from "../../../components/dynamic/flink-job";
import { endpoints } from "../../../harness/cli";
import { REPO_DIR } from "../../../harness/pulumi/cli";
import { localStackCopy, pgQuery, pulumiOn } from "../../support/e2e";
import { icebergSession, pollFor } from "../../support/iceberg-session";
import { deleteTopics, readTopicToEnd } from "../../support/topic-records";

const ORDERS = 100_000;

describe("adding a table to a running pipeline (real engine, real services)", () => {
    let stateDir: string;
    const pulumi = pulumiOn(() => stateDir);

    beforeAll(() => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-add-table-"));
    });
    afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

    it("snapshots the added table's 100,000 existing rows without touching the other table's job or mirror", async () => {
        const id = Date.now().toString(36);
        const stack = `add-table-${id}`;
        const bucket = `add-table-${id}`;
        const namespace = `add_table_${id}`;
        const schema = `add_table_${id}`;
        const prefix = `add_table_${id}`;
        const file = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
        const local = localStackCopy({
            bucket,
            schema,
            tag: id,
            config: { "lakehouse:source": { tables: { demographics: { mode: "both" } } }, "lakehouse:dremio": { enabled: false } },
        });
        fs.writeFileSync(file, yaml.dump(local));

        let deployed = false;
        let lake: Awaited<ReturnType<typeof icebergSession>> | undefined;
        try {
            await pulumi(["stack", "init", stack]);
            deployed = true;
            await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            const before = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout);
            const jobId: string = before.flinkJobs.demographics.jobId;
            const restUrl = endpoints()["flink-jobmanager"].restUrl;
            expect(await jobState(restUrl, jobId)).toBe("RUNNING");
            for (let n = 0; n < 20; n++) await pgQuery(`INSERT INTO ${schema}.demographics (name, age, city) VALUES ($1, $2, 'Lyon')`, [`before-${n}`, 20 + n]);

            // The second table, with its existing rows, then declared in the stack config.
            await pgQuery(`CREATE TABLE ${schema}.orders (id BIGINT PRIMARY KEY, name TEXT NOT NULL)`);
            await pgQuery(`INSERT INTO ${schema}.orders SELECT g, 'order ' || g FROM generate_series(1, ${ORDERS}) g`);
            local.config["lakehouse:source"].tables = {
                demographics: { mode: "both" },
                orders: { mode: "upsert", primaryKey: ["id"], columns: ["id BIGINT", "name STRING"] },
            };
            fs.writeFileSync(file, yaml.dump(local));

            const preview = (await pulumi(["preview", "-s", stack, "--diff"])).stdout;
            // Exactly: the new table's topic, job and snapshot created; the CDC source (tables), the connector
            // (table.include.list) and the settle check updated. The demographics job and snapshot do not change.
            const steps = [
                ...preview.matchAll(/([~+-]+) pulumi-nodejs:dynamic\/lakehouse:(\w+): \((\w+)\)\s*\n(?:\s*\[id=[^\]]*\]\s*\n)?\s*\[urn=[^\]]*::([\w-]+)\]/g),
            ]
                .map((m) => `${m[3]} ${m[2]} ${m[4]}`)
                .sort();
            expect(steps).toEqual([
                "create FlinkSqlJob lakehouse-job-orders",
                "create KafkaTopic lakehouse-topic-orders",
                "create TableSnapshot lakehouse-snapshot-orders",
                "update CdcSource lakehouse-cdc-source",
                "update DebeziumConnector lakehouse-connector",
                "update PipelineSettleCheck lakehouse-pipeline-check",
            ]);
            expect(preview).toMatch(/table\.include\.list\s*: "[\w.]+demographics" => "[\w.]+demographics,[\w.]+orders"/);
            expect(preview).not.toMatch(/\d+ to (replace|delete)/);

            // Apply while a writer keeps changing demographics.
            let writing = true;
            let written = 0;
            const writer = (async () => {
                for (let n = 0; writing; n++) {
                    const [row] = await pgQuery(`INSERT INTO ${schema}.demographics (name, age, city) VALUES ($1, $2, 'Paris') RETURNING id`, [
                        `during-${n}`,
                        30 + (n % 40),
                    ]);
                    if (n % 3 === 0) await pgQuery(`UPDATE ${schema}.demographics SET city = 'Nice' WHERE id = $1`, [row.id]);
                    if (n % 5 === 4) await pgQuery(`DELETE FROM ${schema}.demographics WHERE id = $1`, [row.id]);
                    written++;
                    await new Promise((resolve) => setTimeout(resolve, 300));
                }
            })();
            let applied;
            try {
                applied = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            } finally {
                writing = false;
                await writer;
            }
            expect(written).toBeGreaterThan(5);
            expect(applied.stdout).toMatch(/incremental snapshot of .*orders finished/);

            // The demographics job kept running under the same id.
            const after = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout);
            expect(after.flinkJobs.demographics.jobId).toBe(jobId);
            expect(await jobState(restUrl, jobId)).toBe("RUNNING");

            // Every existing row of orders arrived in its topic as a snapshot read.
            const reads = (await readTopicToEnd(`${prefix}.${schema}.orders`, 300_000)).filter((r) => r?.op === "r");
            expect(new Set(reads.map((r) => r.after.id)).size).toBe(ORDERS);
            expect(reads.length).toBe(ORDERS);

            // The demographics mirror equals PostgreSQL exactly; orders' Iceberg table holds every row.
            lake = await icebergSession(bucket);
            const expected = (await pgQuery(`SELECT id, name, age, city FROM ${schema}.demographics ORDER BY id`)).map((r) => [r.id, r.name, r.age, r.city]);
            const mirror = await pollFor(
                `Iceberg ${namespace}.demographics to equal PostgreSQL (${expected.length} rows)`,
                240_000,
                () => lake!.query(`SELECT id, name, age, city FROM lake.${namespace}.demographics ORDER BY id`).catch(() => [] as unknown[][]),
                (rows) => JSON.stringify(rows) === JSON.stringify(expected),
            );
            expect(mirror).toEqual(expected);
            const orders = await pollFor(
                `Iceberg ${namespace}.orders to hold ${ORDERS} rows`,
                300_000,
                () => lake!.query(`SELECT count(*), count(DISTINCT id) FROM lake.${namespace}.orders`).catch(() => [[0, 0]] as unknown[][]),
                (rows) => Number(rows[0]?.[0]) === ORDERS,
            );
            expect(orders[0].map(Number)).toEqual([ORDERS, ORDERS]);

            // 4. Removing orders again: it stops being captured; its Iceberg table and topic stay, demographics is untouched.
            local.config["lakehouse:source"].tables = { demographics: { mode: "both" } };
            fs.writeFileSync(file, yaml.dump(local));
            const removal = (await pulumi(["preview", "-s", stack, "--diff"])).stdout;
            const removalSteps = [
                ...removal.matchAll(/([~+-]+) pulumi-nodejs:dynamic\/lakehouse:(\w+): \((\w+)\)\s*\n(?:\s*\[id=[^\]]*\]\s*\n)?\s*\[urn=[^\]]*::([\w-]+)\]/g),
            ]
                .map((m) => `${m[3]} ${m[2]} ${m[4]}`)
                .sort();
            expect(removalSteps).toEqual([
                "delete FlinkSqlJob lakehouse-job-orders",
                "delete KafkaTopic lakehouse-topic-orders",
                "delete TableSnapshot lakehouse-snapshot-orders",
                "update CdcSource lakehouse-cdc-source",
                "update DebeziumConnector lakehouse-connector",
                "update PipelineSettleCheck lakehouse-pipeline-check",
            ]);
            await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            const removed = JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout);
            expect(removed.flinkJobs.demographics.jobId).toBe(jobId);
            expect(removed.flinkJobs.orders).toBeUndefined();
            expect(await jobState(restUrl, jobId)).toBe("RUNNING");
            expect((await pgQuery("SELECT tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1", [`pub_${id}`])).map((r) => r.tablename)).toEqual(
                ["demographics", `pub_${id}_signal`],
            );
            // The removed table's Iceberg table and topic are left in place, with every row.
            expect((await lake.query(`SELECT count(*) FROM lake.${namespace}.orders`))[0].map(Number)).toEqual([ORDERS]);
            expect((await readTopicToEnd(`${prefix}.${schema}.orders`, 300_000)).filter((r) => r?.op === "r").length).toBe(ORDERS);
            await pgQuery(`INSERT INTO ${schema}.demographics (name, age, city) VALUES ('after-removal', 50, 'Rome')`);
            const final = (await pgQuery(`SELECT id, name, age, city FROM ${schema}.demographics ORDER BY id`)).map((r) => [r.id, r.name, r.age, r.city]);
            await pollFor(
                `Iceberg ${namespace}.demographics to equal PostgreSQL after the removal (${final.length} rows)`,
                240_000,
                () => lake!.query(`SELECT id, name, age, city FROM lake.${namespace}.demographics ORDER BY id`).catch(() => [] as unknown[][]),
                (rows) => JSON.stringify(rows) === JSON.stringify(final),
            );
        } finally {
            await lake?.close();
            if (deployed) {
                await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"], false);
                await pulumi(["stack", "rm", stack, "--yes", "--force"], false);
            }
            fs.rmSync(file, { force: true });
            await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
            // The program never deletes CDC topics: the test removes its own.
            await deleteTopics([`${prefix}.${schema}.demographics`, `${prefix}.${schema}.orders`]).catch(() => undefined);
        }
    });
});
