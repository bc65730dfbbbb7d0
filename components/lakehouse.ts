import * as docker from "@pulumi/docker";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AWS_S3_SECRETS, AwsWarehouse } from "./aws-storage";
import { ConfiguredCredentials, CredentialKey, LakehouseConfig } from "./config";
import { KafkaConnect } from "./connect";
import { Credentials } from "./credentials";
import { DEFAULTS } from "./defaults";
import { Dremio } from "./dremio";
import { FLINK_WORKLOADS, Flink } from "./flink";
import { Kafka } from "./kafka";
import { MINIO_SECRETS, Minio } from "./minio";
import { NESSIE_DATABASE, Nessie } from "./nessie";
import { Endpoint, Platform, Renderer, SecretEnvRef, SecretRegistry, validateSpecs } from "./platform";
import { DockerPlatform } from "./platform/docker";
import { KubernetesPlatform } from "./platform/kubernetes";
import { WarehouseBucket } from "./dynamic/bucket";
import { NessieBranch, NessieNamespace } from "./dynamic/nessie";
import { Postgres } from "./postgres";
import { CdcSource } from "./dynamic/cdc-source";
import { DebeziumConnector } from "./dynamic/connector";
import { DremioAdmin, DremioSource } from "./dynamic/dremio";
import { FlinkSqlJob } from "./dynamic/flink-job";
import { KafkaTopic } from "./dynamic/kafka-topic";
import { PipelineSettleCheck, fingerprint } from "./dynamic/pipeline-check";
import { JobTemplates, jobName, readJobTemplates, renderTableJob } from "./jobs";
import { connectorName, connectorPasswordReference, debeziumConnectorConfig, dremioNessieSourceConfig, dremioTablePaths, jobSettings, jobSinkTables, jobTemplateValues, pipelineTables, replicationSlotName } from "./pipeline";
import { icebergTableNames } from "./tables";
import { PreflightCheck, runPreflight } from "./preflight";
import { DataKind, dataGuardFor, protectsData } from "./data-protection";

export interface LakehouseArgs {
    /** The validated stack configuration (see components/config.ts). */
    config: LakehouseConfig;
    /** Credentials the stack set as secrets; the rest are generated. */
    credentials: ConfiguredCredentials;
    /** Repository root, for image build contexts. */
    repoRoot: string;
    /** Docker provider to use instead of the default (docker platform; on kubernetes, the engine that builds and pushes the Flink image). */
    dockerProvider?: docker.Provider;
    /** Kubernetes provider to use instead of one made from `lakehouse:kubernetes` (kubernetes platform only). */
    kubernetesProvider?: k8s.Provider;
    /**
     * Check that external services are reachable and accept the stack's credentials before anything
     * depends on them (default true). Off when the caller checked already (index.ts does, before any
     * resource exists) or for rendering without a network, e.g. under mocks.
     */
    checkExternalServices?: boolean;
    /** The Flink SQL templates (default: read from `<repoRoot>/jobs`). */
    jobTemplates?: JobTemplates;
}

/** An endpoint as URLs. */
export interface UrlPair {
    internal: string;
    host?: string;
}

/** The stack outputs other teams consume. Names and shapes are a contract: see README "Stack outputs". */
export interface LakehouseOutputs {
    platform: string;
    endpoints: Record<string, Endpoint>;
    kafkaBootstrapServers: UrlPair;
    cdcTopics: Record<string, string>;
    kafkaConnectUrl: UrlPair;
    flinkRestUrl: UrlPair;
    flinkSqlGatewayUrl: UrlPair;
    nessieApiUri: UrlPair;
    s3Endpoint: UrlPair;
    s3Region: string;
    warehouse: string;
    icebergCatalog: string;
    nessieBranch: string;
    icebergTables: Record<string, string>;
    /** The append-only change history of each captured table (`<table>_changes`). */
    icebergChangeTables: Record<string, string>;
    /** The source database and the captured tables. */
    source: { database: string; schema: string; publication: string; tables: string[] };
    /** Per captured table: its mode, topic, Iceberg tables, Flink job and the job's Kafka consumer groups. */
    pipelineTables: ReturnType<typeof pipelineTables>;
    /** The CDC connector (absent when the services are not reachable from Pulumi). */
    connector?: { name: string; state: pulumi.Output<string>; replicationSlot: string };
    /** The Flink job of each captured table. */
    flinkJobs?: Record<string, { name: string; jobId: pulumi.Output<string>; state: pulumi.Output<string>; lastSavepoint: pulumi.Output<string> }>;
    dremioUrl?: UrlPair;
    /** Dremio's Nessie source (absent when Dremio is disabled or not reachable from Pulumi). */
    dremioSource?: { name: string; id: pulumi.Output<string> };
    /** Each captured table's path in Dremio's SQL: `<source>.<namespace>.<table>`. */
    dremioTables?: Record<string, string>;
    credentials: pulumi.Output<StackCredentials>;
}

