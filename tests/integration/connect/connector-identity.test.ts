/**
 * The connector's identity against the harness's real Kafka Connect, Kafka and PostgreSQL, on the
 * provider object and its serialized form: the Connect URL and the database address are access
 * paths (another spelling of either keeps the same slot, with no new snapshot and nothing lost),
 * and a change that would replace the connector of a protected stack is refused at preview.
 */
import { Kafka, logLevel } from "kafkajs";
import { CONNECTOR_PROVIDER_VERSION, connectRequest, connectorProvider } from "../../../components/dynamic/connector";
import { DataGuard } from "../../../components/dynamic/data-guard";
import { endpoints } from "../../../harness/cli";
import { bothForms } from "../../support/dynamic";
import { pgQuery as sql } from "../../support/e2e";
import { prepareCdcTable, testConnectorConfig } from "../../support/connector";

const pgAdmin = () => endpoints().postgres;
const connectUrl = () => endpoints().connect.url;
const REPLICATION_PASSWORD = "dbz-ident-password-1";
const TABLE = "public.connector_ident";

/** The walsender holding the slot (null while no task streams from it). */
async function slotHolder(slot: string): Promise<number | null | undefined> {
    const rows = await sql("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1", [slot]);
    return rows.length ? rows[0].active_pid : undefined;
}

