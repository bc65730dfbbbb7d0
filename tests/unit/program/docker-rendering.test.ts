/**
 * The Docker rendering of the whole lakehouse, checked by the inputs each resource is registered
 * with (no container engine here: this is what `pulumi up` would send to the Docker provider).
 */
import { projectImageRef } from "../../../components/images";
import { DOCKER_NESSIE_SOURCE_SETTINGS } from "../../support/dremio";
import { renderStack } from "../../support/kubernetes";
import { RecordedResource, dependsOn, isSerializedSecret, plainStrings, resolve } from "../../support/mocks";

const CONTAINER = "docker:index/container:Container";

/** Renders the whole Lakehouse for a stack under mocks, from its config values (none by default). */
const render = (stack: string, values: Record<string, unknown> = {}) => renderStack(stack, values);

function byName(resources: RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1)
        throw new Error(
            `expected one ${type} named ${name}, found ${found.length}: ${resources
                .filter((r) => r.type === type)
                .map((r) => r.name)
                .join(", ")}`,
        );
    return found[0];
}

/** `KEY=value` env entries of a container as a map (secret entries unwrapped). */
function envOf(container: RecordedResource): Record<string, string> {
    return Object.fromEntries((container.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** Names of env variables whose entry is a secret in the serialized inputs. */
function secretEnvNames(container: RecordedResource): string[] {
    const raw = isSerializedSecret(container.raw.envs) ? container.raw.envs.value : container.raw.envs;
    return (raw as any[])
        .filter(isSerializedSecret)
        .map((e) => String(e.value).split("=")[0])
        .sort();
}

describe("Docker rendering of the dev stack", () => {
    let run: Awaited<ReturnType<typeof render>>;
    const container = (name: string) => byName(run.resources, CONTAINER, `cdc-lakehouse-dev-${name}`);

    beforeAll(async () => {
        run = await render("dev");
    });

    it("puts every container on one network named for the project and stack, under its alias", () => {
        const network = byName(run.resources, "docker:index/network:Network", "lakehouse-docker-network");
        expect(network.inputs).toMatchObject({ name: "cdc-lakehouse-dev", driver: "bridge" });
        const containers = run.resources.filter((r) => r.type === CONTAINER);
        expect(containers.map((c) => c.inputs.name).sort()).toEqual(
            ["connect", "dremio", "flink-jobmanager", "flink-sql-gateway", "flink-taskmanager", "kafka-0", "minio", "nessie", "postgres", "zookeeper"].map(
                (n) => `cdc-lakehouse-dev-${n}`,
            ),
        );
        for (const c of containers) {
            const alias = c.inputs.hostname;
            expect(c.inputs.networksAdvanced).toEqual([{ name: "cdc-lakehouse-dev", aliases: [alias] }]);
            expect(c.inputs).toMatchObject({ wait: true, waitTimeout: 300, restart: "unless-stopped", mustRun: true });
            expect(c.inputs.healthcheck.tests.length).toBeGreaterThan(1);
            expect(c.inputs.labels).toEqual(expect.arrayContaining([{ label: "lakehouse.stack", value: "dev" }]));
        }
    });

    it("PostgreSQL: the project's image, logical WAL, slots, secret passwords, init script, volume, health", () => {
        const pg = container("postgres");
        // A project image built on the engine's machine is referenced, never pulled.
        expect(pg.inputs.image).toBe(projectImageRef("postgres"));
        expect(run.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name)).toEqual(["dremio/dremio-oss:25.2.0"]);
        expect(pg.inputs.command).toEqual([
            "postgres",
            "-c",
            "wal_level=logical",
            "-c",
            "max_replication_slots=10",
            "-c",
            "max_wal_senders=10",
            "-c",
            "max_slot_wal_keep_size=10GB",
        ]);
        expect(envOf(pg)).toMatchObject({ POSTGRES_USER: "lakehouse", POSTGRES_DB: "demographics", PGDATA: "/var/lib/postgresql/data/pgdata" });
        expect(secretEnvNames(pg)).toEqual(["POSTGRES_PASSWORD", "REPLICATION_PASSWORD"]);
        expect(pg.inputs.ports).toEqual([{ internal: 5432, external: 5432, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(pg.inputs.volumes).toEqual([{ volumeName: "cdc-lakehouse-dev-postgres-data", containerPath: "/var/lib/postgresql/data" }]);
        expect(pg.inputs.healthcheck).toEqual({
            tests: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "lakehouse", "-d", "demographics"],
            interval: "5s",
            timeout: "5s",
            retries: 12,
            startPeriod: "10s",
        });
        const [init] = pg.inputs.uploads;
        expect(init.file).toBe("/docker-entrypoint-initdb.d/10-lakehouse-cdc.sh");
        expect(init.executable).toBe(true);
        expect(init.content).toContain("CREATE ROLE debezium WITH LOGIN REPLICATION PASSWORD :'replication_password';");
        expect(init.content).toContain("ALTER TABLE public.demographics REPLICA IDENTITY FULL");
        expect(init.content).toContain("CREATE PUBLICATION lakehouse_cdc;");
        expect(init.content).toContain("CREATE DATABASE nessie;");
        expect(byName(run.resources, "docker:index/volume:Volume", "cdc-lakehouse-dev-postgres-data").inputs.name).toBe("cdc-lakehouse-dev-postgres-data");
    });

    it("Kafka: the project's image in KRaft mode, listeners for the network and the host, replication sized to one broker", () => {
        const kafka = container("kafka-0");
        expect(kafka.inputs.image).toBe(projectImageRef("kafka"));
        const env = envOf(kafka);
        expect(env).toMatchObject({
            KAFKA_PROCESS_ROLES: "broker,controller",
            KAFKA_NODE_ID: "1",
            KAFKA_CONTROLLER_QUORUM_VOTERS: "1@kafka-0:9093",
            KAFKA_ADVERTISED_LISTENERS: "INTERNAL://kafka-0:9092,EXTERNAL://localhost:9092",
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
        });
        expect(env.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(kafka.inputs.ports).toEqual([{ internal: 9094, external: 9092, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(kafka.inputs.volumes).toEqual([{ volumeName: "cdc-lakehouse-dev-kafka-0-data", containerPath: "/var/lib/kafka/data" }]);
        expect(kafka.inputs.healthcheck.tests).toEqual(["CMD", "/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server", "localhost:9092"]);
    });

    it("Kafka Connect: the project's Debezium image, internal topics with RF 1, schemaless JSON, health on the Debezium plugin, after Kafka", () => {
        const connect = container("connect");
        expect(connect.inputs.image).toBe(projectImageRef("connect"));
        expect(envOf(connect)).toMatchObject({
            BOOTSTRAP_SERVERS: "kafka-0:9092",
            GROUP_ID: "dev-connect",
            CONFIG_STORAGE_TOPIC: "dev-connect-configs",
            OFFSET_STORAGE_TOPIC: "dev-connect-offsets",
            STATUS_STORAGE_TOPIC: "dev-connect-status",
            CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: "1",
            CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: "1",
            CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: "1",
            CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS: "30000",
            KEY_CONVERTER: "org.apache.kafka.connect.json.JsonConverter",
            VALUE_CONVERTER: "org.apache.kafka.connect.json.JsonConverter",
            CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE: "false",
            CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE: "false",
            AUTO_RESTART_FAILED: "true",
        });
        expect(connect.inputs.healthcheck.tests.join(" ")).toContain("io.debezium.connector.postgresql.PostgresConnector");
        expect(connect.inputs.ports).toEqual([{ internal: 8083, external: 8083, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(dependsOn(connect, "cdc-lakehouse-dev-kafka-0")).toBe(true);
    });

    it("MinIO: region set, secret root password, volume, MinIO's readiness endpoint probed over bash", () => {
        const minio = container("minio");
        expect(minio.inputs.image).toBe(projectImageRef("minio"));
        expect(minio.inputs.command).toEqual(["server", "/data", "--address", ":9000", "--console-address", ":9001"]);
        expect(envOf(minio)).toMatchObject({ MINIO_ROOT_USER: "lakehouse", MINIO_SITE_REGION: "us-east-1" });
        expect(secretEnvNames(minio)).toEqual(["MINIO_ROOT_PASSWORD"]);
        expect(minio.inputs.volumes).toEqual([{ volumeName: "cdc-lakehouse-dev-minio-data", containerPath: "/data" }]);
        expect(minio.inputs.healthcheck.tests.slice(0, 3)).toEqual(["CMD", "bash", "-c"]);
        expect(minio.inputs.healthcheck.tests[3]).toContain("/dev/tcp/127.0.0.1/9000");
        expect(minio.inputs.healthcheck.tests[3]).toContain("GET /minio/health/ready HTTP/1.1");
    });

    it("Nessie: a persistent JDBC store on the stack's PostgreSQL, started after it", () => {
        const nessie = container("nessie");
        expect(nessie.inputs.image).toBe(projectImageRef("nessie"));
        expect(envOf(nessie)).toMatchObject({
            NESSIE_VERSION_STORE_TYPE: "JDBC",
            NESSIE_VERSION_STORE_PERSIST_JDBC_DATASOURCE: "postgresql",
            QUARKUS_DATASOURCE_POSTGRESQL_JDBC_URL: "jdbc:postgresql://postgres:5432/nessie",
            QUARKUS_DATASOURCE_POSTGRESQL_USERNAME: "lakehouse",
        });
        expect(secretEnvNames(nessie)).toEqual(["QUARKUS_DATASOURCE_POSTGRESQL_PASSWORD"]);
        expect(nessie.inputs.ports).toEqual([{ internal: 19120, external: 19120, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(nessie.inputs.healthcheck.tests.join(" ")).toContain("/dev/tcp/127.0.0.1/9000");
        expect(dependsOn(nessie, "cdc-lakehouse-dev-postgres")).toBe(true);
    });

    it("Flink: the project's image with the connector jars; AWS_REGION, checkpointing and S3 on every process", () => {
        for (const role of ["flink-jobmanager", "flink-taskmanager", "flink-sql-gateway"]) expect(container(role).inputs.image).toBe(projectImageRef("flink"));
        expect(run.resources.filter((r) => r.type === "docker:index/image:Image")).toEqual([]);

        const roles: Array<[string, string[]]> = [
            ["flink-jobmanager", ["jobmanager"]],
            ["flink-taskmanager", ["taskmanager"]],
            ["flink-sql-gateway", ["bin/sql-gateway.sh", "start-foreground"]],
        ];
        for (const [name, command] of roles) {
            const c = container(name);
            expect(c.inputs.command).toEqual(command);
            const env = envOf(c);
            expect(env.AWS_REGION).toBe("us-east-1");
            expect(env.AWS_ACCESS_KEY_ID).toBe("lakehouse");
            expect(env.ENABLE_BUILT_IN_PLUGINS).toBe("flink-s3-fs-hadoop-1.20.3.jar");
            expect(secretEnvNames(c)).toEqual(["AWS_SECRET_ACCESS_KEY"]);
            const props = env.FLINK_PROPERTIES.split("\n");
            expect(props).toEqual(
                expect.arrayContaining([
                    "execution.checkpointing.interval: 5000 ms",
                    "execution.checkpointing.mode: EXACTLY_ONCE",
                    "execution.checkpointing.dir: s3://warehouse/flink/checkpoints",
                    "execution.checkpointing.savepoint-dir: s3://warehouse/flink/savepoints",
                    "jobmanager.rpc.address: flink-jobmanager",
                    "taskmanager.numberOfTaskSlots: 4",
                    "s3.endpoint: http://minio:9000",
                    "s3.path.style.access: true",
                ]),
            );
            expect([...props].sort()).toEqual(props);
        }
        expect(container("flink-jobmanager").inputs.ports).toEqual([{ internal: 8081, external: 8081, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(container("flink-sql-gateway").inputs.ports).toEqual([{ internal: 8083, external: 8084, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(container("flink-taskmanager").inputs.ports).toEqual([]);
        expect(dependsOn(container("flink-jobmanager"), "cdc-lakehouse-dev-minio")).toBe(true);
        // Flink's HA store and checkpoints are in the warehouse bucket: it exists before the JobManager starts.
        expect(dependsOn(container("flink-jobmanager"), "lakehouse-warehouse")).toBe(true);
        expect(dependsOn(container("flink-taskmanager"), "cdc-lakehouse-dev-flink-jobmanager")).toBe(true);
        expect(dependsOn(container("flink-sql-gateway"), "cdc-lakehouse-dev-flink-jobmanager")).toBe(true);
    });

    it("Dremio: ports, volume and health, after Nessie and MinIO", () => {
        const dremio = container("dremio");
        expect(dremio.inputs.image).toBe("dremio/dremio-oss:25.2.0");
        expect(dremio.inputs.ports.map((p: any) => p.external)).toEqual([9047, 31010, 32010]);
        expect(dremio.inputs.volumes).toEqual([{ volumeName: "cdc-lakehouse-dev-dremio-data", containerPath: "/opt/dremio/data" }]);
        expect(dremio.inputs.healthcheck.tests.join(" ")).toContain("/apiv2/server_status");
        expect(dependsOn(dremio, "cdc-lakehouse-dev-nessie")).toBe(true);
        expect(dependsOn(dremio, "cdc-lakehouse-dev-minio")).toBe(true);
        expect(dependsOn(dremio, "lakehouse-warehouse")).toBe(true);
    });

    it("never puts a password in plain text in any resource input", () => {
        const passwords = run.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => `generated-${r.name}-Aa11`);
        expect(passwords).toHaveLength(4);
        for (const resource of run.resources) {
            const plain = plainStrings(resource.raw).join("\n");
            for (const password of passwords) expect(plain).not.toContain(password);
        }
        // ...while the secret entries do carry them to the containers.
        expect(envOf(container("postgres")).POSTGRES_PASSWORD).toMatch(/^generated-lakehouse-credentials-postgresPassword/);
    });

    it("manages the warehouse bucket and the Nessie namespace through the published ports, after their services", () => {
        const bucket = byName(run.resources, "pulumi-nodejs:dynamic/lakehouse:WarehouseBucket", "lakehouse-warehouse");
        expect(bucket.inputs).toMatchObject({
            endpoint: "http://localhost:9000",
            region: "us-east-1",
            bucket: "warehouse",
            accessKeyId: "lakehouse",
            forceDestroy: false,
            version: 1,
        });
        expect(isSerializedSecret(bucket.raw.secretAccessKey)).toBe(true);
        expect(typeof bucket.inputs.__provider).toBe("string");
        expect(dependsOn(bucket, "cdc-lakehouse-dev-minio")).toBe(true);
        // ...and on nothing that keeps state in it (no cycle: the bucket waits for MinIO's own readiness).
        for (const later of ["cdc-lakehouse-dev-flink-jobmanager", "cdc-lakehouse-dev-nessie", "cdc-lakehouse-dev-dremio"])
            expect(dependsOn(bucket, later)).toBe(false);
        const namespace = byName(run.resources, "pulumi-nodejs:dynamic/lakehouse:NessieNamespace", "lakehouse-namespace");
        expect(namespace.inputs).toMatchObject({
            apiUrl: "http://localhost:19120/api/v2",
            branch: "main",
            namespace: "cdc",
            dropContentsOnDelete: false,
            version: 1,
        });
        expect(dependsOn(namespace, "cdc-lakehouse-dev-nessie")).toBe(true);
        // The default branch is not the program's to create or delete.
        expect(run.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/lakehouse:NessieBranch")).toEqual([]);
    });

    it("manages the CDC pipeline in order: CDC source, topic, connector, then the Flink job, each with its real settings", () => {
        const dynamic = (type: string, name: string) => byName(run.resources, `pulumi-nodejs:dynamic/lakehouse:${type}`, name);
        const source = dynamic("CdcSource", "lakehouse-cdc-source");
        expect(source.inputs).toMatchObject({
            address: "localhost:5432",
            database: "demographics",
            schema: "public",
            tables: ["demographics"],
            publication: "lakehouse_cdc",
            adminUser: "lakehouse",
            replicationUser: "debezium",
            createSeedTable: true,
        });
        expect(isSerializedSecret(source.raw.adminPassword) && isSerializedSecret(source.raw.replicationPassword)).toBe(true);
        expect(dependsOn(source, "cdc-lakehouse-dev-postgres")).toBe(true);

        const topic = dynamic("KafkaTopic", "lakehouse-topic-demographics");
        expect(topic.inputs).toMatchObject({
            bootstrapServers: "localhost:9092",
            topic: "demographics_server.public.demographics",
            partitions: 1,
            replicationFactor: 1,
            deleteOnDestroy: false,
        });
        expect(dependsOn(topic, "cdc-lakehouse-dev-kafka-0")).toBe(true);

        const connector = dynamic("DebeziumConnector", "lakehouse-connector");
        expect(connector.inputs).toMatchObject({
            connectUrl: "http://localhost:8083",
            name: "cdc-lakehouse-dev-postgres-cdc",
            state: "RUNNING",
            dropSlotOnDelete: true,
            cleanupDatabaseAddress: "localhost:5432",
        });
        // Connect reaches PostgreSQL on the stack's network; the publication belongs to the CDC source.
        expect(connector.inputs.config).toMatchObject({
            "database.hostname": "postgres",
            "database.port": "5432",
            "database.user": "debezium",
            "database.dbname": "demographics",
            "slot.name": "cdc_lakehouse_dev_cdc",
            "publication.name": "lakehouse_cdc",
            "publication.autocreate.mode": "disabled",
            "table.include.list": "public.demographics",
            "topic.prefix": "demographics_server",
            "heartbeat.interval.ms": "10000",
        });
        expect(isSerializedSecret(connector.raw.databasePassword)).toBe(true);
        for (const upstream of ["lakehouse-cdc-source", "lakehouse-topic-demographics", "cdc-lakehouse-dev-connect"])
            expect(dependsOn(connector, upstream)).toBe(true);

        const job = dynamic("FlinkSqlJob", "lakehouse-job-demographics");
        expect(job.inputs).toMatchObject({
            gatewayUrl: "http://localhost:8084",
            restUrl: "http://localhost:8081",
            name: "cdc-lakehouse-dev-demographics-to-iceberg",
            settings: {
                "parallelism.default": "1",
                "execution.checkpointing.interval": "5000 ms",
                "execution.checkpointing.min-pause": "0 ms",
                "restart-strategy.type": "exponential-delay",
                "restart-strategy.exponential-delay.initial-backoff": "1 s",
                "restart-strategy.exponential-delay.max-backoff": "1 min",
            },
        });
        expect(Object.keys(job.inputs.settings)).toHaveLength(6);
        expect(job.inputs).toMatchObject({
            state: "RUNNING",
            deleteMode: "savepoint",
        });
        const sql = (job.inputs.statements as string[]).join("\n");
        // Flink reaches the other services on the stack's network; the S3 secret stays a placeholder.
        expect(sql).toContain("'uri' = 'http://nessie:19120/api/v2'");
        expect(sql).toContain("'s3.endpoint' = 'http://minio:9000'");
        expect(sql).toContain("'properties.bootstrap.servers' = 'kafka-0:9092'");
        expect(sql).toContain("'warehouse' = 's3://warehouse/'");
        expect(sql).toContain("'s3.secret-access-key' = '{{secret.s3SecretAccessKey}}'");
        expect(isSerializedSecret(job.raw.secrets)).toBe(true);
        expect(job.inputs.secrets).toEqual({ s3SecretAccessKey: expect.stringMatching(/^generated-lakehouse-credentials-minioRootPassword/) });
        for (const upstream of [
            "lakehouse-topic-demographics",
            "lakehouse-warehouse",
            "lakehouse-namespace",
            "cdc-lakehouse-dev-flink-sql-gateway",
            "cdc-lakehouse-dev-flink-taskmanager",
        ]) {
            expect(dependsOn(job, upstream)).toBe(true);
        }
    });

    it("writes each table in its declared mode, and declares the job's sink tables with their columns", async () => {
        const modes = await render("dev", {
            source: {
                tables: {
                    demographics: { mode: "upsert", columns: ["id INT", "name STRING", "age INT", "city STRING", "email STRING"] },
                    orders: { mode: "append", primaryKey: ["id"], columns: ["id BIGINT", "total DECIMAL(12,2)"] },
                },
            },
        });
        const job = (table: string) => byName(modes.resources, "pulumi-nodejs:dynamic/lakehouse:FlinkSqlJob", `lakehouse-job-${table}`);
        expect(job("demographics").inputs.sinkTables).toEqual([
            {
                identifier: "nessie.cdc.demographics",
                columns: ["id INT", "name STRING", "age INT", "city STRING", "email STRING"].map((c) => ({ name: c.split(" ")[0], type: c.split(" ")[1] })),
            },
        ]);
        expect((job("demographics").inputs.statements as string[]).join("\n")).not.toContain("demographics_changes");
        expect(job("orders").inputs.sinkTables).toEqual([
            {
                identifier: "nessie.cdc.orders_changes",
                columns: [
                    { name: "operation_type", type: "STRING" },
                    { name: "event_time", type: "TIMESTAMP_LTZ(6)" },
                    { name: "processing_time", type: "TIMESTAMP_LTZ(6)" },
                    { name: "id", type: "BIGINT" },
                    { name: "total", type: "DECIMAL(12, 2)" },
                ],
            },
        ]);
        const last = (job("orders").inputs.statements as string[]).slice(-1)[0];
        expect(last).toMatch(/^(--[^\n]*\n)*INSERT INTO nessie\.cdc\.orders_changes \(`id`, `total`, operation_type, event_time, processing_time\)/);
        expect(modes.lakehouse.outputs.icebergTables).toEqual({ demographics: "nessie.cdc.demographics" });
        expect(modes.lakehouse.outputs.icebergChangeTables).toEqual({ orders: "nessie.cdc.orders_changes" });
        expect(modes.lakehouse.outputs.cdcTopics).toEqual({
            demographics: "demographics_server.public.demographics",
            orders: "demographics_server.public.orders",
        });
    });

    it("bootstraps Dremio's admin, then adds the Nessie source over the warehouse as Dremio reaches them", () => {
        const dynamic = (type: string, name: string) => byName(run.resources, `pulumi-nodejs:dynamic/lakehouse:${type}`, name);
        const admin = dynamic("DremioAdmin", "lakehouse-dremio-admin");
        expect(admin.inputs).toMatchObject({
            url: "http://localhost:9047",
            userName: "admin",
            email: "admin@lakehouse.local",
            waitTimeoutSeconds: 300,
            version: 1,
        });
        expect(isSerializedSecret(admin.raw.password)).toBe(true);
        expect(dependsOn(admin, "cdc-lakehouse-dev-dremio")).toBe(true);

        const source = dynamic("DremioSource", "lakehouse-dremio-source");
        expect(source.inputs).toMatchObject({ url: "http://localhost:9047", userName: "admin", name: "lakehouse", type: "NESSIE", version: 1 });
        expect(source.inputs.config).toEqual({
            ...DOCKER_NESSIE_SOURCE_SETTINGS,
            propertyList: [
                { name: "dremio.s3.compat", value: "true" },
                { name: "fs.s3a.endpoint", value: "minio:9000" },
                { name: "fs.s3a.endpoint.region", value: "us-east-1" },
                { name: "fs.s3a.path.style.access", value: "true" },
            ],
        });
        // The S3 secret and the admin password travel only inside secret wrappers.
        expect(isSerializedSecret(source.raw.secretConfig) && isSerializedSecret(source.raw.password)).toBe(true);
        expect(source.inputs.secretConfig).toEqual({ awsAccessSecret: expect.stringMatching(/^generated-lakehouse-credentials-minioRootPassword/) });
        for (const upstream of ["lakehouse-dremio-admin", "lakehouse-warehouse", "lakehouse-namespace"]) expect(dependsOn(source, upstream)).toBe(true);

        expect(run.lakehouse.outputs.dremioTables).toEqual({
            demographics: "lakehouse.cdc.demographics",
            demographics_changes: "lakehouse.cdc.demographics_changes",
        });
        expect(run.lakehouse.outputs.dremioSource?.name).toBe("lakehouse");
        // The id is Dremio's, known once the source exists (mocks echo inputs, so only the wiring is checked).
        expect(run.lakehouse.outputs.dremioSource?.id).toBe(run.lakehouse.dremioCatalog!.source.sourceId);
    });

    it("generates letters-and-digits passwords of 24 characters", () => {
        const pw = byName(run.resources, "random:index/randomPassword:RandomPassword", "lakehouse-credentials-postgresPassword");
        expect(pw.inputs).toMatchObject({ length: 24, special: false, minLower: 2, minUpper: 2, minNumeric: 2 });
    });
});

describe("Docker rendering of other stack settings", () => {
    it("two stacks on one engine share no container, volume, network or image name", async () => {
        const names = async (stack: string) =>
            new Set(
                (await render(stack)).resources
                    // Pulled images are shared by design; everything else the stack creates is its own.
                    .filter((r) => r.type.startsWith("docker:") && r.type !== "docker:index/remoteImage:RemoteImage")
                    .map((r) => String(r.inputs.name ?? r.inputs.imageName)),
            );
        const dev = await names("dev");
        const staging = await names("staging");
        expect(dev.size).toBeGreaterThan(10);
        expect([...dev].filter((n) => staging.has(n))).toEqual([]);
    });

    it("scales TaskManagers and Connect workers, and shifts host ports by the offset", async () => {
        const { resources } = await render("dev", { flink: { taskManagers: 3, slotsPerTaskManager: 2 }, connect: { workers: 2 }, hostPortOffset: 1000 });
        const names = resources.filter((r) => r.type === CONTAINER).map((r) => r.inputs.name);
        expect(names).toEqual(
            expect.arrayContaining([
                "cdc-lakehouse-dev-flink-taskmanager-0",
                "cdc-lakehouse-dev-flink-taskmanager-1",
                "cdc-lakehouse-dev-flink-taskmanager-2",
                "cdc-lakehouse-dev-connect-0",
                "cdc-lakehouse-dev-connect-1",
            ]),
        );
        const tm1 = byName(resources, CONTAINER, "cdc-lakehouse-dev-flink-taskmanager-1");
        expect(tm1.inputs.networksAdvanced).toEqual([{ name: "cdc-lakehouse-dev", aliases: ["flink-taskmanager", "flink-taskmanager-1"] }]);
        expect(byName(resources, CONTAINER, "cdc-lakehouse-dev-connect-0").inputs.ports).toEqual([
            { internal: 8083, external: 9083, ip: "127.0.0.1", protocol: "tcp" },
        ]);
        expect(byName(resources, CONTAINER, "cdc-lakehouse-dev-connect-1").inputs.ports).toEqual([]);
        const pg = byName(resources, CONTAINER, "cdc-lakehouse-dev-postgres");
        expect(pg.inputs.ports[0].external).toBe(6432);
        const kafka = byName(resources, CONTAINER, "cdc-lakehouse-dev-kafka-0");
        expect(kafka.inputs.envs).toContain("KAFKA_ADVERTISED_LISTENERS=INTERNAL://kafka-0:9092,EXTERNAL://localhost:10092");
    });

    it("renders a three-broker KRaft quorum with replication factor 3", async () => {
        const { resources } = await render("dev", { kafka: { brokers: 3 } });
        for (const i of [0, 1, 2]) {
            const env = Object.fromEntries(
                (byName(resources, CONTAINER, `cdc-lakehouse-dev-kafka-${i}`).inputs.envs as string[]).map((e) => e.split(/=(.*)/s).slice(0, 2)),
            );
            expect(env.KAFKA_NODE_ID).toBe(String(i + 1));
            expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe("1@kafka-0:9093,2@kafka-1:9093,3@kafka-2:9093");
            expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe("3");
            expect(env.KAFKA_MIN_INSYNC_REPLICAS).toBe("2");
        }
        const connect = byName(resources, CONTAINER, "cdc-lakehouse-dev-connect");
        expect(connect.inputs.envs).toContain("BOOTSTRAP_SERVERS=kafka-0:9092,kafka-1:9092,kafka-2:9092");
        expect(connect.inputs.envs).toContain("CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=3");
    });

    it("creates a working branch off main when the stack names one, and the namespace on it", async () => {
        const { resources } = await render("dev", { nessie: { branch: "cdc-dev" } });
        const branch = byName(resources, "pulumi-nodejs:dynamic/lakehouse:NessieBranch", "lakehouse-branch");
        expect(branch.inputs).toMatchObject({ apiUrl: "http://localhost:19120/api/v2", branch: "cdc-dev", from: "main" });
        const namespace = byName(resources, "pulumi-nodejs:dynamic/lakehouse:NessieNamespace", "lakehouse-namespace");
        expect(namespace.inputs.branch).toBe("cdc-dev");
        expect(dependsOn(namespace, "lakehouse-branch")).toBe(true);
    });

    it("keeps Nessie in memory only when the stack asks, with no dependency on PostgreSQL", async () => {
        const { resources } = await render("dev", { nessie: { versionStore: "in-memory" } });
        const nessie = byName(resources, CONTAINER, "cdc-lakehouse-dev-nessie");
        expect(nessie.inputs.envs).toContain("NESSIE_VERSION_STORE_TYPE=IN_MEMORY");
        expect(dependsOn(nessie, "cdc-lakehouse-dev-postgres")).toBe(false);
        const pg = byName(resources, CONTAINER, "cdc-lakehouse-dev-postgres");
        expect(pg.inputs.uploads[0].content).not.toContain("CREATE DATABASE nessie");
    });

    it("leaves Dremio out when disabled, and publishes no host port when ports are not exposed", async () => {
        const { resources, lakehouse } = await render("dev", { dremio: { enabled: false }, exposePorts: false });
        const containers = resources.filter((r) => r.type === CONTAINER);
        expect(containers.map((c) => c.inputs.name)).not.toContain("cdc-lakehouse-dev-dremio");
        for (const c of containers) expect(c.inputs.ports).toEqual([]);
        expect(lakehouse.outputs.dremioUrl).toBeUndefined();
        expect(resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name)).not.toContain(
            "lakehouse-credentials-dremioAdminPassword",
        );
        // Nothing reachable from the Pulumi host: no in-service resources.
        expect(resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))).toEqual([]);
        expect(lakehouse.outputs.kafkaBootstrapServers).toEqual({ internal: "kafka-0:9092" });
        expect(await resolve(lakehouse.outputs.credentials)).not.toHaveProperty("dremio");
    });
});
