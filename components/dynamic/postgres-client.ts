/**
 * One PostgreSQL connection for the providers that talk to the source database (the CDC source's
 * role and publication, the connector's slot cleanup): `host:port` as the machine running Pulumi
 * reaches it, a bounded connect (`PROVIDER_DEFAULTS.connectTimeoutMs`), an error that names the
 * server, the database and the user but never the password, and the connection always closed.
 *
 * Serialization-safe (see ./toolkit/README.md): `pg` is `require`d inside the function.
 */
import { PROVIDER_DEFAULTS } from "../defaults";
import { redact } from "./toolkit/redact";

export interface PostgresTarget {
    /** `host:port` as the machine running Pulumi reaches the server. */
    address: string;
    user: string;
    password: string;
    database: string;
    /** What the connection is for, as the error starts: `CDC source`, `dropping replication slot "s"`. */
    purpose: string;
}

/** Connects, runs `fn` with the client, and closes the connection whatever happens. */
export async function withPostgres<T>(target: PostgresTarget, fn: (client: import("pg").Client) => Promise<T>): Promise<T> {
    const { Client } = require("pg") as typeof import("pg");
    const address = String(target.address);
    const separator = address.lastIndexOf(":");
    const client = new Client({
        host: address.slice(0, separator),
        port: Number(address.slice(separator + 1)),
        user: target.user,
        password: target.password,
        database: target.database,
        connectionTimeoutMillis: PROVIDER_DEFAULTS.connectTimeoutMs,
    });
    await client.connect().catch((err: Error) => {
        throw new Error(
            redact(`${target.purpose}: cannot connect to PostgreSQL at ${address} (database ${target.database}) as ${target.user}: ${err.message}`, [
                target.password,
            ]),
        );
    });
    try {
        return await fn(client);
    } finally {
        await client.end().catch(() => undefined);
    }
}