/** Every change event on the topic so far, as Debezium JSON (read from the beginning, bounded). */
async function events(topic: string, atLeast: number, timeoutMs = 60_000): Promise<any[]> {
    const kafka = new Kafka({ brokers: [endpoints().kafka.bootstrapServers], logLevel: logLevel.NOTHING });
    const deadline = Date.now() + timeoutMs;
    let delay = 250;
    for (;;) {
        const admin = kafka.admin();
        await admin.connect();
        const topics = await admin.listTopics();
        const total = topics.includes(topic) ? (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0) : 0;
        await admin.disconnect();
        if (total >= atLeast) {
            const consumer = kafka.consumer({ groupId: `ident-${Date.now()}-${Math.random().toString(36).slice(2)}` });
            await consumer.connect();
            await consumer.subscribe({ topic, fromBeginning: true });
            const seen: any[] = [];
            await new Promise<void>((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${total} events of ${topic} within 30 s`)), 30_000);
                consumer
                    .run({
                        eachMessage: async ({ message }) => {
                            if (message.value) seen.push(JSON.parse(message.value.toString()));
                            if (seen.length >= total) {
                                clearTimeout(timer);
                                resolve();
                            }
                        },
                    })
                    .catch(reject);
            });
            await consumer.disconnect();
            return seen;
        }
        if (Date.now() + delay > deadline) throw new Error(`topic ${topic} has ${total} events, waited for ${atLeast} for ${timeoutMs / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 2000);
    }
}

beforeAll(() => prepareCdcTable({ role: "dbz_ident", password: REPLICATION_PASSWORD, table: TABLE }));

describe.each([["provider object"], ["serialized provider"]])("connector identity on real Kafka Connect (%s)", (form) => {
    let provider: any;
    const id = `${form.startsWith("s") ? "ser" : "obj"}${Date.now().toString(36)}`;
    const name = `lakehouse-ident-${id}`;
    const slot = `slot_ident_${id}`;
    const topic = `ident_${id}.public.connector_ident`;
    const inputs = (extra: Record<string, unknown> = {}, config: Record<string, string> = {}) => ({
        connectUrl: connectUrl(),
        name,
        config: testConnectorConfig({ user: "dbz_ident", publication: `pub_ident_${id}`, slot, table: TABLE, topicPrefix: `ident_${id}` }, config),
        databasePassword: REPLICATION_PASSWORD,
        state: "RUNNING",
        dropSlotOnDelete: true,
        cleanupDatabaseAddress: `${pgAdmin().host}:${pgAdmin().port}`,
        waitTimeoutSeconds: 120,
        version: CONNECTOR_PROVIDER_VERSION,
        ...extra,
    });

    beforeAll(async () => {
        provider = (await bothForms(connectorProvider)).find(([n]) => n === form)![1];
    });

    it("keeps the same slot and history across every spelling of the Connect URL and the database address", async () => {
        await sql(`INSERT INTO ${TABLE} (name) VALUES ($1)`, [`before-${id}`]);
        const created = await provider.create(inputs());
        const initial = await events(topic, 1);
        const snapshotReads = initial.filter((e) => e.op === "r").length;
        expect(snapshotReads).toBeGreaterThanOrEqual(1);
        const holder = await slotHolder(slot);
        expect(typeof holder).toBe("number");

        // The Connect URL spelled another way: an update that touches nothing on Connect.
        const viaLocalhost = inputs({ connectUrl: connectUrl().replace("127.0.0.1", "localhost"), cleanupDatabaseAddress: `localhost:${pgAdmin().port}` });
        expect(await provider.diff(name, created.outs, viaLocalhost)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { connectUrl: { kind: "update", inputDiff: true }, cleanupDatabaseAddress: { kind: "update", inputDiff: true } },
        });
        const moved = (await provider.update(name, created.outs, viaLocalhost)).outs;
        expect(moved).toMatchObject({ connectUrl: viaLocalhost.connectUrl, connectorState: "RUNNING" });
        // The same walsender still holds the slot: no task was restarted.
        expect(await slotHolder(slot)).toBe(holder);

        // The database address spelled another way: the tasks restart on the same slot, resuming from their offsets.
        const hostMoved = inputs({ connectUrl: viaLocalhost.connectUrl }, { "database.hostname": "localhost" });
        expect(await provider.diff(name, moved, hostMoved)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { cleanupDatabaseAddress: { kind: "update", inputDiff: true }, 'config["database.hostname"]': { kind: "update", inputDiff: true } },
        });
        const restarted = (await provider.update(name, moved, hostMoved)).outs;
        expect(restarted).toMatchObject({ connectorState: "RUNNING", taskStates: ["RUNNING"] });
        expect((await connectRequest(connectUrl(), "GET", `/connectors/${name}/config`))["database.hostname"]).toBe("localhost");
        expect(await slotHolder(slot)).not.toBeUndefined();

        // Changes after each step arrive once, and nothing was snapshotted again.
        await sql(`INSERT INTO ${TABLE} (name) VALUES ($1)`, [`after-${id}`]);
        const after = await events(topic, initial.length + 1);
        expect(after.filter((e) => e.op === "r")).toHaveLength(snapshotReads);
        expect(after.filter((e) => e.op === "c" && e.after?.name === `after-${id}`)).toHaveLength(1);

        await provider.delete(name, restarted);
        expect(await slotHolder(slot)).toBeUndefined();
    });

    it("refuses at preview a change that would replace the connector of a protected stack, naming the key and the opt-in", async () => {
        const guard: DataGuard = {
            holds: `the CDC connector "${name}" with its replication slot "${slot}" and offsets`,
            loss: "The new one snapshots every captured table again.",
            configKeys: { 'config["topic.prefix"]': "lakehouse:kafka.topicPrefix" },
            optIn: "allow it with `pulumi config set --path lakehouse:allowDataLoss[0] slot`",
        };
        const olds = { ...inputs({ dataGuard: guard }), topics: [topic], connectorState: "RUNNING", taskStates: ["RUNNING"] };
        const error = await provider.diff(name, olds, inputs({ dataGuard: guard }, { "topic.prefix": `other_${id}` })).catch((e: Error) => e);
        expect(String(error)).toContain(`DebeziumConnector: this change would replace the CDC connector "${name}"`);
        expect(String(error)).toContain(`lakehouse:kafka.topicPrefix ("ident_${id}" -> "other_${id}")`);
        expect(String(error)).toContain("lakehouse:allowDataLoss");
        // The same change on a stack that allows it is a replacement, deleting first (one slot, one connector).
        expect(await provider.diff(name, olds, inputs({}, { "topic.prefix": `other_${id}` }))).toEqual({
            changes: true,
            replaces: ['config["topic.prefix"]'],
            deleteBeforeReplace: true,
            // The engine gets the exact path; the guard input dropped is a change too (not a replacement).
            detailedDiff: { dataGuard: { kind: "delete", inputDiff: false }, 'config["topic.prefix"]': { kind: "update-replace", inputDiff: true } },
        });
    });
});
