/**
 * A stack's outputs as the operational scripts (`npm run health`, `npm run canary`) read them: the
 * contract of components/outputs/contract.ts (README "Stack outputs") made tolerant, its parser
 * (outputs added in later versions, such as `source` and `pipelineTables`, may be missing from an
 * older deployment), the per-table view of the pipeline the checks walk, and the reader (the offline
 * Pulumi CLI, or a file).
 *
 * Everything but `readStackOutputs` is pure.
 */
import * as fs from "fs";
import type * as contract from "../components/outputs/contract";
import { REPO_DIR, runPulumi } from "../harness/pulumi/cli";
import { useServiceAccess } from "./http";

/** An endpoint as the stack exports it: on the stack's network, and from the machine that ran Pulumi (see components/outputs/contract.ts). */
export type UrlPair = contract.UrlPair;

/** The captured source (output `source`). */
export type SourceOutput = contract.SourceOutput;

/** How one captured table flows (output `pipelineTables.<table>`). */
export type PipelineTableOutput = contract.PipelineTableOutput;

/** The stack's credentials (secret output `credentials`, read with --show-secrets); each part may be missing. */
export type StackCredentials = Partial<contract.StackCredentials>;

/** `T` with the fields `K` optional. */
type WithOptional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/**
 * The stack outputs the scripts use: the contract (components/outputs/contract.ts) read tolerantly.
 * Every output is optional (a check whose input is missing says so), and so are the fields a stack
 * deployed by an older version, or not yet deployed, may lack.
 */
export interface StackOutputs extends Partial<
    Omit<contract.LakehouseStackOutputs, "connector" | "flinkJobs" | "tableMaintenance" | "periodicSavepoints" | "dremioSource" | contract.CredentialOutputName>
> {
    tableMaintenance?: Omit<contract.TableMaintenanceOutput, "job"> & { job: WithOptional<contract.FlinkJobOutput, "jobId" | "state" | "lastSavepoint"> };
    periodicSavepoints?: Omit<contract.PeriodicSavepointsOutput, "job"> & { job: WithOptional<contract.FlinkJobOutput, "jobId" | "state" | "lastSavepoint"> };
    connector?: WithOptional<contract.ConnectorOutput, "state" | "replicationSlot">;
    flinkJobs?: Record<string, WithOptional<contract.FlinkJobOutput, "jobId" | "state" | "lastSavepoint">>;
    dremioSource?: WithOptional<contract.DremioSourceOutput, "id">;
    credentials?: StackCredentials;
    warehouseCredentials?: contract.WarehouseCredentials;
    dremioCredentials?: contract.DremioCredentials;
}

