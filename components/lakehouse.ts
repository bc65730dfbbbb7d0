import type * as docker from "@pulumi/docker";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AWS_S3_SECRETS, AwsWarehouse, AwsWarehouseArgs } from "./aws-storage";
import { ClientSecretKey, ClientSecrets, ConfiguredCredentials, CredentialKey, ImageService, LakehouseConfig, flinkRestCaCert } from "./config";
import { KafkaConnect, KafkaConnectArgs } from "./connect";
import { Credentials } from "./credentials";
import { dataGuardFor, protectsData } from "./data-protection";
import { DEFAULTS } from "./defaults";
import { Dremio, DremioArgs } from "./dremio";
import { WarehouseBucket } from "./dynamic/bucket";
import { CdcSource, signalTableName } from "./dynamic/cdc-source";
import { DebeziumConnector } from "./dynamic/connector";
import { DremioAdmin, DremioSource } from "./dynamic/dremio";
import { FlinkJarJob } from "./dynamic/flink-jar-job";
import { FlinkSqlJob } from "./dynamic/flink-job";
import { KafkaTopic } from "./dynamic/kafka-topic";
import { TableSnapshot } from "./dynamic/table-snapshot";
import { NessieBranch, NessieNamespace, NessieSecurityArgs } from "./dynamic/nessie";
import { PipelineSettleCheck, fingerprint } from "./dynamic/pipeline-check";
import { Flink, FlinkArgs } from "./flink";
import { versionTable } from "./images";
import { JobTemplates, jobName, readJobTemplates, renderTableJob } from "./jobs";
import { Kafka, KafkaArgs } from "./kafka";
import {
    MAINTENANCE_ENTRY_CLASS,
    MaintenanceVersions,
    compactionCadenceWarning,
    maintainedTables,
    maintenanceJarBuild,
    maintenanceJobName,
    maintenanceMavenProperties,
    maintenanceProgramArgs,
} from "./maintenance";
import { PERIODIC_SAVEPOINTS_ENTRY_CLASS, periodicSavepointsEnabled, periodicSavepointsJobName, periodicSavepointsProgramArgs } from "./periodic-savepoints";
import { MINIO_SECRETS, Minio, MinioArgs } from "./minio";
import { NESSIE_DATABASE, Nessie, NessieArgs } from "./nessie";
import { LakehouseOutputs, lakehouseOutputs, urls } from "./outputs";
import {
    cdcTopicNames,
    connectorName,
    connectorPasswordReference,
    debeziumConnectorConfig,
    dremioNessieSourceConfig,
    idleSourceWarning,
    jobSettings,
    jobSinkTables,
    jobTemplateValues,
    replicationSlotName,
} from "./pipeline";
import { DeployedWorkload, Endpoint, Platform, Renderer, SecretEnvRef, SecretRegistry, validateSpecs } from "./platform";
import { DockerPlatform } from "./platform/docker";
import { KubernetesPlatform } from "./platform/kubernetes";
import { Postgres, PostgresArgs } from "./postgres";
import { PreflightCheck, runPreflight } from "./preflight";
import {
    CLIENT_SECRET_NAMES,
    clientSecretRegistry,
    flinkKafkaSecurityOptions,
    kafkaJobSecrets,
    kafkaTopicSecurity,
    nessieCatalogAuthArgs,
    nessieCatalogAuthOptions,
    nessieJobSecrets,
    sourceTlsInputs,
} from "./secured-clients";
import { checkDeclaredColumnsWhenReachable } from "./source-check";
import { checkLocalImagesOnEngine } from "./image-check";

// Moved to components/outputs and components/pipeline; re-exported so existing imports keep working.
export type { LakehouseOutputs, StackCredentials, UrlPair } from "./outputs";
export { urls } from "./outputs";
export { cdcTopicNames, icebergTableIdentifiers } from "./pipeline";

export interface LakehouseArgs {
    /** The validated stack configuration (see components/config.ts). */
    config: LakehouseConfig;
    /** Credentials the stack set as secrets; the rest are generated. */
    credentials: ConfiguredCredentials;
    /** Secrets for a secured Kafka or PostgreSQL the stack set (`kafkaPassword`, `kafkaClientKey`, `postgresClientKey`); default none. */
    clientSecrets?: ClientSecrets;
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
    /** The table maintenance job (`lakehouse:maintenance.enabled`). */
    maintenance?: FlinkJarJob;
    /** The periodic-savepoints job (`lakehouse:pipeline.periodicSavepoints.intervalSeconds` above 0). */
    periodicSavepoints?: FlinkJarJob;
}

/**
 * Where the machine running Pulumi reaches each service: the host-side endpoints the dynamic
 * resources (which run where Pulumi runs) use. A service whose ports are not published to that
 * machine has none, and what lives inside it is not managed.
 */
export interface PulumiReach {
    /** PostgreSQL, `host:port`. */
    postgres?: string;
    /** Kafka's bootstrap servers, `host:port[,...]`. */
    kafka?: string;
    /** Kafka Connect's REST API, a URL. */
    connect?: string;
    /** MinIO's S3 API, a URL (none on AWS: the bucket is an @pulumi/aws resource). */
    s3?: string;
    /** Nessie's API v2, a URL. */
    nessieApi?: string;
    /** Flink's REST API, a URL. */
    flinkRest?: string;
    /** Flink's SQL Gateway, a URL. */
    sqlGateway?: string;
    /** Dremio's REST API, a URL (none when Dremio is disabled). */
    dremio?: string;
}

