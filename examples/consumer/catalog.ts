/**
 * Pure: what a consuming team hands to its own jobs, from the lakehouse's stack outputs (the contract
 * of components/outputs/contract.ts). Credentials are kept apart from everything else, so the plain
 * maps can be exported, logged and committed, and only the credential maps are secrets.
 */
import type { LakehouseStackOutputs, UrlPair, WarehouseCredentials } from "../../components/outputs/contract";

/** The lakehouse outputs this program reads, besides `warehouseCredentials`. */
export type LakehouseView = Pick<
    LakehouseStackOutputs,
    "kafkaBootstrapServers" | "cdcTopics" | "icebergCatalog" | "nessieApiUri" | "nessieBranch" | "warehouse" | "s3Endpoint" | "s3Region"
>;

/**
 * Which address of an endpoint the consumer's jobs use: `internal` (they run on the lakehouse's
 * network, e.g. in the same Kubernetes cluster) or `host` (they run where the lakehouse's Pulumi ran).
 */
export type EndpointSide = "internal" | "host";

/** Config `endpointSide` as an EndpointSide: `internal` when unset; fails on any other value. */
export function endpointSide(value: string | undefined): EndpointSide {
    if (value === undefined || value === "internal" || value === "host") return value ?? "internal";
    throw new Error(`endpointSide is "${value}": expected internal or host`);
}

/** The address of `endpoint` on `side`; fails naming the output when the lakehouse does not publish that side. */
export function address(endpoint: UrlPair, side: EndpointSide, output: string): string {
    const value = endpoint[side];
    if (!value) throw new Error(`the lakehouse's ${output} has no ${side} address (its ports are not published): use endpointSide internal`);
    return value;
}

/** Path-style S3 requests, except on AWS's own endpoints (MinIO and other S3-compatible stores need them). */
export function s3PathStyle(s3Endpoint: string): boolean {
    return !/\.amazonaws\.com(\.cn)?(:\d+)?$/.test(new URL(s3Endpoint).host);
}

/** Where to read the change events: Kafka's bootstrap servers and the CDC topic of each captured table. */
export function cdcStreams(o: LakehouseView, side: EndpointSide): { bootstrapServers: string; topics: Record<string, string> } {
    return { bootstrapServers: address(o.kafkaBootstrapServers, side, "kafkaBootstrapServers"), topics: o.cdcTopics };
}

/** Spark's Iceberg catalog over the lakehouse's Nessie (`spark.sql.catalog.<icebergCatalog>.*`), without credentials. */
export function sparkCatalogProperties(o: LakehouseView, side: EndpointSide): Record<string, string> {
    const prefix = `spark.sql.catalog.${o.icebergCatalog}`;
    const s3 = address(o.s3Endpoint, side, "s3Endpoint");
    return {
        [prefix]: "org.apache.iceberg.spark.SparkCatalog",
        [`${prefix}.catalog-impl`]: "org.apache.iceberg.nessie.NessieCatalog",
        [`${prefix}.uri`]: address(o.nessieApiUri, side, "nessieApiUri"),
        [`${prefix}.ref`]: o.nessieBranch,
        [`${prefix}.warehouse`]: o.warehouse,
        [`${prefix}.io-impl`]: "org.apache.iceberg.aws.s3.S3FileIO",
        [`${prefix}.s3.endpoint`]: s3,
        [`${prefix}.s3.path-style-access`]: String(s3PathStyle(s3)),
        [`${prefix}.client.region`]: o.s3Region,
    };
}

/** The credential half of Spark's catalog properties: the warehouse's S3 key. */
export function sparkCatalogCredentials(icebergCatalog: string, key: WarehouseCredentials): Record<string, string> {
    const prefix = `spark.sql.catalog.${icebergCatalog}`;
    return { [`${prefix}.s3.access-key-id`]: key.accessKeyId, [`${prefix}.s3.secret-access-key`]: key.secretAccessKey };
}

/** A Trino catalog file (`etc/catalog/<icebergCatalog>.properties`) over the lakehouse's Nessie, without credentials. */
export function trinoCatalogProperties(o: LakehouseView, side: EndpointSide): Record<string, string> {
    const s3 = address(o.s3Endpoint, side, "s3Endpoint");
    return {
        "connector.name": "iceberg",
        "iceberg.catalog.type": "nessie",
        "iceberg.nessie-catalog.uri": address(o.nessieApiUri, side, "nessieApiUri"),
        "iceberg.nessie-catalog.ref": o.nessieBranch,
        "iceberg.nessie-catalog.default-warehouse-dir": o.warehouse,
        "fs.native-s3.enabled": "true",
        "s3.endpoint": s3,
        "s3.region": o.s3Region,
        "s3.path-style-access": String(s3PathStyle(s3)),
    };
}

/** The credential half of the Trino catalog file: the warehouse's S3 key. */
export function trinoCatalogCredentials(key: WarehouseCredentials): Record<string, string> {
    return { "s3.aws-access-key": key.accessKeyId, "s3.aws-secret-key": key.secretAccessKey };
}
