/**
 * Where a bench reaches the services of the stack it measures: PostgreSQL (the writer, the slot's
 * lag), Kafka (the consumer groups' lag), Nessie and the object storage (the changelog table's
 * commits and snapshots), the SQL Gateway (the final counts), and the Iceberg catalog as the SQL
 * Gateway itself sees it (on the Docker rendering the gateway runs on the stack's network, so its
 * catalog uses the internal addresses, while the bench on the host uses the published ones).
 *
 * The local stack runs on the harness's services: `harnessBenchEndpoints` reads them from the harness.
 * The Docker rendering's come from its outputs: `stackBenchEndpoints` (pure).
 */
import { endpoints } from "../../harness/cli";
import { createContext } from "../../harness/lib/context";
import { tlsClientOptions } from "../../harness/kafka";
import { tlsClientSsl } from "../../harness/postgres";
import { StackOutputs, parseHostPort } from "../../ops/outputs";

export interface BenchEndpoints {
    /** `ssl`: node-postgres's TLS options, on the secured services (default none). */
    postgres: { host: string; port: number; user: string; password: string; database: string; ssl?: { ca: string; rejectUnauthorized: true } };
    /** Kafka bootstrap servers from this host, `host:port[,host:port...]`. */
    kafkaBootstrapServers: string;
    /** kafkajs's `ssl` and `sasl` options, on the secured services (default none: PLAINTEXT). */
    kafkaClient?: Record<string, unknown>;
    /** Nessie's API v2 from this host. */
    nessieApiV2: string;
    /** The object storage's S3 API from this host, with keys that read the warehouse. */
    s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
    /** The Flink SQL Gateway from this host. */
    sqlGatewayUrl: string;
    /** The Iceberg catalog's addresses as the SQL Gateway's session reaches them. */
    gatewayCatalog: { nessieUri: string; s3Endpoint: string };
}

/** The harness's services (the local stack's), from `harness endpoints`. */
export function harnessBenchEndpoints(): BenchEndpoints {
    const ep = endpoints();
    const s3 = { endpoint: ep.minio.endpoint, region: ep.minio.region, accessKeyId: ep.minio.accessKeyId, secretAccessKey: ep.minio.secretAccessKey };
    return {
        postgres: {
            host: ep.postgres.host,
            port: Number(ep.postgres.port),
            user: ep.postgres.user,
            password: ep.postgres.password,
            database: ep.postgres.database,
        },
        kafkaBootstrapServers: ep.kafka.bootstrapServers,
        nessieApiV2: ep.nessie.apiV2,
        s3,
        sqlGatewayUrl: ep["flink-jobmanager"].gatewayUrl,
        gatewayCatalog: { nessieUri: ep.nessie.apiV2, s3Endpoint: ep.minio.endpoint },
    };
}

/**
 * The local-tls stack's services (Pulumi.local-tls.yaml): PostgreSQL over TLS (postgres-tls, verify-full)
 * and Kafka over SASL_SSL (kafka-tls), the rest the harness's own; the clients trust the harness's CA.
 */
export function harnessSecuredBenchEndpoints(): BenchEndpoints {
    const ctx = createContext();
    const secured = endpoints({ ctx, onDemand: true });
    const pg = secured["postgres-tls"];
    const { brokers, ...kafkaClient } = tlsClientOptions(ctx);
    return {
        ...harnessBenchEndpoints(),
        postgres: { host: pg.host, port: Number(pg.port), user: pg.user, password: pg.password, database: pg.database, ssl: tlsClientSsl(ctx) },
        kafkaBootstrapServers: brokers.join(","),
        kafkaClient,
    };
}

/**
 * A stack's endpoints from its outputs (read with secrets): the `host` addresses for the bench, the
 * `internal` ones for the SQL Gateway's catalog. Throws naming every output that is missing.
 */
export function stackBenchEndpoints(o: StackOutputs): BenchEndpoints {
    const missing: string[] = [];
    const need = (value: string | undefined, output: string): string => {
        if (!value) missing.push(output);
        return value ?? "";
    };
    const pgHost = need(o.endpoints?.postgres?.host, "endpoints.postgres.host");
    const pg = pgHost ? parseHostPort(pgHost, 5432) : { host: "", port: 0 };
    const result: BenchEndpoints = {
        postgres: {
            host: pg.host,
            port: pg.port,
            user: need(o.credentials?.postgres?.username, "credentials.postgres.username"),
            password: need(o.credentials?.postgres?.password, "credentials.postgres.password"),
            database: need(o.source?.database, "source.database"),
        },
        kafkaBootstrapServers: need(o.kafkaBootstrapServers?.host, "kafkaBootstrapServers.host"),
        nessieApiV2: need(o.nessieApiUri?.host, "nessieApiUri.host"),
        s3: {
            endpoint: need(o.s3Endpoint?.host, "s3Endpoint.host"),
            region: o.s3Region ?? "us-east-1",
            accessKeyId: need(o.credentials?.s3?.accessKeyId, "credentials.s3.accessKeyId"),
            secretAccessKey: need(o.credentials?.s3?.secretAccessKey, "credentials.s3.secretAccessKey"),
        },
        sqlGatewayUrl: need(o.flinkSqlGatewayUrl?.host, "flinkSqlGatewayUrl.host"),
        gatewayCatalog: {
            nessieUri: need(o.nessieApiUri?.internal, "nessieApiUri.internal"),
            s3Endpoint: need(o.s3Endpoint?.internal, "s3Endpoint.internal"),
        },
    };
    if (missing.length)
        throw new Error(
            `the stack's outputs lack what the bench reaches its services by: ${missing.join(", ")} (are its ports published, lakehouse:exposePorts, and were the outputs read with secrets?)`,
        );
    return result;
}