/**
 * The whole CDC lakehouse: PostgreSQL -> Debezium on Kafka Connect -> Kafka -> Flink SQL ->
 * Iceberg tables in Nessie on MinIO -> Dremio. Services start in dependency order, each gated on
 * the health of what it needs.
 */
export class Lakehouse extends pulumi.ComponentResource {
    /** The validated stack configuration the lakehouse was built from. */
    readonly config: LakehouseConfig;
    /** The stack's passwords, configured or generated; each a secret Output. */
    readonly credentials: Credentials;
    /** The stack outputs (components/outputs): what index.ts exports. */
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
    /** The secrets for a secured Kafka or PostgreSQL the stack set (`lakehouse:kafkaPassword`, ...). */
    readonly clientSecrets: ClientSecrets;
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
        this.config = cfg;
        this.clientSecrets = args.clientSecrets ?? {};

        // Secrets, the warehouse on AWS S3 (storage.provider aws), and where the workloads run.
        this.credentials = new Credentials(`${name}-credentials`, { configured: args.credentials, needed: neededCredentials(cfg) }, child);
        if (cfg.storage.provider === "aws") this.awsWarehouse = new AwsWarehouse(`${name}-s3`, awsWarehouseArgs(cfg), child);
        const secretRegistry = { ...this.credentials.registry, ...(this.awsWarehouse?.registry ?? {}), ...clientSecretRegistry(args.clientSecrets ?? {}) };
        this.platform = createPlatform(name, cfg, secretRegistry, args, this);

        // The services, each started once what it needs reports healthy.
        this.postgres = new Postgres(`${name}-postgres`, postgresArgs(cfg, this.platform), child);
        this.kafka = new Kafka(`${name}-kafka`, kafkaArgs(cfg, this.platform), child);
        this.connect = new KafkaConnect(`${name}-connect`, connectArgs(cfg, this.platform, this.kafka), child);
        if (!this.awsWarehouse) this.minio = new Minio(`${name}-minio`, minioArgs(cfg, this.platform), child);
        this.objectStore = this.awsWarehouse
            ? awsObjectStore(this.awsWarehouse)
            : minioObjectStore(cfg, this.minio!, this.credentials.values.minioRootPassword!);
        // The checks of the services the stack says exist, gating whatever Pulumi manages inside them.
        this.externalChecks =
            args.checkExternalServices === false ? pulumi.output(true) : externalServicesChecked(cfg, this.credentials.values, args.clientSecrets ?? {});
        const guards = dataGuards(cfg);
        // The warehouse bucket before what keeps state in it (Flink's HA store and checkpoints, Dremio's source).
        this.bucket = this.awsWarehouse
            ? this.awsWarehouse.bucket
            : this.createWarehouseBucket(name, cfg, this.minio && urls(this.minio.api).host, guards.bucket);
        if (this.minio && this.bucket) this.platform.alsoAwait(this.minio.workload.spec.name, [this.bucket]);
        this.nessie = new Nessie(`${name}-nessie`, nessieArgs(cfg, this.platform, this.postgres), child);
        this.flink = new Flink(`${name}-flink`, flinkArgs(cfg, this.platform, this.objectStore, this.kafka, this.nessie), child);
        if (cfg.dremio.enabled) this.dremio = new Dremio(`${name}-dremio`, dremioArgs(cfg, this.platform, this.nessie, this.objectStore), child);
        const problems = workloadProblems([
            this.postgres.workload,
            ...this.kafka.brokers,
            this.connect.workload,
            ...(this.minio ? [this.minio.workload] : []),
            this.nessie.workload,
            ...this.flink.workloads,
            ...(this.dremio ? [this.dremio.workload] : []),
        ]);
        if (problems.length) throw new pulumi.ResourceError(`The lakehouse's workloads are inconsistent:\n  - ${problems.join("\n  - ")}`, this);
        // Best effort and bounded: the project images a Docker stack runs unpulled are on the engine (components/image-check.ts).
        checkLocalImagesOnEngine(cfg, deployedImageServices(this.platform.deployedWorkloads()), this, args.dockerProvider !== undefined);

        // What lives inside the services: managed where Pulumi reaches them, once the external services
        // passed their checks. What holds data is guarded unless the stack allows losing it (lakehouse:allowDataLoss).
        const reach = pulumiReach(this);
        // Best effort, bounded, and no input of any resource: the declared columns against the live source (components/source-check.ts).
        checkDeclaredColumnsWhenReachable(cfg, reach.postgres, this.credentials.values.postgresPassword!, this, args.clientSecrets?.postgresClientKey);
        this.namespace = this.createNessieNamespace(name, cfg, reach.nessieApi, guards);
        this.pipeline = this.createPipeline(name, cfg, args, reach, guards.connector);
        this.dremioCatalog = this.createDremioCatalog(name, cfg, reach.dremio);
        if (this.pipeline && cfg.pipeline.verifyTimeoutSeconds > 0) this.createSettleCheck(name, cfg, this.pipeline, reach);
        if (!this.bucket || !this.namespace || !this.pipeline) pulumi.log.warn(unmanagedResourcesWarning(cfg), this);

