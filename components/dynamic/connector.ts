/**
 * A Debezium PostgreSQL connector on Kafka Connect, as a dynamic resource.
 *
 * - create/update: the plugin's validate endpoint first (every field error listed, nothing created),
 *   then `PUT /connectors/{name}/config` (idempotent), the declared run state, and a bounded wait until
 *   the connector and all tasks reach it (a FAILED task's trace is the error).
 * - delete: the connector (stopped first, also when it or a task FAILED, so its offsets can be reset), then
 *   its replication slot and (when the connector created it) its publication, so no slot holds WAL after
 *   the connector is gone (opt out with `dropSlotOnDelete`).
 * - The database password is a secret input, used for the provider's own PostgreSQL calls (slot
 *   cleanup); it is never in the diffed config, an output, or an error message. What Connect gets and
 *   stores as `database.password` is a config-provider reference (`${env:NAME}`, `${file:path:key}`)
 *   when the config holds one (the `databasePasswordReference` argument), which the worker resolves
 *   itself; only without one is the password sent (and then stored by Connect in plain text).
 * - Every wait (tasks on the new config, the declared state, the slot released) is bounded by
 *   `waitTimeoutSeconds`, backed off with jitter, and prints what it waits for.
 * Methods use only global `fetch`, `require("pg")`, this file's functions, ./data-guard,
 * ./postgres-client, ./toolkit, ../config/patterns and ../defaults (they are serialized).
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { HTTP_BASE_URL, KAFKA_CONNECT_NAME } from "../config/patterns";
import { PROVIDER_DEFAULTS } from "../defaults";
import { DataGuard, refuseDataLoss } from "./data-guard";
import { connectorConfigTls, withPostgres } from "./postgres-client";
import { InputDiff, changedEntries, engineDiff, inputDiff } from "./toolkit/diff";
import { caCertProblem, HttpTarget, httpTarget, isNotFound, requestJson, unlessNotFound } from "./toolkit/http";
import { pollUntil } from "./toolkit/poll";
import { redact } from "./toolkit/redact";
import { isKnown, isUnknown } from "./toolkit/unknown";

export const CONNECTOR_PROVIDER_VERSION = 1;

/** Default bound (seconds) on each wait of the connector: tasks on the new config, the declared state, the slot released on delete. */
export const CONNECTOR_WAIT_SECONDS = 180;

export type ConnectorState = "RUNNING" | "PAUSED" | "STOPPED";

/**
 * Config keys whose change makes a different connector: another slot, other topics, another database.
 * `database.hostname`/`database.port` are not among them: they are how Connect reaches PostgreSQL
 * (`127.0.0.1` and `localhost` are the same server); a change restarts the tasks on the same slot.
 */
export const CONNECTOR_IDENTITY_KEYS = ["slot.name", "topic.prefix", "database.dbname"];

/**
 * Inputs that only say how Pulumi reaches things or how it waits: a change to only these touches
 * nothing on Connect (the connector is checked at the new URL, and made there if it is missing).
 */
export const CONNECTOR_ACCESS_KEYS = [
    "connectUrl",
    "connectCaCert",
    "cleanupDatabaseAddress",
    "waitTimeoutSeconds",
    "dropSlotOnDelete",
    "dataGuard",
    "version",
];

/** Keys the resource manages itself: never in `config` (`database.password` only as a config-provider reference). */
const RESERVED_KEYS = ["name", "database.password"];

/**
 * True for one Kafka config-provider reference, `${provider:key}` or `${provider:path:key}`: what a
 * Connect worker with `config.providers` resolves when it uses the config, and stores unresolved.
 */
export function isConfigProviderReference(value: unknown): boolean {
    return typeof value === "string" && /^\$\{[A-Za-z0-9_-]+:(?:[^:{}\s]+:)?[^:{}\s]+\}$/.test(value);
}

const REQUIRED_KEYS = ["connector.class", "topic.prefix", "slot.name", "database.hostname", "database.port", "database.user", "database.dbname"];

