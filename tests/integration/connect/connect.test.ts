/**
 * Kafka Connect is the real thing: its REST API lists the Debezium PostgreSQL plugin loaded from
 * plugin.path, validates configs with real field errors, and a Debezium connector streams a change
 * from the harness PostgreSQL into Kafka.
 */
import { Client } from "pg";
import { Kafka, logLevel } from "kafkajs";
import { endpoints, waitFor } from "../../../harness/cli";
import { loadVersions } from "../../../harness/lib/context";

// `testTimeout` in a jest project entry is not applied (it is a global option): bound each test here;
// every wait inside is bounded on its own.
jest.setTimeout(300000);

const eps = endpoints();
const connectUrl = eps.connect.url;
const pgClass = eps.connect.debeziumPostgresConnectorClass;
const versions = loadVersions();

async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${connectUrl}${path}`, {
        method,
        headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60000),
    });
    const text = await res.text();
    let json: any;
    try {
        json = text ? JSON.parse(text) : undefined;
    } catch {
        json = text;
    }
    return { status: res.status, json };
}

function baseConfig(suffix: string): Record<string, string> {
    return {
        name: `harness-smoke-${suffix}`,
        "connector.class": pgClass,
        "plugin.name": "pgoutput",
        "database.hostname": eps.postgres.host,
        "database.port": eps.postgres.port,
        "database.user": eps.postgres.user,
        "database.password": eps.postgres.password,
        "database.dbname": eps.postgres.database,
        "topic.prefix": `smoke${suffix}`,
        "slot.name": `smoke_slot_${suffix}`,
        "publication.name": `smoke_pub_${suffix}`,
    };
}

type FieldResult = { value: { name: string; errors: string[] } };

function errorsOf(validation: { configs: FieldResult[] }): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const c of validation.configs) if (c.value.errors.length) out[c.value.name] = c.value.errors;
    return out;
}

describe("connect (real Kafka Connect + Debezium from the harness)", () => {
    test("is a Kafka Connect worker of the pinned Kafka version, attached to the harness Kafka", async () => {
        const root = await rest("GET", "/");
        expect(root.status).toBe(200);
        expect(root.json.version).toBe(versions.kafka.version);
        expect(root.json.kafka_cluster_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    });

    test("lists the Debezium PostgreSQL connector plugin at the pinned version", async () => {
        const plugins = await rest("GET", "/connector-plugins");
        expect(plugins.status).toBe(200);
        const debezium = (plugins.json as Array<{ class: string; type: string; version: string }>).find((p) => p.class === pgClass);
        expect(debezium).toBeDefined();
        expect(debezium!.type).toBe("source");
        expect(debezium!.version).toBe(versions.debezium.version);
    });

    test("validates configs: a good one passes, missing or wrong fields are real field errors", async () => {
        const suffix = `${Date.now()}`;
        const path = `/connector-plugins/${encodeURIComponent(pgClass)}/config/validate`;

        const good = await rest("PUT", path, baseConfig(suffix));
        expect(good.status).toBe(200);
        expect(good.json.name).toBe(pgClass);
        expect(errorsOf(good.json)).toEqual({});
        expect(good.json.error_count).toBe(0);

        const { ["topic.prefix"]: _dropped, ...noPrefix } = baseConfig(suffix);
        void _dropped;
        const missing = await rest("PUT", path, noPrefix);
        expect(missing.json.error_count).toBeGreaterThanOrEqual(1);
        expect(Object.keys(errorsOf(missing.json))).toContain("topic.prefix");

        const badPlugin = await rest("PUT", path, { ...baseConfig(suffix), "plugin.name": "no-such-decoder" });
        expect(badPlugin.json.error_count).toBeGreaterThanOrEqual(1);
        expect(Object.keys(errorsOf(badPlugin.json))).toContain("plugin.name");

        // Debezium really connects to PostgreSQL while validating: a wrong password is reported.
        const badPassword = await rest("PUT", path, { ...baseConfig(suffix), "database.password": "wrong-password" });
        expect(badPassword.json.error_count).toBeGreaterThanOrEqual(1);
        expect(JSON.stringify(errorsOf(badPassword.json))).toMatch(/password authentication failed|authentication/i);
    });

    test("a Debezium connector streams a PostgreSQL row into Kafka as schemaless debezium JSON", async () => {
        const suffix = `${Date.now()}`;
        const name = `harness-smoke-${suffix}`;
        const table = `smoke_items_${suffix}`;
        const config: Record<string, string> = {
            ...baseConfig(suffix),
            "table.include.list": `public.${table}`,
            "publication.autocreate.mode": "filtered",
            "snapshot.mode": "initial",
            "tasks.max": "1",
        };
        const topic = `${config["topic.prefix"]}.public.${table}`;
        const db = new Client({
            host: eps.postgres.host,
            port: Number(eps.postgres.port),
            user: eps.postgres.user,
            password: eps.postgres.password,
            database: eps.postgres.database,
        });
        const kafka = new Kafka({ clientId: "harness-smoke", brokers: [eps.kafka.bootstrapServers], logLevel: logLevel.NOTHING });
        const consumer = kafka.consumer({ groupId: `${name}-group`, sessionTimeout: 10000, heartbeatInterval: 1000 });
        await db.connect();
        try {
            await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
            await db.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
            await db.query(`INSERT INTO ${table} VALUES (1, 'snapshotted')`);

            const created = await rest("PUT", `/connectors/${name}/config`, config);
            expect(created.status).toBe(201);
            await waitFor(
                `Debezium connector ${name} and its task RUNNING`,
                async () => {
                    const s = await rest("GET", `/connectors/${name}/status`);
                    if (s.json?.tasks?.[0]?.state === "FAILED") throw new Error(`task FAILED: ${s.json.tasks[0].trace}`);
                    return s.status === 200 && s.json.connector.state === "RUNNING" && s.json.tasks.length === 1 && s.json.tasks[0].state === "RUNNING";
                },
                { timeoutMs: 120000 },
            );
            await db.query(`INSERT INTO ${table} VALUES (2, 'streamed')`);
            await db.query(`UPDATE ${table} SET name = 'streamed-updated' WHERE id = 2`);

            const events: any[] = [];
            await consumer.connect();
            const watcher = kafka.admin();
            await watcher.connect();
            try {
                await waitFor(`topic ${topic} to exist`, async () => (await watcher.listTopics()).includes(topic), { timeoutMs: 120000 });
            } finally {
                await watcher.disconnect();
            }
            await consumer.subscribe({ topic, fromBeginning: true });
            await consumer.run({
                eachMessage: async ({ message }) => {
                    if (message.value) events.push(JSON.parse(message.value.toString()));
                },
            });
            await waitFor(`3 Debezium change events (snapshot, insert, update) on ${topic}`, () => events.length >= 3, { timeoutMs: 120000 });

            // Schemaless JSON (JsonConverter schemas.enable=false): the envelope itself, no {schema,payload}.
            expect(events[0]).not.toHaveProperty("schema");
            expect(events[0]).toMatchObject({ op: "r", after: { id: 1, name: "snapshotted" } });
            expect(events[1]).toMatchObject({ op: "c", after: { id: 2, name: "streamed" } });
            // REPLICA IDENTITY FULL: the update carries the before image.
            expect(events[2]).toMatchObject({ op: "u", before: { id: 2, name: "streamed" }, after: { id: 2, name: "streamed-updated" } });
            expect(events[2].source).toMatchObject({ connector: "postgresql", table });
        } finally {
            await consumer.disconnect().catch(() => undefined);
            const del = await rest("DELETE", `/connectors/${name}`);
            expect([204, 404]).toContain(del.status);
            // Deleting a connector leaves its slot and publication behind: clean them up (the slot frees once the task stops).
            await waitFor(
                `replication slot ${config["slot.name"]} to be released and dropped`,
                async () => {
                    const r = await db.query(`SELECT active FROM pg_replication_slots WHERE slot_name = $1`, [config["slot.name"]]);
                    if (r.rows.length === 0) return true;
                    if (r.rows[0].active) return false;
                    await db.query(`SELECT pg_drop_replication_slot($1)`, [config["slot.name"]]);
                    return true;
                },
                { timeoutMs: 60000 },
            );
            await db.query(`DROP PUBLICATION IF EXISTS ${config["publication.name"]}`);
            await db.query(`DROP TABLE IF EXISTS ${table}`);
            await db.end();
            const admin = kafka.admin();
            await admin.connect();
            await admin.deleteTopics({ topics: [topic], timeout: 30000 }).catch(() => undefined);
            await admin.deleteGroups([`${name}-group`]).catch(() => undefined);
            await admin.disconnect();
        }
    });
});
