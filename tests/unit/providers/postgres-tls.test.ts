/**
 * TLS to PostgreSQL for the providers (components/dynamic/postgres-client.ts, issue 19): libpq's
 * sslmodes as node-postgres's options, the check of the inputs naming each key, the likely fix of a
 * refused connection; the CDC source's `tls` is how the server is reached (an update, never a replacement).
 */
import { checkPostgresTls, postgresConnectFix, postgresSsl } from "../../../components/dynamic/postgres-client";
import { checkCdcSourceInputs, diffCdcSource } from "../../../components/dynamic/cdc-source";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

describe("postgresSsl", () => {
    it("maps each sslmode as libpq: disable none, require unverified, verify-ca the chain only, verify-full the chain and the name", () => {
        expect(postgresSsl(undefined)).toBe(false);
        expect(postgresSsl({ sslmode: "disable" })).toBe(false);
        expect(postgresSsl({ sslmode: "require" })).toEqual({ rejectUnauthorized: false });
        const verifyCa = postgresSsl({ sslmode: "verify-ca", caCert: CA }) as Record<string, any>;
        expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca: CA });
        expect(verifyCa.checkServerIdentity("db.example", {})).toBeUndefined();
        expect(postgresSsl({ sslmode: "verify-full", caCert: CA, clientCert: CA, clientKey: KEY })).toEqual({
            rejectUnauthorized: true,
            ca: CA,
            cert: CA,
            key: KEY,
        });
    });
});

describe("checkPostgresTls", () => {
    it("refuses what cannot work or may fall back to plaintext, naming each key", () => {
        expect(checkPostgresTls(undefined)).toEqual([]);
        expect(checkPostgresTls({ sslmode: "verify-full", caCert: CA })).toEqual([]);
        expect(checkPostgresTls({ sslmode: "prefer" })).toEqual([
            {
                property: "tls.sslmode",
                reason: '"prefer" must be one of disable, require, verify-ca, verify-full (allow and prefer may fall back to plaintext: say which one you want)',
            },
        ]);
        expect(checkPostgresTls({ sslmode: "verify-full", caCert: "ca.pem" })).toEqual([
            { property: "tls.caCert", reason: "must be PEM text (-----BEGIN CERTIFICATE----- ...), not a file name" },
        ]);
        expect(checkPostgresTls({ sslmode: "verify-full", clientCert: CA, clientKey: "client.key" })).toEqual([
            { property: "tls.clientKey", reason: "must be a PEM private key (-----BEGIN PRIVATE KEY----- ...)" },
        ]);
        expect(checkPostgresTls({ sslmode: "verify-full", clientCert: CA })).toEqual([
            { property: "tls.clientKey", reason: "a client certificate login needs both the certificate and its key" },
        ]);
        expect(checkPostgresTls({ caCert: CA })).toEqual([
            { property: "tls.caCert", reason: "is set but sslmode is disable: use require, verify-ca or verify-full, or remove it" },
        ]);
    });
});

describe("postgresConnectFix", () => {
    it("names the likely fix from the server's or the TLS layer's own words", () => {
        expect(
            postgresConnectFix('pg_hba.conf rejects connection for host "127.0.0.1", user "postgres", database "postgres", no encryption', undefined),
        ).toMatch(/takes only TLS connections: set sslmode to verify-full/);
        expect(postgresConnectFix("The server does not support SSL connections", { sslmode: "require" })).toMatch(/has no TLS \(sslmode require\)/);
        expect(postgresConnectFix("self-signed certificate in certificate chain", { sslmode: "verify-full" })).toMatch(/not trusted: give the CA/);
        expect(
            postgresConnectFix("Hostname/IP does not match certificate's altnames: IP: 10.0.0.5 is not in the cert's list", { sslmode: "verify-full" }),
        ).toMatch(/does not name the address used/);
        expect(postgresConnectFix("connection requires a valid client certificate", { sslmode: "verify-full" })).toMatch(/wants a client certificate/);
        expect(postgresConnectFix('password authentication failed for user "postgres"', undefined)).toBe("check the user and its password");
        expect(postgresConnectFix("ECONNREFUSED", undefined)).toBe("");
    });
});

describe("the CDC source's tls input", () => {
    const inputs = (extra: Record<string, unknown> = {}) => ({
        address: "db:5432",
        database: "app",
        schema: "public",
        tables: ["t"],
        publication: "pub",
        adminUser: "admin",
        adminPassword: "a",
        replicationUser: "dbz",
        replicationPassword: "r",
        version: 2,
        ...extra,
    });

    it("is how the server is reached: state from before compares equal, a new sslmode or key is an update, never a replacement", () => {
        expect(diffCdcSource(inputs(), inputs()).changes).toBe(false);
        const secured = diffCdcSource(inputs(), inputs({ tls: { sslmode: "verify-full", caCert: CA }, tlsClientKey: KEY }));
        expect(secured).toMatchObject({ changes: true, replaces: [], changedKeys: ["tls", "tlsClientKey"] });
    });

    it("check names the key, the client key by its own input", () => {
        expect(checkCdcSourceInputs(inputs({ tls: { sslmode: "verify-full", caCert: CA, clientCert: CA } })).map((f) => f.property)).toEqual(["tlsClientKey"]);
        expect(checkCdcSourceInputs(inputs({ tls: { sslmode: "verify-full", caCert: CA, clientCert: CA }, tlsClientKey: KEY }))).toEqual([]);
    });
});
