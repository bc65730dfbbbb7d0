/**
 * Debezium with nothing in plaintext (issue 19): a TLS-only PostgreSQL (`postgres-tls`) captured by the
 * harness's Connect worker group on the SASL_SSL Kafka (`connect-tls` on `kafka-tls`, set up as
 * docs/security.md tells the operator of an existing Connect). The connector settings the program
 * derives from `lakehouse:source.tls` (`debeziumTlsSettings`: pgjdbc's sslmode, the CA inline, no file
 * on the workers) stream a change to the SASL_SSL topic, and the slot cleanup on delete reaches the
 * database over the same TLS (both provider forms). A connector without TLS, or one that does not
 * trust the server, is refused with the server's or pgjdbc's own words.
 */
import * as fs from "fs";
import { CONNECTOR_PROVIDER_VERSION, connectRequest, connectorProvider } from "../../../components/dynamic/connector";
import { debeziumTlsSettings } from "../../../components/secured-clients";
import type { LakehouseConfig } from "../../../components/config";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { certificateFiles } from "../../../harness/lib/tls";
import { bothForms } from "../../support/dynamic";
import { Kafka, logLevel } from "kafkajs";
import { tlsClientOptions } from "../../../harness/kafka";
import { securedPgQuery } from "../../support/secured-services";

jest.setTimeout(300_000);

const ctx = createContext();
const pgTls = () => endpoints({ ctx, onDemand: true })["postgres-tls"];
const connectUrl = () => endpoints({ ctx, onDemand: true })["connect-tls"].url;
const ROLE = "dbz_tls";
const PASSWORD = "dbz-tls-password-1";
const TABLE = "public.tls_capture";

/** One statement on postgres-tls as its superuser, over verify-full. */
const sql = (text: string, params: unknown[] = []): Promise<any[]> => securedPgQuery(ctx, text, params);

/** Every record value of a kafka-tls topic (SASL_SSL, the harness's CA) up to its current end; none while it does not exist. */
async function readSecuredTopic(topic: string): Promise<any[]> {
    const kafka = new Kafka({ clientId: "debezium-tls-test", logLevel: logLevel.NOTHING, connectionTimeout: 5000, ...tlsClientOptions(ctx) });
    const admin = kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string }[];
    try {
        if (!(await admin.listTopics()).includes(topic)) return [];
        ends = await admin.fetchTopicOffsets(topic);
    } finally {
        await admin.disconnect();
    }
    const total = ends.reduce((sum, p) => sum + Number(p.high), 0);
    if (total === 0) return [];
    const consumer = kafka.consumer({ groupId: `debezium-tls-${Date.now().toString(36)}` });
    const values: any[] = [];
    await consumer.connect();
    try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`read ${values.length} of ${total} records of ${topic} within 30 s`)), 30_000);
            consumer
                .run({
                    eachMessage: async ({ message }) => {
                        values.push(message.value ? JSON.parse(message.value.toString()) : null);
                        if (values.length >= total) {
                            clearTimeout(timer);
                            resolve();
                        }
                    },
                })
                .catch(reject);
        });
    } finally {
        await consumer.disconnect();
    }
    return values;
}

/** The `database.*` TLS settings the program derives for a stack whose `source.tls` is `tls`. */
function tlsSettings(tls: { sslmode: string; caCert?: string }): Record<string, string> {
    return debeziumTlsSettings({ source: { tls } } as unknown as LakehouseConfig);
}

