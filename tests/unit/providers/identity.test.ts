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
import { diffFlinkJarJob } from "../../../components/dynamic/flink-jar-job";
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
    FlinkJarJob: {
        diff: diffFlinkJarJob,
        base: {
            restUrl: "http://127.0.0.1:8081",
            name: "stack-table-maintenance",
            jar: { projectDirectory: "/repo/jobs/maintenance", sourceHash: "0123456789abcdef", mavenProperties: {}, artifact: "m.jar", cacheDirectory: "/c" },
            entryClass: "lakehouse.maintenance.TableMaintenanceJob",
            programArgs: ["--job-name=stack-table-maintenance"],
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
/** The change of an address input from 127.0.0.1 to localhost (the same server, reached another way). */
const moveToLocalhost = (key: string) => (o: Record<string, any>) => set(key, localhost(o[key]))(o);

/** A row of one resource, before `rowsOf` names the resource (and gives a replacement its effect). */
type ResourceRow = Omit<Row, "resource" | "effect"> & { effect?: string };
/** A change that is an update in place, and what it does. */
const update = (input: string, change: Row["change"], effect: string): ResourceRow => ({ input, change, is: "update", effect });
/** A change that replaces the resource: its effect is the resource's `replaceEffect`. */
const replace = (input: string, change: Row["change"]): ResourceRow => ({ input, change, is: "replace" });
/** The rows of one resource, in order. */
const rowsOf = (resource: string, rows: ResourceRow[]): Row[] =>
    rows.map((row) => ({ resource, ...row, effect: row.effect ?? RESOURCES[resource].replaceEffect }));

const CONFIG_PUT_SAME_SLOT = "the config is put and the tasks restart on the same slot, resuming from their offsets";
const FLINK_JOB_KEEPS_RUNNING = "nothing on Flink: the same job keeps running";
const FLINK_JAR_JOB_RERUN = "the maintenance job is stopped with a savepoint and run again from it; the tables are untouched";

const ROWS: Row[] = [
    ...rowsOf("WarehouseBucket", [
        update("endpoint", moveToLocalhost("endpoint"), "the bucket is made sure of at the new endpoint; nothing is deleted"),
        update("region", set("region", "eu-west-1"), "recorded for later calls"),
        update("accessKeyId", set("accessKeyId", "other"), "recorded for later calls"),
        update("forceDestroy", set("forceDestroy", true), "recorded: decides whether a delete empties the bucket"),
        replace("bucket", set("bucket", "lake")),
    ]),
    ...rowsOf("KafkaTopic", [
        update("bootstrapServers", moveToLocalhost("bootstrapServers"), "the topic is made sure of at the new address; its messages stay"),
        update("partitions", set("partitions", 3), "partitions added in place (fewer is refused at preview)"),
        update("configs", set("configs", { "retention.ms": "1000" }), "altered in place"),
        replace("topic", set("topic", "q.public.t")),
    ]),
    ...rowsOf("CdcSource", [
        update("address", moveToLocalhost("address"), "role, grants and publication made sure of; nothing dropped"),
        update("tables", set("tables", ["t", "u"]), "the publication and grants follow the list"),
        update("publication", set("publication", "pub2"), "the new publication is made; the old one is dropped if this resource created it"),
        replace("database", set("database", "other")),
        replace("replicationUser", set("replicationUser", "dbz2")),
    ]),
    ...rowsOf("DebeziumConnector", [
        update("connectUrl", moveToLocalhost("connectUrl"), "nothing on Connect: the connector is checked at the new URL (made there only if missing)"),
        update("cleanupDatabaseAddress", moveToLocalhost("cleanupDatabaseAddress"), "nothing on Connect"),
        update('config["database.hostname"]', setConfig("database.hostname", "localhost"), CONFIG_PUT_SAME_SLOT),
        update('config["database.port"]', setConfig("database.port", "5433"), CONFIG_PUT_SAME_SLOT),
        update('config["heartbeat.interval.ms"]', setConfig("heartbeat.interval.ms", "1000"), "the config is put; the tasks restart on the same slot"),
        update("state", set("state", "PAUSED"), "paused, resumed or stopped in place"),
        replace("name", set("name", "other-postgres-cdc")),
        replace('config["slot.name"]', setConfig("slot.name", "other_cdc")),
        replace('config["topic.prefix"]', setConfig("topic.prefix", "q")),
        replace('config["database.dbname"]', setConfig("database.dbname", "other")),
    ]),
    ...rowsOf("NessieNamespace", [
        update("apiUrl", moveToLocalhost("apiUrl"), "the namespace is made sure of at the new URL; nothing is dropped"),
        update("dropContentsOnDelete", set("dropContentsOnDelete", true), "recorded: decides whether a delete drops the tables"),
        replace("namespace", set("namespace", "cdc2")),
        replace("branch", set("branch", "dev")),
    ]),
    ...rowsOf("NessieBranch", [
        update("apiUrl", moveToLocalhost("apiUrl"), "the branch is made sure of at the new URL"),
        update("from", set("from", "release"), "nothing: `from` only matters when the branch is made"),
        replace("branch", set("branch", "cdc2")),
    ]),
    ...rowsOf("FlinkSqlJob", [
        update("gatewayUrl", moveToLocalhost("gatewayUrl"), FLINK_JOB_KEEPS_RUNNING),
        update("restUrl", moveToLocalhost("restUrl"), FLINK_JOB_KEEPS_RUNNING),
        update("statements", set("statements", ["INSERT INTO a SELECT * FROM c"]), "stopped with a savepoint and resubmitted from it"),
        update("name", set("name", "stack-u"), "stopped with a savepoint and resubmitted from it under the new name"),
        update("waitTimeoutSeconds", set("waitTimeoutSeconds", 60), "nothing on Flink"),
    ]),
    ...rowsOf("FlinkJarJob", [
        update("restUrl", moveToLocalhost("restUrl"), FLINK_JOB_KEEPS_RUNNING),
        update("programArgs", set("programArgs", ["--job-name=stack-table-maintenance", "--rate-limit-seconds=30"]), FLINK_JAR_JOB_RERUN),
        update("jar.sourceHash", (o) => ({ ...o, jar: { ...o.jar, sourceHash: "fedcba9876543210" } }), FLINK_JAR_JOB_RERUN),
        update("waitTimeoutSeconds", set("waitTimeoutSeconds", 60), "nothing on Flink"),
    ]),
    ...rowsOf("DremioAdmin", [
        update("url", moveToLocalhost("url"), "the profile is made sure of at the new URL"),
        replace("userName", set("userName", "root")),
    ]),
    ...rowsOf("DremioSource", [
        update("url", moveToLocalhost("url"), "the source is saved at the new URL (adopted by name there)"),
        update('config["nessieEndpoint"]', setConfig("nessieEndpoint", "http://localhost:19120/api/v2"), "saved in place"),
        replace("name", set("name", "lake2")),
        replace("type", set("type", "S3")),
    ]),
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
                "FlinkJarJob.restUrl",
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
