/**
 * The existing rows of a table added to a running pipeline, as a dynamic resource: one per captured
 * table. Debezium's `snapshot.mode=initial` reads the tables only at the connector's first start, so a
 * table added to `lakehouse:source.tables` later would get its changes but never its existing rows.
 *
 * - create: a table the CDC source did not add by an update (`addedAt` unset: it was captured when the
 *   pipeline was first deployed), or a connector without committed offsets (its first start is still to
 *   come or under way), is covered by the connector's initial snapshot: recorded, nothing sent. Otherwise
 *   the resource inserts Debezium's `execute-snapshot` signal (incremental) into the signal table, under
 *   a deterministic id (a retry, or a create re-run after a crash, finds the row and sends nothing
 *   twice), and waits, bounded and with progress lines, until the snapshot finished.
 * - "Finished" is read from what Connect exposes (no JMX): the connector's committed offsets
 *   (`GET /connectors/{name}/offsets`). While an incremental snapshot runs, every offset Debezium
 *   commits carries it (`incremental_snapshot_correlation_id` = the signal's id,
 *   `incremental_snapshot_collections`); Debezium keeps it there, so a restarted connector resumes the
 *   snapshot where it was. To know the signal was read at all (a small table's snapshot may start and
 *   end between two offset commits), the resource then inserts a `log` signal, a marker committed after
 *   the snapshot signal, and reads the WAL insert position just before it: once the committed offset's
 *   `lsn_commit` reaches that position, Debezium has read the marker, so the snapshot signal before it
 *   too; an offset that has and no longer names the snapshot means it finished.
 * - update: nothing on the servers, except resuming the wait of a snapshot that had not finished
 *   (a create that timed out, or a `pulumi up` interrupted while waiting, is recorded as `in progress`).
 * - delete: removes its signal rows (the captured data and the Iceberg tables are not touched).
 * - The admin password is a secret input, used for the signal inserts only, never in a message.
 * - Over TLS as `tls` says (the CDC source's: sslmode, CA, client certificate; its key in the secret `tlsClientKey`).
 * Methods use only global `fetch`, `require("pg")`, `require("crypto")`, this file's functions,
 * ./postgres-client, ./toolkit and ../config/patterns (they are serialized).
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { HTTP_BASE_URL, KAFKA_CONNECT_NAME, POSTGRES_IDENTIFIER } from "../config/patterns";
import { checkPostgresTls, withPostgres } from "./postgres-client";
import { InputDiff, engineDiff, inputDiff } from "./toolkit/diff";
import { caCertProblem, HttpTarget, httpTarget, requestJson, unlessNotFound } from "./toolkit/http";
import { pollUntil } from "./toolkit/poll";
import { printProgress } from "./toolkit/progress";
import { redact } from "./toolkit/redact";
import { isKnown } from "./toolkit/unknown";

export const TABLE_SNAPSHOT_PROVIDER_VERSION = 1;

/** Default bound (seconds) on the wait for a snapshot to finish. */
export const TABLE_SNAPSHOT_WAIT_SECONDS = 1800;

/** What a create found: why nothing was sent, or that a snapshot ran (or runs). */
export type SnapshotOutcome = "covered by the initial snapshot" | "snapshotted" | "in progress" | "signalled";

/** Inputs whose change makes another snapshot target: a new resource (its own signal). */
const IDENTITY_KEYS = ["database", "schema", "table", "connectorName"];
/** Inputs that say how Pulumi reaches things or waits: an update that does nothing on the servers. */
const ACCESS_KEYS = [
    "address",
    "tls",
    "tlsClientKey",
    "connectUrl",
    "connectCaCert",
    "adminUser",
    "adminPassword",
    "signalTable",
    "waitTimeoutSeconds",
    "version",
];

/**
 * The signal's id: deterministic in the connector, the table and when the CDC source recorded the table
 * as added (at most 42 characters, the signal table's id column). The same inputs give the same id, so a
 * retried create finds its row; a table removed and added again is a new addition, a new id.
 */
export function snapshotSignalId(connectorName: string, schema: string, table: string, addedAt: string): string {
    const { createHash } = require("crypto");
    return `lh-snap-${createHash("sha256").update(`${connectorName}\n${schema}.${table}\n${addedAt}`).digest("hex").slice(0, 24)}`;
}

/** The `data` of Debezium's `execute-snapshot` signal for one table (PostgreSQL names it `<schema>.<table>`). */
export function executeSnapshotData(schema: string, table: string): string {
    return JSON.stringify({ "data-collections": [`${schema}.${table}`], type: "incremental" });
}

