/**
 * The harness's secured services as a throwaway stack's containers or pods use them (issue 19):
 * `kafka-tls` (SASL_SSL, SCRAM), `nessie-tls` (HTTPS, a bearer token) and `minio-tls` (S3 over HTTPS),
 * each reached at its address for containers (the Docker bridge's, in each server certificate; pods of the
 * harness's cluster reach the host there too), all signed by the harness's CA. The stack's config on them,
 * the start of each (restarted once when it has no address for containers yet), and the removal of what
 * a stack leaves there and the program keeps (its topics, its Nessie namespace, its bucket). Shared by the
 * Docker and Kubernetes tests of a stack on secured services.
 */
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import * as fs from "fs";
import { Kafka, logLevel } from "kafkajs";
import { NessieApi, nessieRequest, withFreshHash } from "../../components/dynamic/nessie";
import { s3TrustOptions } from "../../components/dynamic/toolkit/s3-trust";
import { endpoints, ensureUp, stopServices } from "../../harness/cli";
import { tlsClientOptions } from "../../harness/kafka";
import { HarnessContext } from "../../harness/lib/types";
import { emptyAndDeleteBucket, listAllKeys } from "./s3-bucket";

/** What a stack keeps on the secured services, its own per run: found and removed by these names. */
export interface SecuredStackNames {
    /** The stack's name (Connect's internal topics are `<stack>-connect-*`). */
    stack: string;
    /** `lakehouse:kafka.topicPrefix`: the CDC topics are `<topicPrefix>.*`. */
    topicPrefix: string;
    /** `lakehouse:iceberg.namespace` on nessie-tls. */
    namespace: string;
    /** `lakehouse:storage.bucket` on minio-tls. */
    bucket: string;
}

/** kafka-tls at its listener for containers: the SCRAM login and the CA. */
export interface SecuredKafka {
    containerBootstrap: string;
    username: string;
    password: string;
    mechanism: string;
    ca: string;
}

/** nessie-tls at its address for containers: its API with the CA and the token. */
export interface SecuredNessie {
    containerUrl: string;
    api: NessieApi & object;
}

/** minio-tls at its address for containers: the CA, the root login and an S3 client there. */
export interface SecuredMinio {
    containerEndpoint: string;
    ca: string;
    accessKeyId: string;
    secretAccessKey: string;
    s3: S3Client;
}

/** The config keys the stack's secrets go under (set with `--secret`). */
export const SECURED_STACK_SECRET_KEYS = ["lakehouse:kafkaPassword", "lakehouse:nessieToken", "lakehouse:minioRootPassword"] as const;

/** `read()`'s value, read the first time it is asked for. */
function once<T>(read: () => T): () => T {
    let value: { v: T } | undefined;
    return () => (value ??= { v: read() }).v;
}