/** The connector config as Connect stores it: string values, keys sorted (so diffs are exact). */
export function normalizeConnectorConfig(config: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of Object.keys(config).sort()) {
        const value = config[key];
        if (value === undefined || value === null) continue;
        out[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return out;
}

/** Validates inputs locally (Connect validates the rest before anything is created). */
export function checkConnectorInputs(news: Record<string, any>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    if (isKnown(news.name) && !KAFKA_CONNECT_NAME.test(String(news.name))) {
        failures.push({ property: "name", reason: `"${news.name}" may hold only letters, digits, '.', '_' and '-'` });
    }
    if (isKnown(news.connectUrl) && !HTTP_BASE_URL.test(String(news.connectUrl))) {
        failures.push({ property: "connectUrl", reason: `"${news.connectUrl}" must be the http(s) URL of the Connect REST API, without a path` });
    }
    const ca = caCertProblem(news.connectCaCert, [news.connectUrl]);
    if (ca) failures.push({ property: "connectCaCert", reason: ca });
    if (isKnown(news.state) && !["RUNNING", "PAUSED", "STOPPED"].includes(news.state)) {
        failures.push({ property: "state", reason: `"${news.state}" must be RUNNING, PAUSED or STOPPED` });
    }
    const config = news.config;
    if (config !== undefined && !isUnknown(config)) {
        if (config === null || typeof config !== "object") {
            failures.push({ property: "config", reason: "must be a map of connector settings" });
        } else {
            for (const key of REQUIRED_KEYS) if (config[key] === undefined) failures.push({ property: `config["${key}"]`, reason: "is required" });
            for (const key of RESERVED_KEYS) {
                const value = config[key];
                if (value === undefined || isUnknown(value)) continue;
                // A reference is what Connect may store; a literal password never goes in config (it is not secret there).
                if (key === "database.password" && isConfigProviderReference(value)) continue;
                failures.push({
                    property: `config["${key}"]`,
                    reason:
                        key === "name"
                            ? "is set by the resource's `name`"
                            : "goes in the secret `databasePassword` input, not in config; config may only hold a config-provider reference such as ${env:NAME} or ${file:/path/secrets.properties:key} (the `databasePasswordReference` argument)",
                });
            }
            const slot = config["slot.name"];
            if (typeof slot === "string" && !isUnknown(slot) && !/^[a-z0-9_]{1,63}$/.test(slot)) {
                failures.push({
                    property: 'config["slot.name"]',
                    reason: `"${slot}" must be 1-63 lower-case letters, digits or '_' (a PostgreSQL replication slot name)`,
                });
            }
        }
    }
    if (news.databasePassword === undefined || news.databasePassword === "") failures.push({ property: "databasePassword", reason: "is required" });
    return failures;
}

/**
 * The pure diff: exactly the changed config keys. Identity changes (name, slot, topic prefix,
 * database) replace, deleting first: two connectors on one slot cannot run. The Connect URL and the
 * database address are access paths, never identity.
 */
export function diffConnector(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    // Defaults of inputs added after version 1, so older state compares equal.
    const normal = (v: Record<string, any>): Record<string, any> => ({ state: "RUNNING", dropSlotOnDelete: true, version: 1, ...v });
    const o = normal(olds);
    const n = normal(news);
    const changedKeys = [
        ...[
            "connectUrl",
            "connectCaCert",
            "name",
            "state",
            "dropSlotOnDelete",
            "cleanupDatabaseAddress",
            "databasePassword",
            "waitTimeoutSeconds",
            "dataGuard",
            "version",
        ].filter((key) => JSON.stringify(o[key]) !== JSON.stringify(n[key])),
        ...changedEntries(normalizeConnectorConfig(o.config ?? {}), normalizeConnectorConfig(n.config ?? {})).map((key) => `config["${key}"]`),
    ];
    const identity = ["name", ...CONNECTOR_IDENTITY_KEYS.map((id) => `config["${id}"]`)];
    return inputDiff(changedKeys, identity, true);
}

/** True when only access paths or Pulumi-side settings changed: nothing to change on Connect. */
export function accessOnlyChange(changedKeys: string[]): boolean {
    return changedKeys.every((k) => CONNECTOR_ACCESS_KEYS.includes(k));
}

/** Topics the connector writes: `<topic.prefix>.<schema>.<table>` for each entry of `table.include.list`. */
export function connectorTopics(config: Record<string, string>): string[] {
    const tables = (config["table.include.list"] ?? "")
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean);
    return tables.map((t) => `${config["topic.prefix"]}.${t}`);
}

/**
 * True for the answers a worker gives while the group rebalances (e.g. right after a connector is
 * created or deleted): 409 ("rebalance in progress") or 500 ("a rebalance is expected").
 */
export function isRebalancing(status: number, text: string): boolean {
    return status === 409 || (status === 500 && /rebalance/i.test(text));
}

