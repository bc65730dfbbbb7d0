/**
 * The harness's SASL_SSL Kafka (`kafka-tls`, issue 19): a real KRaft node whose only client listener is
 * SASL_SSL with SCRAM-SHA-512, its certificate from the harness's CA (harness/lib/tls.ts). A client
 * that trusts the CA and logs in as the SCRAM user creates a topic, writes and reads it back; each
 * wrong client fails, within a bounded time, with the error that names why: a wrong password, a CA it
 * does not trust, plaintext on the TLS port and TLS on a plaintext one, TLS without the SASL login.
 * Nothing on the node listens for plaintext clients. The Kafka topic resource, both provider forms,
 * creates, reads and deletes a topic over SASL_SSL, and a wrong password or CA fails naming the fix.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as tls from "tls";
import { Kafka, KafkaConfig, logLevel } from "kafkajs";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { tlsClientOptions, tlsServerProperties } from "../../../harness/kafka";
import { containerHostAddress } from "../../../harness/lib/tls";
import { kafkaTopicProvider } from "../../../components/dynamic/kafka-topic";
import { bothForms } from "../../support/dynamic";

jest.setTimeout(300_000);

const ctx = createContext();
const RUN = crypto.randomBytes(4).toString("hex");
const TOPIC = `tls-it-${RUN}`;

beforeAll(async () => {
    await ensureUp(["kafka-tls"], { ctx });
});

/** A kafkajs client that gives up fast: each wrong case must fail within seconds, not hang. */
function client(options: Partial<KafkaConfig> & { brokers: string[] }): Kafka {
    return new Kafka({
        clientId: `tls-it-${RUN}`,
        connectionTimeout: 3000,
        requestTimeout: 5000,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
        ...options,
    });
}

/** How an admin's connect and topic listing ends: "ok", or the error's text; with the time it took. */
async function tryListing(options: Partial<KafkaConfig> & { brokers: string[] }): Promise<{ outcome: string; ms: number }> {
    const admin = client(options).admin();
    const started = Date.now();
    try {
        await admin.connect();
        await admin.listTopics();
        return { outcome: "ok", ms: Date.now() - started };
    } catch (err) {
        return { outcome: `${(err as Error).name}: ${(err as Error).message}`, ms: Date.now() - started };
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}

test("the endpoints give what a client needs: SASL_SSL, the mechanism, the user and the CA file", () => {
    const ep = endpoints({ ctx, onDemand: true })["kafka-tls"];
    expect(ep).toMatchObject({ bootstrapServers: "127.0.0.1:19092", securityProtocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "lakehouse" });
    expect(fs.readFileSync(ep.caFile, "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/);
    // Every listener for clients is SASL_SSL (the loopback one, and the one for containers when there is a
    // Docker engine); the controller's own listener is not one a client is given.
    const bridge = containerHostAddress();
    const props = tlsServerProperties(ctx, bridge);
    expect(props.listeners).toBe(`SASL_SSL://127.0.0.1:19092${bridge ? ",CONTAINERS://0.0.0.0:19094" : ""},CONTROLLER://127.0.0.1:19093`);
    expect(props["advertised.listeners"]).toBe(`SASL_SSL://127.0.0.1:19092${bridge ? `,CONTAINERS://${bridge}:19094` : ""}`);
    expect(props["listener.security.protocol.map"]).toBe(`CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL${bridge ? ",CONTAINERS:SASL_SSL" : ""}`);
    expect(ep.containerBootstrapServers).toBe(bridge ? `${bridge}:19094` : undefined);
});

test("a SCRAM user that trusts the CA creates a topic, writes and reads it back over TLS", async () => {
    const kafka = client({ ...tlsClientOptions(ctx), retry: { retries: 3 } });
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `tls-it-${RUN}` });
    try {
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
        await producer.connect();
        await producer.send({ topic: TOPIC, messages: [{ key: "k", value: `over TLS ${RUN}` }] });
        await consumer.connect();
        await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
        const read = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("no message read within 60 s")), 60_000);
            void consumer.run({
                eachMessage: async ({ message }) => {
                    clearTimeout(timer);
                    resolve(String(message.value));
                },
            });
        });
        expect(read).toBe(`over TLS ${RUN}`);
    } finally {
        await consumer.disconnect().catch(() => undefined);
        await producer.disconnect().catch(() => undefined);
        await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
    }
});

test("a wrong password is refused by the broker, and says so", async () => {
    const good = tlsClientOptions(ctx);
    const r = await tryListing({ ...good, sasl: { ...good.sasl, password: "not-the-password" } });
    expect(r.outcome).toMatch(/SASL SCRAM SHA512 authentication failed/);
    expect(r.ms).toBeLessThan(15_000);
});

test("a client that does not trust the CA fails the TLS handshake, naming the certificate", async () => {
    const good = tlsClientOptions(ctx);
    const r = await tryListing({ ...good, ssl: true });
    expect(r.outcome).toMatch(/unable to verify the first certificate/);
    expect(r.ms).toBeLessThan(15_000);
});