export interface StackCredentials {
    postgres: { username: string; password: string };
    replication: { username: string; password: string };
    /** MinIO's root credentials (storage.provider minio). */
    minio?: { accessKeyId: string; secretAccessKey: string };
    /** The S3 credentials the services use, on every storage provider. */
    s3: { accessKeyId: string; secretAccessKey: string };
    dremio?: { username: string; password: string };
}

/** An HTTP endpoint as URLs (https and a base path kept for external services). */
export function urls(endpoint: Endpoint, suffix = ""): UrlPair {
    const scheme = endpoint.scheme ?? "http";
    const tail = `${endpoint.path ?? ""}${suffix}`;
    return {
        internal: `${scheme}://${endpoint.internal}${tail}`,
        ...(endpoint.host !== undefined ? { host: `${scheme}://${endpoint.host}${tail}` } : {}),
    };
}

/** CDC topic of each captured table: `<topic.prefix>.<schema>.<table>` (Debezium's naming). */
export function cdcTopicNames(config: LakehouseConfig): Record<string, string> {
    return Object.fromEntries(config.source.tables.map((t) => [t, `${config.kafka.topicPrefix}.${config.source.schema}.${t}`]));
}

/**
 * The Iceberg tables of the captured tables, `<catalog>.<namespace>.<name>`, by kind: `mirror` for
 * the tables written in mode upsert or both, `changelog` (`<table>_changes`) for append or both.
 */
export function icebergTableIdentifiers(config: LakehouseConfig, kind: "mirror" | "changelog" = "mirror"): Record<string, string> {
    const out: Record<string, string> = {};
    for (const t of config.source.tables) {
        const names = icebergTableNames(t, config.source.tableDefinitions[t].mode);
        const name = kind === "mirror" ? names.upsert : names.changelog;
        if (name) out[t] = `${config.iceberg.catalog}.${config.iceberg.namespace}.${name}`;
    }
    return out;
}

/**
 * The whole CDC lakehouse: PostgreSQL -> Debezium on Kafka Connect -> Kafka -> Flink SQL ->
 * Iceberg tables in Nessie on MinIO -> Dremio. Services start in dependency order, each gated on
 * the health of what it needs.
 */
export class Lakehouse extends pulumi.ComponentResource {
    readonly outputs: LakehouseOutputs;
    readonly platform: Platform;
    readonly postgres: Postgres;
    readonly kafka: Kafka;
    readonly connect: KafkaConnect;
    /** MinIO, unless the warehouse is on AWS S3 (storage.provider aws). */
    readonly minio?: Minio;
    /** The warehouse on AWS S3 (storage.provider aws). */
    readonly awsWarehouse?: AwsWarehouse;
    /** The object storage every service uses, whichever provides it. */
    readonly objectStore: ObjectStore;
    readonly nessie: Nessie;
    readonly flink: Flink;
    readonly dremio?: Dremio;
    /** Resolves once every external service passed its checks; rejects naming each that failed. */
    readonly externalChecks: pulumi.Output<boolean>;
    /** The warehouse bucket (on MinIO, when it is reachable from the machine running Pulumi; on AWS, always). */
    readonly bucket?: pulumi.Resource;
    /** The Iceberg namespace in Nessie (on `nessie.branch`), when Nessie is reachable. */
    readonly namespace?: NessieNamespace;
    /** The CDC pipeline inside the services, when they are reachable from the machine running Pulumi. */
    readonly pipeline?: PipelineResources;
    /** Dremio's first admin and its Nessie source, when Dremio is enabled and reachable. */
    readonly dremioCatalog?: { admin: DremioAdmin; source: DremioSource };

