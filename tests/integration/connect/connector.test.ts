/**
 * The Debezium connector's lifecycle against the harness's real Kafka Connect, Kafka and PostgreSQL,
 * on the provider object and on its serialized form.
 */
import { Kafka, logLevel } from "kafkajs";
import { CONNECTOR_PROVIDER_VERSION, connectRequest, connectorProvider, diffConnector } from "../../../components/dynamic/connector";
import { endpoints } from "../../../harness/cli";
import { bothForms } from "../../support/dynamic";
import { testConnectorConfig } from "../../support/connector";
import { pgQuery as sql } from "../../support/e2e";

const pgAdmin = () => endpoints().postgres;
const connectUrl = () => endpoints().connect.url;
const REPLICATION_PASSWORD = "dbz-test-password-1";

async function slotExists(slot: string): Promise<boolean> {
    return (await sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slot])).length === 1;
}

async function publicationExists(name: string): Promise<boolean> {
    return (await sql("SELECT 1 FROM pg_publication WHERE pubname = $1", [name])).length === 1;
}

/** Debezium creates a table's topic with its first event: wait for it (bounded, backed off). */
async function waitForTopic(kafka: Kafka, topic: string, timeoutMs: number): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    const deadline = Date.now() + timeoutMs;
    let delay = 200;
    try {
        for (;;) {
            const topics = await admin.listTopics();
            if (topics.includes(topic)) {
                const meta = await admin.fetchTopicMetadata({ topics: [topic] });
                if (meta.topics[0]?.partitions.every((p) => p.leader >= 0)) return;
            }
            if (Date.now() + delay > deadline) throw new Error(`topic ${topic} did not appear within ${timeoutMs / 1000} s`);
            await new Promise((resolve) => setTimeout(resolve, delay));
            delay = Math.min(delay * 2, 2000);
        }
    } finally {
        await admin.disconnect();
    }
}