/** A PostgreSQL LSN (`16/B374D848`) as a number (exact up to 2^53, far beyond any WAL position reached). */
export function lsnToNumber(lsn: string): number {
    const m = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(String(lsn).trim());
    if (!m) throw new Error(`not a PostgreSQL LSN: "${lsn}"`);
    return parseInt(m[1], 16) * 2 ** 32 + parseInt(m[2], 16);
}

/** The offset Debezium committed for the connector (its one source partition), from `GET /connectors/{name}/offsets`. */
export function committedOffset(answer: any): Record<string, any> | undefined {
    const entries: any[] = Array.isArray(answer?.offsets) ? answer.offsets : [];
    return entries.find((e) => e?.offset && typeof e.offset === "object")?.offset;
}

/** What one look at the committed offset says about the snapshot of `schema.table` signalled as `signalId`. */
export type SnapshotProgress = { phase: "unread"; seen: string } | { phase: "running"; seen: string } | { phase: "finished"; seen: string };

/**
 * Reads the snapshot's progress from the committed offset. `markerLsn`: the WAL insert position just
 * before the marker committed after the signal; an offset whose `lsn_commit` is at or past it was
 * committed after Debezium read the signal.
 */
export function snapshotProgress(offset: Record<string, any> | undefined, signalId: string, collection: string, markerLsn: number): SnapshotProgress {
    if (!offset) return { phase: "unread", seen: "the connector has committed no offset yet" };
    const collections = String(offset.incremental_snapshot_collections ?? "");
    const running = offset.incremental_snapshot_correlation_id === signalId || collections.includes(`"${collection}"`);
    if (running) return { phase: "running", seen: `Debezium's committed offset names the incremental snapshot of ${collection} (lsn ${offset.lsn ?? "?"})` };
    const commit = Number(offset.lsn_commit ?? offset.lsn ?? NaN);
    if (!Number.isFinite(commit) || commit <= markerLsn)
        return {
            phase: "unread",
            seen: `the connector has not yet read the signal (committed lsn_commit ${offset.lsn_commit ?? "none"} <= marker ${markerLsn})`,
        };
    return { phase: "finished", seen: `the committed offset is past the signal (lsn_commit ${commit} > ${markerLsn}) and names no snapshot of ${collection}` };
}

/** Validates inputs (identifiers are interpolated into SQL). */
export function checkTableSnapshotInputs(news: Record<string, any>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    if (isKnown(news.address) && !/^[^\s:]+:\d{1,5}$/.test(String(news.address ?? "")))
        failures.push({ property: "address", reason: `"${news.address}" must be host:port` });
    for (const key of ["database", "schema", "table", "signalTable", "adminUser"]) {
        if (news[key] === undefined) failures.push({ property: key, reason: "is required" });
        else if (isKnown(news[key]) && !POSTGRES_IDENTIFIER.test(String(news[key])))
            failures.push({ property: key, reason: `"${news[key]}" must be a lower-case SQL identifier (letters, digits, '_')` });
    }
    if (isKnown(news.connectUrl) && !HTTP_BASE_URL.test(String(news.connectUrl ?? "")))
        failures.push({ property: "connectUrl", reason: `"${news.connectUrl}" must be the http(s) URL of the Connect REST API, without a path` });
    const ca = caCertProblem(news.connectCaCert, [news.connectUrl]);
    if (ca) failures.push({ property: "connectCaCert", reason: ca });
    if (isKnown(news.connectorName) && !KAFKA_CONNECT_NAME.test(String(news.connectorName ?? "")))
        failures.push({ property: "connectorName", reason: `"${news.connectorName}" may hold only letters, digits, '.', '_' and '-'` });
    if (news.adminPassword === undefined || news.adminPassword === "") failures.push({ property: "adminPassword", reason: "is required" });
    if (isKnown(news.waitTimeoutSeconds) && news.waitTimeoutSeconds !== undefined && !(Number(news.waitTimeoutSeconds) > 0))
        failures.push({ property: "waitTimeoutSeconds", reason: "must be a positive number of seconds" });
    if (news.tls !== undefined && isKnown(news.tls))
        failures.push(
            ...checkPostgresTls({ ...news.tls, ...(news.tlsClientKey !== undefined ? { clientKey: news.tlsClientKey } : {}) }).map((f) =>
                f.property === "tls.clientKey" ? { ...f, property: "tlsClientKey" } : f,
            ),
        );
    return failures;
}