/** Parsed outputs, with what was malformed (each problem names the output). */
export interface ParsedOutputs {
    outputs: StackOutputs;
    problems: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/** A Flink job output (`flinkJobs.<table>`, `tableMaintenance.job`, `periodicSavepoints.job`) whose name was checked: what it holds of the rest. */
function readJob(j: Record<string, unknown>): WithOptional<contract.FlinkJobOutput, "jobId" | "state" | "lastSavepoint"> {
    return {
        name: j.name as string,
        ...(isString(j.jobId) ? { jobId: j.jobId } : {}),
        ...(isString(j.state) ? { state: j.state } : {}),
        ...(isString(j.lastSavepoint) ? { lastSavepoint: j.lastSavepoint } : {}),
    };
}

/**
 * Validates the JSON of `pulumi stack output --json --show-secrets`. Malformed outputs are dropped and
 * listed in `problems` (the checks that need them then report them missing); unknown outputs are ignored.
 * A `credentials` output of "[secret]" means the outputs were read without --show-secrets.
 */
export function parseStackOutputs(raw: unknown): ParsedOutputs {
    const problems: string[] = [];
    if (!isObject(raw)) return { outputs: {}, problems: ["the stack outputs are not a JSON object"] };
    const out: StackOutputs = {};
    const urlPair = (key: string): UrlPair | undefined => {
        const v = raw[key];
        if (v === undefined) return undefined;
        if (isObject(v) && isString(v.internal) && (v.host === undefined || isString(v.host)))
            return { internal: v.internal, ...(isString(v.host) ? { host: v.host } : {}) };
        problems.push(`output ${key}: expected { internal, host }`);
        return undefined;
    };
    const stringMap = (key: string): Record<string, string> | undefined => {
        const v = raw[key];
        if (v === undefined) return undefined;
        if (isObject(v) && Object.values(v).every(isString)) return v as Record<string, string>;
        problems.push(`output ${key}: expected a map of strings`);
        return undefined;
    };
    const str = (key: string): string | undefined => {
        const v = raw[key];
        if (v === undefined) return undefined;
        if (isString(v)) return v;
        problems.push(`output ${key}: expected a string`);
        return undefined;
    };
    const set = <K extends keyof StackOutputs>(key: K, value: StackOutputs[K] | undefined) => {
        if (value !== undefined) out[key] = value;
    };

    set("platform", str("platform"));
    if (raw.connectionSecurity !== undefined) {
        const c = raw.connectionSecurity;
        const strings = (v: Record<string, unknown>) =>
            Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === "string")) as Record<string, string>;
        const n = isObject(c) ? c.nessie : undefined;
        const nessieOk = n === undefined || (isObject(n) && (n.auth === "none" || n.auth === "bearer"));
        // The services whose entry is only the CA of their https URL, present when the stack gives one.
        const caOnly = (["connect", "dremio", "s3", "flink"] as const).filter((key) => isObject(c) && c[key] !== undefined);
        const caOk = caOnly.every((key) => isObject(c) && isObject(c[key]) && isString((c[key] as Record<string, unknown>).caCert));
        if (isObject(c) && isObject(c.kafka) && isString(c.kafka.protocol) && isObject(c.postgres) && isString(c.postgres.sslmode) && nessieOk && caOk)
            out.connectionSecurity = {
                kafka: strings(c.kafka) as contract.ConnectionSecurityOutput["kafka"],
                postgres: strings(c.postgres) as contract.ConnectionSecurityOutput["postgres"],
                ...(isObject(n) ? { nessie: strings(n) as contract.ConnectionSecurityOutput["nessie"] } : {}),
                ...Object.fromEntries(caOnly.map((key) => [key, { caCert: String((c[key] as Record<string, unknown>).caCert) }])),
            };
        else
            problems.push(
                'output connectionSecurity: expected { kafka: { protocol, ... }, postgres: { sslmode, ... }[, nessie: { auth: "none" | "bearer", caCert? }][, connect: { caCert }][, dremio: { caCert }][, s3: { caCert }][, flink: { caCert }] }',
            );
    }
    if (raw.endpoints !== undefined) {
        if (isObject(raw.endpoints)) {
            const eps: Record<string, UrlPair> = {};
            for (const [name, e] of Object.entries(raw.endpoints)) {
                if (isObject(e) && isString(e.internal)) eps[name] = { internal: e.internal, ...(isString(e.host) ? { host: e.host } : {}) };
                else problems.push(`output endpoints.${name}: expected { internal, host }`);
            }
            out.endpoints = eps;
        } else problems.push("output endpoints: expected a map of { internal, host }");
    }
    for (const key of ["kafkaBootstrapServers", "kafkaConnectUrl", "flinkRestUrl", "flinkSqlGatewayUrl", "nessieApiUri", "s3Endpoint", "dremioUrl"] as const)
        set(key, urlPair(key));
    for (const key of ["cdcTopics", "icebergTables", "icebergChangeTables", "dremioTables"] as const) set(key, stringMap(key));
    for (const key of ["s3Region", "warehouse", "icebergCatalog", "nessieBranch"] as const) set(key, str(key));

    if (raw.source !== undefined) {
        const s = raw.source;
        if (isObject(s) && isString(s.database) && isString(s.schema) && Array.isArray(s.tables) && s.tables.every(isString)) {
            out.source = { database: s.database, schema: s.schema, publication: isString(s.publication) ? s.publication : "", tables: s.tables as string[] };
        } else problems.push("output source: expected { database, schema, publication, tables }");
    }
    if (raw.pipelineTables !== undefined) {
        if (isObject(raw.pipelineTables)) {
            const tables: Record<string, PipelineTableOutput> = {};
            for (const [table, t] of Object.entries(raw.pipelineTables)) {
                if (
                    isObject(t) &&
                    ["append", "upsert", "both"].includes(t.mode as string) &&
                    isString(t.topic) &&
                    isString(t.job) &&
                    Array.isArray(t.consumerGroups) &&
                    t.consumerGroups.every(isString)
                ) {
                    tables[table] = {
                        mode: t.mode as PipelineTableOutput["mode"],
                        topic: t.topic,
                        job: t.job,
                        consumerGroups: t.consumerGroups as string[],
                        ...(isString(t.upsertTable) ? { upsertTable: t.upsertTable } : {}),
                        ...(isString(t.changelogTable) ? { changelogTable: t.changelogTable } : {}),
                    };
                } else problems.push(`output pipelineTables.${table}: expected { mode, topic, job, consumerGroups, upsertTable?, changelogTable? }`);
            }
            out.pipelineTables = tables;
        } else problems.push("output pipelineTables: expected a map of tables");
    }
    if (raw.connector !== undefined) {
        const c = raw.connector;
        if (isObject(c) && isString(c.name)) {
            out.connector = {
                name: c.name,
                ...(isString(c.state) ? { state: c.state } : {}),
                ...(isString(c.replicationSlot) ? { replicationSlot: c.replicationSlot } : {}),
            };
        } else problems.push("output connector: expected { name, state, replicationSlot }");
    }
    if (raw.flinkJobs !== undefined) {
        if (isObject(raw.flinkJobs)) {
            const jobs: NonNullable<StackOutputs["flinkJobs"]> = {};
            for (const [table, j] of Object.entries(raw.flinkJobs)) {
                if (isObject(j) && isString(j.name)) {
                    jobs[table] = readJob(j);
                } else problems.push(`output flinkJobs.${table}: expected { name, jobId, state }`);
            }
            out.flinkJobs = jobs;
        } else problems.push("output flinkJobs: expected a map of jobs");
    }
    if (raw.tableMaintenance !== undefined) {
        const m = raw.tableMaintenance;
        const numbers = (v: unknown, keys: string[]) => isObject(v) && keys.every((k) => typeof v[k] === "number");
        if (
            isObject(m) &&
            isObject(m.job) &&
            isString(m.job.name) &&
            Array.isArray(m.tables) &&
            m.tables.every(isString) &&
            numbers(m.expireSnapshots, ["intervalSeconds", "maxSnapshotAgeSeconds", "retainLast"]) &&
            numbers(m.rewriteDataFiles, ["intervalSeconds"]) &&
            numbers(m.deleteOrphanFiles, ["intervalSeconds", "minAgeSeconds"])
        ) {
            out.tableMaintenance = {
                job: readJob(m.job),
                tables: m.tables as string[],
                expireSnapshots: m.expireSnapshots as contract.TableMaintenanceOutput["expireSnapshots"],
                rewriteDataFiles: m.rewriteDataFiles as contract.TableMaintenanceOutput["rewriteDataFiles"],
                deleteOrphanFiles: m.deleteOrphanFiles as contract.TableMaintenanceOutput["deleteOrphanFiles"],
            };
        } else problems.push("output tableMaintenance: expected { job: { name, jobId, state }, tables, expireSnapshots, rewriteDataFiles, deleteOrphanFiles }");
    }
    if (raw.periodicSavepoints !== undefined) {
        const p = raw.periodicSavepoints;
        if (
            isObject(p) &&
            isObject(p.job) &&
            isString(p.job.name) &&
            Array.isArray(p.jobs) &&
            p.jobs.every(isString) &&
            ["intervalSeconds", "kept", "timeoutSeconds"].every((k) => typeof p[k] === "number")
        ) {
            out.periodicSavepoints = {
                job: readJob(p.job),
                jobs: p.jobs as string[],
                intervalSeconds: p.intervalSeconds as number,
                kept: p.kept as number,
                timeoutSeconds: p.timeoutSeconds as number,
            };
        } else problems.push("output periodicSavepoints: expected { job: { name, jobId, state }, jobs, intervalSeconds, kept, timeoutSeconds }");
    }
    if (raw.dremioSource !== undefined) {
        const d = raw.dremioSource;
        if (isObject(d) && isString(d.name)) out.dremioSource = { name: d.name, ...(isString(d.id) ? { id: d.id } : {}) };
        else problems.push("output dremioSource: expected { name, id }");
    }
    const userPass = (v: unknown) =>
        isObject(v) && isString(v.username) && typeof v.password === "string" ? { username: v.username, password: v.password } : undefined;
    const keys = (v: unknown) =>
        isObject(v) && isString(v.accessKeyId) && typeof v.secretAccessKey === "string"
            ? { accessKeyId: v.accessKeyId, secretAccessKey: v.secretAccessKey }
            : undefined;
    if (raw.credentials !== undefined) {
        if (raw.credentials === "[secret]") {
            problems.push("output credentials is hidden ([secret]): read the outputs with `pulumi stack output --json --show-secrets`");
        } else if (isObject(raw.credentials)) {
            const c = raw.credentials;
            const creds: StackCredentials = {};
            const pg = userPass(c.postgres);
            if (pg) creds.postgres = pg;
            const repl = userPass(c.replication);
            if (repl) creds.replication = repl;
            const s3 = keys(c.s3);
            if (s3) creds.s3 = s3;
            const minio = keys(c.minio);
            if (minio) creds.minio = minio;
            const dremio = userPass(c.dremio);
            if (dremio) creds.dremio = dremio;
            const kafka = userPass(c.kafka);
            if (kafka) creds.kafka = kafka;
            if (isString(c.kafkaClientKey)) creds.kafkaClientKey = c.kafkaClientKey;
            if (isString(c.postgresClientKey)) creds.postgresClientKey = c.postgresClientKey;
            if (isString(c.nessieToken)) creds.nessieToken = c.nessieToken;
            out.credentials = creds;
        } else problems.push("output credentials: expected an object");
    }
    // The consumers' credential outputs: no check needs them, so hidden ones ([secret]) are no problem.
    if (raw.warehouseCredentials !== undefined && raw.warehouseCredentials !== "[secret]") {
        const w = keys(raw.warehouseCredentials);
        if (w) out.warehouseCredentials = w;
        else problems.push("output warehouseCredentials: expected { accessKeyId, secretAccessKey }");
    }
    if (raw.dremioCredentials !== undefined && raw.dremioCredentials !== "[secret]") {
        const d = raw.dremioCredentials;
        if (isObject(d) && isString(d.userName) && typeof d.password === "string") out.dremioCredentials = { userName: d.userName, password: d.password };
        else problems.push("output dremioCredentials: expected { userName, password }");
    }
    return { outputs: out, problems };
}

