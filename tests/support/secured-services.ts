/** The harness's secured services (issue 19) as the tests reach them: postgres-tls over verify-full, as its superuser. */
import { Client } from "pg";
import { endpoints } from "../../harness/cli";
import { HarnessContext } from "../../harness/lib/types";
import { tlsClientSsl } from "../../harness/postgres";

/** One statement on postgres-tls as its superuser, on a connection of its own over TLS that verifies the server. */
export async function securedPgQuery(ctx: HarnessContext, text: string, params: unknown[] = []): Promise<any[]> {
    const ep = endpoints({ ctx, onDemand: true })["postgres-tls"];
    const client = new Client({ host: ep.host, port: Number(ep.port), user: ep.user, password: ep.password, database: ep.database, ssl: tlsClientSsl(ctx) });
    await client.connect();
    try {
        return (await client.query(text, params)).rows;
    } finally {
        await client.end();
    }
}