/**
 * The pure diff: another table, schema, database or connector is another snapshot target (replace);
 * access paths and wait bounds are updates that touch nothing. `addedAt` only decides what a create
 * does (it changes when the CDC source is updated for another table): never a change. A snapshot not
 * yet seen finished (`in progress`) shows as a change of `outcome`, so `up` resumes the wait.
 */
export function diffTableSnapshot(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    const normal = (v: Record<string, any>): Record<string, any> => ({ waitTimeoutSeconds: TABLE_SNAPSHOT_WAIT_SECONDS, version: 1, ...v });
    const o = normal(olds);
    const n = normal(news);
    const changed = [...IDENTITY_KEYS, ...ACCESS_KEYS].filter((key) => JSON.stringify(o[key]) !== JSON.stringify(n[key]));
    if (olds.outcome === "in progress") changed.push("outcome");
    return inputDiff(changed, IDENTITY_KEYS);
}

/** One call of the Connect REST API (404 -> undefined). */
function connectGet(baseUrl: HttpTarget, path: string): Promise<any | undefined> {
    return unlessNotFound(
        requestJson({
            service: "Kafka Connect",
            baseUrl,
            path,
            timeoutMs: 30_000,
            retryWhen: (status, text) => status === 409 || (status === 500 && /rebalance/i.test(text)),
            retryForMs: 60_000,
        }),
    );
}

function withAdmin<T>(props: Record<string, any>, fn: (client: import("pg").Client) => Promise<T>): Promise<T> {
    return withPostgres(
        {
            address: props.address,
            user: props.adminUser,
            password: props.adminPassword,
            database: props.database,
            purpose: `snapshot of ${props.schema}.${props.table}`,
            ...(props.tls ? { tls: { ...props.tls, ...(props.tlsClientKey ? { clientKey: props.tlsClientKey } : {}) } } : {}),
        },
        fn,
    );
}

/** Inserts the snapshot signal (once: a row already there is kept); true when this call inserted it. */
async function insertSnapshotSignal(props: Record<string, any>, signalId: string): Promise<boolean> {
    return withAdmin(props, async (client) => {
        const r = await client.query(
            `INSERT INTO ${props.schema}.${props.signalTable} (id, type, data) VALUES ($1, 'execute-snapshot', $2) ON CONFLICT (id) DO NOTHING RETURNING id`,
            [signalId, executeSnapshotData(props.schema, props.table)],
        );
        return r.rowCount === 1;
    });
}

/**
 * Commits a `log` signal after the snapshot signal and returns the WAL insert position read just before
 * it (every commit at or past it comes after the snapshot signal's commit).
 */
async function insertMarker(props: Record<string, any>, signalId: string): Promise<number> {
    return withAdmin(props, async (client) => {
        const lsn = (await client.query("SELECT pg_current_wal_insert_lsn()::text AS lsn")).rows[0].lsn;
        const { randomBytes } = require("crypto");
        await client.query(`INSERT INTO ${props.schema}.${props.signalTable} (id, type, data) VALUES ($1, 'log', $2)`, [
            `${signalId}-${randomBytes(4).toString("hex")}`,
            JSON.stringify({ message: `lakehouse: waiting for the incremental snapshot ${signalId} of ${props.schema}.${props.table}` }),
        ]);
        return lsnToNumber(lsn);
    });
}

/** The connector as Connect has it: its stored config and state (undefined when it does not exist). */
async function connectorOnConnect(props: Record<string, any>): Promise<{ config: Record<string, string>; state: string } | undefined> {
    const path = `/connectors/${encodeURIComponent(props.connectorName)}`;
    const config = await connectGet(httpTarget(props.connectUrl, props.connectCaCert), `${path}/config`);
    if (!config) return undefined;
    const status = await connectGet(httpTarget(props.connectUrl, props.connectCaCert), `${path}/status`);
    return { config, state: String(status?.connector?.state ?? "UNKNOWN") };
}