/** Every secret value of the outputs (for redaction): passwords and secret keys. */
export function secretValues(outputs: StackOutputs): string[] {
    const c = outputs.credentials ?? {};
    return [
        c.postgres?.password,
        c.replication?.password,
        c.s3?.secretAccessKey,
        c.minio?.secretAccessKey,
        c.dremio?.password,
        c.kafka?.password,
        c.kafkaClientKey,
        c.postgresClientKey,
        c.nessieToken,
        outputs.warehouseCredentials?.secretAccessKey,
        outputs.dremioCredentials?.password,
    ].filter((s): s is string => typeof s === "string" && s.length > 0);
}

/** Replaces every occurrence of a secret (at least 4 characters) by `[secret]`. */
export function redact(text: string, secrets: readonly string[]): string {
    let out = text;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
        if (secret.length >= 4) out = out.split(secret).join("[secret]");
    }
    return out;
}

/** One Iceberg table a captured table is written to. */
export interface IcebergTableRef {
    /** `upsert`: the mirror of the source table; `changelog`: every change appended. */
    kind: "upsert" | "changelog";
    /** `<catalog>.<namespace>.<table>` as exported. */
    identifier: string;
}

/** One captured table's path through the pipeline, as the checks walk it. */
export interface TablePipeline {
    table: string;
    mode: "append" | "upsert" | "both";
    topic?: string;
    /** The Flink job's name (found by name when the exported job id is stale). */
    jobName?: string;
    /** The job id recorded at the last deploy. */
    jobId?: string;
    consumerGroups: string[];
    icebergTables: IcebergTableRef[];
    /** What was derived from older outputs rather than read (said in the checks' details). */
    derived: string[];
}