    constructor(name: string, args: LakehouseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:index:Lakehouse", name, {}, opts);
        const cfg = args.config;
        const child = { parent: this };

        const onAws = cfg.storage.provider === "aws";
        const needed: CredentialKey[] = [
            "postgresPassword",
            "replicationPassword",
            ...(onAws ? [] : (["minioRootPassword"] as const)),
            ...(cfg.dremio.enabled ? (["dremioAdminPassword"] as const) : []),
        ];
        const credentials = new Credentials(`${name}-credentials`, { configured: args.credentials, needed }, child);
        if (onAws) {
            this.awsWarehouse = new AwsWarehouse(
                `${name}-s3`,
                { bucket: cfg.storage.bucket, region: cfg.awsRegion, forceDestroy: cfg.storage.forceDestroy, namePrefix: cfg.namePrefix, protect: protectsData(cfg.allowDataLoss, "bucket") },
                child,
            );
        }
        this.platform = createPlatform(name, cfg, { ...credentials.registry, ...(this.awsWarehouse?.registry ?? {}) }, args, this);

        const volumeSizeGiB = DEFAULTS.volumeSizeGiB;
        this.postgres = new Postgres(
            `${name}-postgres`,
            {
                image: cfg.images.postgres,
                source: cfg.source,
                extraDatabases: cfg.nessie.versionStore === "jdbc" ? [NESSIE_DATABASE] : [],
                resources: cfg.resources.postgres,
                volumeSizeGiB,
                platform: this.platform,
            },
            child,
        );
        this.kafka = new Kafka(
            `${name}-kafka`,
            {
                image: cfg.images.kafka,
                kafka: cfg.kafka,
                clusterSeed: cfg.namePrefix,
                exposePorts: cfg.exposePorts,
                hostPortOffset: cfg.hostPortOffset,
                resources: cfg.resources.kafka,
                volumeSizeGiB,
                platform: this.platform,
            },
            child,
        );
        this.connect = new KafkaConnect(
            `${name}-connect`,
            {
                image: cfg.images.connect,
                workers: cfg.connect.workers,
                groupId: cfg.connect.groupId,
                kafka: cfg.kafka,
                bootstrapServers: this.kafka.internalBootstrapServers,
                dependsOn: this.kafka.brokers.map((b) => b.spec.name),
                resources: cfg.resources.connect,
                platform: this.platform,
            },
            child,
        );
        const v = credentials.values;
        if (!onAws) {
            this.minio = new Minio(
                `${name}-minio`,
                { image: cfg.images.minio, rootUser: cfg.storage.rootUser, region: cfg.awsRegion, resources: cfg.resources.minio, volumeSizeGiB, platform: this.platform },
                child,
            );
        }
        this.objectStore = this.awsWarehouse
            ? {
                  api: this.awsWarehouse.api,
                  workloads: [],
                  ready: this.awsWarehouse.ready,
                  accessKeyId: this.awsWarehouse.accessKeyId,
                  secretAccessKey: this.awsWarehouse.secretAccessKey,
                  pathStyle: false,
                  workloadAccessKey: { secret: AWS_S3_SECRETS.accessKeyId },
                  workloadSecretKey: { secret: AWS_S3_SECRETS.secretAccessKey },
              }
            : {
                  api: this.minio!.api,
                  workloads: [this.minio!.workload.spec.name],
                  ready: this.minio!.workload.ready,
                  accessKeyId: cfg.storage.rootUser,
                  secretAccessKey: v.minioRootPassword!,
                  pathStyle: true,
                  workloadAccessKey: cfg.storage.rootUser,
                  workloadSecretKey: { secret: MINIO_SECRETS.rootPassword },
              };
        const store = this.objectStore;
        this.nessie = new Nessie(
            `${name}-nessie`,
            {
                image: cfg.images.nessie,
                versionStore: cfg.nessie.versionStore,
                jdbc: { address: this.postgres.endpoint.internal, database: NESSIE_DATABASE, user: cfg.source.adminUser, dependsOn: this.postgres.workload.spec.name },
                resources: cfg.resources.nessie,
                volumeSizeGiB,
                platform: this.platform,
            },
            child,
        );
        this.flink = new Flink(
            `${name}-flink`,
            {
                baseImage: cfg.images.flink,
                imageRepository: `${cfg.namePrefix}-flink`,
                flink: cfg.flink,
                awsRegion: cfg.awsRegion,
                s3Endpoint: urls(store.api).internal,
                s3AccessKey: store.workloadAccessKey,
                s3SecretKey: store.workloadSecretKey,
                s3PathStyle: store.pathStyle,
                dependsOn: [...store.workloads, this.kafka.brokers[0].spec.name, this.nessie.workload.spec.name],
                resources: cfg.resources.flink,
                platform: this.platform,
            },
            child,
        );
        if (cfg.dremio.enabled) {
            this.dremio = new Dremio(
                `${name}-dremio`,
                {
                    image: cfg.images.dremio,
                    dependsOn: [this.nessie.workload.spec.name, ...store.workloads],
                    resources: cfg.resources.dremio,
                    volumeSizeGiB,
                    platform: this.platform,
                },
                child,
            );
        }

        const all = [this.postgres.workload, ...this.kafka.brokers, this.connect.workload, ...(this.minio ? [this.minio.workload] : []), this.nessie.workload, ...this.flink.workloads, ...(this.dremio ? [this.dremio.workload] : [])];
        const problems = validateSpecs(
            all.filter((w) => !w.external).map((w) => w.spec),
            all.filter((w) => w.external).map((w) => w.spec.name),
        );
        if (problems.length) throw new pulumi.ResourceError(`The lakehouse's workloads are inconsistent:\n  - ${problems.join("\n  - ")}`, this);

        const endpoints: Record<string, Endpoint> = {
            postgres: this.postgres.endpoint,
            kafka: { internal: this.kafka.internalBootstrapServers, ...(this.kafka.hostBootstrapServers ? { host: this.kafka.hostBootstrapServers } : {}) },
            connect: this.connect.rest,
            ...(this.minio ? { minio: this.minio.api } : {}),
            ...(this.minio?.console ? { minioConsole: this.minio.console } : {}),
            nessie: this.nessie.http,
            [FLINK_WORKLOADS.jobManager]: this.flink.rest,
            [FLINK_WORKLOADS.sqlGateway]: this.flink.sqlGatewayRest,
            ...(this.dremio ? { dremio: this.dremio.http } : {}),
        };
        this.externalChecks =
            args.checkExternalServices === false
                ? pulumi.output(true)
                : pulumi.all([v.postgresPassword!, v.minioRootPassword ?? ""]).apply(async ([pgPassword, s3Secret]) => {
                      await checkExternalServices(cfg, { pgPassword, s3Secret });
                      return true;
                  });
        // What lives inside the services. Pulumi's dynamic providers run where Pulumi runs, so they use
        // the host-side endpoints; without them (ports not published) there is nothing to reach.
        // What holds data is guarded unless the stack allows losing it (lakehouse:allowDataLoss).
        const guards = dataGuards(cfg);
        const protect = (kind: DataKind) => protectsData(cfg.allowDataLoss, kind);
        const s3Host = this.minio ? urls(this.minio.api).host : undefined;
        if (this.awsWarehouse) {
            this.bucket = this.awsWarehouse.bucket;
        } else if (s3Host) {
            this.bucket = new WarehouseBucket(
                `${name}-warehouse`,
                {
                    endpoint: pulumi.all([s3Host, this.externalChecks]).apply(([url]) => url),
                    region: cfg.awsRegion,
                    bucket: cfg.storage.bucket,
                    accessKeyId: cfg.storage.rootUser,
                    secretAccessKey: v.minioRootPassword!,
                    forceDestroy: cfg.storage.forceDestroy,
                    dataGuard: guards.bucket,
                },
                { parent: this, dependsOn: store.ready, protect: protect("bucket") },
            );
        }
        const nessieApi = urls(this.nessie.http, this.nessie.apiV2Path).host;
        if (nessieApi) {
            const apiUrl = pulumi.all([nessieApi, this.externalChecks]).apply(([url]) => url);
            const branch =
                cfg.nessie.branch === "main"
                    ? undefined
                    : new NessieBranch(
                          `${name}-branch`,
                          { apiUrl, branch: cfg.nessie.branch, from: "main", dropContentsOnDelete: cfg.storage.forceDestroy, dataGuard: guards.branch },
                          { parent: this, dependsOn: this.nessie.workload.ready, protect: protect("tables") },
                      );
            this.namespace = new NessieNamespace(
                `${name}-namespace`,
                { apiUrl, branch: branch ? branch.branch : cfg.nessie.branch, namespace: cfg.iceberg.namespace, dropContentsOnDelete: cfg.storage.forceDestroy, dataGuard: guards.namespace },
                { parent: this, dependsOn: [...this.nessie.workload.ready, ...(branch ? [branch] : [])], protect: protect("tables") },
            );
        }
        this.pipeline = this.createPipeline(name, cfg, args, credentials);
        this.dremioCatalog = this.createDremioCatalog(name, cfg, credentials);
        if (!this.bucket || !nessieApi || !this.pipeline) {
            pulumi.log.warn(
                cfg.platform === "kubernetes"
                    ? `The Services are not reachable from Pulumi (${cfg.kubernetes.renderYamlToDirectory ? `manifests are only rendered to ${cfg.kubernetes.renderYamlToDirectory}` : `kubernetes.access: ${cfg.kubernetes.access}`}): the warehouse bucket, the Nessie namespace, the CDC connector, the Flink jobs and the Dremio source are not managed; run Pulumi in the cluster (access in-cluster), use access node-port, or manage them yourself.`
                    : "Ports are not published (exposePorts: false): the warehouse bucket, the Nessie namespace, the CDC connector, the Flink jobs and the Dremio source are not managed (Pulumi reaches them through host ports); publish the ports or manage them yourself.",
                this,
            );
        }

        this.outputs = {
            platform: cfg.platform,
            // The same shape on every platform: host:port on the stack's network and from the Pulumi host.
            endpoints: Object.fromEntries(Object.entries(endpoints).map(([k, e]) => [k, { internal: e.internal, ...(e.host !== undefined ? { host: e.host } : {}) }])),
            kafkaBootstrapServers: { internal: endpoints.kafka.internal, ...(endpoints.kafka.host ? { host: endpoints.kafka.host } : {}) },
            cdcTopics: cdcTopicNames(cfg),
            kafkaConnectUrl: urls(this.connect.rest),
            flinkRestUrl: urls(this.flink.rest),
            flinkSqlGatewayUrl: urls(this.flink.sqlGatewayRest),
            nessieApiUri: urls(this.nessie.http, this.nessie.apiV2Path),
            s3Endpoint: urls(store.api),
            s3Region: cfg.awsRegion,
            warehouse: cfg.storage.warehouse,
            icebergCatalog: cfg.iceberg.catalog,
            nessieBranch: cfg.nessie.branch,
            icebergTables: icebergTableIdentifiers(cfg),
            icebergChangeTables: icebergTableIdentifiers(cfg, "changelog"),
            source: { database: cfg.source.database, schema: cfg.source.schema, publication: cfg.source.publication, tables: cfg.source.tables },
            pipelineTables: pipelineTables(cfg),
            ...(this.pipeline
                ? {
                      connector: {
                          name: connectorName(cfg),
                          state: this.pipeline.connector.connectorState,
                          replicationSlot: replicationSlotName(cfg),
                      },
                      flinkJobs: Object.fromEntries(
                          Object.entries(this.pipeline.jobs).map(([table, job]) => [table, { name: jobName(cfg.namePrefix, table), jobId: job.jobId, state: job.jobState, lastSavepoint: job.lastSavepoint }]),
                      ),
                  }
                : {}),
            ...(this.dremio ? { dremioUrl: urls(this.dremio.http) } : {}),
            ...(this.dremioCatalog ? { dremioSource: { name: cfg.dremio.sourceName, id: this.dremioCatalog.source.sourceId }, dremioTables: dremioTablePaths(cfg) } : {}),
            credentials: pulumi.secret(
                pulumi.all([v.postgresPassword!, v.replicationPassword!, store.accessKeyId, store.secretAccessKey, v.dremioAdminPassword ?? "", this.externalChecks]).apply(([pg, repl, s3Key, s3Secret, dremio]) => ({
                    postgres: { username: cfg.source.adminUser, password: pg },
                    replication: { username: cfg.source.replicationUser, password: repl },
                    ...(this.minio ? { minio: { accessKeyId: s3Key, secretAccessKey: s3Secret } } : {}),
                    s3: { accessKeyId: s3Key, secretAccessKey: s3Secret },
                    ...(cfg.dremio.enabled ? { dremio: { username: cfg.dremio.adminUser, password: dremio } } : {}),
                })),
            ),
        };
        this.registerOutputs({ ...this.outputs });
    }