/**
 * Calls the Connect REST API (the toolkit's `requestJson`); a non-2xx answer throws an error with
 * Connect's own message and the `status` (0 when Connect was not reached). Rebalance answers are
 * retried, backed off with jitter, for up to `PROVIDER_DEFAULTS.busyRetryMs`. `secrets` never show in an error.
 */
export async function connectRequest(baseUrl: HttpTarget, method: string, path: string, body?: unknown, secrets?: Array<string | undefined>): Promise<any> {
    return requestJson({
        service: "Kafka Connect",
        baseUrl,
        method,
        path,
        body,
        timeoutMs: PROVIDER_DEFAULTS.requestTimeoutMs,
        retryWhen: isRebalancing,
        retryForMs: PROVIDER_DEFAULTS.busyRetryMs,
        secrets,
    });
}

/** How the resource reaches Connect: `connectUrl`, with `connectCaCert` when its https certificate is a company CA's. */
export function connectTarget(props: Record<string, any>): HttpTarget {
    return httpTarget(props.connectUrl, props.connectCaCert);
}

/** The connector's status, or undefined when Connect has no connector of that name. */
function connectorStatus(baseUrl: HttpTarget, name: string): Promise<any | undefined> {
    return unlessNotFound(connectRequest(baseUrl, "GET", `/connectors/${encodeURIComponent(name)}/status`));
}

/** The bound (ms) on each wait of the connector: its `waitTimeoutSeconds`. */
function waitMs(props: Record<string, any>): number {
    return (props.waitTimeoutSeconds ?? CONNECTOR_WAIT_SECONDS) * 1000;
}

/** Asks the plugin to validate a full config; throws listing every field error (values never included). */
export async function validateConnectorConfig(baseUrl: HttpTarget, fullConfig: Record<string, string>, secrets?: Array<string | undefined>): Promise<void> {
    const cls = fullConfig["connector.class"];
    const result = await connectRequest(baseUrl, "PUT", `/connector-plugins/${encodeURIComponent(cls)}/config/validate`, fullConfig, secrets);
    if (!result.error_count) return;
    const errors: string[] = [];
    for (const entry of result.configs ?? []) {
        for (const message of entry.value?.errors ?? []) errors.push(`${entry.value.name}: ${message}`);
    }
    throw new Error(
        redact(
            `Kafka Connect rejected the config of connector "${fullConfig.name}" (${result.error_count} error${result.error_count === 1 ? "" : "s"}):\n  - ${errors.join("\n  - ")}`,
            secrets,
        ),
    );
}

/**
 * Stops the connector (`PUT /stop`) and waits (bounded, backed off, printing what it sees) until it is
 * STOPPED with no task: what its offsets can be reset in. A FAILED task is no obstacle (stopping removes
 * the tasks); a FAILED connector keeps its state through a stop, so it is restarted once, into the
 * target state STOPPED. Deleting a connector whose task failed (PostgreSQL gone while it started) works.
 */
export async function stopConnector(baseUrl: HttpTarget, name: string, timeoutMs: number): Promise<any> {
    const path = `/connectors/${encodeURIComponent(name)}`;
    await connectRequest(baseUrl, "PUT", `${path}/stop`);
    let restarted = false;
    return pollUntil(`Kafka Connect connector "${name}" to stop`, timeoutMs, async () => {
        const status = await connectorStatus(baseUrl, name);
        if (!status) return { done: false, seen: "no status yet" };
        const tasks: any[] = status.tasks ?? [];
        if (status.connector?.state === "FAILED" && !restarted) {
            await connectRequest(baseUrl, "POST", `${path}/restart`);
            restarted = true;
            return { done: false, seen: "connector FAILED: restarted into its target state STOPPED" };
        }
        if (status.connector?.state === "STOPPED" && tasks.length === 0) return { done: true, value: status };
        return { done: false, seen: `connector ${status.connector?.state}, tasks [${tasks.map((t) => `${t.id}:${t.state}`).join(", ")}]` };
    });
}

/**
 * Waits (bounded, backed off, printing what it sees) until the connector and every task are in
 * `state`; a FAILED one throws with its trace.
 */