        // What other teams consume (README "Stack outputs").
        this.outputs = lakehouseOutputs(this);
        this.registerOutputs({ ...this.outputs });
    }

    /** The warehouse bucket on MinIO, through its host-side S3 API; none when Pulumi does not reach it. */
    private createWarehouseBucket(name: string, cfg: LakehouseConfig, s3Host: string | undefined, guard: DataGuards["bucket"]): WarehouseBucket | undefined {
        if (!s3Host) return undefined;
        return new WarehouseBucket(
            `${name}-warehouse`,
            {
                endpoint: this.afterExternalChecks(s3Host),
                ...(cfg.external.minio?.caCert !== undefined ? { caCert: cfg.external.minio.caCert } : {}),
                region: cfg.awsRegion,
                bucket: cfg.storage.bucket,
                accessKeyId: cfg.storage.rootUser,
                secretAccessKey: this.credentials.values.minioRootPassword!,
                forceDestroy: cfg.storage.forceDestroy,
                dataGuard: guard,
            },
            { parent: this, dependsOn: this.objectStore.ready, protect: protectsData(cfg.allowDataLoss, "bucket") },
        );
    }

    /**
     * The Iceberg namespace in Nessie, on `nessie.branch` (created from main unless it is main); none
     * when Pulumi does not reach Nessie.
     */
    private createNessieNamespace(name: string, cfg: LakehouseConfig, apiHost: string | undefined, guards: DataGuards): NessieNamespace | undefined {
        if (!apiHost) return undefined;
        const apiUrl = this.afterExternalChecks(apiHost);
        const security = nessieSecurity(cfg, this.clientSecrets);
        const protect = protectsData(cfg.allowDataLoss, "tables");
        const branch =
            cfg.nessie.branch === "main"
                ? undefined
                : new NessieBranch(
                      `${name}-branch`,
                      {
                          apiUrl,
                          ...security,
                          branch: cfg.nessie.branch,
                          from: "main",
                          dropContentsOnDelete: cfg.storage.forceDestroy,
                          dataGuard: guards.branch,
                      },
                      { parent: this, dependsOn: this.nessie.workload.ready, protect },
                  );
        return new NessieNamespace(
            `${name}-namespace`,
            {
                apiUrl,
                ...security,
                branch: branch ? branch.branch : cfg.nessie.branch,
                namespace: cfg.iceberg.namespace,
                dropContentsOnDelete: cfg.storage.forceDestroy,
                dataGuard: guards.namespace,
            },
            { parent: this, dependsOn: [...this.nessie.workload.ready, ...(branch ? [branch] : [])], protect },
        );
    }

    /**
     * The pipeline inside the services, in dependency order: the CDC source (role, publication,
     * replica identity), the CDC topics, the Debezium connector, then one Flink job per table. Pulumi
     * calls the services on their host-side endpoints; the connector and the jobs are configured with
     * the endpoints as the services reach each other. None unless Pulumi reaches every service and
     * both the bucket and the namespace are managed.
     */
    private createPipeline(
        name: string,
        cfg: LakehouseConfig,
        args: LakehouseArgs,
        reach: PulumiReach,
        connectorGuard: DataGuards["connector"],
    ): PipelineResources | undefined {
        const { postgres: pgHost, kafka: kafkaHost, connect: connectHost, flinkRest: flinkRestHost, sqlGateway: gatewayHost } = reach;
        if (!pgHost || !kafkaHost || !connectHost || !flinkRestHost || !gatewayHost || !this.bucket || !this.namespace) return undefined;
        const v = this.credentials.values;
        const store = this.objectStore;
        const templates = args.jobTemplates ?? readJobTemplates(args.repoRoot);
        // TLS and SASL to an external PostgreSQL and Kafka (components/secured-clients.ts); nothing for plaintext.
        const clientSecrets = args.clientSecrets ?? {};
        const sourceTls = sourceTlsInputs(cfg, clientSecrets);
        const kafkaSecurity = kafkaTopicSecurity(cfg, clientSecrets);

        const cdcSource = new CdcSource(
            `${name}-cdc-source`,
            {
                address: this.afterExternalChecks(pgHost),
                database: cfg.source.database,
                schema: cfg.source.schema,
                tables: cfg.source.tables,
                publication: cfg.source.publication,
                adminUser: cfg.source.adminUser,
                adminPassword: v.postgresPassword!,
                replicationUser: cfg.source.replicationUser,
                replicationPassword: v.replicationPassword!,
                createSeedTable: cfg.source.createSeedTable,
                signalTable: signalTableName(cfg.source.publication),
                ...sourceTls,
            },
            { parent: this, dependsOn: this.postgres.workload.ready },
        );
        const topics = Object.fromEntries(
            Object.entries(cdcTopicNames(cfg)).map(([table, topic]) => [
                table,
                new KafkaTopic(
                    `${name}-topic-${table}`,
                    {
                        bootstrapServers: this.afterExternalChecks(kafkaHost),
                        topic,
                        partitions: cfg.kafka.topicPartitions,
                        replicationFactor: cfg.kafka.replicationFactor,
                        ...kafkaSecurity,
                    },
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
                connectUrl: this.afterExternalChecks(connectHost),
                ...connectTrust(cfg),
                name: connectorName(cfg),
                config: debeziumConnectorConfig(cfg, this.postgres.endpoint.internal),
                databasePassword: v.replicationPassword!,
                databasePasswordReference: password.reference,
                state: cfg.pipeline.connectorState,
                dropSlotOnDelete: cfg.pipeline.dropSlotOnDelete,
                cleanupDatabaseAddress: pgHost,
                dataGuard: connectorGuard,
            },
            {
                parent: this,
                dependsOn: [cdcSource, ...Object.values(topics), ...this.connect.workload.ready],
                protect: protectsData(cfg.allowDataLoss, "slot"),
            },
        );
        // --- Tables added to a running pipeline (issue 15): one TableSnapshot per captured table, after the
        // connector captures it. A table the CDC source recorded as added by an update gets Debezium's
        // incremental snapshot of its existing rows; the others are covered by the initial snapshot. Nothing
        // else depends on these resources: the other tables' topics, connector settings and jobs are untouched.
        for (const table of cfg.source.tables) {
            new TableSnapshot(
                `${name}-snapshot-${table}`,
                {
                    address: this.afterExternalChecks(pgHost),
                    database: cfg.source.database,
                    schema: cfg.source.schema,
                    table,
                    signalTable: signalTableName(cfg.source.publication),
                    adminUser: cfg.source.adminUser,
                    adminPassword: v.postgresPassword!,
                    ...sourceTls,
                    connectUrl: this.afterExternalChecks(connectHost),
                    ...connectTrust(cfg),
                    connectorName: connectorName(cfg),
                    addedAt: cdcSource.addedTables.apply((added) => added?.[table]),
                },
                { parent: this, dependsOn: [connector, topics[table]] },
            );
        }
        // --- end of the table snapshots.
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
                        gatewayUrl: this.afterExternalChecks(gatewayHost),
                        restUrl: flinkRestHost,
                        ...flinkTrust(cfg),
                        name: jobName(cfg.namePrefix, table),
                        // The AWS access key id is known only once the key exists: render then.
                        statements: pulumi
                            .output(store.accessKeyId)
                            .apply((s3AccessKeyId) =>
                                renderTableJob(
                                    templates,
                                    jobTemplateValues(cfg, { ...flinkSide, s3AccessKeyId }, table),
                                    cfg.source.tableDefinitions[table],
                                    flinkKafkaSecurityOptions(cfg.kafka.security),
                                    nessieCatalogAuthOptions(clientSecrets.nessieToken !== undefined),
                                ),
                            ),
                        // Columns added to the config reach the existing Iceberg tables before the job resumes.
                        sinkTables: jobSinkTables(cfg, table),
                        // A changed column type recreates a table with rows only where the stack allows losing tables.
                        recreateOnTypeChange: !protectsData(cfg.allowDataLoss, "tables"),
                        settings: jobSettings(cfg, table),
                        secrets: { s3SecretAccessKey: store.secretAccessKey, ...kafkaJobSecrets(cfg, clientSecrets), ...nessieJobSecrets(clientSecrets) },
                        state: cfg.pipeline.jobState,
                        deleteMode: cfg.pipeline.jobDeleteMode,
                        restorePointsKept: cfg.pipeline.jobRestorePointsKept,
                    },
                    {
                        parent: this,
                        dependsOn: [topics[table], this.bucket!, this.namespace!, ...this.flink.sqlGateway.ready, ...this.flink.taskManagers.ready],
                    },
                ),
            ]),
        );
        const maintenance = cfg.maintenance.enabled
            ? this.createMaintenanceJob(name, cfg, args, flinkRestHost, { ...flinkSide, store }, Object.values(jobs))
            : undefined;
        for (const warning of [compactionCadenceWarning(cfg), idleSourceWarning(cfg)]) if (warning) pulumi.log.warn(warning, this);
        const periodicSavepoints = periodicSavepointsEnabled(cfg)
            ? this.createPeriodicSavepointsJob(name, cfg, args, flinkRestHost, Object.values(jobs))
            : undefined;
        return { cdcSource, topics, connector, jobs, maintenance, periodicSavepoints };
    }

    /**
     * The table maintenance job (components/maintenance.ts): one Flink job for every table the pipeline
     * writes, run from its jar after the table jobs (which create the tables).
     */
    private createMaintenanceJob(
        name: string,
        cfg: LakehouseConfig,
        args: LakehouseArgs,
        restUrl: string,
        side: { nessieUri: string; s3Endpoint: string; s3PathStyle: boolean; store: ObjectStore },
        jobs: FlinkSqlJob[],
    ): FlinkJarJob {
        const jobNameOfStack = maintenanceJobName(cfg.namePrefix);
        return new FlinkJarJob(
            `${name}-table-maintenance`,
            {
                restUrl,
                ...flinkTrust(cfg),
                name: jobNameOfStack,
                jar: maintenanceJarBuild(args.repoRoot, maintenanceMavenProperties(versionTable(args.repoRoot) as MaintenanceVersions)),
                entryClass: MAINTENANCE_ENTRY_CLASS,
                programArgs: pulumi.output(side.store.accessKeyId).apply((s3AccessKeyId) =>
                    maintenanceProgramArgs(
                        jobNameOfStack,
                        {
                            nessieUri: side.nessieUri,
                            nessieBranch: cfg.nessie.branch,
                            warehouse: cfg.storage.warehouse,
                            s3Endpoint: side.s3Endpoint,
                            s3PathStyle: String(side.s3PathStyle),
                            s3AccessKeyId,
                            awsRegion: cfg.awsRegion,
                        },
                        maintainedTables(cfg),
                        cfg.maintenance,
                        nessieCatalogAuthArgs(this.clientSecrets.nessieToken !== undefined),
                    ),
                ),
                secrets: { s3SecretAccessKey: side.store.secretAccessKey, ...nessieJobSecrets(this.clientSecrets) },
                state: cfg.pipeline.jobState,
                deleteMode: cfg.pipeline.jobDeleteMode,
                restorePointsKept: cfg.pipeline.jobRestorePointsKept,
                // Its state is when each task last ran: a table or task removed from the config drops its part.
                allowNonRestoredState: true,
            },
            { parent: this, dependsOn: [...jobs, ...this.flink.taskManagers.ready] },
        );
    }

    /**
     * The periodic-savepoints job (components/periodic-savepoints.ts): a savepoint of every table job
     * each interval, the newest few kept; run from the maintenance jar after the table jobs. It calls
     * the JobManager's REST API from a TaskManager, so it gets the address the cluster's own processes use.
     */
    private createPeriodicSavepointsJob(name: string, cfg: LakehouseConfig, args: LakehouseArgs, restUrl: string, jobs: FlinkSqlJob[]): FlinkJarJob {
        return new FlinkJarJob(
            `${name}-periodic-savepoints`,
            {
                restUrl,
                ...flinkTrust(cfg),
                name: periodicSavepointsJobName(cfg.namePrefix),
                jar: maintenanceJarBuild(args.repoRoot, maintenanceMavenProperties(versionTable(args.repoRoot) as MaintenanceVersions)),
                entryClass: PERIODIC_SAVEPOINTS_ENTRY_CLASS,
                programArgs: periodicSavepointsProgramArgs(cfg, urls(this.flink.rest).internal),
                state: cfg.pipeline.jobState,
                deleteMode: cfg.pipeline.jobDeleteMode,
                restorePointsKept: cfg.pipeline.jobRestorePointsKept,
                // Its state is the savepoints it took: kept across its own upgrades.
                allowNonRestoredState: true,
            },
            { parent: this, dependsOn: [...jobs, ...this.flink.taskManagers.ready] },
        );
    }

    /**
     * Dremio's first admin, then its Nessie source over the warehouse (after the bucket and the
     * namespace exist). Pulumi calls Dremio on its host-side URL; the source holds the endpoints as
     * Dremio reaches Nessie and S3. None when Dremio is disabled or not reached, or without the bucket
     * and the namespace.
     */
    private createDremioCatalog(name: string, cfg: LakehouseConfig, dremioHost: string | undefined): { admin: DremioAdmin; source: DremioSource } | undefined {
        if (!this.dremio || !dremioHost || !this.bucket || !this.namespace) return undefined;
        const password = this.credentials.values.dremioAdminPassword!;
        const url = this.afterExternalChecks(dremioHost);
        const admin = new DremioAdmin(
            `${name}-dremio-admin`,
            { url, ...dremioTrust(cfg), userName: cfg.dremio.adminUser, password, waitTimeoutSeconds: cfg.startTimeoutSeconds },
            { parent: this, dependsOn: this.dremio.workload.ready },
        );
        const source = new DremioSource(
            `${name}-dremio-source`,
            {
                url,
                ...dremioTrust(cfg),
                userName: admin.userName,
                password,
                name: cfg.dremio.sourceName,
                type: "NESSIE",
                config: dremioNessieSourceConfig(
                    cfg,
                    {
                        nessieUri: urls(this.nessie.http, this.nessie.apiV2Path).internal,
                        s3Endpoint: urls(this.objectStore.api).internal,
                        s3AccessKeyId: this.objectStore.accessKeyId,
                        s3Compatible: this.objectStore.pathStyle,
                    },
                    this.clientSecrets.nessieToken !== undefined,
                ),
                secretConfig: {
                    awsAccessSecret: this.objectStore.secretAccessKey,
                    ...(this.clientSecrets.nessieToken ? { nessieAccessToken: this.clientSecrets.nessieToken } : {}),
                },
            },
            { parent: this, dependsOn: [admin, this.bucket, this.namespace] },
        );
        return { admin, source };
    }

    /**
     * After every `up` that changed the pipeline: a bounded settle check, so `up` fails when what it
     * changed does not work (a job restarting in a loop, the connector failed, the warehouse gone).
     */
    private createSettleCheck(name: string, cfg: LakehouseConfig, pipeline: PipelineResources, reach: PulumiReach): PipelineSettleCheck {
        const { connector, jobs, topics } = pipeline;
        const store = this.objectStore;
        const check = new PipelineSettleCheck(
            `${name}-pipeline-check`,
            {
                flinkRestUrl: reach.flinkRest!,
                ...flinkTrust(cfg),
                connectUrl: reach.connect!,
                ...connectTrust(cfg),
                // The fingerprint: a job resubmitted (new id), new SQL, another connector config or bucket re-runs the check.
                jobs: cfg.source.tables.map((table) => ({
                    table,
                    name: jobName(cfg.namePrefix, table),
                    jobId: jobs[table].jobId,
                    sqlHash: jobs[table].sqlHash,
                    required: cfg.pipeline.jobState === "RUNNING",
                })),
                connector: connectorSettleFingerprint(cfg, this.postgres.endpoint.internal),
                warehouse: pulumi.output(store.accessKeyId).apply((accessKeyId) => ({
                    endpoint: urls(store.api).host ?? urls(store.api).internal,
                    region: cfg.awsRegion,
                    bucket: cfg.storage.bucket,
                    pathStyle: store.pathStyle,
                    accessKeyId,
                    ...(cfg.external.minio?.caCert !== undefined ? { caCert: cfg.external.minio.caCert } : {}),
                })),
                s3SecretAccessKey: store.secretAccessKey,
                namespace: `${cfg.nessie.branch}:${cfg.iceberg.namespace}`,
                timeoutSeconds: cfg.pipeline.verifyTimeoutSeconds,
            },
            { parent: this, dependsOn: [connector, ...Object.values(jobs), ...Object.values(topics), this.bucket!, this.namespace!] },
        );
        check.summary.apply((summary) => summary && pulumi.log.info(summary, check));
        return check;
    }

    /** `value` once the external services passed their checks: what a dynamic resource calls waits for them. */
    private afterExternalChecks(value: string): pulumi.Output<string> {
        return pulumi.all([value, this.externalChecks]).apply(([x]) => x);
    }
}