/** The secured services for one throwaway stack (`names`), read from the harness once. */
export function securedStackServices(ctx: HarnessContext, names: SecuredStackNames, log: (line: string) => void) {
    const noAddress = (service: string) => new Error(`${service} has no address for containers: no Docker engine answers on this host; start it first`);

    const kafka = once((): SecuredKafka => {
        const ep = endpoints({ ctx, onDemand: true })["kafka-tls"];
        if (!ep.containerBootstrapServers) throw noAddress("kafka-tls");
        return {
            containerBootstrap: ep.containerBootstrapServers,
            username: ep.username,
            password: ep.password,
            mechanism: ep.saslMechanism,
            ca: fs.readFileSync(ep.caFile, "utf8"),
        };
    });
    const nessie = once((): SecuredNessie => {
        const ep = endpoints({ ctx, onDemand: true })["nessie-tls"];
        if (!ep.containerUrl) throw noAddress("nessie-tls");
        return { containerUrl: ep.containerUrl, api: { apiUrl: `${ep.containerUrl}/api/v2`, caCert: fs.readFileSync(ep.caCertFile, "utf8"), token: ep.token } };
    });
    const minio = once((): SecuredMinio => {
        const ep = endpoints({ ctx, onDemand: true })["minio-tls"];
        if (!ep.containerEndpoint) throw noAddress("minio-tls");
        const ca = fs.readFileSync(ep.caFile, "utf8");
        const credentials = { accessKeyId: ep.accessKeyId, secretAccessKey: ep.secretAccessKey };
        const s3 = new S3Client({ endpoint: ep.containerEndpoint, region: ep.region, forcePathStyle: true, credentials, ...s3TrustOptions(ca) });
        return { containerEndpoint: ep.containerEndpoint, ca, ...credentials, s3 };
    });

    /** A kafkajs admin on kafka-tls at its listener for containers (the CA trusted, the SCRAM user). */
    const admin = () =>
        new Kafka({
            clientId: `${names.stack}-it`,
            logLevel: logLevel.NOTHING,
            connectionTimeout: 5000,
            ...tlsClientOptions(ctx),
            brokers: [kafka().containerBootstrap],
        }).admin();

    /** Every topic on kafka-tls. */
    const topics = async (): Promise<string[]> => {
        const a = admin();
        await a.connect();
        return a.listTopics().finally(() => a.disconnect().catch(() => undefined));
    };

    /**
     * Starts `service`, and restarts it once when it does not answer at its address for containers
     * (`where`): one started before the Docker engine ran has none. `probe` throws when it does not
     * answer; after the restart its error fails the caller.
     */
    const upForContainers = async (service: string, where: string, probe: () => Promise<unknown>): Promise<void> => {
        await ensureUp([service], { ctx });
        if (
            await probe().then(
                () => true,
                () => false,
            )
        )
            return;
        log(`${service} does not answer at ${where}: restarting it, with its address for containers`);
        await stopServices([service], { ctx });
        await ensureUp([service], { ctx });
        await probe().catch((err) => {
            throw new Error(`${service} does not answer at its address for containers ${where}: ${(err as Error).message}`);
        });
    };

    /** The stack's topics on kafka-tls: the CDC topics, Debezium's heartbeat topic, Connect's internal ones (the default group). */
    const ours = (t: string) =>
        t.startsWith(`${names.topicPrefix}.`) || t === `__debezium-heartbeat.${names.topicPrefix}` || t.startsWith(`${names.stack}-connect-`);

    const removeTopics = async () => {
        const a = admin();
        await a.connect();
        try {
            const found = (await a.listTopics()).filter(ours);
            if (found.length) {
                log(`deleting ${found.length} topic(s) of the stack on kafka-tls`);
                await a.deleteTopics({ topics: found, timeout: 30_000 });
            }
        } finally {
            await a.disconnect();
        }
    };

    const removeNamespace = async () => {
        const api = nessie().api;
        const entries: { name: { elements: string[] } }[] = (await nessieRequest(api, "GET", "/trees/main/entries")).entries ?? [];
        const keys = entries.map((e) => e.name.elements).filter((elements) => elements[0] === names.namespace);
        if (!keys.length) return;
        log(`deleting ${keys.length} entr(ies) of namespace ${names.namespace} from nessie-tls`);
        await withFreshHash(api, "main", (hash) =>
            nessieRequest(api, "POST", `/trees/main@${hash}/history/commit`, {
                commitMeta: { message: `remove the test stack's namespace ${names.namespace}` },
                operations: keys.map((elements) => ({ type: "DELETE", key: { elements } })),
            }),
        );
    };

    const bucketThere = async () => ((await minio().s3.send(new ListBucketsCommand({}))).Buckets ?? []).some((b) => b.Name === names.bucket);

    /** Empties and deletes the stack's bucket on minio-tls when it is there (async, so a missing address is a rejection too). */
    const removeBucket = async () => {
        if (!(await bucketThere())) return;
        const n = await emptyAndDeleteBucket(minio().s3, names.bucket);
        log(`deleted bucket ${names.bucket} (${n} object(s)) from minio-tls`);
    };

    return {
        kafka,
        nessie,
        minio,
        admin,
        topics,

        /** kafka-tls, nessie-tls and minio-tls up, each answering at its address for containers. */
        async start(): Promise<void> {
            await upForContainers("kafka-tls", kafka().containerBootstrap, topics);
            await upForContainers("nessie-tls", nessie().containerUrl, () => nessieRequest(nessie().api, "GET", "/config"));
            await upForContainers("minio-tls", minio().containerEndpoint, () => minio().s3.send(new ListBucketsCommand({})));
        },

        /** The stack's config on the secured services (values as parsed config): external Kafka, Nessie and S3 with the CA, the logins. */
        config(): Record<string, unknown> {
            const k = kafka();
            return {
                "lakehouse:external": {
                    kafka: { bootstrapServers: k.containerBootstrap },
                    nessie: { url: nessie().containerUrl, caCert: nessie().api.caCert },
                    minio: { endpoint: minio().containerEndpoint, caCert: minio().ca },
                },
                "lakehouse:kafka": {
                    topicPrefix: names.topicPrefix,
                    security: { protocol: "SASL_SSL", saslMechanism: k.mechanism, username: k.username, caCert: k.ca },
                },
                "lakehouse:iceberg": { namespace: names.namespace },
            };
        },

        /** The stack's secrets on the secured services, by config key (SECURED_STACK_SECRET_KEYS). */
        secrets(): Record<(typeof SECURED_STACK_SECRET_KEYS)[number], string> {
            return {
                "lakehouse:kafkaPassword": kafka().password,
                "lakehouse:nessieToken": nessie().api.token!,
                "lakehouse:minioRootPassword": minio().secretAccessKey,
            };
        },

        /** The stack's Iceberg table names on nessie-tls (`<namespace>.<table>`). */
        async tables(): Promise<string[]> {
            const entries: { type: string; name: { elements: string[] } }[] = (await nessieRequest(nessie().api, "GET", "/trees/main/entries")).entries;
            return entries.filter((e) => e.type === "ICEBERG_TABLE" && e.name.elements[0] === names.namespace).map((e) => e.name.elements.join("."));
        },

        /** Every key in the stack's bucket on minio-tls; none when it is not there. */
        bucketKeys: async () => ((await bucketThere()) ? listAllKeys(minio().s3, names.bucket) : []),

        /**
         * Expects the stack's CDC topics and Connect's internal topics (`internal`, as the worker's env names
         * them) on kafka-tls, and none of them on the harness's plaintext Kafka.
         */
        async expectTopicsOnSecuredKafkaOnly(internal: string[]): Promise<void> {
            const onSecured = await topics();
            const cdcTopics = onSecured.filter((t) => t.startsWith(`${names.topicPrefix}.`));
            expect(cdcTopics.length).toBeGreaterThan(0);
            expect(onSecured).toEqual(expect.arrayContaining(internal));
            const plain = new Kafka({
                clientId: `${names.stack}-it-plain`,
                logLevel: logLevel.NOTHING,
                brokers: [endpoints({ ctx }).kafka.bootstrapServers],
            }).admin();
            await plain.connect();
            const onPlain = await plain.listTopics().finally(() => plain.disconnect());
            expect(onPlain.filter((t) => [...internal, ...cdcTopics].includes(t))).toEqual([]);
        },

        /** Removes the stack's topics only (before a run: a bucket or namespace of a new run's name is not there yet). */
        removeTopics,

        /** Removes what the stack left on the secured services and the program keeps: its topics, namespace and bucket; each failure logged, none thrown. */
        async removeAll(): Promise<void> {
            await removeTopics().catch((err) => log(`removing the stack's topics failed: ${(err as Error).message}`));
            await removeNamespace().catch((err) => log(`removing the stack's namespace failed: ${(err as Error).message}`));
            await removeBucket().catch((err) => log(`removing the stack's bucket failed: ${(err as Error).message}`));
            // minio() throws when minio-tls has no address for containers: then it made no client to close.
            await Promise.resolve()
                .then(() => minio().s3.destroy())
                .catch(() => undefined);
        },
    };
}

export type SecuredStackServices = ReturnType<typeof securedStackServices>;
