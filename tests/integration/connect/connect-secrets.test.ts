/**
 * Secrets out of Kafka Connect's stored config, on the harness's real Kafka Connect 3.9.1 + Debezium
 * 3.0.8 and PostgreSQL: the connector's `database.password` is `${env:LAKEHOUSE_REPLICATION_PASSWORD}`,
 * which the worker (config.providers=env, EnvVarConfigProvider) resolves when it validates and runs the
 * connector. While the connector runs and a change flows, neither the REST API nor any of Connect's
 * internal topics (read from the beginning, every record) nor the worker's log holds the password.
 */
import * as fs from "fs";
import * as path from "path";
import { Kafka, logLevel } from "kafkajs";
import { CONNECTOR_PROVIDER_VERSION, connectRequest, connectorProvider, diffConnector } from "../../../components/dynamic/connector";
import { createContext, endpoints, waitFor } from "../../../harness/cli";
import { loadVersions } from "../../../harness/lib/context";
import { bothForms } from "../../support/dynamic";
import { pgQuery as sql } from "../../support/e2e";

jest.setTimeout(420_000);

const eps = endpoints();
const connectUrl = eps.connect.url;
/** What the harness worker's environment holds, and the reference that names it. */
const PASSWORD = eps.connect.replicationPassword;
const REFERENCE = eps.connect.replicationPasswordReference;
const ROLE = "dbz_secrets";
const TABLE = "public.connect_secrets_test";
const groupId = loadVersions().connect.groupId as string;
const INTERNAL_TOPICS = [`${groupId}-configs`, `${groupId}-offsets`, `${groupId}-status`];

const kafka = () => new Kafka({ clientId: "connect-secrets-test", brokers: [eps.kafka.bootstrapServers], logLevel: logLevel.NOTHING });

/** Every record of a topic from its first offset up to its end at call time, as text (key and value). */
async function readWholeTopic(topic: string): Promise<string[]> {
    const k = kafka();
    const admin = k.admin();
    await admin.connect();
    const ends = new Map<number, bigint>();
    try {
        for (const p of await admin.fetchTopicOffsets(topic)) if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    } finally {
        await admin.disconnect();
    }
    if (ends.size === 0) return [];
    const records: string[] = [];
    const consumer = k.consumer({ groupId: `connect-secrets-reader-${Date.now().toString(36)}`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    const reached = new Set<number>();
    await consumer.connect();
    try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
            eachMessage: async ({ partition, message }) => {
                records.push(`${message.key?.toString() ?? ""}\t${message.value?.toString() ?? ""}`);
                if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) reached.add(partition);
            },
        });
        await waitFor(`every record of ${topic} up to offsets ${JSON.stringify([...ends].map(([p, o]) => `${p}:${o}`))}`, () => reached.size === ends.size, {
            timeoutMs: 60_000,
        });
    } finally {
        await consumer.disconnect();
    }
    return records;
}

/** Waits (bounded) for a change event whose `after.name` is `name` on `topic`. */
async function waitForEvent(topic: string, name: string): Promise<any> {
    const k = kafka();
    const admin = k.admin();
    await admin.connect();
    try {
        await waitFor(`topic ${topic} to exist`, async () => (await admin.listTopics()).includes(topic), { timeoutMs: 90_000 });
    } finally {
        await admin.disconnect();
    }
    let found: any;
    const consumer = k.consumer({ groupId: `connect-secrets-${name}`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await consumer.connect();
    try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
            eachMessage: async ({ message }) => {
                const value = message.value ? JSON.parse(message.value.toString()) : undefined;
                if (value?.after?.name === name) found = value;
            },
        });
        await waitFor(`the change event of row ${name} on ${topic}`, () => found !== undefined, { timeoutMs: 90_000 });
    } finally {
        await consumer.disconnect();
    }
    return found;
}

/** Everything Connect exposes or keeps about connectors: what the password must not be in. */
async function connectStoredText(name: string): Promise<{ config: Record<string, string>; places: Record<string, string> }> {
    const config = await connectRequest(connectUrl, "GET", `/connectors/${name}/config`);
    const places: Record<string, string> = {
        [`GET /connectors/${name}/config`]: JSON.stringify(config),
        [`GET /connectors/${name}/tasks`]: JSON.stringify(await connectRequest(connectUrl, "GET", `/connectors/${name}/tasks`)),
        [`GET /connectors?expand=info`]: JSON.stringify((await connectRequest(connectUrl, "GET", `/connectors?expand=info`))[name] ?? {}),
    };
    // Every record of the internal topics that is this connector's (key `connector-<name>`, `task-<name>-0`,
    // `["<name>", ...]`, ...): other stacks on the same harness may store what they were given.
    for (const topic of INTERNAL_TOPICS) places[`topic ${topic}`] = (await readWholeTopic(topic)).filter((r) => r.split("\t")[0].includes(name)).join("\n");
    return { config, places };
}

