/**
 * Reading a stack's Iceberg tables in tests, as an independent reader: a batch session of the harness's
 * real SQL Gateway (the product's gateway client) with the catalog `lake` over the stack's bucket on
 * Nessie's `main`, declared once. And a bounded, backed-off poll for what the tests wait on.
 */
import { closeSession, gatewayQuery, openSession } from "../../components/dynamic/flink/gateway";
import { endpoints } from "../../harness/cli";

export interface IcebergSession {
    /** Runs one statement (tables as `lake.<namespace>.<table>`) and returns its rows (bounded at 120 s). */
    query: (sql: string) => Promise<unknown[][]>;
    close: () => Promise<void>;
}

/** A batch session with the catalog `lake` over `bucket`; `properties` are added to the session's (e.g. a time zone). */
export async function icebergSession(bucket: string, properties: Record<string, string> = {}): Promise<IcebergSession> {
    const ep = endpoints();
    const gateway = ep["flink-jobmanager"].gatewayUrl;
    const secrets = [ep.minio.secretAccessKey];
    const session = await openSession(gateway, { properties: { "execution.runtime-mode": "batch", ...properties } });
    const query = (sql: string) => gatewayQuery(gateway, session, sql, 120_000, { secrets });
    try {
        await query(
            `CREATE CATALOG lake WITH ('type' = 'iceberg', 'catalog-impl' = 'org.apache.iceberg.nessie.NessieCatalog', 'uri' = '${ep.nessie.apiV2}', 'ref' = 'main', ` +
                `'warehouse' = 's3://${bucket}/', 'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO', 's3.endpoint' = '${ep.minio.endpoint}', 's3.path-style-access' = 'true', ` +
                `'s3.access-key-id' = '${ep.minio.accessKeyId}', 's3.secret-access-key' = '${ep.minio.secretAccessKey}', 'client.region' = '${ep.minio.region}')`,
        );
    } catch (err) {
        await closeSession(gateway, session).catch(() => undefined);
        throw err;
    }
    return { query, close: () => closeSession(gateway, session).catch(() => undefined) };
}

/** Bounded polling with backoff: the probe's value once `done`, else throws with the last value seen. */
export async function pollFor<T>(what: string, timeoutMs: number, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let delay = 500;
    for (;;) {
        const value = await probe();
        if (done(value)) return value;
        if (Date.now() + delay > deadline)
            throw new Error(`${what}: not reached within ${timeoutMs / 1000} s; last seen: ${JSON.stringify(value).slice(0, 2000)}`);
        console.log(`waiting for ${what}: last seen ${JSON.stringify(value).slice(0, 200)}`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
    }
}