/**
 * The captured tables and how each flows. Uses `pipelineTables` when the stack exports it; otherwise
 * derives the same from the older outputs (`cdcTopics`, `icebergTables`, `icebergChangeTables`,
 * `flinkJobs`), with the consumer groups named as jobs/upsert.sql and jobs/append.sql name them
 * (`<job>-current`, `<job>-changes`), and says so in `derived`.
 */
export function pipelineView(o: StackOutputs): TablePipeline[] {
    const names = new Set<string>([...(o.source?.tables ?? []), ...Object.keys(o.pipelineTables ?? {})]);
    if (names.size === 0)
        for (const t of [...Object.keys(o.cdcTopics ?? {}), ...Object.keys(o.flinkJobs ?? {}), ...Object.keys(o.icebergTables ?? {})]) names.add(t);
    return [...names].map((table) => {
        const p = o.pipelineTables?.[table];
        const job = o.flinkJobs?.[table];
        if (p) {
            const icebergTables: IcebergTableRef[] = [];
            if (p.upsertTable) icebergTables.push({ kind: "upsert", identifier: p.upsertTable });
            if (p.changelogTable) icebergTables.push({ kind: "changelog", identifier: p.changelogTable });
            return {
                table,
                mode: p.mode,
                topic: p.topic,
                jobName: p.job,
                ...(job?.jobId ? { jobId: job.jobId } : {}),
                consumerGroups: p.consumerGroups,
                icebergTables,
                derived: [],
            };
        }
        const derived = ["pipelineTables output absent: consumer groups and tables derived from the older outputs"];
        const icebergTables: IcebergTableRef[] = [];
        const upsert = o.icebergTables?.[table];
        const changelog = o.icebergChangeTables?.[table];
        if (upsert) icebergTables.push({ kind: "upsert", identifier: upsert });
        if (changelog) icebergTables.push({ kind: "changelog", identifier: changelog });
        const mode = upsert && changelog ? "both" : changelog ? "append" : "upsert";
        const consumerGroups = job ? [...(upsert ? [`${job.name}-current`] : []), ...(changelog ? [`${job.name}-changes`] : [])] : [];
        return {
            table,
            mode,
            topic: o.cdcTopics?.[table],
            jobName: job?.name,
            ...(job?.jobId ? { jobId: job.jobId } : {}),
            consumerGroups,
            icebergTables,
            derived,
        };
    });
}

