/**
 * The harness's TLS-only PostgreSQL (`postgres-tls`, issue 19): a real cluster with `ssl=on` and a
 * pg_hba that takes TCP over TLS only. A client that verifies the server against the harness's CA
 * (verify-full) logs in with a password, or with a client certificate as the certificate user; each
 * wrong client gets the server's own refusal: plaintext, a wrong password, a CA it does not trust, the
 * certificate user without a certificate. The CDC source resource (both provider forms) does its work
 * over TLS, verifying the server, and a connection that fails names the fix.
 */
import * as fs from "fs";
import { Client, ClientConfig } from "pg";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { tlsClientSsl, tlsHbaConf } from "../../../harness/postgres";
import { cdcSourceProvider } from "../../../components/dynamic/cdc-source";
import { bothForms } from "../../support/dynamic";

jest.setTimeout(300_000);

const ctx = createContext();
const ep = () => endpoints({ ctx, onDemand: true })["postgres-tls"];

beforeAll(async () => {
    await ensureUp(["postgres-tls"], { ctx });
});

const base = (): ClientConfig => ({
    host: ep().host,
    port: Number(ep().port),
    user: ep().user,
    password: ep().password,
    database: ep().database,
    connectionTimeoutMillis: 5000,
    query_timeout: 5000,
});

/** Connects, runs one query, disconnects: the rows, or the error's message. */
async function attempt(
    config: ClientConfig,
    sql = "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
): Promise<{ rows?: any[]; error?: string }> {
    const client = new Client(config);
    client.on("error", () => undefined);
    try {
        await client.connect();
        return { rows: (await client.query(sql)).rows };
    } catch (err) {
        return { error: (err as Error).message };
    } finally {
        await client.end().catch(() => undefined);
    }
}