    /**
     * The pipeline inside the services, in dependency order: the CDC source (role, publication,
     * replica identity), the CDC topics, the Debezium connector, then one Flink job per table.
     * Pulumi's dynamic providers run where Pulumi runs, so they use the host-side endpoints; the
     * connector and the jobs are configured with the endpoints as the services reach each other.
     */
    private createPipeline(name: string, cfg: LakehouseConfig, args: LakehouseArgs, credentials: Credentials): PipelineResources | undefined {
        const pgHost = this.postgres.endpoint.host;
        const kafkaHost = this.kafka.hostBootstrapServers;
        const connectHost = urls(this.connect.rest).host;
        const flinkRestHost = urls(this.flink.rest).host;
        const gatewayHost = urls(this.flink.sqlGatewayRest).host;
        if (!pgHost || !kafkaHost || !connectHost || !flinkRestHost || !gatewayHost || !this.bucket || !this.namespace) return undefined;
        const v = credentials.values;
        const checked = <T>(value: T) => pulumi.all([value, this.externalChecks]).apply(([x]) => x);
        const templates = args.jobTemplates ?? readJobTemplates(args.repoRoot);

        const cdcSource = new CdcSource(
            `${name}-cdc-source`,
            {
                address: checked(pgHost),
                database: cfg.source.database,
                schema: cfg.source.schema,
                tables: cfg.source.tables,
                publication: cfg.source.publication,
                adminUser: cfg.source.adminUser,
                adminPassword: v.postgresPassword!,
                replicationUser: cfg.source.replicationUser,
                replicationPassword: v.replicationPassword!,
                createSeedTable: cfg.source.createSeedTable,
            },
            { parent: this, dependsOn: this.postgres.workload.ready },
        );
        const topics = Object.fromEntries(
            Object.entries(cdcTopicNames(cfg)).map(([table, topic]) => [
                table,
                new KafkaTopic(
                    `${name}-topic-${table}`,
                    { bootstrapServers: checked(kafkaHost), topic, partitions: 1, replicationFactor: cfg.kafka.replicationFactor },
                    { parent: this, dependsOn: this.kafka.brokers.flatMap((b) => b.ready) },
                ),
            ]),
        );
        // Connect stores a config-provider reference, not the password (README "Secrets in Kafka Connect").
        const password = connectorPasswordReference(cfg);
        if (password.warning) pulumi.log.warn(password.warning, this);
        const connector = new DebeziumConnector(
            `${name}-connector`,
            {
                connectUrl: checked(connectHost),
                name: connectorName(cfg),
                config: debeziumConnectorConfig(cfg, this.postgres.endpoint.internal),
                databasePassword: v.replicationPassword!,
                databasePasswordReference: password.reference,
                state: cfg.pipeline.connectorState,
                dropSlotOnDelete: cfg.pipeline.dropSlotOnDelete,
                cleanupDatabaseAddress: pgHost,
                dataGuard: dataGuards(cfg).connector,
            },
            { parent: this, dependsOn: [cdcSource, ...Object.values(topics), ...this.connect.workload.ready], protect: protectsData(cfg.allowDataLoss, "slot") },
        );
        const store = this.objectStore;
        const flinkSide = {
            nessieUri: urls(this.nessie.http, this.nessie.apiV2Path).internal,
            s3Endpoint: urls(store.api).internal,
            bootstrapServers: this.kafka.internalBootstrapServers,
            s3PathStyle: store.pathStyle,
        };
        const jobs = Object.fromEntries(
            cfg.source.tables.map((table) => [
                table,
                new FlinkSqlJob(
                    `${name}-job-${table}`,
                    {
                        gatewayUrl: checked(gatewayHost),
                        restUrl: flinkRestHost,
                        name: jobName(cfg.namePrefix, table),
                        // The AWS access key id is known only once the key exists: render then.
                        statements: pulumi.output(store.accessKeyId).apply((s3AccessKeyId) => renderTableJob(templates, jobTemplateValues(cfg, { ...flinkSide, s3AccessKeyId }, table), cfg.source.tableDefinitions[table])),
                        // Columns added to the config reach the existing Iceberg tables before the job resumes.
                        sinkTables: jobSinkTables(cfg, table),
                        settings: jobSettings(cfg),
                        secrets: { s3SecretAccessKey: store.secretAccessKey },
                        state: cfg.pipeline.jobState,
                        deleteMode: cfg.pipeline.jobDeleteMode,
                    },
                    { parent: this, dependsOn: [topics[table], this.bucket!, this.namespace!, ...this.flink.sqlGateway.ready, ...this.flink.taskManagers.ready] },
                ),
            ]),
        );
        // After every `up` that changed the pipeline: a bounded settle check, so `up` fails when what it
        // changed does not work (a job restarting in a loop, the connector failed, the warehouse gone).
        if (cfg.pipeline.verifyTimeoutSeconds > 0) {
            const check = new PipelineSettleCheck(
                `${name}-pipeline-check`,
                {
                    flinkRestUrl: flinkRestHost,
                    connectUrl: connectHost,
                    // The fingerprint: a job resubmitted (new id), new SQL, another connector config or bucket re-runs the check.
                    jobs: cfg.source.tables.map((table) => ({ table, name: jobName(cfg.namePrefix, table), jobId: jobs[table].jobId, sqlHash: jobs[table].sqlHash, required: cfg.pipeline.jobState === "RUNNING" })),
                    connector: pulumi
                        .output(debeziumConnectorConfig(cfg, this.postgres.endpoint.internal))
                        .apply((config) => ({ name: connectorName(cfg), configHash: fingerprint({ config, state: cfg.pipeline.connectorState, passwordReference: password.reference ?? "" }), required: cfg.pipeline.connectorState === "RUNNING" })),
                    warehouse: pulumi.output(store.accessKeyId).apply((accessKeyId) => ({ endpoint: urls(store.api).host ?? urls(store.api).internal, region: cfg.awsRegion, bucket: cfg.storage.bucket, pathStyle: store.pathStyle, accessKeyId })),
                    s3SecretAccessKey: store.secretAccessKey,
                    namespace: `${cfg.nessie.branch}:${cfg.iceberg.namespace}`,
                    timeoutSeconds: cfg.pipeline.verifyTimeoutSeconds,
                },
                { parent: this, dependsOn: [connector, ...Object.values(jobs), ...Object.values(topics), this.bucket!, this.namespace!] },
            );
            check.summary.apply((summary) => summary && pulumi.log.info(summary, check));
        }
        return { cdcSource, topics, connector, jobs };
    }