/** The credentials a stack uses: PostgreSQL's two always, MinIO's root password unless on AWS S3, Dremio's admin password when Dremio is enabled. */
export function neededCredentials(cfg: LakehouseConfig): CredentialKey[] {
    return [
        "postgresPassword",
        "replicationPassword",
        ...(cfg.storage.provider === "aws" ? [] : (["minioRootPassword"] as const)),
        ...(cfg.dremio.enabled ? (["dremioAdminPassword"] as const) : []),
    ];
}

/** The warehouse on AWS S3 (storage.provider aws): its bucket, protected unless the stack allows losing it. */
export function awsWarehouseArgs(cfg: LakehouseConfig): AwsWarehouseArgs {
    return {
        bucket: cfg.storage.bucket,
        region: cfg.awsRegion,
        forceDestroy: cfg.storage.forceDestroy,
        namePrefix: cfg.namePrefix,
        protect: protectsData(cfg.allowDataLoss, "bucket"),
    };
}

/** The CA of an external Connect's https REST URL, for the resources that call it (nothing for a plain one). */
export function connectTrust(cfg: LakehouseConfig): { connectCaCert?: string } {
    const caCert = cfg.external.connect?.caCert;
    return caCert !== undefined ? { connectCaCert: caCert } : {};
}

/** The CA of the Flink's https REST endpoints (JobManager and SQL Gateway; external, or flink.tls), for the job resources and the settle check. */
export function flinkTrust(cfg: LakehouseConfig): { flinkCaCert?: string } {
    const caCert = flinkRestCaCert(cfg);
    return caCert !== undefined ? { flinkCaCert: caCert } : {};
}