beforeAll(async () => {
    expect(PASSWORD).toBeTruthy();
    expect(REFERENCE).toBe("${env:LAKEHOUSE_REPLICATION_PASSWORD}");
    // A CDC role whose password is the one the worker's environment holds (as the local stack's is).
    await sql(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE} WITH LOGIN REPLICATION; END IF;
    END $$;`);
    await sql(`ALTER ROLE ${ROLE} WITH LOGIN REPLICATION PASSWORD '${PASSWORD}'`);
    await sql(`CREATE TABLE IF NOT EXISTS ${TABLE} (id SERIAL PRIMARY KEY, name TEXT NOT NULL)`);
    await sql(`ALTER TABLE ${TABLE} REPLICA IDENTITY FULL`);
    await sql(`GRANT SELECT ON ${TABLE} TO ${ROLE}`);
    // Debezium's `filtered` publication mode creates the publication: it needs CREATE and table ownership.
    await sql(`GRANT CREATE ON DATABASE ${eps.postgres.database} TO ${ROLE}`);
    await sql(`ALTER TABLE ${TABLE} OWNER TO ${ROLE}`);
});

function inputs(id: string, extra: Record<string, unknown> = {}, config: Record<string, string> = {}) {
    return {
        connectUrl,
        name: `lakehouse-secrets-${id}`,
        config: {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "database.dbname": eps.postgres.database,
            "database.hostname": eps.postgres.host,
            "database.port": eps.postgres.port,
            "database.user": ROLE,
            "database.password": REFERENCE,
            "plugin.name": "pgoutput",
            "publication.autocreate.mode": "filtered",
            "publication.name": `pub_${id}`,
            "slot.name": `slot_${id}`,
            "table.include.list": TABLE,
            "tasks.max": "1",
            "topic.prefix": `sec_${id}`,
            ...config,
        },
        databasePassword: PASSWORD,
        state: "RUNNING",
        dropSlotOnDelete: true,
        waitTimeoutSeconds: 120,
        version: CONNECTOR_PROVIDER_VERSION,
        ...extra,
    };
}

describe("Kafka Connect resolves config-provider references (the harness worker)", () => {
    const validate = (config: Record<string, string>) =>
        connectRequest(
            connectUrl,
            "PUT",
            `/connector-plugins/${encodeURIComponent("io.debezium.connector.postgresql.PostgresConnector")}/config/validate`,
            config,
        );
    const base = (password: string) => ({ ...inputs("validate").config, name: "lakehouse-secrets-validate", "database.password": password });

    it("validates with the reference: Debezium logs in to PostgreSQL with the resolved password", async () => {
        const ok = await validate(base(REFERENCE));
        expect(ok.error_count).toBe(0);
    });

    it("does not resolve a variable outside the provider's allow-list, nor an unknown provider: the login fails", async () => {
        for (const reference of ["${env:HOME}", "${nosuch:LAKEHOUSE_REPLICATION_PASSWORD}"]) {
            const bad = await validate(base(reference));
            expect(bad.error_count).toBeGreaterThanOrEqual(1);
            expect(JSON.stringify(bad.configs.flatMap((c: any) => c.value.errors))).toMatch(/password authentication failed/);
        }
    });
});

describe.each([["provider object"], ["serialized provider"]])("a connector with a password reference (%s)", (form) => {
    const id = `${form.startsWith("s") ? "ser" : "obj"}${Date.now().toString(36)}`;
    const name = `lakehouse-secrets-${id}`;
    let provider: any;
    let created = false;

    beforeAll(async () => {
        provider = (await bothForms(connectorProvider)).find(([n]) => n === form)![1];
    });

    afterAll(async () => {
        // A failed assertion must not leave a connector or a replication slot behind.
        if (created) await provider.delete(name, inputs(id));
    });

    it("runs, streams a change, and Connect stores only the reference: REST, tasks, internal topics and log hold no password", async () => {
        const outs = (await provider.create(inputs(id))).outs;
        created = true;
        expect(outs).toMatchObject({ connectorState: "RUNNING", taskStates: ["RUNNING"] });
        expect(outs.config["database.password"]).toBe(REFERENCE);

        // CDC flows: an insert reaches the topic (the task logged in with the resolved password).
        await sql(`INSERT INTO ${TABLE} (name) VALUES ($1)`, [`row-${id}`]);
        const event = await waitForEvent(`sec_${id}.${TABLE}`, `row-${id}`);
        expect(event).toMatchObject({ op: "c", after: { name: `row-${id}` } });

        const { config, places } = await connectStoredText(name);
        expect(config["database.password"]).toBe(REFERENCE);
        // The searches are meaningful: the connector's records are there, with the reference.
        expect(places[`topic ${groupId}-configs`]).toContain(`connector-${name}`);
        expect(places[`topic ${groupId}-configs`]).toContain(REFERENCE);
        expect(places[`GET /connectors/${name}/tasks`]).toContain(REFERENCE);
        for (const [where, text] of Object.entries(places)) expect({ where, holdsPassword: text.includes(PASSWORD) }).toEqual({ where, holdsPassword: false });

        const log = path.join(createContext().runDir, "logs", "connect.log");
        const logText = fs.readFileSync(log, "utf8");
        expect(logText).toContain(name);
        expect(logText.includes(PASSWORD)).toBe(false);

        // Refresh sees no drift: the stored reference is the declared one.
        const read = await provider.read(name, outs);
        expect(read.props.config).toEqual(outs.config);
        expect(diffConnector(outs, read.props)).toMatchObject({ changes: false, changedKeys: [] });
    });
});

describe("a connector created with the password itself (an external Connect without a reference)", () => {
    const id = `lit${Date.now().toString(36)}`;
    const name = `lakehouse-secrets-${id}`;
    const role = "dbz_secrets_lit";
    /** A different password, so this test's literal never counts against the reference tests above. */
    const literal = `literal-only-${id}`;
    let provider: any;
    /** The props the provider last recorded (delete logs in to PostgreSQL with their password to drop the slot). */
    let current: Record<string, any> | undefined;
    const literalInputs = () => {
        const i = inputs(id, { databasePassword: literal }, { "database.user": role });
        delete (i.config as Record<string, string>)["database.password"];
        return i;
    };

    beforeAll(async () => {
        provider = (await bothForms(connectorProvider)).find(([n]) => n === "serialized provider")![1];
        await sql(`DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} WITH LOGIN REPLICATION; END IF;
        END $$;`);
        await sql(`ALTER ROLE ${role} WITH LOGIN REPLICATION PASSWORD '${literal}'`);
        await sql(`GRANT SELECT ON ${TABLE} TO ${role}`);
        await sql(`GRANT CREATE ON DATABASE ${eps.postgres.database} TO ${role}`);
        // `filtered` publication creation needs table ownership: the other role's, through membership.
        await sql(`GRANT ${ROLE} TO ${role}`);
    });

    afterAll(async () => {
        if (current) await provider.delete(name, current);
    });

    it("is stored in plain text by Connect; refresh keeps it out of state and shows the reference as the repair, which update applies", async () => {
        const outs = (await provider.create(literalInputs())).outs;
        current = outs;
        expect(outs.config).not.toHaveProperty("database.password");
        // What this issue is about: Connect stores what it was given.
        expect((await connectRequest(connectUrl, "GET", `/connectors/${name}/config`))["database.password"]).toBe(literal);

        // Refresh never reads the stored password into state.
        const read = await provider.read(name, outs);
        expect(read.props.config).not.toHaveProperty("database.password");
        expect(JSON.stringify(read.props.config)).not.toContain(literal);

        // The worker now resolves the role's password: declaring the reference is a config change, applied in place.
        await sql(`ALTER ROLE ${role} WITH PASSWORD '${PASSWORD}'`);
        current = { ...outs, databasePassword: PASSWORD };
        const declared = inputs(id, {}, { "database.user": role });
        // (Here the password changed too, as the role's did; a stack that only adds the reference changes just that key.)
        expect(diffConnector(read.props, declared)).toMatchObject({
            changes: true,
            changedKeys: expect.arrayContaining(['config["database.password"]']),
            replaces: [],
        });
        expect(diffConnector(read.props, { ...declared, databasePassword: literal }).changedKeys).toEqual(['config["database.password"]']);
        const updated = (await provider.update(name, read.props, declared)).outs;
        current = updated;
        expect(updated).toMatchObject({ connectorState: "RUNNING", taskStates: ["RUNNING"] });
        const stored = await connectRequest(connectUrl, "GET", `/connectors/${name}/config`);
        expect(stored["database.password"]).toBe(REFERENCE);
        // The update waited for tasks restarted with the reference, and they log in with what it resolves to.
        const tasks = await connectRequest(connectUrl, "GET", `/connectors/${name}/tasks`);
        expect(tasks.map((t: any) => t.config["database.password"])).toEqual([REFERENCE]);
        await sql(`INSERT INTO ${TABLE} (name) VALUES ($1)`, [`row-${id}`]);
        // The row reaches Kafka through the task that logged in with the reference. As a change ("c"), or as a
        // snapshot read ("r") when the update's restart came before Connect flushed the first task's offsets
        // (every 5 s in the harness): the restarted task then snapshots again, and a row written meanwhile is read
        // by that snapshot (seen once in CI). Either proves the login; which one is Debezium's timing.
        const event = await waitForEvent(`sec_${id}.${TABLE}`, `row-${id}`);
        expect(event).toMatchObject({ after: { name: `row-${id}` } });
        expect(["c", "r"]).toContain(event.op);
        const again = await provider.read(name, updated);
        expect(diffConnector(updated, again.props)).toMatchObject({ changes: false });
    });
});
