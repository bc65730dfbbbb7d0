/**
 * Stack-output fixtures: the `{ internal, host }` address outputs a stack gives for each service it
 * runs under the default (Docker) service names and host ports.
 */

/** One address output: as the services' own network reaches it, and as the machine running the stack does. */
export interface AddressOutput {
    internal: string;
    host: string;
}

/**
 * The service address outputs of a stack whose services have the default names and host ports:
 * Kafka, Connect, the Flink REST API and SQL Gateway, Nessie's API v2, the S3 endpoint (MinIO) and
 * Dremio, each reached on `hostAddress` (e.g. `localhost` or `127.0.0.1`) from the machine.
 */
export function serviceAddressOutputs(hostAddress: string): Record<string, AddressOutput> {
    return {
        kafkaBootstrapServers: { internal: "kafka-0:9092", host: `${hostAddress}:9092` },
        kafkaConnectUrl: { internal: "http://connect:8083", host: `http://${hostAddress}:8083` },
        flinkRestUrl: { internal: "http://flink-jobmanager:8081", host: `http://${hostAddress}:8081` },
        flinkSqlGatewayUrl: { internal: "http://flink-sql-gateway:8083", host: `http://${hostAddress}:8084` },
        nessieApiUri: { internal: "http://nessie:19120/api/v2", host: `http://${hostAddress}:19120/api/v2` },
        s3Endpoint: { internal: "http://minio:9000", host: `http://${hostAddress}:9000` },
        dremioUrl: { internal: "http://dremio:9047", host: `http://${hostAddress}:9047` },
    };
}

/**
 * The catalog and pipeline outputs of a stack that captures its `demographics` table in mode `both`
 * with the default Iceberg settings (catalog `nessie`, Nessie branch `main`, namespace `cdc`): the
 * table's CDC `topic`, its two Iceberg tables and its pipelineTables entry, the Flink job `job` with
 * the consumer groups `<job>-current` and `<job>-changes`.
 */
export function demographicsPipelineOutputs(topic: string, job: string): Record<string, unknown> {
    return {
        cdcTopics: { demographics: topic },
        icebergCatalog: "nessie",
        nessieBranch: "main",
        icebergTables: { demographics: "nessie.cdc.demographics" },
        icebergChangeTables: { demographics: "nessie.cdc.demographics_changes" },
        pipelineTables: {
            demographics: {
                mode: "both",
                topic,
                upsertTable: "nessie.cdc.demographics",
                changelogTable: "nessie.cdc.demographics_changes",
                consumerGroups: [`${job}-current`, `${job}-changes`],
                job,
            },
        },
    };
}