/** The CA of an external Dremio's https URL, for the admin and source resources (nothing for a plain one). */
export function dremioTrust(cfg: LakehouseConfig): { caCert?: string } {
    const caCert = cfg.external.dremio?.caCert;
    return caCert !== undefined ? { caCert } : {};
}

/** How the Nessie resources reach a secured external Nessie: its CA and the stack's `nessieToken`; nothing for a plain one. */
export function nessieSecurity(cfg: LakehouseConfig, secrets: ClientSecrets): NessieSecurityArgs {
    const caCert = cfg.external.nessie?.caCert;
    return {
        ...(caCert !== undefined ? { caCert } : {}),
        ...(secrets.nessieToken !== undefined ? { credentials: { token: secrets.nessieToken } } : {}),
    };
}

/** PostgreSQL, with Nessie's database when Nessie keeps its versions there (`nessie.versionStore` jdbc). */
export function postgresArgs(cfg: LakehouseConfig, platform: Platform): PostgresArgs {
    return {
        image: cfg.images.postgres,
        source: cfg.source,
        extraDatabases: cfg.nessie.versionStore === "jdbc" ? [NESSIE_DATABASE] : [],
        resources: cfg.resources.postgres,
        volumeSizeGiB: DEFAULTS.volumeSizeGiB,
        platform,
    };
}

