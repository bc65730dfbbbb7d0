/** Batch queries of a stack's Iceberg tables through the harness's real SQL Gateway (one session, the catalog declared once). */
import { flinkRequest } from "../../components/dynamic/flink-job";
import { endpoints } from "../../harness/cli";

export interface IcebergSession {
    /** Runs one statement (tables as `lake.<namespace>.<table>`) and returns its rows. */
    query: (sql: string) => Promise<unknown[][]>;
    close: () => Promise<void>;
}

/** A batch session with the catalog `lake` over the bucket on Nessie's `main`; every result wait bounded (120 s), backed off. */
export async function icebergSession(bucket: string): Promise<IcebergSession> {
    const ep = endpoints();
    const gateway = ep["flink-jobmanager"].gatewayUrl;
    const run = async (session: string, statement: string) => {
        const op = (await flinkRequest("gateway", gateway, "POST", `/v1/sessions/${session}/statements`, { statement })).operationHandle;
        const rows: unknown[][] = [];
        const deadline = Date.now() + 120_000;
        let delay = 100;
        for (let token = 0; ;) {
            const page = await flinkRequest("gateway", gateway, "GET", `/v2/sessions/${session}/operations/${op}/result/${token}?rowFormat=JSON`);
            if (page.resultType === "EOS") break;
            if (page.resultType === "PAYLOAD") {
                rows.push(...(page.results?.data ?? []).map((r: any) => r.fields));
                token++;
                continue;
            }
            if (Date.now() + delay > deadline) throw new Error(`no result for ${statement} within 120 s`);
            await new Promise((resolve) => setTimeout(resolve, delay));
            delay = Math.min(delay * 2, 1000);
        }
        await flinkRequest("gateway", gateway, "DELETE", `/v1/sessions/${session}/operations/${op}/close`).catch(() => undefined);
        return rows;
    };
    const session = (await flinkRequest("gateway", gateway, "POST", "/v1/sessions", { properties: { "execution.runtime-mode": "batch" } })).sessionHandle;
    await run(
        session,
        `CREATE CATALOG lake WITH ('type' = 'iceberg', 'catalog-impl' = 'org.apache.iceberg.nessie.NessieCatalog', 'uri' = '${ep.nessie.apiV2}', 'ref' = 'main',
        'warehouse' = 's3://${bucket}/', 'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO', 's3.endpoint' = '${ep.minio.endpoint}', 's3.path-style-access' = 'true',
        's3.access-key-id' = '${ep.minio.accessKeyId}', 's3.secret-access-key' = '${ep.minio.secretAccessKey}', 'client.region' = '${ep.minio.region}')`,
    );
    return {
        query: (sql) => run(session, sql),
        close: async () => {
            await flinkRequest("gateway", gateway, "DELETE", `/v1/sessions/${session}`).catch(() => undefined);
        },
    };
}

/** Bounded polling with backoff: the probe's value once `done`, else throws with the last value seen. */
export async function pollFor<T>(what: string, timeoutMs: number, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let delay = 500;
    for (;;) {
        const value = await probe();
        if (done(value)) return value;
        if (Date.now() + delay > deadline)
            throw new Error(`${what}: not reached within ${timeoutMs / 1000} s; last seen: ${JSON.stringify(value).slice(0, 500)}`);
        console.log(`waiting for ${what}: last seen ${JSON.stringify(value).slice(0, 200)}`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
    }
}
