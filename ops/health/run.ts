/**
 * Running the checks of `npm run health`: `runHealthChecks` walks the stack's outputs, asks the
 * injected HealthProbes for the measurements (concurrently, each bounded), and hands them to the
 * verdict rules; a probe's error becomes its check's FAIL, with secrets redacted.
 */
import {
    StackOutputs,
    UrlPair,
    kafkaAccess,
    nessieContentKey,
    parseHostPort,
    parseS3Uri,
    pipelineView,
    postgresTls,
    redact,
    secretValues,
    useStackAccess,
} from "../outputs";
import { CheckResult, MetricValue } from "./check";
import { HealthProbes, KafkaMeasurement, PgTarget, S3Target } from "./measurements";
import {
    HealthThresholds,
    evaluateBucket,
    evaluateConnector,
    evaluateConsumerGroup,
    evaluateDataFiles,
    evaluateDremio,
    evaluateFlinkCluster,
    evaluateFlinkJob,
    evaluateKafkaBroker,
    evaluateNessieServer,
    evaluateNessieTable,
    evaluateSlot,
    evaluateTableFiles,
    evaluateTopic,
} from "./rules";

/** Runs `work` bounded by `ms` (a probe that ignores its own timeout still cannot hang the report). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`)), ms);
    });
    try {
        return await Promise.race([work, timeout]);
    } finally {
        if (timer) clearTimeout(timer);
    }
}

const fail = (name: string, detail: string, metrics: Record<string, MetricValue> = {}): CheckResult => ({ name, status: "FAIL", detail, metrics });
const missing = (name: string, outputs: string[], hint: string): CheckResult => fail(name, `stack output ${outputs.join(" / ")} missing: ${hint}`);
const errorText = (err: unknown): string => (err as Error)?.message ?? String(err);

/** `http://localhost:9000` host of a pair; undefined when not published to this machine. */
function hostUrl(pair: UrlPair | undefined): string | undefined {
    return pair?.host;
}

/** Path-style S3 (MinIO, S3-compatible stores) unless the endpoint is AWS's. */
export function s3PathStyle(outputs: StackOutputs): boolean {
    if (outputs.credentials?.minio) return true;
    return !/amazonaws\.com/.test(outputs.s3Endpoint?.host ?? outputs.s3Endpoint?.internal ?? "");
}

/** The S3 target of the stack, or why there is none. */
export function s3Target(o: StackOutputs): S3Target | string {
    const endpoint = hostUrl(o.s3Endpoint);
    if (!endpoint) return "s3Endpoint.host (the S3 endpoint as this machine reaches it)";
    if (!o.credentials?.s3) return "credentials.s3 (read the outputs with --show-secrets)";
    return {
        endpoint,
        region: o.s3Region ?? "us-east-1",
        accessKeyId: o.credentials.s3.accessKeyId,
        secretAccessKey: o.credentials.s3.secretAccessKey,
        forcePathStyle: s3PathStyle(o),
        ...(o.connectionSecurity?.s3?.caCert ? { caCert: o.connectionSecurity.s3.caCert } : {}),
    };
}

/** The table location of an Iceberg metadata file: `<location>/metadata/<file>` -> `<location>`. */
export function tableLocation(metadataLocation: string): string {
    const i = metadataLocation.lastIndexOf("/metadata/");
    return i === -1 ? metadataLocation.slice(0, metadataLocation.lastIndexOf("/")) : metadataLocation.slice(0, i);
}

/**
 * Every check of the stack, in a fixed order (Flink, Kafka, Connect, S3, Nessie, PostgreSQL, Dremio).
 * The services are probed concurrently; a probe's error becomes its check's FAIL, with secrets redacted.
 */
