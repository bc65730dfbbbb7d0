/**
 * The provider toolkit (components/dynamic/toolkit/): backoff with jitter, the poll loop's bound and
 * progress lines, redaction, the engine's detailed diff, and that a function reaching all of it
 * survives Pulumi's closure serialization (as every provider must).
 */
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import { backoffDelay } from "../../../components/dynamic/toolkit/backoff";
import { engineDiff, inputDiff, changedEntries } from "../../../components/dynamic/toolkit/diff";
import { requestJson, isNotFound, sendRequest, unlessNotFound } from "../../../components/dynamic/toolkit/http";
import { pollUntil } from "../../../components/dynamic/toolkit/poll";
import { redact } from "../../../components/dynamic/toolkit/redact";
import { tcpConnectProblem } from "../../../components/dynamic/toolkit/tcp";
import { isKnown, isUnknown } from "../../../components/dynamic/toolkit/unknown";
import { createContext } from "../../../harness/lib/context";
import { ensureCertificates } from "../../../harness/lib/tls";
import { checkKafkaClientSecurity, kafkaConnectFix, kafkajsSecurity } from "../../../components/dynamic/toolkit/kafka-client";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("backoffDelay", () => {
    it("doubles up to the ceiling and jitters within its upper half", () => {
        expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, { initialMs: 100, maxMs: 1000 }, () => 1))).toEqual([100, 200, 400, 800, 1000]);
        expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, { initialMs: 100, maxMs: 1000 }, () => 0))).toEqual([50, 100, 200, 400, 500]);
    });
});

describe("pollUntil", () => {
    function clock() {
        let t = 0;
        return { now: () => t, sleep: async (ms: number) => void (t += ms) };
    }

    it("returns the value once the probe is done, printing a line when what it sees changes", async () => {
        const lines: string[] = [];
        const seen = ["CREATED", "CREATED", "INITIALIZING", "INITIALIZING"];
        let i = 0;
        const value = await pollUntil("job x RUNNING", 60_000, async () => (i < seen.length ? { done: false, seen: seen[i++] } : { done: true, value: 42 }), {
            ...clock(),
            progress: (l) => lines.push(l),
        });
        expect(value).toBe(42);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^waiting for job x RUNNING \([\d.]+ s of 60 s\): INITIALIZING$/);
    });

    it("repeats the line while nothing changes, and gives up at the bound naming what it saw last", async () => {
        const lines: string[] = [];
        await expect(
            pollUntil("connector c RUNNING", 40_000, async () => ({ done: false, seen: "connector UNASSIGNED" }), {
                ...clock(),
                progress: (l) => lines.push(l),
                progressEveryMs: 10_000,
            }),
        ).rejects.toThrow("timed out after 40 s waiting for connector c RUNNING (last seen: connector UNASSIGNED)");
        expect(lines.length).toBeGreaterThanOrEqual(2);
        expect(lines.every((l) => l.endsWith("connector UNASSIGNED"))).toBe(true);
    });

    it("marks reaching the bound `timedOut`, and leaves a probe's own error as it was", async () => {
        const bound = await pollUntil("x", 1000, async () => ({ done: false, seen: "not yet" }), { ...clock(), progress: () => undefined }).catch((e) => e);
        expect(bound).toMatchObject({ timedOut: true, message: expect.stringMatching(/^timed out after 1 s waiting for x/) });
        const failed: Error & { timedOut?: boolean } = await pollUntil<never>("x", 1000, async () => {
            throw new Error("refused");
        }).catch((e) => e);
        expect(failed.message).toBe("refused");
        expect(failed.timedOut).toBeUndefined();
    });
});

describe("redact", () => {
    it("replaces every secret value, the longest first, and leaves short ones alone", () => {
        expect(redact("user=app password=hunter22 token=hunter22xyz", ["hunter22", "hunter22xyz", "abc", undefined])).toBe(
            "user=app password=[secret] token=[secret]",
        );
        expect(redact("a=s3cr3t", { pw: "s3cr3t" })).toBe("a=[secret]");
        expect(redact("nothing", undefined)).toBe("nothing");
    });
});

describe("unknown", () => {
    it("knows the engine's sentinel", () => {
        expect(isUnknown(UNKNOWN)).toBe(true);
        expect(isKnown(UNKNOWN)).toBe(false);
        expect(isKnown(undefined)).toBe(false);
        expect(isKnown("")).toBe(true);
    });
});

