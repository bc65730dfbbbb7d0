import * as http from "http";
import * as net from "net";
import { AddressInfo } from "net";
import { PreflightError, asStackKafkaKeys, retryUntil, runPreflight } from "../../../components/preflight";

/** A port on loopback that nothing listens on. */
function closedPort(): Promise<number> {
    return new Promise((done) => {
        const probe = net.createServer().listen(0, "127.0.0.1", () => {
            const port = (probe.address() as AddressInfo).port;
            probe.close(() => done(port));
        });
    });
}

describe("preflight checks of existing services", () => {
    let server: http.Server;
    let port: number;
    beforeAll(async () => {
        server = http.createServer((req, res) => {
            res.statusCode = req.url === "/v1/info" ? 200 : 503;
            res.end();
        });
        await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
        port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    it("passes when every service answers", async () => {
        await expect(
            runPreflight(
                [
                    { service: "kafka", kind: "tcp", address: `127.0.0.1:${port}` },
                    { service: "flink-sql-gateway", kind: "http", url: `http://127.0.0.1:${port}/v1/info` },
                ],
                2000,
            ),
        ).resolves.toBeUndefined();
    });

    it("fails within the bound, naming each service and endpoint that failed", async () => {
        const dead = await closedPort();
        const started = Date.now();
        const failure = runPreflight(
            [
                { service: "kafka", kind: "tcp", address: `127.0.0.1:${dead}` },
                { service: "nessie", kind: "http", url: `http://127.0.0.1:${port}/api/v2/config` },
                { service: "flink", kind: "http", url: `http://127.0.0.1:${dead}/overview` },
            ],
            1500,
        );
        await expect(failure).rejects.toBeInstanceOf(PreflightError);
        const message = await failure.catch((e: Error) => e.message);
        expect(Date.now() - started).toBeLessThan(5000);
        expect(message).toContain(`existing kafka at 127.0.0.1:${dead} is unreachable: ECONNREFUSED`);
        expect(message).toContain(`existing nessie at http://127.0.0.1:${port}/api/v2/config does not answer: HTTP 503`);
        expect(message).toContain(`existing flink at http://127.0.0.1:${dead}/overview does not answer: ECONNREFUSED`);
        expect(message).toMatch(/gave up after \d+ attempts in 2 s/);
    });

    it("retries with backoff until the service comes up", async () => {
        const late = await closedPort();
        let attempts = 0;
        setTimeout(() => {
            const s = net.createServer((c) => c.end()).listen(late, "127.0.0.1");
            setTimeout(() => s.close(), 3000);
        }, 600);
        await retryUntil(
            "late service",
            async () => {
                attempts++;
                await runPreflight([{ service: "late", kind: "tcp", address: `127.0.0.1:${late}` }], 100);
            },
            { timeoutMs: 5000, initialDelayMs: 100 },
        );
        expect(attempts).toBeGreaterThan(1);
    });

    it("stops at once on an error that retrying cannot fix", async () => {
        let attempts = 0;
        const started = Date.now();
        await expect(
            retryUntil(
                "login",
                async () => {
                    attempts++;
                    throw new TypeError("password authentication failed");
                },
                { timeoutMs: 10_000 },
                (e) => e instanceof TypeError,
            ),
        ).rejects.toThrow("login: password authentication failed");
        expect(attempts).toBe(1);
        expect(Date.now() - started).toBeLessThan(1000);
    });
});

describe("asStackKafkaKeys", () => {
    it("names the stack's keys where a Kafka connection error names the resource's inputs, once", () => {
        expect(asStackKafkaKeys("check security.username, credentials.password and that the mechanism is one the listener enables")).toBe(
            "check lakehouse:kafka.security.username, lakehouse:kafkaPassword and that the mechanism is one the listener enables",
        );
        expect(asStackKafkaKeys("the listener may want TLS (security.protocol SSL or SASL_SSL)")).toBe(
            "the listener may want TLS (lakehouse:kafka.security.protocol SSL or SASL_SSL)",
        );
        expect(asStackKafkaKeys("use protocol SASL_PLAINTEXT or the broker's TLS listener")).toBe(
            "use lakehouse:kafka.security.protocol SASL_PLAINTEXT or the broker's TLS listener",
        );
        expect(asStackKafkaKeys("give its CA in security.caCert; credentials.clientKey")).toBe(
            "give its CA in lakehouse:kafka.security.caCert; lakehouse:kafkaClientKey",
        );
    });
});

describe("an HTTP check's refused login", () => {
    let server: http.Server;
    let url: string;
    beforeAll(async () => {
        server = http.createServer((_req, res) => {
            res.statusCode = 401;
            res.end();
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/config`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("is fatal, naming the key, for a service the stack gives a token to", async () => {
        const err = await runPreflight([{ service: "nessie", kind: "http", url, access: { tokenKey: "lakehouse:nessieToken" } }], 2000).catch((e) => e);
        expect(err).toBeInstanceOf(PreflightError);
        expect(err.message).toContain(
            "HTTP 401; the server wants a login: give its bearer token with `pulumi config set --secret lakehouse:nessieToken <token>`",
        );
        expect(err.message).not.toContain("gave up after");
    });

    it("is an answer retried within the bound, with no token advice, for a service the stack gives none", async () => {
        const err = await runPreflight([{ service: "flink", kind: "http", url }], 1500).catch((e) => e);
        expect(err).toBeInstanceOf(PreflightError);
        expect(err.message).toMatch(/existing flink at .* does not answer: HTTP 401 \(gave up after \d+ attempts in 2 s\)/);
        expect(err.message).not.toContain("token");
    });
});
