/** Job template values of a table job on the harness's services, for the integration tests that run the pipeline's SQL. */
import type { JobTemplateValues } from "../../components/jobs";
import { endpoints } from "../../harness/cli";

/**
 * The catalog on the harness's Nessie (or `nessieUri`, e.g. nessie-tls's) and MinIO, the warehouse in
 * `bucket`, the table's events on `topic` of the harness's Kafka.
 */
export function harnessJobValues(v: {
    namespace: string;
    table: string;
    warehouse: string;
    topic: string;
    consumerGroup: string;
    nessieUri?: string;
}): JobTemplateValues {
    const ep = endpoints();
    return {
        catalog: "lake",
        namespace: v.namespace,
        table: v.table,
        sourceSchema: "public",
        nessieUri: v.nessieUri ?? ep.nessie.apiV2,
        nessieBranch: "main",
        warehouse: v.warehouse,
        s3Endpoint: ep.minio.endpoint,
        s3PathStyle: "true",
        s3AccessKeyId: ep.minio.accessKeyId,
        awsRegion: ep.minio.region,
        topic: v.topic,
        bootstrapServers: ep.kafka.bootstrapServers,
        consumerGroup: v.consumerGroup,
    };
}