export async function waitForConnectorState(baseUrl: HttpTarget, name: string, state: ConnectorState, timeoutMs: number): Promise<any> {
    return pollUntil(`Kafka Connect connector "${name}" to reach ${state}`, timeoutMs, async () => {
        // Just created: the status can lag behind the config by a moment (a 404).
        const status = await connectorStatus(baseUrl, name);
        if (!status) return { done: false, seen: "no status yet" };
        const failed = [status.connector, ...(status.tasks ?? [])].find((s: any) => s?.state === "FAILED");
        if (failed) {
            const what = failed === status.connector ? "connector" : `task ${failed.id}`;
            throw new Error(
                `Kafka Connect connector "${name}": ${what} FAILED on ${failed.worker_id}:\n${String(failed.trace ?? "(no trace)")
                    .split("\n")
                    .slice(0, 30)
                    .join("\n")}`,
            );
        }
        const tasks: any[] = status.tasks ?? [];
        // A STOPPED connector has no tasks; a running or paused one has at least one, all in the same state.
        const tasksReady = state === "STOPPED" ? tasks.length === 0 : tasks.length > 0 && tasks.every((t) => t.state === state);
        if (status.connector?.state === state && tasksReady) return { done: true, value: status };
        return { done: false, seen: `connector ${status.connector?.state}, tasks [${tasks.map((t) => `${t.id}:${t.state}`).join(", ")}]` };
    });
}

/**
 * Waits (bounded, backed off, printing what it sees) until every task of the connector runs with
 * `config` (Connect copies the connector config into each task's config when it reconfigures them).
 * Until then a RUNNING status is the old configuration's, and accepting it would report an update
 * that has not happened yet.
 */
export async function waitForTaskConfig(baseUrl: HttpTarget, name: string, config: Record<string, string>, timeoutMs: number): Promise<void> {
    await pollUntil(`the tasks of Kafka Connect connector "${name}" to take the new config`, timeoutMs, async () => {
        const tasks: Array<{ id?: { task?: number }; config?: Record<string, string> }> =
            (await unlessNotFound(connectRequest(baseUrl, "GET", `/connectors/${encodeURIComponent(name)}/tasks`))) ?? [];
        // A password reference counts too: Connect keeps it unresolved in task configs, so a task still holding
        // the old value (a literal, or another reference) has not been restarted with the new config yet.
        const behind = tasks.flatMap((t) =>
            Object.keys(config)
                .filter((k) => t.config?.[k] !== undefined && t.config[k] !== config[k])
                .map((k) => `task ${t.id?.task ?? "?"}: ${k}`),
        );
        if (tasks.length > 0 && behind.length === 0) return { done: true, value: undefined };
        return { done: false, seen: tasks.length > 0 ? `still old: ${behind.join(", ")}` : "no tasks yet" };
    });
}

/**
 * Drops the connector's replication slot, and its publication when the connector created it; absent
 * ones are fine. The walsender of a just-deleted connector can hold the slot for a moment, and a task
 * that was still stopping can take it again: done only when the slot stays absent across looks 1.5 s
 * apart (bounded by the resource's `waitTimeoutSeconds`).
 */
export async function dropSlotAndPublication(props: Record<string, any>): Promise<void> {
    const config = props.config ?? {};
    const slot = config["slot.name"];
    const target = {
        address: String(props.cleanupDatabaseAddress ?? `${config["database.hostname"]}:${config["database.port"]}`),
        user: config["database.user"],
        password: props.databasePassword,
        database: config["database.dbname"],
        purpose: `dropping replication slot "${slot}"`,
        // Over TLS as the connector itself reaches the database (its sslmode and inline CA).
        tls: connectorConfigTls(config),
    };
    await withPostgres(target, async (client) => {
        let absentSince: number | undefined;
        await pollUntil(
            `replication slot "${slot}" to be dropped`,
            waitMs(props),
            async () => {
                const found = await client.query("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1", [slot]);
                if (found.rowCount === 0) {
                    absentSince ??= Date.now();
                    return Date.now() - absentSince >= 1500 ? { done: true, value: undefined } : { done: false, seen: "absent, looking again" };
                }
                absentSince = undefined;
                const holder = found.rows[0].active_pid;
                if (holder !== null) return { done: false, seen: `in use by backend ${holder}` };
                await client.query("SELECT pg_drop_replication_slot($1)", [slot]).catch((err: { code?: string }) => {
                    // 55006: taken again between the look and the drop; 42704: already gone. Both: look again.
                    if (err.code !== "55006" && err.code !== "42704") throw err;
                });
                return { done: false, seen: "dropped, looking again" };
            },
            { initialMs: 200, maxMs: 2000 },
        );
        const autocreate = config["publication.autocreate.mode"] ?? "all_tables";
        if (autocreate !== "disabled") {
            const publication = config["publication.name"] ?? "dbz_publication";
            await client.query(`DROP PUBLICATION IF EXISTS "${String(publication).replace(/"/g, '""')}"`);
        }
    });
}