/** Waits until the snapshot `signalId` finished; throws (timed out) otherwise. */
async function waitForSnapshot(props: Record<string, any>, signalId: string, markerLsn: number): Promise<string> {
    const collection = `${props.schema}.${props.table}`;
    const timeoutMs = (props.waitTimeoutSeconds ?? TABLE_SNAPSHOT_WAIT_SECONDS) * 1000;
    let sawRunning = false;
    return pollUntil(
        `the incremental snapshot of ${collection} (signal ${signalId}) to finish`,
        timeoutMs,
        async () => {
            const answer = await connectGet(
                httpTarget(props.connectUrl, props.connectCaCert),
                `/connectors/${encodeURIComponent(props.connectorName)}/offsets`,
            );
            if (answer === undefined) throw new Error(`Kafka Connect has no connector "${props.connectorName}": the snapshot of ${collection} cannot run`);
            const progress = snapshotProgress(committedOffset(answer), signalId, collection, markerLsn);
            if (progress.phase === "running") sawRunning = true;
            if (progress.phase === "finished") return { done: true, value: sawRunning ? "seen running, then finished" : progress.seen };
            return { done: false, seen: progress.seen };
        },
        { initialMs: 1000, maxMs: 10_000, progressEveryMs: 15_000 },
    );
}

/** Signals (once) and waits. Returns the outputs; a wait that ends early throws a partial-state error recording `in progress`. */
async function snapshotTable(inputs: Record<string, any>, signalId: string): Promise<Record<string, any>> {
    const collection = `${inputs.schema}.${inputs.table}`;
    const inserted = await insertSnapshotSignal(inputs, signalId);
    printProgress(
        inserted
            ? `sent Debezium an incremental snapshot of ${collection} (signal ${signalId} in ${inputs.schema}.${inputs.signalTable})`
            : `the incremental snapshot of ${collection} was signalled before (signal ${signalId}): resuming the wait`,
    );
    const base = { ...inputs, signalId, outcome: "in progress" as SnapshotOutcome };
    try {
        const markerLsn = await insertMarker(inputs, signalId);
        const how = await waitForSnapshot(inputs, signalId, markerLsn);
        printProgress(`the incremental snapshot of ${collection} finished (${how})`);
        return { ...base, outcome: "snapshotted", finishedAt: new Date().toISOString() };
    } catch (err) {
        const message = redact(String((err as Error).message), [inputs.adminPassword]);
        // The signal is in: record the resource, so the next `up` resumes the wait instead of signalling again.
        throw Object.assign(new Error(`${message}; Debezium keeps the snapshot's progress in its offsets, and the next \`pulumi up\` resumes this wait`), {
            id: signalId,
            properties: base,
            reasons: [message],
        });
    }
}

/** What a create does: nothing for a table the initial snapshot covers, else signal and wait. */
async function createSnapshot(inputs: Record<string, any>): Promise<{ id: string; outs: Record<string, any> }> {
    const collection = `${inputs.schema}.${inputs.table}`;
    const covered = (why: string) => {
        printProgress(`${collection}: covered by the initial snapshot (${why})`);
        return { id: `${inputs.connectorName}/${collection}`, outs: { ...inputs, signalId: null, outcome: "covered by the initial snapshot" } };
    };
    if (!inputs.addedAt) return covered("captured since the pipeline was first deployed");
    const connector = await connectorOnConnect(inputs);
    if (!connector) throw new Error(`Kafka Connect at ${inputs.connectUrl} has no connector "${inputs.connectorName}": the snapshot of ${collection} needs it`);
    const included = String(connector.config["table.include.list"] ?? "")
        .split(",")
        .map((t) => t.trim());
    if (!included.includes(collection))
        throw new Error(
            `connector "${inputs.connectorName}" does not capture ${collection} (table.include.list: ${connector.config["table.include.list"]}): it would ignore the snapshot signal`,
        );
    const signalCollection = `${inputs.schema}.${inputs.signalTable}`;
    if (connector.config["signal.data.collection"] !== signalCollection)
        throw new Error(
            `connector "${inputs.connectorName}" reads its signals from ${connector.config["signal.data.collection"] ?? "no signal table"}, not ${signalCollection}: set signal.data.collection=${signalCollection}`,
        );
    const offsets = await connectGet(httpTarget(inputs.connectUrl, inputs.connectCaCert), `/connectors/${encodeURIComponent(inputs.connectorName)}/offsets`);
    if (!committedOffset(offsets))
        return covered(`connector "${inputs.connectorName}" has committed no offset: its first start snapshots every captured table`);
    const signalId = snapshotSignalId(inputs.connectorName, inputs.schema, inputs.table, inputs.addedAt);
    if (connector.state !== "RUNNING") {
        // A paused or stopped connector reads the signal when it runs again: nothing to wait for now.
        await insertSnapshotSignal(inputs, signalId);
        printProgress(
            `signalled the incremental snapshot of ${collection}; connector "${inputs.connectorName}" is ${connector.state}: it runs when the connector does`,
        );
        return { id: signalId, outs: { ...inputs, signalId, outcome: "signalled" } };
    }
    return { id: signalId, outs: await snapshotTable(inputs, signalId) };
}

