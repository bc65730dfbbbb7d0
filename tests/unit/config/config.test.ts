import { ConfigValidationError, LakehouseConfig, isPinnedImage, parseLakehouseConfig } from "../../../components/config";
import { DEFAULTS, UPSTREAM_DREMIO_IMAGE } from "../../../components/defaults";
import { projectImageRef } from "../../../components/images";
import { configRejection, expectProblemAt, parseConfigValues } from "../../support/lakehouse-config";

const parse = (values: Record<string, unknown>, secretKeys: string[] = []): LakehouseConfig => parseConfigValues(values, { secretKeys });
const problemsOf = (values: Record<string, unknown>, secretKeys: string[] = []): ConfigValidationError => configRejection(values, { secretKeys });

describe("parseLakehouseConfig defaults", () => {
    it("gives the documented defaults for an empty stack", () => {
        const cfg = parse({});
        expect(cfg.platform).toBe("docker");
        expect(cfg.namePrefix).toBe("cdc-lakehouse-dev");
        // Every service runs the project's own image, built locally (never pulled); Dremio its own, pulled.
        for (const service of ["postgres", "kafka", "connect", "minio", "nessie", "flink", "zookeeper"] as const) {
            expect(cfg.images[service]).toEqual({ ref: projectImageRef(service), pull: false });
            expect(cfg.images[service].ref).toMatch(new RegExp(`^lakehouse/${service}:[0-9A-Za-z.-]*[0-9a-f]{12}$`));
        }
        expect(cfg.images.dremio).toEqual({ ref: UPSTREAM_DREMIO_IMAGE, pull: true });
        expect(cfg.awsRegion).toBe("us-east-1");
        const { tableDefinitions, ...source } = cfg.source;
        expect(source).toEqual(DEFAULTS.source);
        expect(Object.keys(tableDefinitions)).toEqual(DEFAULTS.source.tables);
        expect(cfg.kafka).toEqual({ brokers: 1, topicPrefix: "demographics_server", topicPartitions: 1, replicationFactor: 1, minInsyncReplicas: 1 });
        expect(cfg.connect).toEqual({ workers: 1, groupId: "dev-connect", autoRestart: true });
        expect(cfg.pipeline.jobRestorePointsKept).toBe(3);
        expect(cfg.storage).toEqual({ provider: "minio", bucket: "warehouse", rootUser: "lakehouse", warehouse: "s3://warehouse/", forceDestroy: false });
        expect(cfg.nessie).toEqual({ versionStore: "jdbc", branch: "main" });
        expect(cfg.flink).toEqual({
            taskManagers: 1,
            slotsPerTaskManager: 4,
            parallelism: 1,
            checkpointIntervalMs: 5000,
            checkpointsUri: "s3://warehouse/flink/checkpoints",
            savepointsUri: "s3://warehouse/flink/savepoints",
            highAvailability: true,
            highAvailabilityStorageUri: "s3://warehouse/flink/ha",
        });
        expect(cfg.credentialsSet).toEqual({ postgresPassword: false, replicationPassword: false, minioRootPassword: false, dremioAdminPassword: false });
    });

    it("sizes Kafka replication to the broker count, at most 3", () => {
        expect(parse({ kafka: { brokers: 2 } }).kafka).toMatchObject({ replicationFactor: 2, minInsyncReplicas: 1 });
        expect(parse({ kafka: { brokers: 5 } }).kafka).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
    });

    it("derives Flink checkpoint locations from the bucket, and accepts strings for numbers", () => {
        const cfg = parse({ storage: { bucket: "lake-prod" }, flink: { taskManagers: "2" } });
        expect(cfg.flink.checkpointsUri).toBe("s3://lake-prod/flink/checkpoints");
        expect(cfg.flink.taskManagers).toBe(2);
    });

    it("accepts credentials stored as secrets and records only that they are set", () => {
        const cfg = parse({ postgresPassword: "a-long-secret-1" }, ["postgresPassword"]);
        expect(cfg.credentialsSet.postgresPassword).toBe(true);
        expect(JSON.stringify(cfg)).not.toContain("a-long-secret-1");
    });

    it("keeps stack names apart in resource prefixes", () => {
        expect(parseLakehouseConfig({}, new Set(), { project: "cdc-lakehouse", stack: "Feature_42" }).namePrefix).toBe("cdc-lakehouse-feature-42");
    });
});