export async function runHealthChecks(
    outputs: StackOutputs,
    problems: string[],
    t: HealthThresholds,
    probes: HealthProbes,
    now: () => number = Date.now,
): Promise<CheckResult[]> {
    const ms = t.timeoutSeconds * 1000;
    useStackAccess(outputs);
    const tables = pipelineView(outputs);
    const secrets = secretValues(outputs);
    const derivedNote = tables.some((x) => x.derived.length) ? tables.find((x) => x.derived.length)!.derived[0] : undefined;

    const groups: Promise<CheckResult[]>[] = [];
    const guarded = (label: string, work: () => Promise<CheckResult[]>) => groups.push(work().catch((err) => [fail(label, errorText(err))]));

    // Flink: the cluster, then each table's job (with its newest savepoint where the stack takes them periodically).
    const periodic = outputs.periodicSavepoints;
    guarded("flink.cluster", async () => {
        const rest = hostUrl(outputs.flinkRestUrl);
        if (!rest) return [missing("flink.cluster", ["flinkRestUrl.host"], "Flink's REST API is not published to this machine")];
        const out: CheckResult[] = [];
        try {
            out.push(evaluateFlinkCluster(rest, await withTimeout(probes.flinkOverview(rest, ms), ms, "Flink GET /overview")));
        } catch (err) {
            out.push(fail("flink.cluster", `Flink REST at ${rest} unreachable: ${errorText(err)}`));
            return out;
        }
        const jobs = await Promise.all(
            tables.map(async (tp) => {
                const name = `flink.job.${tp.table}`;
                if (!tp.jobName && !tp.jobId)
                    return missing(
                        name,
                        [`flinkJobs.${tp.table}`, `pipelineTables.${tp.table}.job`],
                        "the stack manages no Flink job for this table (services not reachable from Pulumi?)",
                    );
                const ref = { ...(tp.jobId ? { jobId: tp.jobId } : {}), ...(tp.jobName ? { name: tp.jobName } : {}) };
                try {
                    return evaluateFlinkJob(
                        tp.table,
                        ref,
                        await withTimeout(probes.flinkJob(rest, ref, ms), ms * 3, `Flink job ${tp.jobName ?? tp.jobId}`),
                        t,
                        now(),
                        periodic && tp.jobName && periodic.jobs.includes(tp.jobName) ? periodic : undefined,
                    );
                } catch (err) {
                    return fail(name, `reading job ${tp.jobName ?? tp.jobId}: ${errorText(err)}`);
                }
            }),
        );
        // The stack's own jobs beside the table jobs: table maintenance, periodic savepoints.
        const ownJobs = [
            { label: "table-maintenance", job: outputs.tableMaintenance?.job },
            { label: "periodic-savepoints", job: periodic?.job },
        ];
        for (const { label, job } of ownJobs) {
            if (!job) continue;
            const ref = { ...(job.jobId ? { jobId: job.jobId } : {}), name: job.name };
            try {
                jobs.push(evaluateFlinkJob(label, ref, await withTimeout(probes.flinkJob(rest, ref, ms), ms * 3, `Flink job ${job.name}`), t, now()));
            } catch (err) {
                jobs.push(fail(`flink.job.${label}`, `reading job ${job.name}: ${errorText(err)}`));
            }
        }
        return [...out, ...jobs];
    });

    // Kafka: the broker, each table's topic and the job's consumer groups.
    guarded("kafka.broker", async () => {
        const bootstrap = hostUrl(outputs.kafkaBootstrapServers);
        if (!bootstrap) return [missing("kafka.broker", ["kafkaBootstrapServers.host"], "Kafka is not published to this machine")];
        const topics = tables.filter((x) => x.topic).map((x) => x.topic!);
        const pairs = tables.flatMap((x) => (x.topic ? x.consumerGroups.map((group) => ({ group, topic: x.topic! })) : []));
        let m: KafkaMeasurement;
        try {
            m = await withTimeout(probes.kafka(bootstrap, topics, pairs, ms, kafkaAccess(outputs)), ms * 2, `Kafka at ${bootstrap}`);
        } catch (err) {
            return [fail("kafka.broker", `Kafka at ${bootstrap} unreachable: ${errorText(err)}`)];
        }
        const out = [evaluateKafkaBroker(bootstrap, m)];
        for (const tp of tables) {
            if (!tp.topic) {
                out.push(missing(`kafka.topic.${tp.table}`, [`cdcTopics.${tp.table}`, `pipelineTables.${tp.table}.topic`], "no topic known for this table"));
                continue;
            }
            const partitions = m.topics[tp.topic] ?? null;
            out.push(evaluateTopic(tp.table, tp.topic, partitions));
            if (!tp.consumerGroups.length)
                out.push(
                    missing(
                        `kafka.lag.${tp.table}`,
                        [`pipelineTables.${tp.table}.consumerGroups`, `flinkJobs.${tp.table}`],
                        "the job's consumer groups are unknown",
                    ),
                );
            for (const group of tp.consumerGroups) {
                const g = m.groups[group];
                // A group that never committed on the topic reads as no commits ({}), not as an error.
                const committed =
                    g === undefined ? undefined : "error" in g ? (g as { error: string }) : ((g as Record<string, Record<number, number>>)[tp.topic] ?? {});
                const c = evaluateConsumerGroup(group, tp.topic, partitions, committed, t);
                if (tp.derived.length) c.detail += ` (group name derived: ${derivedNote})`;
                out.push(c);
            }
        }
        return out;
    });

    // Kafka Connect: the connector and its tasks.
    guarded("connect.connector", async () => {
        const url = hostUrl(outputs.kafkaConnectUrl);
        if (!url) return [missing("connect.connector", ["kafkaConnectUrl.host"], "Kafka Connect is not published to this machine")];
        if (!outputs.connector) return [missing("connect.connector", ["connector"], "the stack manages no connector (services not reachable from Pulumi?)")];
        try {
            return [
                evaluateConnector(
                    outputs.connector.name,
                    outputs.connector.state,
                    await withTimeout(probes.connector(url, outputs.connector.name, ms), ms * 2, `Kafka Connect at ${url}`),
                    url,
                ),
            ];
        } catch (err) {
            return [fail("connect.connector", `Kafka Connect at ${url}: ${errorText(err)}`)];
        }
    });

    // Nessie: the server and each Iceberg table's last commit; then S3: the bucket and each table's newest data file.
    guarded("nessie.server", async () => {
        const out: CheckResult[] = [];
        const api = hostUrl(outputs.nessieApiUri);
        const branch = outputs.nessieBranch ?? "main";
        const identifiers = tables.flatMap((x) => x.icebergTables.map((r) => r.identifier));
        const locations: Record<string, string | { error: string }> = {};
        const metadataLocations: Record<string, string> = {};
        const nessieChecks: CheckResult[] = [];
        if (!api) {
            nessieChecks.push(missing("nessie.server", ["nessieApiUri.host"], "Nessie is not published to this machine"));
            for (const id of identifiers) locations[id] = { error: "Nessie not reachable from this machine" };
        } else {
            let serverOk = false;
            try {
                const server = await withTimeout(probes.nessieServer(api, branch, ms), ms, `Nessie at ${api}`);
                nessieChecks.push(evaluateNessieServer(api, branch, server));
                serverOk = server.hash !== null;
            } catch (err) {
                nessieChecks.push(fail("nessie.server", `Nessie at ${api} unreachable: ${errorText(err)}`));
            }
            for (const id of identifiers) {
                const name = `nessie.table.${id}`;
                if (!serverOk) {
                    locations[id] = { error: "Nessie or its branch unavailable" };
                    continue;
                }
                let key: string;
                try {
                    key = nessieContentKey(id);
                } catch (err) {
                    nessieChecks.push(fail(name, errorText(err)));
                    locations[id] = { error: errorText(err) };
                    continue;
                }
                try {
                    const m = await withTimeout(probes.nessieTable(api, branch, key, ms), ms * 2, `Nessie table ${key}`);
                    nessieChecks.push(evaluateNessieTable(id, key, branch, m, t, now()));
                    locations[id] = m.content?.metadataLocation
                        ? tableLocation(m.content.metadataLocation)
                        : { error: `table ${key} has no metadata location in Nessie` };
                    if (m.content?.metadataLocation) metadataLocations[id] = m.content.metadataLocation;
                } catch (err) {
                    nessieChecks.push(fail(name, `reading ${key} from Nessie: ${errorText(err)}`));
                    locations[id] = { error: errorText(err) };
                }
            }
        }
        if (!identifiers.length) nessieChecks.push(missing("nessie.table", ["pipelineTables", "icebergTables"], "no Iceberg tables known"));

        // S3 after Nessie: the data location is the table's, as its metadata says.
        const target = s3Target(outputs);
        if (typeof target === "string") out.push(missing("s3.bucket", [target.split(" ")[0]], target));
        else if (!outputs.warehouse) out.push(missing("s3.bucket", ["warehouse"], "the warehouse location is unknown"));
        else {
            let bucket: string | undefined;
            try {
                bucket = parseS3Uri(outputs.warehouse).bucket;
                await withTimeout(probes.bucket(target, bucket, ms), ms, `S3 bucket ${bucket}`);
                out.push(evaluateBucket(bucket, target.endpoint));
            } catch (err) {
                out.push(fail("s3.bucket", `bucket ${bucket ?? outputs.warehouse} at ${target.endpoint}: ${errorText(err)}`));
                bucket = undefined;
            }
            if (bucket) {
                for (const id of identifiers) {
                    const name = `s3.data.${id}`;
                    const loc = locations[id];
                    if (typeof loc !== "string") {
                        out.push(fail(name, `table location unknown: ${loc?.error ?? "not read"}`));
                        continue;
                    }
                    try {
                        out.push(
                            evaluateDataFiles(id, await withTimeout(probes.dataFiles(target, `${loc}/data/`, ms), ms * 3, `listing ${loc}/data/`), t, now()),
                        );
                    } catch (err) {
                        out.push(fail(name, `listing ${loc}/data/: ${errorText(err)}`));
                    }
                    // The table's upkeep: snapshots, data and delete files, last compaction (its metadata file).
                    const metadata = metadataLocations[id];
                    if (!metadata) continue;
                    try {
                        const files = await withTimeout(probes.tableFiles(target, metadata, ms), ms * 2, `reading ${metadata}`);
                        out.push(evaluateTableFiles(id, files, t, outputs.tableMaintenance, now()));
                    } catch (err) {
                        out.push(fail(`iceberg.files.${id}`, `reading ${metadata}: ${errorText(err)}`));
                    }
                }
            }
        }
        return [...out, ...nessieChecks];
    });

    // PostgreSQL: the replication slot.
    guarded("postgres.slot", async () => {
        const address = outputs.endpoints?.postgres?.host;
        if (!address) return [missing("postgres.slot", ["endpoints.postgres.host"], "PostgreSQL is not published to this machine")];
        if (!outputs.connector?.replicationSlot) return [missing("postgres.slot", ["connector.replicationSlot"], "the stack manages no connector")];
        if (!outputs.credentials?.postgres) return [missing("postgres.slot", ["credentials.postgres"], "read the outputs with --show-secrets")];
        const { host, port } = parseHostPort(address, 5432);
        // The slot view is cluster-wide: without the `source` output, the maintenance database serves.
        const database = outputs.source?.database ?? "postgres";
        const tls = postgresTls(outputs);
        const pg: PgTarget = {
            host,
            port,
            user: outputs.credentials.postgres.username,
            password: outputs.credentials.postgres.password,
            database,
            ...(tls ? { tls } : {}),
        };
        try {
            const c = evaluateSlot(
                outputs.connector.replicationSlot,
                await withTimeout(probes.slot(pg, outputs.connector.replicationSlot, ms), ms * 2, `PostgreSQL at ${address}`),
                t,
            );
            if (!outputs.source) c.detail += " (source output absent: connected to database postgres)";
            return [c];
        } catch (err) {
            return [fail("postgres.slot", `PostgreSQL at ${address} (database ${database}): ${errorText(err)}`)];
        }
    });

    // Dremio: only when the stack has one.
    if (outputs.dremioUrl || outputs.dremioSource) {
        guarded("dremio.source", async () => {
            const url = hostUrl(outputs.dremioUrl);
            if (!url) return [missing("dremio.source", ["dremioUrl.host"], "Dremio is not published to this machine")];
            const creds = outputs.credentials?.dremio;
            if (!creds) return [missing("dremio.source", ["credentials.dremio"], "read the outputs with --show-secrets")];
            try {
                const m = await withTimeout(probes.dremio(url, creds.username, creds.password, outputs.dremioSource?.name, ms), ms * 2, `Dremio at ${url}`);
                if (!outputs.dremioSource)
                    return [
                        {
                            name: "dremio.source",
                            status: "WARN",
                            detail: `Dremio at ${url} answers and logs in, but the stack exports no dremioSource (not managed from here)`,
                            metrics: {},
                        },
                    ];
                return [evaluateDremio(outputs.dremioSource.name, outputs.dremioSource.id, m)];
            } catch (err) {
                return [fail("dremio.source", `Dremio at ${url}: ${errorText(err)}`)];
            }
        });
    }

    const results = (await Promise.all(groups)).flat();
    if (problems.length)
        results.unshift({ name: "outputs", status: "WARN", detail: `malformed stack outputs: ${problems.join("; ")}`, metrics: { problems: problems.length } });
    if (!tables.length) results.unshift(fail("outputs", "no captured tables in the stack outputs (source.tables, pipelineTables, cdcTopics)"));
    return results.map((r) => ({ ...r, detail: redact(r.detail, secrets) }));
}