beforeAll(async () => {
    await ensureUp(["postgres-tls", "kafka-tls", "connect-tls"], { ctx });
    await sql(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN
            CREATE ROLE ${ROLE} WITH LOGIN REPLICATION PASSWORD '${PASSWORD}';
        END IF;
    END $$;`);
    await sql(`CREATE TABLE IF NOT EXISTS ${TABLE} (id SERIAL PRIMARY KEY, name TEXT NOT NULL)`);
    await sql(`ALTER TABLE ${TABLE} REPLICA IDENTITY FULL`);
    await sql(`GRANT CREATE ON DATABASE ${pgTls().database} TO ${ROLE}`);
    await sql(`ALTER TABLE ${TABLE} OWNER TO ${ROLE}`);
});

describe.each([["provider object"], ["serialized provider"]])("Debezium to a TLS-only PostgreSQL (%s)", (form) => {
    let provider: any;
    const id = `${form.startsWith("s") ? "ser" : "obj"}${Date.now().toString(36)}`;
    const name = `lakehouse-tls-${id}`;
    const slot = `slot_tls_${id}`;
    const topicPrefix = `tls_${id}`;
    const inputs = (tls: Record<string, string>) => ({
        connectUrl: connectUrl(),
        name,
        config: {
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "database.hostname": pgTls().host,
            "database.port": pgTls().port,
            "database.dbname": pgTls().database,
            "database.user": ROLE,
            "plugin.name": "pgoutput",
            "publication.autocreate.mode": "filtered",
            "publication.name": `pub_tls_${id}`,
            "slot.name": slot,
            "table.include.list": TABLE,
            "tasks.max": "1",
            "topic.prefix": topicPrefix,
            ...tls,
        },
        databasePassword: PASSWORD,
        state: "RUNNING",
        dropSlotOnDelete: true,
        waitTimeoutSeconds: 120,
        version: CONNECTOR_PROVIDER_VERSION,
    });
    const ca = () => fs.readFileSync(certificateFiles(ctx.runDir).caCert, "utf8");

    beforeAll(async () => {
        provider = (await bothForms(connectorProvider)).find(([n]) => n === form)![1];
    });

    it("refuses a connector without TLS with the server's own words, and one that does not trust the server with pgjdbc's", async () => {
        // Debezium's own default is sslmode prefer (TLS when offered, unverified): a plaintext connector says disable.
        const plain: Error = await provider.create(inputs({ "database.sslmode": "disable" })).catch((e: Error) => e);
        expect(plain.message).toMatch(/Kafka Connect rejected the config .*pg_hba\.conf rejects connection .*no encryption/s);
        expect(plain.message).not.toContain(PASSWORD);
        // verify-full without a CA trusts the JVM's CAs (not ~/.postgresql/root.crt): the harness's CA is not one of them.
        const systemCas = tlsSettings({ sslmode: "verify-full" });
        expect(systemCas).toEqual({ "database.sslmode": "verify-full", "database.sslfactory": "org.postgresql.ssl.DefaultJavaSSLFactory" });
        const untrusted: Error = await provider.create(inputs(systemCas)).catch((e: Error) => e);
        expect(untrusted.message).toMatch(/Kafka Connect rejected the config .*PKIX path building failed/s);
        await expect(connectRequest(connectUrl(), "GET", `/connectors/${name}`)).rejects.toMatchObject({ status: 404 });
    });

    it("streams a change over verify-full with the CA inline, and drops its slot over TLS on delete", async () => {
        const settings = tlsSettings({ sslmode: "verify-full", caCert: ca() });
        expect(settings).toMatchObject({ "database.sslmode": "verify-full", "database.sslfactory": "org.postgresql.ssl.SingleCertValidatingFactory" });
        const created = await provider.create(inputs(settings));
        expect(created.outs).toMatchObject({ connectorState: "RUNNING", taskStates: ["RUNNING"] });
        // The replication connection is encrypted: the walsender's session shows ssl (once streaming, after the snapshot).
        const walsender = () => sql("SELECT s.ssl FROM pg_replication_slots l JOIN pg_stat_ssl s ON s.pid = l.active_pid WHERE l.slot_name = $1", [slot]);
        let walsenders = await walsender();
        for (let delay = 250, deadline = Date.now() + 60_000; walsenders.length === 0 && Date.now() < deadline; delay = Math.min(delay * 2, 4000)) {
            await new Promise((resolve) => setTimeout(resolve, delay));
            walsenders = await walsender();
        }
        expect(walsenders).toEqual([{ ssl: true }]);

        await sql(`INSERT INTO ${TABLE} (name) VALUES ($1)`, [`row-${id}`]);
        const topic = `${topicPrefix}.${TABLE}`;
        let events: any[] = [];
        for (let delay = 250, deadline = Date.now() + 90_000; !events.some((e) => e?.after?.name === `row-${id}`); delay = Math.min(delay * 2, 4000)) {
            if (Date.now() > deadline) throw new Error(`no change event of row-${id} in ${topic} within 90 s (read ${events.length})`);
            await new Promise((resolve) => setTimeout(resolve, delay));
            events = await readSecuredTopic(topic).catch(() => []);
        }
        expect(events.find((e) => e?.after?.name === `row-${id}`)).toMatchObject({ op: "c", after: { name: `row-${id}` } });

        await provider.delete(name, created.outs);
        await expect(connectRequest(connectUrl(), "GET", `/connectors/${name}`)).rejects.toMatchObject({ status: 404 });
        expect(await sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slot])).toEqual([]);
    });
});
