/**
 * The stack outputs as the program produces them: `LakehouseOutputs` (the contract of ./contract.ts
 * with the values known only after deployment still Outputs) and `lakehouseOutputs`, the one function
 * that builds them from a Lakehouse. index.ts exports its result as the stack's outputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Lakehouse } from "../lakehouse";
import { jobName } from "../jobs";
import { maintenanceJobName } from "../maintenance";
import { PERIODIC_SAVEPOINT_TIMEOUT_SECONDS, periodicSavepointsJobName } from "../periodic-savepoints";
import { cdcTopicNames, connectorName, dremioTablePaths, icebergTableIdentifiers, pipelineTables, replicationSlotName } from "../pipeline";
import type { Endpoint } from "../platform";
import { FLINK_WORKLOADS } from "../flink";
import { flinkRestCaCert, type LakehouseConfig } from "../config";
import type {
    ConnectionSecurityOutput,
    ConnectorOutput,
    CredentialOutputName,
    DremioSourceOutput,
    FlinkJobOutput,
    LakehouseStackOutputs,
    PeriodicSavepointsOutput,
    TableMaintenanceOutput,
    UrlPair,
} from "./contract";
import { CredentialOutputs, credentialOutputs } from "./credentials";

/** `T` with the fields `K` as Outputs: what the engine fills in when the resource behind them is deployed. */
export type WithOutputs<T, K extends keyof T> = Omit<T, K> & { [P in K]: pulumi.Output<T[P]> };

/** The stack outputs as the program holds them: each resolves to the matching field of `LakehouseStackOutputs`. */
export interface LakehouseOutputs
    extends
        Omit<LakehouseStackOutputs, "connector" | "flinkJobs" | "tableMaintenance" | "periodicSavepoints" | "dremioSource" | CredentialOutputName>,
        CredentialOutputs {
    connector?: WithOutputs<ConnectorOutput, "state">;
    tableMaintenance?: Omit<TableMaintenanceOutput, "job"> & { job: WithOutputs<FlinkJobOutput, "jobId" | "state" | "lastSavepoint"> };
    periodicSavepoints?: Omit<PeriodicSavepointsOutput, "job"> & { job: WithOutputs<FlinkJobOutput, "jobId" | "state" | "lastSavepoint"> };
    flinkJobs?: Record<string, WithOutputs<FlinkJobOutput, "jobId" | "state" | "lastSavepoint">>;
    dremioSource?: WithOutputs<DremioSourceOutput, "id">;
}

/** The parts of a Lakehouse its outputs are built from. */
export type OutputSources = Pick<
    Lakehouse,
    | "config"
    | "credentials"
    | "postgres"
    | "kafka"
    | "connect"
    | "minio"
    | "nessie"
    | "flink"
    | "dremio"
    | "objectStore"
    | "pipeline"
    | "dremioCatalog"
    | "externalChecks"
    | "clientSecrets"
>;

/** An HTTP endpoint as URLs (https and a base path kept for external services); `suffix` (default none) is appended to the path. */
export function urls(endpoint: Endpoint, suffix = ""): UrlPair {
    const scheme = endpoint.scheme ?? "http";
    const tail = `${endpoint.path ?? ""}${suffix}`;
    return {
        internal: `${scheme}://${endpoint.internal}${tail}`,
        ...(endpoint.host !== undefined ? { host: `${scheme}://${endpoint.host}${tail}` } : {}),
    };
}

/** An endpoint as `host:port` on the stack's network and from the Pulumi host (no scheme or path). */
export function hostPorts(endpoint: Endpoint): UrlPair {
    return { internal: endpoint.internal, ...(endpoint.host !== undefined ? { host: endpoint.host } : {}) };
}

/** Every service's endpoint by name (the `endpoints` output): MinIO's only on storage provider minio, Dremio's only when enabled. */
export function serviceEndpoints(
    lakehouse: Pick<OutputSources, "postgres" | "kafka" | "connect" | "minio" | "nessie" | "flink" | "dremio">,
): Record<string, Endpoint> {
    const { postgres, kafka, connect, minio, nessie, flink, dremio } = lakehouse;
    return {
        postgres: postgres.endpoint,
        kafka: { internal: kafka.internalBootstrapServers, ...(kafka.hostBootstrapServers ? { host: kafka.hostBootstrapServers } : {}) },
        connect: connect.rest,
        ...(minio ? { minio: minio.api } : {}),
        ...(minio?.console ? { minioConsole: minio.console } : {}),
        nessie: nessie.http,
        [FLINK_WORKLOADS.jobManager]: flink.rest,
        [FLINK_WORKLOADS.sqlGateway]: flink.sqlGatewayRest,
        ...(dremio ? { dremio: dremio.http } : {}),
    };
}

/**
 * The stack outputs of a Lakehouse (README "Stack outputs"). Optional outputs are left out, not set
 * to undefined: `connector` and `flinkJobs` when the pipeline is not managed (services not reachable
 * from Pulumi), `tableMaintenance` also when maintenance is off, `periodicSavepoints` also when periodic savepoints are off, `dremioUrl` and `dremioCredentials` when Dremio is disabled, `dremioSource` and
 * `dremioTables` when Dremio's source is not managed. Every credential output is a secret.
 */