/** Applies create/update: validate, put config, reach the declared state, wait. Returns outputs. */
async function applyConnector(inputs: Record<string, any>, knownToExist: boolean): Promise<Record<string, any>> {
    const name = inputs.name;
    const config = normalizeConnectorConfig(inputs.config);
    // Connect stores what it is given: the reference when there is one, so the password stays out of its configs topic.
    const full = { ...config, name, "database.password": config["database.password"] ?? inputs.databasePassword };
    const secrets = [inputs.databasePassword];
    await validateConnectorConfig(connectTarget(inputs), full, secrets);
    let exists = knownToExist;
    try {
        const state: ConnectorState = inputs.state ?? "RUNNING";
        const current = await connectorStatus(connectTarget(inputs), name);
        exists = current !== undefined;
        await connectRequest(connectTarget(inputs), "PUT", `/connectors/${encodeURIComponent(name)}/config`, full, secrets);
        exists = true;
        const failed = [current?.connector, ...(current?.tasks ?? [])].some((s: any) => s?.state === "FAILED");
        if (failed) await connectRequest(connectTarget(inputs), "POST", `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
        const action = { RUNNING: "resume", PAUSED: "pause", STOPPED: "stop" }[state];
        if (current?.connector?.state !== state) await connectRequest(connectTarget(inputs), "PUT", `/connectors/${encodeURIComponent(name)}/${action}`);
        const timeoutMs = waitMs(inputs);
        // A reconfigured connector restarts its tasks: wait for tasks with the new config before their state counts.
        if (state !== "STOPPED") await waitForTaskConfig(connectTarget(inputs), name, config, timeoutMs);
        const status = await waitForConnectorState(connectTarget(inputs), name, state, timeoutMs);
        return {
            ...inputs,
            config,
            topics: connectorTopics(config),
            connectorState: status.connector.state,
            taskStates: (status.tasks ?? []).map((t: any) => t.state),
        };
    } catch (err) {
        if (!exists) throw err;
        // The connector exists but did not get ready: record it, so the next `up` repairs instead of leaking it.
        throw Object.assign(new Error((err as Error).message), {
            id: name,
            properties: { ...inputs, config, topics: connectorTopics(config), connectorState: "UNKNOWN", taskStates: [] },
            reasons: [(err as Error).message],
        });
    }
}

export const connectorProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return {
            inputs: { ...news, config: news.config && !isUnknown(news.config) ? normalizeConnectorConfig(news.config) : news.config },
            failures: checkConnectorInputs(news),
        };
    },

    async diff(_id: string, olds: any, news: any) {
        const diff = diffConnector(olds, news);
        refuseDataLoss("DebeziumConnector", diff.replaces, olds, news);
        return engineDiff(diff, olds, news);
    },

    async create(inputs: any) {
        return { id: inputs.name, outs: await applyConnector(inputs, false) };
    },

    async update(_id: string, olds: any, news: any) {
        const { changedKeys } = diffConnector(olds, news);
        if (accessOnlyChange(changedKeys)) {
            // Another way to reach the same Connect (or Pulumi-side settings): the running connector is left
            // alone, no task restarts. Where it is missing at the new URL, it is made there as declared.
            const found = await connectorStatus(connectTarget(news), news.name);
            if (found && found.connector?.state === (news.state ?? "RUNNING")) {
                return {
                    outs: {
                        ...olds,
                        ...news,
                        topics: olds.topics,
                        connectorState: found.connector.state,
                        taskStates: (found.tasks ?? []).map((t: any) => t.state),
                    },
                };
            }
        }
        return { outs: await applyConnector(news, true) };
    },

    async read(id: string, props: any) {
        let stored: Record<string, string>;
        let status: any;
        try {
            stored = await connectRequest(connectTarget(props), "GET", `/connectors/${encodeURIComponent(id)}/config`);
            status = await connectRequest(connectTarget(props), "GET", `/connectors/${encodeURIComponent(id)}/status`);
        } catch (err) {
            if (isNotFound(err)) return {};
            throw err;
        }
        // The worker adds `name`. A stored password reference is compared like any setting (a literal where a
        // reference is declared, or another reference, is drift that `up` repairs); a stored literal password
        // is never read into state. Anything else is drift.
        const config: Record<string, string> = {};
        for (const [key, value] of Object.entries(stored)) {
            if (key === "name") continue;
            if (key === "database.password" && !isConfigProviderReference(value)) continue;
            config[key] = String(value);
        }
        const connectorState = status.connector?.state;
        return {
            id,
            props: {
                ...props,
                config: normalizeConnectorConfig(config),
                // A FAILED or paused connector reads as a state change, so `up` puts it back.
                state: ["RUNNING", "PAUSED", "STOPPED"].includes(connectorState) ? connectorState : connectorState === "FAILED" ? "FAILED" : props.state,
                connectorState,
                taskStates: (status.tasks ?? []).map((t: any) => t.state),
            },
        };
    },

    async delete(id: string, props: any) {
        const path = `/connectors/${encodeURIComponent(id)}`;
        try {
            if (props.dropSlotOnDelete !== false) {
                // Offsets name a position in the slot about to be dropped: reset them (Kafka >= 3.6, connector
                // STOPPED first), so a connector created later under this name snapshots again instead of
                // resuming from a position that no longer exists and missing the rows in between.
                await stopConnector(connectTarget(props), id, waitMs(props));
                await connectRequest(connectTarget(props), "DELETE", `${path}/offsets`);
            }
            await connectRequest(connectTarget(props), "DELETE", path);
        } catch (err) {
            if (!isNotFound(err)) throw err;
        }
        if (props.dropSlotOnDelete !== false) await dropSlotAndPublication(props);
    },
};

export interface DebeziumConnectorArgs {
    /** Connect REST URL reachable from the machine running Pulumi. */
    connectUrl: pulumi.Input<string>;
    /** With an https `connectUrl`: the CA that signed Connect's certificate, PEM (default: the system's CAs). */
    connectCaCert?: pulumi.Input<string>;
    /** Connector name (fixed on the server: changing it replaces the connector). */
    name: pulumi.Input<string>;
    /** Connector settings without `name` and `database.password`. */
    config: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Password of `database.user`; always stored as a secret. Used for slot cleanup, and sent to Connect only without a reference. */
    databasePassword: pulumi.Input<string>;
    /**
     * A config-provider reference the Connect workers resolve to the same password, e.g.
     * `${env:LAKEHOUSE_REPLICATION_PASSWORD}`: sent (and stored by Connect) as `database.password` instead of
     * the password. It becomes `config["database.password"]`, so changing it (or adding it) is an update.
     */
    databasePasswordReference?: pulumi.Input<string | undefined>;
    /** Declared run state (default RUNNING). */
    state?: pulumi.Input<ConnectorState>;
    /** Drop the replication slot (and a publication the connector created) on delete. Default true. */
    dropSlotOnDelete?: pulumi.Input<boolean>;
    /** `host:port` of the database as the machine running Pulumi reaches it, for that cleanup (default: from config). */
    cleanupDatabaseAddress?: pulumi.Input<string>;
    /** Bound on each wait (tasks on the new config, the declared state, the slot released), in seconds (default `CONNECTOR_WAIT_SECONDS`, 180). */
    waitTimeoutSeconds?: pulumi.Input<number>;
    /** Refuse, at preview, a change that replaces the connector (its slot and offsets); default: none. */
    dataGuard?: DataGuard;
}

/** A Debezium PostgreSQL source connector. */
export class DebeziumConnector extends LakehouseResource {
    declare readonly topics: pulumi.Output<string[]>;
    declare readonly connectorState: pulumi.Output<string>;
    declare readonly taskStates: pulumi.Output<string[]>;

    constructor(name: string, args: DebeziumConnectorArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            connectorProvider,
            name,
            {
                connectUrl: args.connectUrl,
                ...(args.connectCaCert !== undefined ? { connectCaCert: args.connectCaCert } : {}),
                name: args.name,
                config:
                    args.databasePasswordReference === undefined
                        ? args.config
                        : pulumi
                              .all([args.config, args.databasePasswordReference])
                              .apply(([config, reference]) => (reference === undefined ? config : { ...config, "database.password": reference })),
                databasePassword: pulumi.secret(args.databasePassword),
                state: args.state ?? "RUNNING",
                dropSlotOnDelete: args.dropSlotOnDelete ?? true,
                cleanupDatabaseAddress: args.cleanupDatabaseAddress,
                waitTimeoutSeconds: args.waitTimeoutSeconds ?? CONNECTOR_WAIT_SECONDS,
                ...(args.dataGuard ? { dataGuard: args.dataGuard } : {}),
                version: CONNECTOR_PROVIDER_VERSION,
                topics: undefined,
                connectorState: undefined,
                taskStates: undefined,
            },
            { ...opts, additionalSecretOutputs: ["databasePassword"] },
            "lakehouse",
            "DebeziumConnector",
        );
    }
}