test("a protocol mismatch either way fails at once: plaintext on the SASL_SSL port, TLS on the plaintext broker, TLS without SASL", async () => {
    const good = tlsClientOptions(ctx);
    // The broker closes a connection that does not start a TLS handshake.
    const plaintext = await tryListing({ brokers: good.brokers });
    expect(plaintext.outcome).toMatch(/Closed connection/);
    // A TLS client on the harness's plaintext broker (9092) never gets a handshake back.
    const tlsOnPlain = await tryListing({ ...good, brokers: [endpoints({ ctx }).kafka.bootstrapServers] });
    expect(tlsOnPlain.outcome).toMatch(/disconnected before secure TLS connection was established/);
    // TLS but no SASL login: the listener wants SASL first, and closes the connection.
    const noSasl = await tryListing({ brokers: good.brokers, ssl: good.ssl });
    expect(noSasl.outcome).toMatch(/Closed connection/);
    for (const r of [plaintext, tlsOnPlain, noSasl]) expect(r.ms).toBeLessThan(15_000);
});

test("the server certificate is the harness CA's, for 127.0.0.1", async () => {
    const ca = tlsClientOptions(ctx).ssl.ca;
    const peer = await new Promise<tls.PeerCertificate>((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port: 19092, ca }, () => {
            resolve(socket.getPeerCertificate());
            socket.end();
        });
        socket.once("error", reject);
        socket.setTimeout(5000, () => socket.destroy(new Error("no TLS handshake within 5 s")));
    });
    expect(peer.subject.CN).toBe("127.0.0.1");
    expect(peer.issuer.CN).toBe("cdc-lakehouse harness CA");
    expect(peer.subjectaltname).toContain("IP Address:127.0.0.1");
});

describe.each([["provider object"], ["serialized provider"]])("the Kafka topic resource over SASL_SSL (%s)", (form) => {
    let provider: any;
    const topic = `tls-topic-${form.startsWith("s") ? "ser" : "obj"}-${RUN}`;
    const inputs = (extra: Record<string, unknown> = {}) => {
        const o = tlsClientOptions(ctx);
        return {
            bootstrapServers: o.brokers[0],
            security: { protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: o.sasl.username, caCert: o.ssl.ca[0] },
            credentials: { password: o.sasl.password },
            topic,
            partitions: 2,
            replicationFactor: 1,
            configs: { "retention.ms": "604800000" },
            deleteOnDestroy: true,
            version: 1,
            ...extra,
        };
    };

    beforeAll(async () => {
        provider = Object.fromEntries(await bothForms(kafkaTopicProvider))[form];
    });

    test("creates, reads and deletes the topic, the password never in a message", async () => {
        expect((await provider.check({}, inputs())).failures).toEqual([]);
        const created = await provider.create(inputs());
        expect(created).toMatchObject({ id: topic, outs: { partitions: 2 } });
        expect((await provider.read(topic, created.outs)).props).toEqual(created.outs);
        const admin = client(tlsClientOptions(ctx)).admin();
        await admin.connect();
        try {
            expect(await admin.listTopics()).toContain(topic);
            await provider.delete(topic, created.outs);
            expect(await admin.listTopics()).not.toContain(topic);
        } finally {
            await admin.disconnect();
        }
        expect(await provider.read(topic, created.outs)).toEqual({});
    });

    test("a wrong password and an untrusted certificate fail within the bound, naming the endpoint and the fix", async () => {
        const started = Date.now();
        const wrongPassword = await provider.create(inputs({ credentials: { password: "wrong-password-123" } })).catch((e: Error) => e.message);
        expect(wrongPassword).toMatch(
            /^Kafka at 127\.0\.0\.1:19092 \(SASL_SSL\): cannot connect: .*SASL SCRAM SHA512 authentication failed.*; the broker refused the SASL login of "lakehouse" \(SCRAM-SHA-512\): check security.username, credentials.password/,
        );
        expect(wrongPassword).not.toContain("wrong-password-123");
        const untrusted = await provider
            .create(inputs({ security: { protocol: "SASL_SSL", saslMechanism: "SCRAM-SHA-512", username: "lakehouse" } }))
            .catch((e: Error) => e.message);
        expect(untrusted).toMatch(/cannot connect: .*unable to verify the first certificate.*give its CA in security.caCert/);
        const plainOnTls = await provider.create(inputs({ security: undefined, credentials: undefined })).catch((e: Error) => e.message);
        expect(plainOnTls).toMatch(/\(PLAINTEXT\): cannot connect: .*the listener may want TLS/);
        // Each within kafkajs's bounds (5 retries of a 3 s connection timeout at most), not the wait of a topic.
        expect(Date.now() - started).toBeLessThan(90_000);
    });
});
