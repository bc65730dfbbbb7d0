/**
 * Identity versus access path, for every dynamic resource: each input, what a change to it does (the
 * provider's own diff decides it here), and what a replacement does to data. The same rows are the
 * table in docs/data-safety.md: the test fails, printing the table, when the two differ.
 */
import * as fs from "fs";
import * as path from "path";
import { diffBucket } from "../../../components/dynamic/bucket";
import { diffCdcSource } from "../../../components/dynamic/cdc-source";
import { diffConnector } from "../../../components/dynamic/connector";
import { diffDremioAdmin, diffDremioSource } from "../../../components/dynamic/dremio";
import { diffFlinkJob } from "../../../components/dynamic/flink-job";
import { diffKafkaTopic } from "../../../components/dynamic/kafka-topic";
import { diffNessie } from "../../../components/dynamic/nessie";
import { InputDiff, engineDiff } from "../../../components/dynamic/toolkit/diff";

type Diff = (olds: Record<string, any>, news: Record<string, any>) => InputDiff;

interface Row {
    resource: string;
    /** The input (or `config["key"]` path) that changes. */
    input: string;
    /** The change, applied to `base` (a function of the input's old value). */
    change: (olds: Record<string, any>) => Record<string, any>;
    /** What the change is: an `update` or a `replace`. */
    is: "update" | "replace";
    /** What happens on the server, and to data. */
    effect: string;
}

const RESOURCES: Record<string, { diff: Diff; base: Record<string, any>; replaceEffect: string }> = {
    WarehouseBucket: {
        diff: diffBucket,
        base: {
            endpoint: "http://127.0.0.1:9000",
            region: "us-east-1",
            bucket: "warehouse",
            accessKeyId: "lakehouse",
            secretAccessKey: "s",
            forceDestroy: false,
            version: 1,
        },
        replaceEffect:
            "guarded (`bucket`): refused at preview without the opt-in. With it, a new bucket is made first; the old one is deleted only if it still carries this resource's owner tag",
    },
    KafkaTopic: {
        diff: diffKafkaTopic,
        base: { bootstrapServers: "127.0.0.1:9092", topic: "p.public.t", partitions: 1, replicationFactor: 1, configs: {}, deleteOnDestroy: false, version: 1 },
        replaceEffect: "a new topic is made; the old one and its messages are kept (`deleteOnDestroy` is never set by the program)",
    },
    CdcSource: {
        diff: diffCdcSource,
        base: {
            address: "127.0.0.1:5432",
            database: "postgres",
            schema: "public",
            tables: ["t"],
            publication: "pub",
            replicationUser: "dbz",
            replicationPassword: "r",
            adminUser: "pg",
            adminPassword: "a",
            createSeedTable: false,
            version: 1,
        },
        replaceEffect:
            "a new role/publication is made first; the old ones are dropped only if this resource created them and they still carry its owner stamp (comment)",
    },
    DebeziumConnector: {
        diff: diffConnector,
        base: {
            connectUrl: "http://127.0.0.1:8083",
            name: "stack-postgres-cdc",
            config: {
                "database.hostname": "127.0.0.1",
                "database.port": "5432",
                "database.dbname": "postgres",
                "slot.name": "stack_cdc",
                "topic.prefix": "p",
                "heartbeat.interval.ms": "5000",
            },
            databasePassword: "r",
            state: "RUNNING",
            dropSlotOnDelete: true,
            cleanupDatabaseAddress: "127.0.0.1:5432",
            waitTimeoutSeconds: 180,
            version: 1,
        },
        replaceEffect:
            "guarded (`slot`): refused at preview without the opt-in. With it, the old connector is deleted first with its slot and offsets, and the new one snapshots every table again",
    },
    NessieNamespace: {
        diff: (o, n) => diffNessie(o, n, ["branch", "namespace"]),
        base: { apiUrl: "http://127.0.0.1:19120/api/v2", branch: "main", namespace: "cdc", dropContentsOnDelete: false, version: 1 },
        replaceEffect:
            "guarded (`tables`): refused at preview without the opt-in. With it, the new namespace is made first; the old one is dropped only if it still carries this resource's owner property, and its tables only with `storage.forceDestroy`",
    },
    NessieBranch: {
        diff: (o, n) => diffNessie(o, n, ["branch"]),
        base: { apiUrl: "http://127.0.0.1:19120/api/v2", branch: "cdc", from: "main", dropContentsOnDelete: false, version: 1 },
        replaceEffect:
            "guarded (`tables`): refused at preview without the opt-in. With it, the new branch is made from `from`; the old one is deleted only with `storage.forceDestroy`",
    },
    FlinkSqlJob: {
        diff: diffFlinkJob,
        base: {
            gatewayUrl: "http://127.0.0.1:8084",
            restUrl: "http://127.0.0.1:8081",
            name: "stack-t",
            statements: ["INSERT INTO a SELECT * FROM b"],
            settings: {},
            secrets: {},
            state: "RUNNING",
            deleteMode: "savepoint",
            waitTimeoutSeconds: 300,
            version: 1,
        },
        replaceEffect: "never replaced by a change",
    },
    DremioAdmin: {
        diff: diffDremioAdmin,
        base: {
            url: "http://127.0.0.1:9047",
            userName: "admin",
            firstName: "A",
            lastName: "B",
            email: "a@b",
            password: "p",
            waitTimeoutSeconds: 300,
            version: 1,
        },
        replaceEffect: "a new admin is bootstrapped or adopted; the old one is kept (Dremio keeps its first admin)",
    },
    DremioSource: {
        diff: diffDremioSource,
        base: {
            url: "http://127.0.0.1:9047",
            userName: "admin",
            password: "p",
            name: "lakehouse",
            type: "NESSIE",
            config: { nessieEndpoint: "http://nessie:19120/api/v2" },
            secretConfig: {},
            version: 1,
        },
        replaceEffect: "the old source is deleted first, then the new one made (metadata only: the tables are in Nessie and the bucket)",
    },
};