    /**
     * Dremio's first admin, then its Nessie source over the warehouse (after the bucket and the
     * namespace exist). Pulumi calls Dremio on its host-side URL; the source holds the endpoints as
     * Dremio reaches Nessie and S3.
     */
    private createDremioCatalog(name: string, cfg: LakehouseConfig, credentials: Credentials): { admin: DremioAdmin; source: DremioSource } | undefined {
        const dremioHost = this.dremio ? urls(this.dremio.http).host : undefined;
        if (!this.dremio || !dremioHost || !this.bucket || !this.namespace) return undefined;
        const v = credentials.values;
        const url = pulumi.all([dremioHost, this.externalChecks]).apply(([u]) => u);
        const admin = new DremioAdmin(
            `${name}-dremio-admin`,
            { url, userName: cfg.dremio.adminUser, password: v.dremioAdminPassword!, waitTimeoutSeconds: cfg.startTimeoutSeconds },
            { parent: this, dependsOn: this.dremio.workload.ready },
        );
        const source = new DremioSource(
            `${name}-dremio-source`,
            {
                url,
                userName: admin.userName,
                password: v.dremioAdminPassword!,
                name: cfg.dremio.sourceName,
                type: "NESSIE",
                config: dremioNessieSourceConfig(cfg, {
                    nessieUri: urls(this.nessie.http, this.nessie.apiV2Path).internal,
                    s3Endpoint: urls(this.objectStore.api).internal,
                    s3AccessKeyId: this.objectStore.accessKeyId,
                    s3Compatible: this.objectStore.pathStyle,
                }),
                secretConfig: { awsAccessSecret: this.objectStore.secretAccessKey },
            },
            { parent: this, dependsOn: [admin, this.bucket, this.namespace] },
        );
        return { admin, source };
    }
}