beforeAll(async () => {
    // A CDC role as the program sets one up: LOGIN REPLICATION, SELECT on the captured tables.
    await sql(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dbz_test') THEN
            CREATE ROLE dbz_test WITH LOGIN REPLICATION PASSWORD '${REPLICATION_PASSWORD}';
        END IF;
    END $$;`);
    await sql("CREATE TABLE IF NOT EXISTS public.connector_test (id SERIAL PRIMARY KEY, name TEXT NOT NULL, age INT, city TEXT)");
    await sql("ALTER TABLE public.connector_test REPLICA IDENTITY FULL");
    await sql("GRANT SELECT ON public.connector_test TO dbz_test");
    // Debezium's `filtered` publication mode creates the publication: it needs CREATE and table ownership.
    await sql(`GRANT CREATE ON DATABASE ${pgAdmin().database} TO dbz_test`);
    await sql("ALTER TABLE public.connector_test OWNER TO dbz_test");
});

describe.each([["provider object"], ["serialized provider"]])("Debezium connector on real Kafka Connect (%s)", (form) => {
    let provider: any;
    const id = `${form.startsWith("s") ? "ser" : "obj"}${Date.now().toString(36)}`;
    const name = `lakehouse-test-${id}`;
    const slot = `slot_${id}`;
    const publication = `pub_${id}`;
    const inputs = (extra: Record<string, unknown> = {}, config: Record<string, string> = {}) => ({
        connectUrl: connectUrl(),
        name,
        config: testConnectorConfig({ user: "dbz_test", publication, slot, table: "public.connector_test", topicPrefix: `test_${id}` }, config),
        databasePassword: REPLICATION_PASSWORD,
        state: "RUNNING",
        dropSlotOnDelete: true,
        waitTimeoutSeconds: 120,
        version: CONNECTOR_PROVIDER_VERSION,
        ...extra,
    });

    beforeAll(async () => {
        provider = (await bothForms(connectorProvider)).find(([n]) => n === form)![1];
    });

    it("rejects a config Connect's validation refuses, listing the field errors and creating nothing", async () => {
        const error: Error = await provider.create(inputs({ databasePassword: "wrong-password-9" })).catch((e: Error) => e);
        expect(error.message).toMatch(
            /Kafka Connect rejected the config of connector "lakehouse-test-[a-z0-9]+" \(1 error\):\n {2}- database\.hostname: .*password authentication failed for user "dbz_test"/,
        );
        expect(error.message).not.toContain("wrong-password-9");
        await expect(connectRequest(connectUrl(), "GET", `/connectors/${name}`)).rejects.toMatchObject({ status: 404 });
    });

    it("creates, streams changes, diffs exactly, updates, pauses, reports drift, and deletes with its slot", async () => {
        const created = await provider.create(inputs());
        expect(created.id).toBe(name);
        expect(created.outs).toMatchObject({ connectorState: "RUNNING", taskStates: ["RUNNING"], topics: [`test_${id}.public.connector_test`] });
        expect(await slotExists(slot)).toBe(true);
        expect(await publicationExists(publication)).toBe(true);

        // A change in PostgreSQL reaches the topic as schemaless Debezium JSON.
        await sql("INSERT INTO public.connector_test (name, age, city) VALUES ($1, 42, 'Oslo')", [`row-${id}`]);
        const kafka = new Kafka({ brokers: [endpoints().kafka.bootstrapServers], logLevel: logLevel.NOTHING });
        await waitForTopic(kafka, `test_${id}.public.connector_test`, 60_000);
        const consumer = kafka.consumer({ groupId: `test-${id}` });
        await consumer.connect();
        await consumer.subscribe({ topic: `test_${id}.public.connector_test`, fromBeginning: true });
        const event = await new Promise<any>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("no change event within 60 s")), 60_000);
            consumer
                .run({
                    eachMessage: async ({ message }) => {
                        const value = JSON.parse(message.value!.toString());
                        if (value.after?.name === `row-${id}`) {
                            clearTimeout(timer);
                            resolve(value);
                        }
                    },
                })
                .catch(reject);
        });
        await consumer.disconnect();
        expect(event).toMatchObject({ op: "c", before: null, after: { name: `row-${id}`, age: 42, city: "Oslo" } });

        // No-op and exact diffs.
        expect(diffConnector(created.outs, inputs())).toMatchObject({ changes: false, changedKeys: [] });
        expect(await provider.diff(name, created.outs, inputs())).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false, detailedDiff: {} });
        const changed = inputs({}, { "heartbeat.interval.ms": "5000" });
        expect(diffConnector(created.outs, changed).changedKeys).toEqual(['config["heartbeat.interval.ms"]']);
        // The engine gets the exact path of the setting that replaces the connector.
        expect(await provider.diff(name, created.outs, inputs({}, { "slot.name": `${slot}_2` }))).toEqual({
            changes: true,
            replaces: ['config["slot.name"]'],
            deleteBeforeReplace: true,
            detailedDiff: { 'config["slot.name"]': { kind: "update-replace", inputDiff: true } },
        });

        // Update in place; then pause by declared state.
        const updated = await provider.update(name, created.outs, changed);
        expect((await connectRequest(connectUrl(), "GET", `/connectors/${name}/config`))["heartbeat.interval.ms"]).toBe("5000");
        // The update returns only once the tasks run with the new config (not on the old tasks' RUNNING).
        const tasks = await connectRequest(connectUrl(), "GET", `/connectors/${name}/tasks`);
        expect(tasks.length).toBeGreaterThan(0);
        for (const task of tasks) expect(task.config["heartbeat.interval.ms"]).toBe("5000");
        expect(updated.outs.connectorState).toBe("RUNNING");
        const paused = await provider.update(name, updated.outs, { ...changed, state: "PAUSED" });
        expect(paused.outs).toMatchObject({ connectorState: "PAUSED", taskStates: ["PAUSED"] });

        // Read: unchanged reads back equal; an out-of-band edit and a resume show as drift.
        const readBack = await provider.read(name, paused.outs);
        expect(diffConnector(paused.outs, readBack.props)).toMatchObject({ changes: false });
        await connectRequest(connectUrl(), "PUT", `/connectors/${name}/config`, {
            ...paused.outs.config,
            name,
            "database.password": REPLICATION_PASSWORD,
            "heartbeat.interval.ms": "9999",
        });
        await connectRequest(connectUrl(), "PUT", `/connectors/${name}/resume`);
        const drifted = await provider.read(name, paused.outs);
        expect(diffConnector(drifted.props, { ...changed, state: "PAUSED" }).changedKeys).toEqual(expect.arrayContaining(['config["heartbeat.interval.ms"]']));

        // Deleted out of band: read says gone; create repairs it (same slot, no duplicate).
        await connectRequest(connectUrl(), "DELETE", `/connectors/${name}`);
        expect(await provider.read(name, paused.outs)).toEqual({});
        const repaired = await provider.create(changed);
        expect(repaired.outs.connectorState).toBe("RUNNING");

        // Delete: connector, slot and the publication it created are gone; delete again is a no-op.
        await provider.delete(name, repaired.outs);
        await expect(connectRequest(connectUrl(), "GET", `/connectors/${name}`)).rejects.toMatchObject({ status: 404 });
        expect(await slotExists(slot)).toBe(false);
        expect(await publicationExists(publication)).toBe(false);
        await expect(provider.delete(name, repaired.outs)).resolves.toBeUndefined();
    });

    it("keeps the slot when the stack opts out of cleanup", async () => {
        const ours = `${publication}_keep`;
        const keep = inputs(
            { name: `${name}-keep`, dropSlotOnDelete: false },
            { "slot.name": `${slot}_keep`, "publication.autocreate.mode": "disabled", "publication.name": ours },
        );
        await sql(`CREATE PUBLICATION ${ours} FOR TABLE public.connector_test`);
        const created = await provider.create(keep);
        await provider.delete(`${name}-keep`, created.outs);
        expect(await slotExists(`${slot}_keep`)).toBe(true);
        // Clean up as an operator would: once the deleted connector's task has let go of the slot. The slot can
        // look free for a moment while the task is still stopping (its walsender reconnects), so the drop is
        // retried while PostgreSQL says the slot is active, for up to 30 s.
        for (let attempt = 0; ; attempt++) {
            const dropped = await sql("SELECT pg_drop_replication_slot($1)", [`${slot}_keep`]).then(
                () => true,
                (err: Error) => {
                    if (!/is active for PID/.test(err.message) || attempt >= 60) throw err;
                    return false;
                },
            );
            if (dropped) break;
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
        // A publication the connector did not create is never dropped by it.
        expect(await publicationExists(ours)).toBe(true);
        await sql(`DROP PUBLICATION ${ours}`);
    });
});
