/** Job template values of a stack on the Docker rendering's service names, for the unit tests that render SQL or the maintenance job's arguments. */
import type { JobTemplateValues } from "../../components/jobs";

/** The Iceberg catalog's values (Nessie, the warehouse, S3) as the Docker rendering's services give them. */
export const CATALOG_VALUES = {
    nessieUri: "http://nessie:19120/api/v2",
    nessieBranch: "main",
    warehouse: "s3://warehouse/",
    s3Endpoint: "http://minio:9000",
    s3PathStyle: "true",
    s3AccessKeyId: "lakehouse",
    awsRegion: "us-east-1",
};

/** A table job's values: the catalog's, and the table's topic on `bootstrapServers`. */
export function tableJobValues(table: string, bootstrapServers: string): JobTemplateValues {
    return {
        ...CATALOG_VALUES,
        catalog: "lake",
        namespace: "cdc",
        table,
        sourceSchema: "public",
        topic: `t.public.${table}`,
        bootstrapServers,
        consumerGroup: "g",
    };
}