/** Kafka's brokers (KRaft). */
export function kafkaArgs(cfg: LakehouseConfig, platform: Platform): KafkaArgs {
    return {
        image: cfg.images.kafka,
        kafka: cfg.kafka,
        clusterSeed: cfg.namePrefix,
        exposePorts: cfg.exposePorts,
        hostPortOffset: cfg.hostPortOffset,
        resources: cfg.resources.kafka,
        volumeSizeGiB: DEFAULTS.volumeSizeGiB,
        platform,
    };
}

/** Kafka Connect with Debezium, started after every broker. */
export function connectArgs(cfg: LakehouseConfig, platform: Platform, kafka: Kafka): KafkaConnectArgs {
    return {
        image: cfg.images.connect,
        workers: cfg.connect.workers,
        groupId: cfg.connect.groupId,
        autoRestart: cfg.connect.autoRestart,
        kafka: cfg.kafka,
        bootstrapServers: kafka.internalBootstrapServers,
        dependsOn: kafka.brokers.map((b) => b.spec.name),
        resources: cfg.resources.connect,
        platform,
    };
}

/** MinIO (storage.provider minio), its root user `storage.rootUser`. */
export function minioArgs(cfg: LakehouseConfig, platform: Platform): MinioArgs {
    return {
        image: cfg.images.minio,
        rootUser: cfg.storage.rootUser,
        region: cfg.awsRegion,
        resources: cfg.resources.minio,
        volumeSizeGiB: DEFAULTS.volumeSizeGiB,
        platform,
    };
}

/** The warehouse on AWS S3 as the services see it: virtual-hosted requests with the program's IAM key, passed to workloads as secrets. */
export function awsObjectStore(warehouse: AwsWarehouse): ObjectStore {
    return {
        api: warehouse.api,
        workloads: [],
        ready: warehouse.ready,
        accessKeyId: warehouse.accessKeyId,
        secretAccessKey: warehouse.secretAccessKey,
        pathStyle: false,
        workloadAccessKey: { secret: AWS_S3_SECRETS.accessKeyId },
        workloadSecretKey: { secret: AWS_S3_SECRETS.secretAccessKey },
    };
}

/** MinIO as the services see it: path-style requests with the root key (the user in plain text, the password as a secret). */
export function minioObjectStore(cfg: LakehouseConfig, minio: Minio, rootPassword: pulumi.Output<string>): ObjectStore {
    return {
        api: minio.api,
        workloads: [minio.workload.spec.name],
        ready: minio.workload.ready,
        accessKeyId: cfg.storage.rootUser,
        secretAccessKey: rootPassword,
        pathStyle: true,
        workloadAccessKey: cfg.storage.rootUser,
        workloadSecretKey: { secret: MINIO_SECRETS.rootPassword },
    };
}

