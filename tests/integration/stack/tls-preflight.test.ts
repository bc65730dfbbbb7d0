/**
 * The checks a stack's external services get before anything is created (components/preflight.ts), on
 * the harness's secured services (issue 19): with `Pulumi.local-tls.yaml`'s settings they pass; each bad
 * input fails within the stack's bound (`externalCheckTimeoutSeconds`), naming the service, the endpoint,
 * the server's or the TLS layer's own words and the stack key to fix: a wrong SASL password, a CA that
 * did not sign the server's certificate, TLS to a plaintext port, plaintext to a TLS port, a PostgreSQL
 * client without TLS. No Pulumi engine: the same function `pulumi preview` runs first.
 */
import * as fs from "fs";
import { LakehouseConfig } from "../../../components/config";
import { checkExternalServices, ExternalCheckSecrets } from "../../../components/lakehouse";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { parseConfigValues } from "../../support/lakehouse-config";
import { stackConfig } from "../../support/stack-config";
import { anotherCaCert } from "../../support/tls-failures";

jest.setTimeout(300_000);

const ctx = createContext();
const secured = () => endpoints({ ctx, onDemand: true });
const ca = () => fs.readFileSync(secured()["kafka-tls"].caFile, "utf8");

/** Pulumi.local-tls.yaml, with the harness's CA and `change` merged in, and a 10 s bound. */
function stack(change: { kafka?: Record<string, unknown>; tls?: Record<string, unknown>; kafkaAddress?: string; pgAddress?: string } = {}): LakehouseConfig {
    const raw = stackConfig("local-tls");
    const values: Record<string, unknown> = Object.fromEntries(
        Object.entries(raw).map(([k, v]) => [k.replace(/^lakehouse:/, ""), v.startsWith("{") || v.startsWith("[") ? JSON.parse(v) : v]),
    );
    const secretKeys = Object.keys(values).filter((k) => (values[k] as { secure?: string }).secure !== undefined);
    for (const k of secretKeys) values[k] = "a-secret-value";
    const external = values.external as Record<string, Record<string, string>>;
    if (change.kafkaAddress) external.kafka.bootstrapServers = change.kafkaAddress;
    if (change.pgAddress) external.postgres.address = change.pgAddress;
    const source = values.source as Record<string, any>;
    source.tls = { ...source.tls, caCert: ca(), ...change.tls };
    const kafka = values.kafka as Record<string, any>;
    kafka.security = { ...kafka.security, caCert: ca(), ...change.kafka };
    for (const key of Object.keys(kafka.security)) if (kafka.security[key] === undefined) delete kafka.security[key];
    for (const key of Object.keys(source.tls)) if (source.tls[key] === undefined) delete source.tls[key];
    external.nessie.caCert = ca();
    external.connect.caCert = ca();
    external.dremio.caCert = ca();
    external.minio.caCert = ca();
    external.flink.caCert = ca();
    // Nessie's token is the harness's own, set per machine as a secret (the file says how).
    values.nessieToken = "a-secret-value";
    values.externalCheckTimeoutSeconds = 10;
    return parseConfigValues(values, { secretKeys: [...secretKeys, "nessieToken"], stack: "local-tls" });
}

/** The secrets the checks log in with (the other services of the stack are the harness's own). */
const secrets = (kafkaPassword = secured()["kafka-tls"].password, nessieToken = secured()["nessie-tls"].token): ExternalCheckSecrets => ({
    pgPassword: secured()["postgres-tls"].password,
    s3Secret: endpoints().minio.secretAccessKey,
    kafkaPassword,
    nessieToken,
});

/** The check's error and how long it took. */
async function failure(cfg: LakehouseConfig, s: ExternalCheckSecrets = secrets()): Promise<{ message: string; seconds: number }> {
    const started = Date.now();
    const error: Error = await checkExternalServices(cfg, s).then(
        () => new Error("the checks passed"),
        (e: Error) => e,
    );
    return { message: error.message, seconds: (Date.now() - started) / 1000 };
}

let otherCa: string;

beforeAll(async () => {
    await ensureUp(
        ["postgres-tls", "kafka-tls", "connect-tls", "nessie-tls", "minio-tls", "flink-tls-jobmanager", "flink-tls-taskmanager", "flink-tls-sql-gateway"],
        {
            ctx,
        },
    );
    // A CA that signed nothing the harness serves: the harness's own certificate maker, in a scratch run directory.
    otherCa = anotherCaCert();
});

test("Pulumi.local-tls.yaml's settings pass: a SCRAM login over TLS, the admin's login over verify-full, Nessie over HTTPS with the token", async () => {
    await expect(checkExternalServices(stack(), secrets())).resolves.toBeUndefined();
});