const localhost = (v: string) => v.replace("127.0.0.1", "localhost");
const set = (key: string, value: unknown) => (o: Record<string, any>) => ({ ...o, [key]: value });
const setConfig = (key: string, value: string) => (o: Record<string, any>) => ({ ...o, config: { ...o.config, [key]: value } });

const ROWS: Row[] = [
    {
        resource: "WarehouseBucket",
        input: "endpoint",
        change: (o) => set("endpoint", localhost(o.endpoint))(o),
        is: "update",
        effect: "the bucket is made sure of at the new endpoint; nothing is deleted",
    },
    { resource: "WarehouseBucket", input: "region", change: set("region", "eu-west-1"), is: "update", effect: "recorded for later calls" },
    { resource: "WarehouseBucket", input: "accessKeyId", change: set("accessKeyId", "other"), is: "update", effect: "recorded for later calls" },
    {
        resource: "WarehouseBucket",
        input: "forceDestroy",
        change: set("forceDestroy", true),
        is: "update",
        effect: "recorded: decides whether a delete empties the bucket",
    },
    { resource: "WarehouseBucket", input: "bucket", change: set("bucket", "lake"), is: "replace", effect: RESOURCES.WarehouseBucket.replaceEffect },
    {
        resource: "KafkaTopic",
        input: "bootstrapServers",
        change: (o) => set("bootstrapServers", localhost(o.bootstrapServers))(o),
        is: "update",
        effect: "the topic is made sure of at the new address; its messages stay",
    },
    {
        resource: "KafkaTopic",
        input: "partitions",
        change: set("partitions", 3),
        is: "update",
        effect: "partitions added in place (fewer is refused at preview)",
    },
    { resource: "KafkaTopic", input: "configs", change: set("configs", { "retention.ms": "1000" }), is: "update", effect: "altered in place" },
    { resource: "KafkaTopic", input: "topic", change: set("topic", "q.public.t"), is: "replace", effect: RESOURCES.KafkaTopic.replaceEffect },
    {
        resource: "CdcSource",
        input: "address",
        change: (o) => set("address", localhost(o.address))(o),
        is: "update",
        effect: "role, grants and publication made sure of; nothing dropped",
    },
    { resource: "CdcSource", input: "tables", change: set("tables", ["t", "u"]), is: "update", effect: "the publication and grants follow the list" },
    {
        resource: "CdcSource",
        input: "publication",
        change: set("publication", "pub2"),
        is: "update",
        effect: "the new publication is made; the old one is dropped if this resource created it",
    },
    { resource: "CdcSource", input: "database", change: set("database", "other"), is: "replace", effect: RESOURCES.CdcSource.replaceEffect },
    { resource: "CdcSource", input: "replicationUser", change: set("replicationUser", "dbz2"), is: "replace", effect: RESOURCES.CdcSource.replaceEffect },
    {
        resource: "DebeziumConnector",
        input: "connectUrl",
        change: (o) => set("connectUrl", localhost(o.connectUrl))(o),
        is: "update",
        effect: "nothing on Connect: the connector is checked at the new URL (made there only if missing)",
    },
    {
        resource: "DebeziumConnector",
        input: "cleanupDatabaseAddress",
        change: (o) => set("cleanupDatabaseAddress", localhost(o.cleanupDatabaseAddress))(o),
        is: "update",
        effect: "nothing on Connect",
    },
    {
        resource: "DebeziumConnector",
        input: 'config["database.hostname"]',
        change: setConfig("database.hostname", "localhost"),
        is: "update",
        effect: "the config is put and the tasks restart on the same slot, resuming from their offsets",
    },
    {
        resource: "DebeziumConnector",
        input: 'config["database.port"]',
        change: setConfig("database.port", "5433"),
        is: "update",
        effect: "the config is put and the tasks restart on the same slot, resuming from their offsets",
    },
    {
        resource: "DebeziumConnector",
        input: 'config["heartbeat.interval.ms"]',
        change: setConfig("heartbeat.interval.ms", "1000"),
        is: "update",
        effect: "the config is put; the tasks restart on the same slot",
    },
    { resource: "DebeziumConnector", input: "state", change: set("state", "PAUSED"), is: "update", effect: "paused, resumed or stopped in place" },
    {
        resource: "DebeziumConnector",
        input: "name",
        change: set("name", "other-postgres-cdc"),
        is: "replace",
        effect: RESOURCES.DebeziumConnector.replaceEffect,
    },
    {
        resource: "DebeziumConnector",
        input: 'config["slot.name"]',
        change: setConfig("slot.name", "other_cdc"),
        is: "replace",
        effect: RESOURCES.DebeziumConnector.replaceEffect,
    },
    {
        resource: "DebeziumConnector",
        input: 'config["topic.prefix"]',
        change: setConfig("topic.prefix", "q"),
        is: "replace",
        effect: RESOURCES.DebeziumConnector.replaceEffect,
    },
    {
        resource: "DebeziumConnector",
        input: 'config["database.dbname"]',
        change: setConfig("database.dbname", "other"),
        is: "replace",
        effect: RESOURCES.DebeziumConnector.replaceEffect,
    },
    {
        resource: "NessieNamespace",
        input: "apiUrl",
        change: (o) => set("apiUrl", localhost(o.apiUrl))(o),
        is: "update",
        effect: "the namespace is made sure of at the new URL; nothing is dropped",
    },
    {
        resource: "NessieNamespace",
        input: "dropContentsOnDelete",
        change: set("dropContentsOnDelete", true),
        is: "update",
        effect: "recorded: decides whether a delete drops the tables",
    },
    { resource: "NessieNamespace", input: "namespace", change: set("namespace", "cdc2"), is: "replace", effect: RESOURCES.NessieNamespace.replaceEffect },
    { resource: "NessieNamespace", input: "branch", change: set("branch", "dev"), is: "replace", effect: RESOURCES.NessieNamespace.replaceEffect },
    {
        resource: "NessieBranch",
        input: "apiUrl",
        change: (o) => set("apiUrl", localhost(o.apiUrl))(o),
        is: "update",
        effect: "the branch is made sure of at the new URL",
    },
    { resource: "NessieBranch", input: "from", change: set("from", "release"), is: "update", effect: "nothing: `from` only matters when the branch is made" },
    { resource: "NessieBranch", input: "branch", change: set("branch", "cdc2"), is: "replace", effect: RESOURCES.NessieBranch.replaceEffect },
    {
        resource: "FlinkSqlJob",
        input: "gatewayUrl",
        change: (o) => set("gatewayUrl", localhost(o.gatewayUrl))(o),
        is: "update",
        effect: "nothing on Flink: the same job keeps running",
    },
    {
        resource: "FlinkSqlJob",
        input: "restUrl",
        change: (o) => set("restUrl", localhost(o.restUrl))(o),
        is: "update",
        effect: "nothing on Flink: the same job keeps running",
    },
    {
        resource: "FlinkSqlJob",
        input: "statements",
        change: set("statements", ["INSERT INTO a SELECT * FROM c"]),
        is: "update",
        effect: "stopped with a savepoint and resubmitted from it",
    },
    {
        resource: "FlinkSqlJob",
        input: "name",
        change: set("name", "stack-u"),
        is: "update",
        effect: "stopped with a savepoint and resubmitted from it under the new name",
    },
    { resource: "FlinkSqlJob", input: "waitTimeoutSeconds", change: set("waitTimeoutSeconds", 60), is: "update", effect: "nothing on Flink" },
    {
        resource: "DremioAdmin",
        input: "url",
        change: (o) => set("url", localhost(o.url))(o),
        is: "update",
        effect: "the profile is made sure of at the new URL",
    },
    { resource: "DremioAdmin", input: "userName", change: set("userName", "root"), is: "replace", effect: RESOURCES.DremioAdmin.replaceEffect },
    {
        resource: "DremioSource",
        input: "url",
        change: (o) => set("url", localhost(o.url))(o),
        is: "update",
        effect: "the source is saved at the new URL (adopted by name there)",
    },
    {
        resource: "DremioSource",
        input: 'config["nessieEndpoint"]',
        change: setConfig("nessieEndpoint", "http://localhost:19120/api/v2"),
        is: "update",
        effect: "saved in place",
    },
    { resource: "DremioSource", input: "name", change: set("name", "lake2"), is: "replace", effect: RESOURCES.DremioSource.replaceEffect },
    { resource: "DremioSource", input: "type", change: set("type", "S3"), is: "replace", effect: RESOURCES.DremioSource.replaceEffect },
];