test("a password login over TLS that verifies the server (verify-full): the session is encrypted", async () => {
    expect(ep()).toMatchObject({ port: "15432", sslmode: "verify-full", certUser: "lakehouse" });
    const r = await attempt({ ...base(), ssl: tlsClientSsl(ctx) });
    expect(r.error).toBeUndefined();
    expect(r.rows![0]).toMatchObject({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
    // Logical WAL, for a replication slot over TLS.
    expect((await attempt({ ...base(), ssl: tlsClientSsl(ctx) }, "SHOW wal_level")).rows).toEqual([{ wal_level: "logical" }]);
});

test("the certificate user logs in with the harness's client certificate and no password; without it, refused", async () => {
    const ssl = { ...tlsClientSsl(ctx), cert: fs.readFileSync(ep().clientCertFile, "utf8"), key: fs.readFileSync(ep().clientKeyFile, "utf8") };
    const withCert = await attempt({ ...base(), user: ep().certUser, password: undefined, ssl });
    expect(withCert.error).toBeUndefined();
    expect(withCert.rows![0].ssl).toBe(true);
    const without = await attempt({ ...base(), user: ep().certUser, password: undefined, ssl: tlsClientSsl(ctx) });
    expect(without.error).toMatch(/connection requires a valid client certificate|certificate authentication failed/);
});

test("each wrong client gets the server's own refusal: plaintext, a wrong password, a CA it does not trust", async () => {
    const plaintext = await attempt(base());
    expect(plaintext.error).toMatch(/pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "postgres", database "postgres", no encryption/);
    const wrongPassword = await attempt({ ...base(), password: "not-the-password", ssl: tlsClientSsl(ctx) });
    expect(wrongPassword.error).toBe('password authentication failed for user "postgres"');
    const untrusted = await attempt({ ...base(), ssl: { rejectUnauthorized: true } });
    expect(untrusted.error).toMatch(/self[- ]signed certificate in certificate chain/);
});

test("pg_hba takes TCP over TLS only", () => {
    const hba = tlsHbaConf("lakehouse");
    const tcp = hba.split("\n").filter((l) => /^host/.test(l));
    expect(tcp.filter((l) => l.startsWith("hostssl")).length).toBe(3);
    expect(tcp.filter((l) => l.startsWith("hostnossl")).every((l) => l.trim().endsWith("reject"))).toBe(true);
    expect(tcp.some((l) => /^host\s/.test(l))).toBe(false);
});

describe.each([["provider object"], ["serialized provider"]])("the CDC source resource over TLS (%s)", (form) => {
    let provider: any;
    const id = `${form.startsWith("s") ? "ser" : "obj"}${Date.now().toString(36)}`;
    const schema = `tls_${id}`;
    const role = `dbz_tls_${id}`;
    const publication = `pub_tls_${id}`;
    const inputs = (extra: Record<string, unknown> = {}) => ({
        address: `${ep().host}:${ep().port}`,
        tls: { sslmode: "verify-full", caCert: tlsClientSsl(ctx).ca },
        database: ep().database,
        schema,
        tables: ["demographics"],
        publication,
        adminUser: ep().user,
        adminPassword: ep().password,
        replicationUser: role,
        replicationPassword: `replication-secret-${id}`,
        createSeedTable: true,
        version: 2,
        ...extra,
    });

    beforeAll(async () => {
        provider = Object.fromEntries(await bothForms(cdcSourceProvider))[form];
    });

    afterAll(async () => {
        const client = new Client({ ...base(), ssl: tlsClientSsl(ctx) });
        await client.connect();
        try {
            await client.query(`DROP PUBLICATION IF EXISTS ${publication}`);
            await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
            await client.query(
                `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN EXECUTE 'DROP OWNED BY ${role}'; EXECUTE 'DROP ROLE ${role}'; END IF; END $$`,
            );
        } finally {
            await client.end();
        }
    });

    test("creates the role and the publication over verify-full TLS, reads them back, and drops what it created", async () => {
        expect((await provider.check({}, inputs())).failures).toEqual([]);
        const created = await provider.create(inputs());
        expect(created.outs).toMatchObject({ createdRole: true, createdPublication: true });
        expect((await provider.read(created.id, created.outs)).props.drift).toEqual([]);
        // The replication role logs in over TLS with its password: what Debezium will do.
        const asRole = await attempt(
            { ...base(), user: role, password: `replication-secret-${id}`, ssl: tlsClientSsl(ctx) },
            `SELECT count(*)::int AS n FROM ${schema}.demographics`,
        );
        expect(asRole).toEqual({ rows: [{ n: 0 }] });
        await provider.delete(created.id, created.outs);
        expect((await attempt({ ...base(), ssl: tlsClientSsl(ctx) }, `SELECT count(*)::int AS n FROM pg_roles WHERE rolname = '${role}'`)).rows).toEqual([
            { n: 0 },
        ]);
    });

    test("plaintext, an untrusted certificate and a wrong password each fail naming the server, the sslmode and the fix; no secret in them", async () => {
        const plaintext = await provider.create(inputs({ tls: undefined })).catch((e: Error) => e.message);
        expect(plaintext).toMatch(
            /^CDC source: cannot connect to PostgreSQL at 127\.0\.0\.1:15432 \(database postgres, sslmode disable\) as postgres: .*no encryption; the server takes only TLS connections: set sslmode to verify-full/,
        );
        const untrusted = await provider.create(inputs({ tls: { sslmode: "verify-full" } })).catch((e: Error) => e.message);
        expect(untrusted).toMatch(
            /sslmode verify-full\) as postgres: self[- ]signed certificate in certificate chain; the server's certificate is not trusted: give the CA/,
        );
        const wrong = await provider.create(inputs({ adminPassword: "wrong-admin-password" })).catch((e: Error) => e.message);
        expect(wrong).toMatch(/password authentication failed for user "postgres"; check the user and its password/);
        for (const m of [plaintext, untrusted, wrong]) expect(m).not.toMatch(/wrong-admin-password|replication-secret|lakehouse-local-pg/);
        // Refused before anything is tried: a mode that may fall back to plaintext, a CA given as a file name.
        expect(
            (await provider.check({}, inputs({ tls: { sslmode: "prefer", caCert: "/etc/ssl/ca.pem" } }))).failures.map((f: { property: string }) => f.property),
        ).toEqual(["tls.sslmode", "tls.caCert"]);
    });
});