test("a Nessie token it did not issue: Nessie's 401 and the key to set, at once (no retries)", async () => {
    const f = await failure(stack(), secrets(undefined, "not-a-token"));
    expect(f.message).toContain(
        "existing nessie at https://127.0.0.1:19443/api/v2/config refused the client or does not answer: HTTP 401; the server refused the token: set a valid one with `pulumi config set --secret lakehouse:nessieToken <token>`",
    );
    expect(f.seconds).toBeLessThan(10);
    console.log(`${f.seconds.toFixed(1)} s: ${f.message.split("\n").slice(1).join(" ")}`);
});

test("a wrong SASL password: Kafka's refusal, the user and the keys to check, at once (no retries)", async () => {
    const f = await failure(stack(), secrets("not-the-password"));
    expect(f.message).toMatch(
        /existing kafka at 127\.0\.0\.1:19092 \(SASL_SSL\) refused the client or is unreachable: .*SASL SCRAM SHA512 authentication failed/,
    );
    expect(f.message).toMatch(/check lakehouse:kafka\.security\.username, lakehouse:kafkaPassword/);
    expect(f.message).not.toContain("not-the-password");
    expect(f.seconds).toBeLessThan(10);
    console.log(`${f.seconds.toFixed(1)} s: ${f.message.split("\n").slice(1).join(" ")}`);
});

test("a CA that did not sign the broker's or the server's certificate: not trusted, give the CA", async () => {
    const kafka = await failure(stack({ kafka: { caCert: otherCa } }));
    expect(kafka.message).toMatch(/existing kafka at 127\.0\.0\.1:19092 .*(self[- ]signed certificate|unable to verify|unable to get local issuer)/);
    expect(kafka.message).toMatch(/give its CA in lakehouse:kafka\.security\.caCert/);
    const pg = await failure(stack({ tls: { caCert: otherCa } }));
    expect(pg.message).toMatch(
        /existing postgres at 127\.0\.0\.1:15432 refused user "postgres" or is unreachable: .*(self[- ]signed certificate|unable to verify|unable to get local issuer)/,
    );
    expect(pg.message).toMatch(/give the CA that signed it \(lakehouse:source\.tls\.caCert\)/);
    expect(Math.max(kafka.seconds, pg.seconds)).toBeLessThan(10);
    console.log([kafka, pg].map((f) => `${f.seconds.toFixed(1)} s: ${f.message.split("\n").slice(1).join(" ")}`).join("\n"));
});

test("TLS to a plaintext port, and plaintext to a TLS port: each says which side speaks what", async () => {
    const tlsToPlain = await failure(stack({ kafkaAddress: endpoints().kafka.bootstrapServers }));
    expect(tlsToPlain.message).toMatch(
        /existing kafka at 127\.0\.0\.1:9092 \(SASL_SSL\).*disconnected before secure TLS connection was established; the port does not speak TLS: it is a plaintext listener; use lakehouse:kafka\.security\.protocol SASL_PLAINTEXT/,
    );
    const plainToTls = await failure(stack({ kafka: { protocol: "SASL_PLAINTEXT", caCert: undefined } }));
    expect(plainToTls.message).toMatch(
        /existing kafka at 127\.0\.0\.1:19092 \(SASL_PLAINTEXT\).*Closed connection; the broker closed the connection: the listener may want TLS \(lakehouse:kafka\.security\.protocol SSL or SASL_SSL\)/,
    );
    const pgPlain = await failure(stack({ tls: { sslmode: "disable", caCert: undefined } }));
    expect(pgPlain.message).toMatch(
        /pg_hba\.conf rejects connection .*no encryption; the server takes only TLS connections: set lakehouse:source\.tls\.sslmode to verify-full/,
    );
    const pgTlsToPlain = await failure(stack({ pgAddress: `127.0.0.1:${endpoints().postgres.port}` }));
    expect(pgTlsToPlain.message).toMatch(
        /The server does not support SSL connections; the server has no TLS \(lakehouse:source\.tls\.sslmode verify-full\): set lakehouse:source\.tls\.sslmode disable/,
    );
    for (const f of [tlsToPlain, plainToTls, pgPlain, pgTlsToPlain]) expect(f.seconds).toBeLessThan(15);
    console.log(
        [tlsToPlain, plainToTls, pgPlain, pgTlsToPlain].map((f) => `${f.seconds.toFixed(1)} s: ${f.message.split("\n").slice(1).join(" ")}`).join("\n"),
    );
});