describe("engineDiff", () => {
    it("hands every changed path to the engine, replacing ones marked -replace", () => {
        const olds = { name: "a", config: { "slot.name": "s1", "poll.interval.ms": "500" } };
        const news = { name: "a", config: { "slot.name": "s2", "poll.interval.ms": "500", "heartbeat.interval.ms": "1000" } };
        const keys = changedEntries(olds.config, news.config).map((k) => `config["${k}"]`);
        const diff = inputDiff(keys, (p) => p === 'config["slot.name"]', true);
        expect(engineDiff(diff, olds, news)).toEqual({
            changes: true,
            replaces: ['config["slot.name"]'],
            deleteBeforeReplace: true,
            detailedDiff: {
                'config["heartbeat.interval.ms"]': { kind: "add", inputDiff: true },
                'config["slot.name"]': { kind: "update-replace", inputDiff: true },
            },
        });
    });

    it("says delete for a removed input and nothing for no change", () => {
        expect(engineDiff(inputDiff(["region"], []), { region: "eu" }, {}).detailedDiff).toEqual({ region: { kind: "delete", inputDiff: false } });
        expect(engineDiff(inputDiff([], ["bucket"]), { bucket: "b" }, { bucket: "b" })).toEqual({
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: {},
        });
    });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
}

describe("requestJson", () => {
    let server: http.Server;
    let base: string;
    let busy = 0;
    beforeAll(async () => {
        server = http.createServer((req, res) => {
            if (req.url === "/busy" && busy-- > 0)
                return void res.writeHead(409, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "rebalance in progress" }));
            if (req.url === "/busy") return void res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ ok: true }));
            if (req.url === "/hang") return; // never answers
            if (req.url === "/missing")
                return void res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "Connector lh not found" }));
            res.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ message: "bad password hunter22" }));
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

    it("retries busy answers within the bound, then returns the body", async () => {
        busy = 2;
        await expect(
            requestJson({ service: "Kafka Connect", baseUrl: base, path: "/busy", retryWhen: (s) => s === 409, backoff: { initialMs: 10, maxMs: 20 } }),
        ).resolves.toEqual({ ok: true });
    });

    it("gives up on busy answers at the bound with the server's message", async () => {
        busy = 1000;
        await expect(
            requestJson({
                service: "Kafka Connect",
                baseUrl: base,
                path: "/busy",
                retryWhen: (s) => s === 409,
                retryForMs: 100,
                backoff: { initialMs: 10, maxMs: 20 },
            }),
        ).rejects.toThrow("Kafka Connect GET /busy: 409: rebalance in progress");
    });

    it("surfaces the server's own message with the status, secrets redacted, and 404 as gone", async () => {
        const err = await requestJson({ service: "Dremio", baseUrl: base, method: "POST", path: "/login", body: {}, secrets: ["hunter22"] }).catch((e) => e);
        expect(err.message).toBe("Dremio POST /login: 400: bad password [secret]");
        expect(err.status).toBe(400);
        expect(isNotFound(await requestJson({ service: "Kafka Connect", baseUrl: base, path: "/missing" }).catch((e) => e))).toBe(true);
    });

    it("reads a 404 as gone with unlessNotFound, and lets any other error through", async () => {
        await expect(unlessNotFound(requestJson({ service: "Kafka Connect", baseUrl: base, path: "/missing" }))).resolves.toBeUndefined();
        await expect(unlessNotFound(requestJson({ service: "Dremio", baseUrl: base, method: "POST", path: "/login", body: {} }))).rejects.toMatchObject({
            status: 400,
        });
    });

    it("says when a request timed out, apart from its cause", async () => {
        const err = await sendRequest("Flink REST", "GET", `${base}/hang`, { timeoutMs: 100 }).catch((e) => e);
        expect(err).toMatchObject({ status: 0, timedOut: true, reason: "no answer in time (timeout)" });
        const refused = await sendRequest("Flink REST", "GET", `http://127.0.0.1:${await closedPort()}/`, { timeoutMs: 1000 }).catch((e) => e);
        expect(refused).toMatchObject({ status: 0, timedOut: false, reason: "ECONNREFUSED" });
    });

    it("names the URL and the cause when nothing answers", async () => {
        const port = await closedPort();
        const err = await requestJson({ service: "Nessie", baseUrl: `http://127.0.0.1:${port}`, path: "/api/v2/config" }).catch((e) => e);
        expect(err.status).toBe(0);
        expect(err.message).toBe(`Nessie GET http://127.0.0.1:${port}/api/v2/config: ECONNREFUSED`);
    });
});

