/**
 * `pipeline.connectorConfig`: extra Debezium settings from stack config, validated (string values,
 * never a key the program owns) and merged over the program's defaults by debeziumConnectorConfig.
 */
import { LakehouseConfig, isOwnedConnectorKey } from "../../../components/config";
import { DEFAULTS } from "../../../components/defaults";
import { debeziumConnectorConfig } from "../../../components/pipeline";
import { connectorProvider } from "../../../components/dynamic/connector";
import { configRejection, parseConfigValues } from "../../support/lakehouse-config";

const parse = (values: Record<string, unknown>): LakehouseConfig => parseConfigValues(values);
const messageOf = (values: Record<string, unknown>): string => configRejection(values).message;

describe("pipeline.connectorConfig", () => {
    it("defaults to no extra settings", () => {
        expect(DEFAULTS.pipeline.connectorConfig).toEqual({});
        expect(parse({}).pipeline.connectorConfig).toEqual({});
        expect(parse({ pipeline: { jobState: "RUNNING" } }).pipeline.connectorConfig).toEqual({});
    });

    it("accepts string settings the program does not own", () => {
        const cfg = parse({ pipeline: { connectorConfig: { "heartbeat.interval.ms": "5000", "max.batch.size": "512", "snapshot.mode": "never" } } });
        expect(cfg.pipeline.connectorConfig).toEqual({ "heartbeat.interval.ms": "5000", "max.batch.size": "512", "snapshot.mode": "never" });
    });

    it.each([
        ["connector.class", "x", "the program derives it"],
        ["name", "x", "the program derives it"],
        ["database.hostname", "db", "lakehouse:external.postgres.address"],
        ["database.user", "someone", "lakehouse:source.replicationUser"],
        ["database.dbname", "other", "lakehouse:source.database"],
        ["slot.name", "s", "the program derives it"],
        ["topic.prefix", "t", "lakehouse:kafka.topicPrefix"],
        ["table.include.list", "public.x", "lakehouse:source.tables"],
        ["schema.include.list", "public", "lakehouse:source.schema"],
        ["publication.name", "p", "lakehouse:source.publication"],
        ["publication.autocreate.mode", "all_tables", "lakehouse:source.publication"],
    ])("refuses %s, a key the program owns, naming the key and the fix", (key, value, fix) => {
        const message = messageOf({ pipeline: { connectorConfig: { [key]: value, "heartbeat.interval.ms": "5000" } } });
        expect(message).toContain(`lakehouse:pipeline.connectorConfig["${key}"]: found "${value}"`);
        expect(message).toContain(`the program owns "${key}"; remove it from lakehouse:pipeline.connectorConfig`);
        expect(message).toContain(fix);
        expect(message).toMatch(/\(1 problem\)/);
    });

    it("never echoes a database password put there", () => {
        const message = messageOf({ pipeline: { connectorConfig: { "database.password": "hunter2-secret" } } });
        expect(message).toContain('lakehouse:pipeline.connectorConfig["database.password"]: found "(a value)"');
        expect(message).toContain("lakehouse:replicationPassword");
        expect(message).not.toContain("hunter2-secret");
    });

    it("refuses non-string values, a non-map, and malformed setting names", () => {
        expect(messageOf({ pipeline: { connectorConfig: { "heartbeat.interval.ms": 5000 } } })).toContain(
            'lakehouse:pipeline.connectorConfig["heartbeat.interval.ms"]: found 5000; expected a string (quote it in YAML, e.g. "heartbeat.interval.ms": "5000")',
        );
        expect(messageOf({ pipeline: { connectorConfig: ["heartbeat.interval.ms=5000"] } })).toContain("lakehouse:pipeline.connectorConfig: found");
        expect(messageOf({ pipeline: { connectorConfig: { "bad key": "1" } } })).toContain('lakehouse:pipeline.connectorConfig["bad key"]');
    });

    it("is a known key of pipeline (a typo gets a hint)", () => {
        expect(messageOf({ pipeline: { connectorConfg: {} } })).toContain('did you mean "connectorConfig"?');
    });
});

describe("debeziumConnectorConfig", () => {
    it("is the program's defaults when nothing extra is set", () => {
        const config = debeziumConnectorConfig(parse({}), "postgres:5432");
        expect(config).toMatchObject({
            "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "database.hostname": "postgres",
            "database.port": "5432",
            "heartbeat.interval.ms": "10000",
            "slot.name": "cdc_lakehouse_dev_cdc",
            "topic.prefix": "demographics_server",
        });
    });

    it("merges pipeline.connectorConfig over the defaults, changing only those keys", () => {
        const base = debeziumConnectorConfig(parse({}), "postgres:5432");
        const extra = debeziumConnectorConfig(
            parse({ pipeline: { connectorConfig: { "heartbeat.interval.ms": "5000", "max.batch.size": "512" } } }),
            "postgres:5432",
        );
        expect(extra).toEqual({ ...base, "heartbeat.interval.ms": "5000", "max.batch.size": "512" });
    });

    it("keeps the keys the program owns even when a hand-built config carries them", () => {
        const cfg = parse({});
        const forged = {
            ...cfg,
            pipeline: { ...cfg.pipeline, connectorConfig: { "slot.name": "other", "database.hostname": "elsewhere", "max.batch.size": "64" } },
        };
        const config = debeziumConnectorConfig(forged, "postgres:5432");
        expect(config["slot.name"]).toBe("cdc_lakehouse_dev_cdc");
        expect(config["database.hostname"]).toBe("postgres");
        expect(config["max.batch.size"]).toBe("64");
    });

    it("owns exactly the identity, connection, publication and capture keys", () => {
        for (const key of [
            "connector.class",
            "name",
            "database.port",
            "database.sslmode",
            "slot.name",
            "topic.prefix",
            "table.include.list",
            "schema.include.list",
            "publication.name",
        ]) {
            expect(isOwnedConnectorKey(key)).toBe(true);
        }
        for (const key of ["heartbeat.interval.ms", "max.batch.size", "snapshot.mode", "plugin.name", "databasex", "slot.drop.on.stop"])
            expect(isOwnedConnectorKey(key)).toBe(false);
    });
});

// The provider's check is pure: it names each bad input before anything reaches Connect.
describe("connector check", () => {
    it("names each bad property", async () => {
        const result = await connectorProvider.check!(
            {},
            {
                connectUrl: "http://connect:8083/connectors",
                name: "bad name",
                state: "SLEEPING",
                config: { "connector.class": "x", "database.password": "p", "slot.name": "Bad-Slot" },
            },
        );
        expect(result.failures).toEqual(
            expect.arrayContaining([
                { property: "name", reason: expect.stringContaining('"bad name"') },
                { property: "connectUrl", reason: expect.stringContaining("without a path") },
                { property: "state", reason: '"SLEEPING" must be RUNNING, PAUSED or STOPPED' },
                { property: 'config["topic.prefix"]', reason: "is required" },
                { property: 'config["database.password"]', reason: expect.stringContaining("secret `databasePassword`") },
                { property: 'config["slot.name"]', reason: expect.stringContaining("replication slot name") },
                { property: "databasePassword", reason: "is required" },
            ]),
        );
    });
});