/**
 * What each data-bearing resource is told when the stack protects its kind of data (see
 * components/data-protection.ts): what it holds, what a replacement would lose, and the config key
 * behind each input whose change replaces it. Pure: from config alone.
 */
export function dataGuards(cfg: LakehouseConfig) {
    const allowed = cfg.allowDataLoss;
    const slot = replicationSlotName(cfg);
    return {
        bucket: dataGuardFor(
            allowed,
            "bucket",
            `the warehouse bucket "${cfg.storage.bucket}" (every Iceberg data and metadata file)`,
            "The replacement is a new, empty bucket while the tables in Nessie still point at files in the old one, which is then deleted.",
            { bucket: "lakehouse:storage.bucket" },
        ),
        namespace: dataGuardFor(
            allowed,
            "tables",
            `the Iceberg namespace "${cfg.iceberg.namespace}" on Nessie branch "${cfg.nessie.branch}" and its tables`,
            "The jobs would start new, empty tables in the new namespace, and the old namespace is deleted (with its tables when storage.forceDestroy is set).",
            { namespace: "lakehouse:iceberg.namespace", branch: "lakehouse:nessie.branch" },
        ),
        branch: dataGuardFor(
            allowed,
            "tables",
            `the Nessie branch "${cfg.nessie.branch}" and every table on it`,
            "The new branch starts from main without these tables, and the old branch is deleted when storage.forceDestroy is set.",
            { branch: "lakehouse:nessie.branch" },
        ),
        connector: dataGuardFor(
            allowed,
            "slot",
            `the CDC connector "${connectorName(cfg)}" with its replication slot "${slot}" and offsets`,
            "The old connector is deleted first, with its slot and offsets (pipeline.dropSlotOnDelete); the new one snapshots every captured table again: duplicates in the changelog, and the changes between the old position and the new snapshot missing from the history.",
            {
                name: "the project and stack name (lakehouse connector name)",
                'config["slot.name"]': "the project and stack name (replication slot name)",
                'config["topic.prefix"]': "lakehouse:kafka.topicPrefix",
                'config["database.dbname"]': "lakehouse:source.database",
            },
        ),
    };
}