export const tableSnapshotProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkTableSnapshotInputs(news) };
    },
    async diff(_id: string, olds: any, news: any) {
        return engineDiff(diffTableSnapshot(olds, news), olds, news);
    },
    async create(inputs: any) {
        return createSnapshot(inputs);
    },
    async update(_id: string, olds: any, news: any) {
        if (olds.outcome === "in progress" && olds.signalId) return { outs: await snapshotTable({ ...news, addedAt: olds.addedAt }, olds.signalId) };
        // Nothing to do on the servers: keep what the create found (addedAt included: it only decided the create).
        // (null, never undefined: the engine's protobuf Struct refuses undefined values.)
        return {
            outs: { ...news, addedAt: olds.addedAt ?? null, signalId: olds.signalId ?? null, outcome: olds.outcome, finishedAt: olds.finishedAt ?? null },
        };
    },
    async read(id: string, props: any) {
        return { id, props };
    },
    async delete(_id: string, props: any) {
        if (!props.signalId) return;
        await withAdmin(props, async (client) => {
            const exists = (await client.query("SELECT to_regclass($1) AS oid", [`${props.schema}.${props.signalTable}`])).rows[0].oid !== null;
            // Its signal and marker rows; the captured table, its topic and its Iceberg tables are not touched.
            if (exists)
                await client.query(`DELETE FROM ${props.schema}.${props.signalTable} WHERE id = $1 OR id LIKE $2`, [props.signalId, `${props.signalId}-%`]);
        });
    },
};

export interface TableSnapshotArgs {
    /** `host:port` of PostgreSQL as the machine running Pulumi reaches it. */
    address: pulumi.Input<string>;
    database: pulumi.Input<string>;
    schema: pulumi.Input<string>;
    /** The captured table (unqualified, in `schema`). */
    table: pulumi.Input<string>;
    /** Debezium's signal table (unqualified, in `schema`; the connector's `signal.data.collection`). */
    signalTable: pulumi.Input<string>;
    /** A role that may insert into the signal table (the CDC source's admin). */
    adminUser: pulumi.Input<string>;
    adminPassword: pulumi.Input<string>;
    /** TLS to PostgreSQL (sslmode, CA, client certificate), as the CDC source's; default none. An access path: an update. */
    tls?: pulumi.Input<{ sslmode?: string; caCert?: string; clientCert?: string }>;
    /** The client certificate's key, PEM; always stored as a secret. */
    tlsClientKey?: pulumi.Input<string>;
    /** Connect REST URL reachable from the machine running Pulumi. */
    connectUrl: pulumi.Input<string>;
    /** With an https `connectUrl`: the CA that signed Connect's certificate, PEM. An access path: an update. */
    connectCaCert?: pulumi.Input<string>;
    connectorName: pulumi.Input<string>;
    /** When the CDC source recorded the table as added to a live pipeline (its `addedTables`); unset: captured from the start. */
    addedAt: pulumi.Input<string | undefined>;
    /** Bound on the wait for the snapshot, in seconds (default 1800). */
    waitTimeoutSeconds?: pulumi.Input<number>;
}

/** The existing rows of a captured table: Debezium's incremental snapshot when the table joined a running pipeline. */
export class TableSnapshot extends LakehouseResource {
    declare readonly outcome: pulumi.Output<SnapshotOutcome>;
    declare readonly signalId: pulumi.Output<string | null>;

    constructor(name: string, args: TableSnapshotArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            tableSnapshotProvider,
            name,
            {
                ...args,
                adminPassword: pulumi.secret(args.adminPassword),
                ...(args.tlsClientKey !== undefined ? { tlsClientKey: pulumi.secret(args.tlsClientKey) } : {}),
                waitTimeoutSeconds: args.waitTimeoutSeconds ?? TABLE_SNAPSHOT_WAIT_SECONDS,
                version: TABLE_SNAPSHOT_PROVIDER_VERSION,
                outcome: undefined,
                signalId: undefined,
                finishedAt: undefined,
            },
            { ...opts, additionalSecretOutputs: ["adminPassword", "tlsClientKey"] },
            "lakehouse",
            "TableSnapshot",
        );
    }
}