/** The table as docs/data-safety.md carries it. */
function identityTable(): string {
    const lines = ["| resource | input | a change is | what happens on the server, and to data |", "|---|---|---|---|"];
    for (const r of ROWS) lines.push(`| \`${r.resource}\` | \`${r.input}\` | ${r.is} | ${r.effect} |`);
    return lines.join("\n");
}

describe("identity versus access path", () => {
    it.each(ROWS.map((r) => [r.resource, r.input, r.is, r] as const))("%s %s: %s", (resource, input, is, row) => {
        const { diff, base } = RESOURCES[resource];
        const result = diff(base, row.change(base));
        expect(result.changes).toBe(true);
        expect(result.replaces.includes(input)).toBe(is === "replace");
        if (is === "update") expect(result.replaces).toEqual([]);
    });

    it("hands the engine exactly the changed paths, the replacing ones (and only those) as -replace", () => {
        for (const row of ROWS) {
            const { diff, base } = RESOURCES[row.resource];
            const news = row.change(base);
            const result = diff(base, news);
            const detailed = engineDiff(result, base, news).detailedDiff;
            expect([row.resource, row.input, Object.keys(detailed)]).toEqual([row.resource, row.input, result.changedKeys]);
            expect([row.resource, row.input, Object.keys(detailed).some((p) => p === row.input || p.startsWith(`${row.input}[`))]).toEqual([
                row.resource,
                row.input,
                true,
            ]);
            for (const [p, d] of Object.entries(detailed))
                expect([row.resource, p, d.kind.endsWith("-replace")]).toEqual([row.resource, p, result.replaces.includes(p)]);
        }
    });

    it("every address input of every resource is an update, never a replacement", () => {
        const addressInputs = ROWS.filter((r) => /url|address|endpoint|bootstrap|hostname|port/i.test(r.input));
        expect(addressInputs.map((r) => `${r.resource}.${r.input}`).sort()).toEqual(
            [
                "CdcSource.address",
                "DebeziumConnector.cleanupDatabaseAddress",
                "DebeziumConnector.connectUrl",
                'DebeziumConnector.config["database.hostname"]',
                'DebeziumConnector.config["database.port"]',
                "DremioAdmin.url",
                "DremioSource.url",
                'DremioSource.config["nessieEndpoint"]',
                "FlinkSqlJob.gatewayUrl",
                "FlinkSqlJob.restUrl",
                "KafkaTopic.bootstrapServers",
                "NessieBranch.apiUrl",
                "NessieNamespace.apiUrl",
                "WarehouseBucket.endpoint",
            ].sort(),
        );
        expect(addressInputs.every((r) => r.is === "update")).toBe(true);
    });

    it("docs/data-safety.md carries exactly this table", () => {
        const doc = fs.readFileSync(path.resolve(__dirname, "../../../docs/data-safety.md"), "utf8");
        const table = identityTable();
        if (!doc.includes(table)) throw new Error(`docs/data-safety.md does not carry the current table; replace it with:\n\n${table}\n`);
    });
});