/** Nessie, its JDBC version store (when `nessie.versionStore` is jdbc) in PostgreSQL's `nessie` database. */
export function nessieArgs(cfg: LakehouseConfig, platform: Platform, postgres: Postgres): NessieArgs {
    return {
        image: cfg.images.nessie,
        versionStore: cfg.nessie.versionStore,
        jdbc: { address: postgres.endpoint.internal, database: NESSIE_DATABASE, user: cfg.source.adminUser, dependsOn: postgres.workload.spec.name },
        resources: cfg.resources.nessie,
        volumeSizeGiB: DEFAULTS.volumeSizeGiB,
        platform,
    };
}

/** The Flink session cluster, started after the object storage, the first broker and Nessie. */
export function flinkArgs(cfg: LakehouseConfig, platform: Platform, store: ObjectStore, kafka: Kafka, nessie: Nessie): FlinkArgs {
    return {
        image: cfg.images.flink,
        zookeeperImage: cfg.images.zookeeper,
        clusterId: `${cfg.namePrefix}-flink`,
        flink: cfg.flink,
        awsRegion: cfg.awsRegion,
        s3Endpoint: urls(store.api).internal,
        s3AccessKey: store.workloadAccessKey,
        s3SecretKey: store.workloadSecretKey,
        s3PathStyle: store.pathStyle,
        dependsOn: [...store.workloads, kafka.brokers[0].spec.name, nessie.workload.spec.name],
        resources: cfg.resources.flink,
        platform,
        ...(cfg.maintenance.enabled || periodicSavepointsEnabled(cfg) ? { jarSubmission: true } : {}),
        ...flinkExtraCaCerts(cfg),
        ...(cfg.flink.tls ? { restTls: { ...cfg.flink.tls, key: { secret: CLIENT_SECRET_NAMES.flinkTlsKey } } } : {}),
    };
}

/** The CAs of an external Nessie and S3 store, each once, for the Flink JVMs the program runs (none when neither gives one). */
export function flinkExtraCaCerts(cfg: LakehouseConfig): { extraCaCerts?: string } {
    const cas = [...new Set([cfg.external.nessie?.caCert, cfg.external.minio?.caCert].filter((c): c is string => c !== undefined).map((c) => c.trim()))];
    return cas.length ? { extraCaCerts: `${cas.join("\n")}\n` } : {};
}

/** Dremio (when `dremio.enabled`), started after Nessie and the object storage. */
export function dremioArgs(cfg: LakehouseConfig, platform: Platform, nessie: Nessie, store: ObjectStore): DremioArgs {
    return {
        image: cfg.images.dremio,
        dependsOn: [nessie.workload.spec.name, ...store.workloads],
        resources: cfg.resources.dremio,
        volumeSizeGiB: DEFAULTS.volumeSizeGiB,
        platform,
    };
}

/** The services whose images the platform runs (the deployed workloads', not the external ones'). */
export function deployedImageServices(workloads: DeployedWorkload[]): ImageService[] {
    return [...new Set(workloads.filter((w) => !w.external).map((w) => w.spec.service as ImageService))];
}

/** What is inconsistent between the workloads (see `validateSpecs`): the deployed ones' specs, checked against the names of the external ones. */
export function workloadProblems(workloads: DeployedWorkload[]): string[] {
    return validateSpecs(
        workloads.filter((w) => !w.external).map((w) => w.spec),
        workloads.filter((w) => w.external).map((w) => w.spec.name),
    );
}

/** The host-side endpoints of a Lakehouse's services (see `PulumiReach`). */
export function pulumiReach(services: Pick<Lakehouse, "postgres" | "kafka" | "connect" | "minio" | "nessie" | "flink" | "dremio">): PulumiReach {
    const { postgres, kafka, connect, minio, nessie, flink, dremio } = services;
    return {
        postgres: postgres.endpoint.host,
        kafka: kafka.hostBootstrapServers,
        connect: urls(connect.rest).host,
        s3: minio ? urls(minio.api).host : undefined,
        nessieApi: urls(nessie.http, nessie.apiV2Path).host,
        flinkRest: urls(flink.rest).host,
        sqlGateway: urls(flink.sqlGatewayRest).host,
        dremio: dremio ? urls(dremio.http).host : undefined,
    };
}

/** What the settle check fingerprints of the connector: another config, state or password reference re-runs it. */
export function connectorSettleFingerprint(cfg: LakehouseConfig, databaseAddress: string): { name: string; configHash: string; required: boolean } {
    const config = debeziumConnectorConfig(cfg, databaseAddress);
    const passwordReference = connectorPasswordReference(cfg).reference ?? "";
    return {
        name: connectorName(cfg),
        configHash: fingerprint({ config, state: cfg.pipeline.connectorState, passwordReference }),
        required: cfg.pipeline.connectorState === "RUNNING",
    };
}

/** The warning of a stack whose bucket, namespace or pipeline Pulumi cannot manage (it does not reach the services), with what to do. */
export function unmanagedResourcesWarning(cfg: LakehouseConfig): string {
    return cfg.platform === "kubernetes"
        ? `The Services are not reachable from Pulumi (${cfg.kubernetes.renderYamlToDirectory ? `manifests are only rendered to ${cfg.kubernetes.renderYamlToDirectory}` : `kubernetes.access: ${cfg.kubernetes.access}`}): the warehouse bucket, the Nessie namespace, the CDC connector, the Flink jobs and the Dremio source are not managed; run Pulumi in the cluster (access in-cluster), use access node-port, or manage them yourself.`
        : "Ports are not published (exposePorts: false): the warehouse bucket, the Nessie namespace, the CDC connector, the Flink jobs and the Dremio source are not managed (Pulumi reaches them through host ports); publish the ports or manage them yourself.";
}