/** The Nessie content key of an Iceberg identifier: the identifier without its catalog part. */
export function nessieContentKey(identifier: string): string {
    const parts = identifier.split(".");
    if (parts.length < 3) throw new Error(`"${identifier}" is not a <catalog>.<namespace>.<table> identifier`);
    return parts.slice(1).join(".");
}

/** `s3://bucket/some/path` -> { bucket, prefix: "some/path/" } (prefix "" at the bucket's root). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
    const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!m) throw new Error(`"${uri}" is not an s3://<bucket>/<path> location`);
    const prefix = m[2].replace(/^\/+/, "");
    return { bucket: m[1], prefix: prefix && !prefix.endsWith("/") ? `${prefix}/` : prefix };
}

/** `host:port` (or `host`) -> { host, port }; `defaultPort` when none is given. */
export function parseHostPort(address: string, defaultPort: number): { host: string; port: number } {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address.trim());
    if (!m || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) throw new Error(`"${address}" is not a host:port address`);
    return { host: m[1], port: m[2] === undefined ? defaultPort : Number(m[2]) };
}

/** Where the outputs come from. */
export interface OutputsSource {
    /** Stack name, for the Pulumi CLI (and the report). */
    stack: string;
    /** A file holding the JSON of `pulumi stack output --json --show-secrets` (instead of the CLI). */
    outputsFile?: string;
    /** Working directory of the CLI: the Pulumi project (default the repository root). */
    cwd?: string;
    /** Bound of the CLI call (default 60 s). */
    timeoutMs?: number;
}

/**
 * Reads the stack's outputs: from `outputsFile`, or by running the offline Pulumi CLI (harness/pulumi/cli.ts:
 * file backend ./.pulumi-state unless PULUMI_BACKEND_URL is set, the local passphrase unless one is set).
 * Errors carry the CLI's stderr, never its stdout (which holds the secrets).
 */