describe("serialization", () => {
    it("a function reaching every toolkit file survives Pulumi's closure serializer and runs", async () => {
        const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");
        const base = `http://127.0.0.1:${await closedPort()}`;
        const fn = async () => {
            const diff = engineDiff(inputDiff(["bucket"], ["bucket"]), { bucket: "a" }, { bucket: "b" });
            const polled = await pollUntil("x", 1000, async () => ({ done: true as const, value: 1 }));
            const failed = await requestJson({ service: "S", baseUrl: base, path: "/" }).catch((e: Error) => e.message);
            const refused = await tcpConnectProblem(base.slice("http://".length), 1000);
            const kafka = kafkajsSecurity({ protocol: "SASL_PLAINTEXT", saslMechanism: "PLAIN", username: "u" }, { password: "p" });
            const pem = checkKafkaClientSecurity({ protocol: "SSL", caCert: "ca.pem" }, undefined).map((f) => f.property);
            return { diff, polled, failed: redact(failed, [base]), known: isKnown("x"), delay: backoffDelay(0) > 0, refused, kafka, pem };
        };
        const serialized = await serializeFunction(fn, { allowSecrets: true });
        const Module = require("module");
        const m = new Module("serialized-toolkit");
        m._compile(serialized.text, "serialized-toolkit.js");
        const result = await m.exports.handler();
        expect(result).toEqual({
            diff: { changes: true, replaces: ["bucket"], deleteBeforeReplace: false, detailedDiff: { bucket: { kind: "update-replace", inputDiff: true } } },
            polled: 1,
            failed: "S GET [secret]/: ECONNREFUSED",
            known: true,
            delay: true,
            refused: "ECONNREFUSED",
            kafka: { sasl: { mechanism: "plain", username: "u", password: "p" } },
            pem: ["security.caCert"],
        });
    });
});

describe("Kafka client security (toolkit/kafka-client.ts)", () => {
    const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

    it("gives kafkajs TLS and SASL as each protocol says; nothing for PLAINTEXT", () => {
        expect(kafkajsSecurity(undefined, undefined)).toEqual({});
        expect(kafkajsSecurity({ protocol: "PLAINTEXT" }, undefined)).toEqual({});
        expect(kafkajsSecurity({ protocol: "SSL" }, undefined)).toEqual({ ssl: true });
        expect(kafkajsSecurity({ protocol: "SSL", caCert: CA, clientCert: CA }, { clientKey: KEY })).toEqual({ ssl: { ca: [CA], cert: CA, key: KEY } });
        expect(kafkajsSecurity({ protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "u", caCert: CA }, { password: "pw" })).toEqual({
            ssl: { ca: [CA] },
            sasl: { mechanism: "scram-sha-512", username: "u", password: "pw" },
        });
    });

    it("refuses what cannot work, naming each key and its fix", () => {
        expect(checkKafkaClientSecurity(undefined, undefined)).toEqual([]);
        expect(checkKafkaClientSecurity({ protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "u", caCert: CA }, { password: "x" })).toEqual([]);
        expect(checkKafkaClientSecurity({ protocol: "TLS" }, undefined)).toEqual([
            { property: "security.protocol", reason: '"TLS" must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL' },
        ]);
        expect(checkKafkaClientSecurity({ protocol: "SASL_SSL" }, undefined).map((f) => f.property)).toEqual([
            "security.saslMechanism",
            "security.username",
            "credentials.password",
        ]);
        expect(checkKafkaClientSecurity({ protocol: "SASL_SSL", saslMechanism: "GSSAPI", username: "u" }, { password: "x" })).toEqual([
            { property: "security.saslMechanism", reason: '"GSSAPI" must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512' },
        ]);
        expect(checkKafkaClientSecurity({ protocol: "PLAINTEXT", username: "u", caCert: CA }, undefined)).toEqual([
            { property: "security.username", reason: "is set but PLAINTEXT has no SASL login: use SASL_PLAINTEXT or SASL_SSL, or remove it" },
            { property: "security.caCert", reason: "is set but PLAINTEXT has no TLS: use SSL or SASL_SSL, or remove it" },
        ]);
        expect(checkKafkaClientSecurity({ protocol: "SSL", caCert: "/etc/ca.pem" }, undefined)).toEqual([
            { property: "security.caCert", reason: "must be PEM text (-----BEGIN CERTIFICATE----- ...), not a file name" },
        ]);
        expect(checkKafkaClientSecurity({ protocol: "SSL", clientCert: CA }, undefined)).toEqual([
            { property: "credentials.clientKey", reason: "mutual TLS needs both the client certificate and its key" },
        ]);
        expect(checkKafkaClientSecurity({ protocol: "SSL", clientCert: CA }, { clientKey: "secret" })).toEqual([
            { property: "credentials.clientKey", reason: "must be a PEM private key (-----BEGIN PRIVATE KEY----- ...)" },
        ]);
    });

    it("names the likely fix of each way a connection fails", () => {
        const sasl = { protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "lakehouse" };
        expect(kafkaConnectFix("SASL SCRAM SHA512 authentication failed: Authentication failed during authentication", sasl)).toMatch(
            /refused the SASL login of "lakehouse" \(SCRAM-SHA-512\): check security.username, credentials.password/,
        );
        expect(kafkaConnectFix("Connection error: unable to verify the first certificate", sasl)).toMatch(/not trusted .*give its CA in security.caCert/);
        expect(kafkaConnectFix("Connection error: Client network socket disconnected before secure TLS connection was established", sasl)).toMatch(
            /does not speak TLS: it is a plaintext listener; use protocol SASL_PLAINTEXT/,
        );
        expect(kafkaConnectFix("Closed connection", { protocol: "PLAINTEXT" })).toMatch(/may want TLS \(security.protocol SSL or SASL_SSL\)/);
        expect(kafkaConnectFix("Closed connection", { protocol: "SSL" })).toMatch(/after TLS: the listener may want a SASL login/);
        expect(kafkaConnectFix("Connection timeout", sasl)).toBe("");
    });
});