export function lakehouseOutputs(lakehouse: OutputSources): LakehouseOutputs {
    const { config: cfg, pipeline, dremio, dremioCatalog, objectStore: store } = lakehouse;
    const endpoints = serviceEndpoints(lakehouse);
    return {
        platform: cfg.platform,
        // The same shape on every platform: host:port on the stack's network and from the Pulumi host.
        endpoints: Object.fromEntries(Object.entries(endpoints).map(([k, e]) => [k, hostPorts(e)])),
        kafkaBootstrapServers: hostPorts(endpoints.kafka),
        connectionSecurity: connectionSecurity(cfg, lakehouse.clientSecrets.nessieToken !== undefined),
        cdcTopics: cdcTopicNames(cfg),
        kafkaConnectUrl: urls(lakehouse.connect.rest),
        flinkRestUrl: urls(lakehouse.flink.rest),
        flinkSqlGatewayUrl: urls(lakehouse.flink.sqlGatewayRest),
        nessieApiUri: urls(lakehouse.nessie.http, lakehouse.nessie.apiV2Path),
        s3Endpoint: urls(store.api),
        s3Region: cfg.awsRegion,
        warehouse: cfg.storage.warehouse,
        icebergCatalog: cfg.iceberg.catalog,
        nessieBranch: cfg.nessie.branch,
        icebergTables: icebergTableIdentifiers(cfg),
        icebergChangeTables: icebergTableIdentifiers(cfg, "changelog"),
        source: { database: cfg.source.database, schema: cfg.source.schema, publication: cfg.source.publication, tables: cfg.source.tables },
        pipelineTables: pipelineTables(cfg),
        ...(pipeline
            ? {
                  connector: { name: connectorName(cfg), state: pipeline.connector.connectorState, replicationSlot: replicationSlotName(cfg) },
                  flinkJobs: Object.fromEntries(
                      Object.entries(pipeline.jobs).map(([table, job]) => [
                          table,
                          { name: jobName(cfg.namePrefix, table), jobId: job.jobId, state: job.jobState, lastSavepoint: job.lastSavepoint },
                      ]),
                  ),
              }
            : {}),
        ...(pipeline?.maintenance
            ? {
                  tableMaintenance: {
                      job: {
                          name: maintenanceJobName(cfg.namePrefix),
                          jobId: pipeline.maintenance.jobId,
                          state: pipeline.maintenance.jobState,
                          lastSavepoint: pipeline.maintenance.lastSavepoint,
                      },
                      tables: [...Object.values(icebergTableIdentifiers(cfg)), ...Object.values(icebergTableIdentifiers(cfg, "changelog"))].sort(),
                      expireSnapshots: cfg.maintenance.expireSnapshots,
                      rewriteDataFiles: cfg.maintenance.rewriteDataFiles,
                      deleteOrphanFiles: cfg.maintenance.deleteOrphanFiles,
                  },
              }
            : {}),
        ...(pipeline?.periodicSavepoints
            ? {
                  periodicSavepoints: {
                      job: {
                          name: periodicSavepointsJobName(cfg.namePrefix),
                          jobId: pipeline.periodicSavepoints.jobId,
                          state: pipeline.periodicSavepoints.jobState,
                          lastSavepoint: pipeline.periodicSavepoints.lastSavepoint,
                      },
                      jobs: cfg.source.tables.map((t) => jobName(cfg.namePrefix, t)),
                      intervalSeconds: cfg.pipeline.periodicSavepoints.intervalSeconds,
                      kept: cfg.pipeline.periodicSavepoints.kept,
                      timeoutSeconds: PERIODIC_SAVEPOINT_TIMEOUT_SECONDS,
                  },
              }
            : {}),
        ...(dremio ? { dremioUrl: urls(dremio.http) } : {}),
        ...(dremioCatalog ? { dremioSource: { name: cfg.dremio.sourceName, id: dremioCatalog.source.sourceId }, dremioTables: dremioTablePaths(cfg) } : {}),
        ...credentialOutputs(cfg, {
            passwords: lakehouse.credentials.values,
            s3: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
            onMinio: lakehouse.minio !== undefined,
            externalChecks: lakehouse.externalChecks,
            clientSecrets: lakehouse.clientSecrets,
        }),
    };
}

/**
 * Output `connectionSecurity`: Kafka's and PostgreSQL's settings with their defaults, Nessie's only
 * when it is secured (a CA or a bearer token), Connect's, Dremio's, S3's and Flink's only with the CA of
 * their https URLs, so a stack without any keeps its outputs as they were.
 */
export function connectionSecurity(cfg: LakehouseConfig, nessieToken: boolean): ConnectionSecurityOutput {
    const caCert = cfg.external.nessie?.caCert;
    return {
        kafka: { protocol: "PLAINTEXT", ...cfg.kafka.security },
        postgres: { sslmode: "disable", ...cfg.source.tls },
        ...(caCert !== undefined || nessieToken ? { nessie: { auth: nessieToken ? "bearer" : "none", ...(caCert !== undefined ? { caCert } : {}) } } : {}),
        ...(cfg.external.connect?.caCert !== undefined ? { connect: { caCert: cfg.external.connect.caCert } } : {}),
        ...(cfg.external.dremio?.caCert !== undefined ? { dremio: { caCert: cfg.external.dremio.caCert } } : {}),
        ...(cfg.external.minio?.caCert !== undefined ? { s3: { caCert: cfg.external.minio.caCert } } : {}),
        ...(flinkRestCaCert(cfg) !== undefined ? { flink: { caCert: flinkRestCaCert(cfg)! } } : {}),
    };
}