describe("lakehouse:images", () => {
    it("names the stack's registry for every project image, which the platforms then pull", () => {
        const cfg = parse({ images: { registry: "registry.example.com:5000/data" } });
        expect(cfg.images.kafka).toEqual({ ref: projectImageRef("kafka", "registry.example.com:5000/data"), pull: true });
        expect(cfg.images.kafka.ref).toMatch(/^registry\.example\.com:5000\/data\/kafka:3\.9\.1-[0-9a-f]{12}$/);
    });

    it("runs the project's Dremio stand-in, NOT Dremio, only when the stack asks for it", () => {
        expect(parse({ dremio: { standIn: true } }).images.dremio).toEqual({ ref: projectImageRef("dremio-standin"), pull: false });
        expect(parse({}).images.dremio.ref).toBe(UPSTREAM_DREMIO_IMAGE);
    });

    it("pulls an image the stack names itself, over the project's", () => {
        const cfg = parse({ images: { postgres: "registry.example.com/data/postgres:15-custom1" } });
        expect(cfg.images.postgres).toEqual({ ref: "registry.example.com/data/postgres:15-custom1", pull: true });
        expect(cfg.images.kafka.pull).toBe(false);
    });
});

describe("parseLakehouseConfig rejects bad config, naming key, value and what is allowed", () => {
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
        ["unknown platform", { platform: "nomad" }, "lakehouse:platform", /found "nomad"; expected one of docker, kubernetes, external/],
        [
            "the registry key of an earlier version",
            { platform: "kubernetes", kubernetes: { imageRegistry: "registry.example.com/data" } },
            "lakehouse:kubernetes.imageRegistry",
            /set `lakehouse:images.registry` instead/,
        ],
        ["a registry with a scheme", { images: { registry: "https://registry.example.com" } }, "lakehouse:images.registry", /without scheme or tag/],
        ["unpinned image", { images: { postgres: "postgres:latest" } }, "lakehouse:images.postgres", /pinned to an exact tag or digest/],
        ["untagged image", { images: { kafka: "apache/kafka" } }, "lakehouse:images.kafka", /pinned/],
        ["Flink image of another minor", { images: { flink: "flink:1.19.1-java17" } }, "lakehouse:images.flink", /Flink image tagged 1\.20\.x/],
        ["zero TaskManagers", { flink: { taskManagers: 0 } }, "lakehouse:flink.taskManagers", /found 0; expected an integer from 1 to 64/],
        ["fractional slots", { flink: { slotsPerTaskManager: 1.5 } }, "lakehouse:flink.slotsPerTaskManager", /an integer from 1 to 64/],
        ["parallelism beyond slots", { flink: { taskManagers: 1, slotsPerTaskManager: 2, parallelism: 3 } }, "lakehouse:flink.parallelism", /at most .* = 2/],
        ["checkpoint interval too short", { flink: { checkpointIntervalMs: 10 } }, "lakehouse:flink.checkpointIntervalMs", /from 100 to 3600000/],
        ["checkpoints not durable", { flink: { checkpointsUri: "/tmp/ckpt" } }, "lakehouse:flink.checkpointsUri", /durable URI/],
        ["bad bucket", { storage: { bucket: "My_Bucket" } }, "lakehouse:storage.bucket", /S3 bucket name/],
        ["bad region", { awsRegion: "" }, "lakehouse:awsRegion", /region such as "us-east-1"/],
        ["bad table name", { source: { tables: ["demographics", "Robert'); DROP TABLE x;--"] } }, "lakehouse:source.tables[1]", /lower-case SQL identifier/],
        ["empty table list", { source: { tables: [] } }, "lakehouse:source.tables", /at least one table/],
        [
            "listed table without a definition",
            { source: { tables: ["demographics", "orders"], createSeedTable: false } },
            "lakehouse:source.tables[1]",
            /declare it: source.tables as a map, e.g. \{ orders: \{ primaryKey: \[id\]/,
        ],
        [
            "unknown mode",
            { source: { tables: { demographics: { mode: "merge" } } } },
            "lakehouse:source.tables.demographics.mode",
            /one of upsert, append, both/,
        ],
        [
            "upsert without a key",
            { source: { createSeedTable: false, tables: { orders: { mode: "upsert", columns: ["id BIGINT"] } } } },
            "lakehouse:source.tables.orders.primaryKey",
            /only mode append works without one/,
        ],
        [
            "key not among the columns",
            { source: { createSeedTable: false, tables: { orders: { primaryKey: ["order_id"], columns: ["id BIGINT"] } } } },
            "lakehouse:source.tables.orders.primaryKey",
            /not declared: order_id/,
        ],
        [
            "column type the pipeline cannot convert from Debezium's wire form",
            { source: { createSeedTable: false, tables: { orders: { primaryKey: ["id"], columns: ["id BIGINT", "placed ARRAY<DATE>"] } } } },
            "lakehouse:source.tables.orders.columns[1]",
            /ARRAY<DATE> is not supported: leave the column out of columns/,
        ],
        [
            "SQL in a column type",
            { source: { createSeedTable: false, tables: { orders: { primaryKey: ["id"], columns: ["id INT) WITH ('x'='y"] } } } },
            "lakehouse:source.tables.orders.columns[0]",
            /a Flink SQL type/,
        ],
        [
            "a column named like the changelog's own",
            { source: { createSeedTable: false, tables: { orders: { mode: "append", columns: ["operation_type STRING"] } } } },
            "lakehouse:source.tables.orders.columns[0]",
            /the changelog's own columns/,
        ],
        [
            "columns as a map (Pulumi sorts a map's keys)",
            { source: { tables: { demographics: { columns: { id: "INT", name: "STRING" } } } } },
            "lakehouse:source.tables.demographics.columns",
            /a list, not a map: Pulumi config sorts a map's keys/,
        ],
        [
            "a column declared twice",
            { source: { tables: { demographics: { columns: ["id INT", "name STRING", "name STRING"] } } } },
            "lakehouse:source.tables.demographics.columns[2]",
            /declared once/,
        ],
        [
            "typo in a table key",
            { source: { tables: { demographics: { modes: "append" } } } },
            "lakehouse:source.tables.demographics.modes",
            /one of mode, primaryKey, columns/,
        ],
        [
            "same admin and CDC role",
            { source: { adminUser: "pg", replicationUser: "pg" } },
            "lakehouse:source.replicationUser",
            /a role other than source.adminUser/,
        ],
        ["seed table without demographics", { source: { tables: ["orders"] } }, "lakehouse:source.createSeedTable", /"demographics" in source.tables/],
        ["bad WAL cap", { source: { maxSlotWalKeepSize: "lots" } }, "lakehouse:source.maxSlotWalKeepSize", /PostgreSQL size/],
        ["unknown Nessie store", { nessie: { versionStore: "dynamo" } }, "lakehouse:nessie.versionStore", /one of jdbc, rocksdb, in-memory/],
        ["bad Nessie branch", { nessie: { branch: "-main" } }, "lakehouse:nessie.branch", /Nessie reference name/],
        ["too many brokers", { kafka: { brokers: 12 } }, "lakehouse:kafka.brokers", /from 1 to 9/],
        ["no partitions", { kafka: { topicPartitions: 0 } }, "lakehouse:kafka.topicPartitions", /found 0; expected an integer from 1 to 1000/],
        ["typo in a key", { flink: { taskManager: 2 } }, "lakehouse:flink.taskManager", /no such key: .*did you mean "taskManagers"/],
        ["typo at top level", { platfrom: "docker" }, "lakehouse:platfrom", /did you mean "platform"/],
        ["object given as a string", { flink: "big" }, "lakehouse:flink", /an object/],
        ["non-boolean", { exposePorts: "yes" }, "lakehouse:exposePorts", /true or false/],
        [
            "restore points kept below zero",
            { pipeline: { jobRestorePointsKept: -1 } },
            "lakehouse:pipeline.jobRestorePointsKept",
            /found -1; expected an integer from 0 to 1000/,
        ],
        ["Connect's restarts neither on nor off", { connect: { autoRestart: "on" } }, "lakehouse:connect.autoRestart", /found "on"; expected true or false/],
        ["host ports past 65535", { hostPortOffset: 40000 }, "lakehouse:hostPortOffset", /found "40000"; expected an integer from 0 to 33525/],
        ["bad memory", { resources: { flink: { memoryMiB: 100 } } }, "lakehouse:resources.flink.memoryMiB", /from 256 to 262144/],
        ["bad cpus", { resources: { kafka: { cpus: 0 } } }, "lakehouse:resources.kafka.cpus", /above 0/],
    ];

    it.each(cases)("%s", (_title, values, key, expected) => expectProblemAt(values, key, expected));

    it("declares captured tables as a list of known tables or a map of mode, key and columns", () => {
        expect(parse({}).source.tableDefinitions).toEqual({
            demographics: {
                mode: "both",
                primaryKey: ["id"],
                columns: [
                    { name: "id", type: "INT", nullable: false },
                    { name: "name", type: "STRING", nullable: true },
                    { name: "age", type: "INT", nullable: true },
                    { name: "city", type: "STRING", nullable: true },
                ],
            },
        });
        const cfg = parse({
            source: {
                tables: {
                    demographics: { mode: "upsert", columns: ["id INT", "name STRING", "age INT", "city STRING", "email varchar(320)"] },
                    orders: { mode: "append", primaryKey: ["id"], columns: ["id bigint not null", "total decimal(12,2)"] },
                },
            },
        });
        expect(cfg.source.tables).toEqual(["demographics", "orders"]);
        // The seed table keeps its key when only its columns are declared.
        expect(cfg.source.tableDefinitions.demographics.primaryKey).toEqual(["id"]);
        expect(cfg.source.tableDefinitions.demographics.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
            "id INT",
            "name STRING",
            "age INT",
            "city STRING",
            "email VARCHAR(320)",
        ]);
        expect(cfg.source.tableDefinitions.orders).toEqual({
            mode: "append",
            primaryKey: ["id"],
            columns: [
                { name: "id", type: "BIGINT", nullable: false },
                { name: "total", type: "DECIMAL(12, 2)", nullable: true },
            ],
        });
    });

    it("reports every problem at once", () => {
        const err = problemsOf({ platform: "nomad", flink: { taskManagers: -1 }, storage: { bucket: "X" } });
        expect(err.problems.map((p) => p.key).sort()).toEqual(["lakehouse:flink.taskManagers", "lakehouse:platform", "lakehouse:storage.bucket"]);
        expect(err.message).toMatch(/^Invalid stack configuration \(3 problems\)/);
    });

    it("refuses a password stored in plain text without ever echoing it", () => {
        const err = problemsOf({ postgresPassword: "hunter2-plaintext" });
        expect(err.problems).toEqual([
            {
                key: "lakehouse:postgresPassword",
                found: '"a plain-text value"',
                expected: expect.stringContaining("pulumi config set --secret lakehouse:postgresPassword"),
            },
        ]);
        expect(err.message).not.toContain("hunter2");
    });

    it("refuses a short secret without echoing it", () => {
        const err = problemsOf({ minioRootPassword: "short" }, ["minioRootPassword"]);
        expect(err.problems[0].key).toBe("lakehouse:minioRootPassword");
        expect(err.problems[0].expected).toMatch(/at least 8 characters/);
        expect(err.message).not.toContain('short"');
    });
});