export async function readStackOutputs(src: OutputsSource): Promise<ParsedOutputs> {
    let text: string;
    if (src.outputsFile) {
        try {
            text = fs.readFileSync(src.outputsFile, "utf8");
        } catch (err) {
            throw new Error(`cannot read the outputs file ${src.outputsFile}: ${(err as Error).message}`);
        }
    } else {
        const result = await runPulumi(["stack", "output", "--json", "--show-secrets", "--stack", src.stack], {
            cwd: src.cwd ?? REPO_DIR,
            timeoutMs: src.timeoutMs ?? 60_000,
        });
        if (result.code !== 0) {
            const why = result.timedOut ? `timed out after ${Math.round((src.timeoutMs ?? 60_000) / 1000)} s` : `exited ${result.code}`;
            throw new Error(`\`pulumi stack output --stack ${src.stack}\` ${why}: ${result.stderr.trim().split("\n").slice(-5).join(" ") || "no message"}`);
        }
        text = result.stdout;
    }
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (err) {
        throw new Error(`the stack outputs${src.outputsFile ? ` in ${src.outputsFile}` : ""} are not JSON: ${(err as Error).message}`);
    }
    return parseStackOutputs(raw);
}

/** How the stack's Kafka is reached (`connectionSecurity.kafka` and its secrets in `credentials`); PLAINTEXT when the outputs say nothing. */
export function kafkaAccess(outputs: StackOutputs): {
    security?: contract.ConnectionSecurityOutput["kafka"];
    credentials?: { password?: string; clientKey?: string };
} {
    const security = outputs.connectionSecurity?.kafka;
    if (!security || security.protocol === "PLAINTEXT") return {};
    const c = outputs.credentials ?? {};
    return {
        security,
        credentials: { ...(c.kafka?.password ? { password: c.kafka.password } : {}), ...(c.kafkaClientKey ? { clientKey: c.kafkaClientKey } : {}) },
    };
}

/** TLS to the stack's PostgreSQL (`connectionSecurity.postgres` with the client key from `credentials`); undefined for sslmode disable. */
export function postgresTls(outputs: StackOutputs): (contract.ConnectionSecurityOutput["postgres"] & { clientKey?: string }) | undefined {
    const tls = outputs.connectionSecurity?.postgres;
    if (!tls || tls.sslmode === "disable") return undefined;
    return { ...tls, ...(outputs.credentials?.postgresClientKey ? { clientKey: outputs.credentials.postgresClientKey } : {}) };
}

/**
 * How the stack's Nessie is reached beyond its URL (`connectionSecurity.nessie`, the token from
 * `credentials`): the CA to trust and the bearer token; nothing for a plain Nessie.
 */
export function nessieAccess(outputs: StackOutputs): { caCert?: string; token?: string } {
    const n = outputs.connectionSecurity?.nessie;
    const token = outputs.credentials?.nessieToken;
    return { ...(n?.caCert ? { caCert: n.caCert } : {}), ...(n?.auth === "bearer" && token ? { token } : {}) };
}

/**
 * Registers, for this process's requests (ops/http.ts), what the stack's secured services want beyond
 * their URLs: Nessie's CA and bearer token, the CAs of Connect, Dremio and Flink (its REST API and SQL Gateway). The health check and the canary call it with the outputs.
 */
export function useStackAccess(outputs: StackOutputs): void {
    const nessie = nessieAccess(outputs);
    const access = {
        ...(nessie.caCert ? { caCert: nessie.caCert } : {}),
        ...(nessie.token ? { headers: { Authorization: `Bearer ${nessie.token}` } } : {}),
    };
    for (const url of [outputs.nessieApiUri?.host, outputs.nessieApiUri?.internal]) if (url) useServiceAccess(url, access);
    const connectCa = outputs.connectionSecurity?.connect?.caCert;
    if (connectCa) for (const url of [outputs.kafkaConnectUrl?.host, outputs.kafkaConnectUrl?.internal]) if (url) useServiceAccess(url, { caCert: connectCa });
    const dremioCa = outputs.connectionSecurity?.dremio?.caCert;
    if (dremioCa) for (const url of [outputs.dremioUrl?.host, outputs.dremioUrl?.internal]) if (url) useServiceAccess(url, { caCert: dremioCa });
    const flinkCa = outputs.connectionSecurity?.flink?.caCert;
    if (flinkCa)
        for (const pair of [outputs.flinkRestUrl, outputs.flinkSqlGatewayUrl])
            for (const url of [pair?.host, pair?.internal]) if (url) useServiceAccess(url, { caCert: flinkCa });
}