/** The warehouse's object storage as every other part of the stack sees it. */
export interface ObjectStore {
    /** The S3 API. */
    api: Endpoint;
    /** Workloads that serve it (MinIO), for start order; none on AWS. */
    workloads: string[];
    /** What a writer waits for. */
    ready: pulumi.Resource[];
    accessKeyId: pulumi.Input<string>;
    secretAccessKey: pulumi.Output<string>;
    /** Path-style requests (MinIO) or virtual-hosted (AWS). */
    pathStyle: boolean;
    /** How workloads get the key id (plain for MinIO's root user, a secret reference for a generated AWS key) and the secret key. */
    workloadAccessKey: string | SecretEnvRef;
    workloadSecretKey: SecretEnvRef;
}

/** The CDC pipeline's resources inside the services. */
export interface PipelineResources {
    cdcSource: CdcSource;
    topics: Record<string, KafkaTopic>;
    connector: DebeziumConnector;
    jobs: Record<string, FlinkSqlJob>;
}

/** What to check of each service the stack says already exists (pure: from config alone). */
export function externalServiceChecks(cfg: LakehouseConfig, secrets: { pgPassword?: string; s3Secret?: string }): PreflightCheck[] {
    const ext = cfg.external;
    const checks: PreflightCheck[] = [];
    const base = (url: string) => url.replace(/\/+$/, "");
    if (ext.postgres) checks.push({ service: "postgres", kind: "postgres", address: ext.postgres.address, user: cfg.source.adminUser, password: secrets.pgPassword ?? "", database: cfg.source.database });
    if (ext.kafka) for (const address of ext.kafka.bootstrapServers.split(",")) checks.push({ service: "kafka", kind: "tcp", address });
    if (ext.connect) checks.push({ service: "connect", kind: "http", url: `${base(ext.connect.url)}/connector-plugins` });
    if (ext.minio) checks.push({ service: "minio", kind: "s3", endpoint: ext.minio.endpoint, region: cfg.awsRegion, accessKeyId: cfg.storage.rootUser, secretAccessKey: secrets.s3Secret ?? "" });
    if (ext.nessie) checks.push({ service: "nessie", kind: "http", url: `${base(ext.nessie.url)}/api/v2/config` });
    if (ext.flink) {
        checks.push({ service: "flink", kind: "http", url: `${base(ext.flink.restUrl)}/overview` });
        checks.push({ service: "flink-sql-gateway", kind: "http", url: `${base(ext.flink.sqlGatewayUrl)}/v1/info` });
    }
    if (ext.dremio && cfg.dremio.enabled) checks.push({ service: "dremio", kind: "http", url: `${base(ext.dremio.url)}/apiv2/server_status` });
    return checks;
}