describe("isPinnedImage", () => {
    it.each([
        ["postgres:15.10", true],
        ["registry.example.com:5000/team/flink:1.20.1-java17", true],
        [`minio/minio@sha256:${"a".repeat(64)}`, true],
        ["postgres", false],
        ["postgres:latest", false],
        ["registry.example.com:5000/team/flink", false],
        ["post gres:1", false],
    ])("%s -> %s", (ref, pinned) => {
        expect(isPinnedImage(ref)).toBe(pinned);
    });
});

describe("external services in config", () => {
    const everything = {
        postgres: { address: "db.internal:5432" },
        kafka: { bootstrapServers: "b1.internal:9092, b2.internal:9092" },
        connect: { url: "https://connect.internal:8443/" },
        minio: { endpoint: "http://s3.internal:9000" },
        nessie: { url: "http://nessie.internal:19120" },
        flink: { restUrl: "http://flink.internal:8081", sqlGatewayUrl: "http://flink.internal:8083" },
        dremio: { url: "http://dremio.internal:9047" },
    };
    const secrets = ["postgresPassword", "replicationPassword", "minioRootPassword", "dremioAdminPassword"];
    const secretValues = Object.fromEntries(secrets.map((k) => [k, "a-long-secret-1"]));

    it("accepts a fully external stack and normalises addresses", () => {
        const cfg = parse({ platform: "external", external: everything, ...secretValues }, secrets);
        expect(cfg.platform).toBe("external");
        expect(cfg.external.kafka).toEqual({ bootstrapServers: "b1.internal:9092,b2.internal:9092" });
        expect(cfg.external.connect).toEqual({ url: "https://connect.internal:8443" });
    });

    it("on platform external, names every service that is missing", () => {
        const err = problemsOf({ platform: "external", external: { kafka: everything.kafka } });
        const problem = err.problems.find((p) => p.key === "lakehouse:external")!;
        expect(problem.expected).toContain("missing: postgres, connect, minio, nessie, flink, dremio");
    });

    it("requires the passwords of an existing PostgreSQL, since it cannot generate them", () => {
        const err = problemsOf({ external: { postgres: everything.postgres } });
        expect(err.problems.map((p) => p.key)).toEqual(["lakehouse:postgresPassword", "lakehouse:replicationPassword"]);
        expect(err.problems[0].expected).toContain("pulumi config set --secret lakehouse:postgresPassword");
    });

    it.each([
        ["connect", { url: "ftp://connect:8083" }, "lakehouse:external.connect.url", /http\(s\) URL/],
        ["connect", { url: "connect:8083" }, "lakehouse:external.connect.url", /http\(s\) URL/],
        ["postgres", { address: "postgres://db:5432" }, "lakehouse:external.postgres.address", /host:port .* \(no scheme\)/],
        ["kafka", { bootstrapServers: "PLAINTEXT://b1:9092" }, "lakehouse:external.kafka.bootstrapServers", /no scheme/],
        ["nessie", { url: "http://nessie:19120/api/v2" }, "lakehouse:external.nessie.url", /without \/api\/v1 or \/api\/v2/],
        ["flink", { restUrl: "http://flink:8081" }, "lakehouse:external.flink.sqlGatewayUrl", /http\(s\) URL/],
        ["minio", { endpoint: "http://s3:9000", bucket: "x" }, "lakehouse:external.minio.bucket", /no such key/],
    ])("rejects a bad %s address", (service, value, key, expected) => {
        const err = problemsOf({ external: { [service]: value } });
        const problem = err.problems.find((p) => p.key === key);
        expect(problem).toBeDefined();
        expect(`found ${problem!.found}; expected ${problem!.expected}`).toMatch(expected);
    });

    it("refuses a loopback address that containers would resolve to themselves", () => {
        const err = problemsOf({ external: { kafka: { bootstrapServers: "localhost:9092" } } });
        expect(err.problems[0]).toMatchObject({
            key: "lakehouse:external.kafka",
            expected: expect.stringContaining("localhost inside a container is the container itself"),
        });
    });
});