describe("HTTPS with a given CA (toolkit/http.ts)", () => {
    // A CA and a server certificate of its own, made with the harness's certificate maker in a scratch run directory.
    let dir: string;
    let server: https.Server;
    let base: string;
    let ca: string;
    let received: { type?: string; body: string }[];

    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "toolkit-https-"));
        const certs = ensureCertificates(createContext({ runDir: dir, log: () => undefined }));
        ca = fs.readFileSync(certs.caCert, "utf8");
        received = [];
        server = https.createServer({ cert: fs.readFileSync(certs.serverCert), key: fs.readFileSync(certs.serverKey) }, (req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                received.push({ type: req.headers["content-type"], body });
                res.setHeader("Content-Type", "application/json");
                res.end(JSON.stringify({ ok: true }));
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("trusts the given CA, for JSON and for a multipart upload (a global FormData sent through undici's fetch)", async () => {
        await expect(requestJson({ service: "S", baseUrl: { url: base, caCert: ca }, method: "POST", path: "/j", body: { a: 1 } })).resolves.toEqual({
            ok: true,
        });
        const form = new FormData();
        form.append("jarfile", new Blob([Buffer.from("PK-jar-bytes")]), "job.jar");
        await expect(sendRequest("S", "POST", `${base}/upload`, { body: form, timeoutMs: 5000, caCert: ca })).resolves.toMatchObject({ status: 200 });
        expect(received[0]).toEqual({ type: "application/json", body: '{"a":1}' });
        expect(received[1].type).toMatch(/^multipart\/form-data; boundary=/);
        expect(received[1].body).toContain('filename="job.jar"');
        expect(received[1].body).toContain("PK-jar-bytes");
    });

    it("without the CA, the certificate is not trusted and the error says where to give it", async () => {
        const err = await requestJson({ service: "S", baseUrl: base, path: "/j", timeoutMs: 5000 }).catch((e) => e);
        expect(err.status).toBe(0);
        expect(err.message).toMatch(
            /^S GET https:\/\/127\.0\.0\.1:\d+\/j: UNABLE_TO_VERIFY_LEAF_SIGNATURE: the server's certificate is not signed by a CA this client trusts/,
        );
    });
});