/**
 * Checks every external service before the program registers a single resource: the program's
 * first step, so a wrong endpoint or password fails `preview`/`up` fast and creates nothing.
 */
export async function checkExternalServices(cfg: LakehouseConfig, secrets: { pgPassword?: string; s3Secret?: string }): Promise<void> {
    const checks = externalServiceChecks(cfg, secrets);
    if (checks.length) await runPreflight(checks, cfg.externalCheckTimeoutSeconds * 1000);
}

/** The stack's platform: its renderer (none on `external`) plus the services that already exist. */
function createPlatform(name: string, cfg: LakehouseConfig, secrets: SecretRegistry, args: LakehouseArgs, parent: pulumi.Resource): Platform {
    let renderer: Renderer | undefined;
    switch (cfg.platform) {
        case "docker":
            renderer = new DockerPlatform(
                `${name}-docker`,
                {
                    namePrefix: cfg.namePrefix,
                    stack: cfg.stack,
                    exposePorts: cfg.exposePorts,
                    hostPortOffset: cfg.hostPortOffset,
                    startTimeoutSeconds: cfg.startTimeoutSeconds,
                    secrets,
                    repoRoot: args.repoRoot,
                    provider: args.dockerProvider,
                    retainVolumes: protectsData(cfg.allowDataLoss, "volumes"),
                },
                { parent },
            );
            break;
        case "kubernetes":
            renderer = new KubernetesPlatform(
                `${name}-kubernetes`,
                {
                    namePrefix: cfg.namePrefix,
                    project: cfg.project,
                    stack: cfg.stack,
                    kubernetes: cfg.kubernetes,
                    startTimeoutSeconds: cfg.startTimeoutSeconds,
                    secrets,
                    repoRoot: args.repoRoot,
                    provider: args.kubernetesProvider,
                    dockerProvider: args.dockerProvider,
                    retainVolumes: protectsData(cfg.allowDataLoss, "volumes"),
                },
                { parent },
            );
            break;
        case "external":
            renderer = undefined;
            break;
        default:
            // Config validation rejects platforms this version cannot render; this guards programmatic use.
            throw new pulumi.ResourceError(`platform "${cfg.platform}" is not supported by this version (supported: docker, kubernetes, external)`, parent);
    }
    return new Platform(cfg.platform, renderer, cfg.external);
}