/** The data guards of `dataGuards`, by resource. */
export type DataGuards = ReturnType<typeof dataGuards>;

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

/** What to check of each service the stack says already exists (pure: from config alone). */
export function externalServiceChecks(cfg: LakehouseConfig, secrets: ExternalCheckSecrets): PreflightCheck[] {
    const ext = cfg.external;
    const checks: PreflightCheck[] = [];
    const base = (url: string) => url.replace(/\/+$/, "");
    if (ext.postgres)
        checks.push({
            service: "postgres",
            kind: "postgres",
            address: ext.postgres.address,
            user: cfg.source.adminUser,
            password: secrets.pgPassword ?? "",
            database: cfg.source.database,
            ...(cfg.source.tls ? { tls: { ...cfg.source.tls, ...(secrets.postgresClientKey ? { clientKey: secrets.postgresClientKey } : {}) } } : {}),
        });
    // A secured Kafka: a real login (SASL, TLS trust); plaintext: each broker answers TCP.
    if (ext.kafka && cfg.kafka.security)
        checks.push({
            service: "kafka",
            kind: "kafka",
            target: {
                bootstrapServers: ext.kafka.bootstrapServers,
                security: cfg.kafka.security,
                credentials: {
                    ...(secrets.kafkaPassword ? { password: secrets.kafkaPassword } : {}),
                    ...(secrets.kafkaClientKey ? { clientKey: secrets.kafkaClientKey } : {}),
                },
            },
        });
    else if (ext.kafka) for (const address of ext.kafka.bootstrapServers.split(",")) checks.push({ service: "kafka", kind: "tcp", address });
    if (ext.connect)
        checks.push({
            service: "connect",
            kind: "http",
            url: `${base(ext.connect.url)}/connector-plugins`,
            ...(ext.connect.caCert !== undefined ? { access: { caCert: ext.connect.caCert, caCertKey: "lakehouse:external.connect.caCert" } } : {}),
        });
    if (ext.minio)
        checks.push({
            service: "minio",
            kind: "s3",
            endpoint: ext.minio.endpoint,
            region: cfg.awsRegion,
            accessKeyId: cfg.storage.rootUser,
            secretAccessKey: secrets.s3Secret ?? "",
            ...(ext.minio.caCert !== undefined ? { caCert: ext.minio.caCert } : {}),
        });
    if (ext.nessie) {
        const access = {
            ...(ext.nessie.caCert !== undefined ? { caCert: ext.nessie.caCert } : {}),
            ...(secrets.nessieToken ? { token: secrets.nessieToken } : {}),
            caCertKey: "lakehouse:external.nessie.caCert",
            tokenKey: "lakehouse:nessieToken",
        };
        checks.push({ service: "nessie", kind: "http", url: `${base(ext.nessie.url)}/api/v2/config`, access });
    }
    if (ext.flink) {
        const access = ext.flink.caCert !== undefined ? { access: { caCert: ext.flink.caCert, caCertKey: "lakehouse:external.flink.caCert" } } : {};
        checks.push({ service: "flink", kind: "http", url: `${base(ext.flink.restUrl)}/overview`, ...access });
        checks.push({ service: "flink-sql-gateway", kind: "http", url: `${base(ext.flink.sqlGatewayUrl)}/v1/info`, ...access });
    }
    if (ext.dremio && cfg.dremio.enabled)
        checks.push({
            service: "dremio",
            kind: "http",
            url: `${base(ext.dremio.url)}/apiv2/server_status`,
            ...(ext.dremio.caCert !== undefined ? { access: { caCert: ext.dremio.caCert, caCertKey: "lakehouse:external.dremio.caCert" } } : {}),
        });
    return checks;
}

/** The secret values the external checks log in with (never shown in a message). */
export type ExternalCheckSecrets = { pgPassword?: string; s3Secret?: string } & Partial<Record<ClientSecretKey, string>>;

/**
 * Checks every external service before the program registers a single resource: the program's
 * first step, so a wrong endpoint or password fails `preview`/`up` fast and creates nothing.
 */
export async function checkExternalServices(cfg: LakehouseConfig, secrets: ExternalCheckSecrets): Promise<void> {
    const checks = externalServiceChecks(cfg, secrets);
    if (checks.length) await runPreflight(checks, cfg.externalCheckTimeoutSeconds * 1000);
}

/** `checkExternalServices` with the stack's passwords once they are known: resolves to true, or rejects naming each service that failed. */
export function externalServicesChecked(
    cfg: LakehouseConfig,
    passwords: Partial<Record<CredentialKey, pulumi.Output<string>>>,
    clientSecrets: ClientSecrets = {},
): pulumi.Output<boolean> {
    return pulumi
        .all([
            passwords.postgresPassword!,
            passwords.minioRootPassword ?? "",
            clientSecrets.kafkaPassword ?? "",
            clientSecrets.kafkaClientKey ?? "",
            clientSecrets.postgresClientKey ?? "",
        ])
        .apply(async ([pgPassword, s3Secret, kafkaPassword, kafkaClientKey, postgresClientKey]) => {
            const given = Object.fromEntries(Object.entries({ kafkaPassword, kafkaClientKey, postgresClientKey }).filter(([, value]) => value !== ""));
            await checkExternalServices(cfg, { pgPassword, s3Secret, ...given });
            return true;
        });
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
                    provider: args.kubernetesProvider,
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
