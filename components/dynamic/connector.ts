/**
 * A Debezium PostgreSQL connector on Kafka Connect, as a dynamic resource.
 *
 * - create/update: the plugin's validate endpoint first (every field error listed, nothing created),
 *   then `PUT /connectors/{name}/config` (idempotent), the declared run state, and a bounded wait until
 *   the connector and all tasks reach it (a FAILED task's trace is the error).
 * - delete: the connector, then its replication slot and (when the connector created it) its
 *   publication, so no slot holds WAL after the connector is gone (opt out with `dropSlotOnDelete`).
 * - The database password is a secret input, used for the provider's own PostgreSQL calls (slot
 *   cleanup); it is never in the diffed config, an output, or an error message. What Connect gets and
 *   stores as `database.password` is a config-provider reference (`${env:NAME}`, `${file:path:key}`)
 *   when the config holds one (the `databasePasswordReference` argument), which the worker resolves
 *   itself; only without one is the password sent (and then stored by Connect in plain text).
 * Methods use only global `fetch`, `require("pg")` and this file's functions and ./data-guard (they are serialized).
 */
import * as pulumi from "@pulumi/pulumi";
import { DataGuard, refuseDataLoss } from "./data-guard";

export const CONNECTOR_PROVIDER_VERSION = 1;

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
export const CONNECTOR_ACCESS_KEYS = ["connectUrl", "cleanupDatabaseAddress", "waitTimeoutSeconds", "dropSlotOnDelete", "dataGuard", "version"];

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

function isUnknown(value: unknown): boolean {
    return value === "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
}

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
    if (news.name !== undefined && !isUnknown(news.name) && !/^[A-Za-z0-9._-]{1,200}$/.test(String(news.name))) {
        failures.push({ property: "name", reason: `"${news.name}" may hold only letters, digits, '.', '_' and '-'` });
    }
    if (news.connectUrl !== undefined && !isUnknown(news.connectUrl) && !/^https?:\/\/[^\s/]+$/.test(String(news.connectUrl))) {
        failures.push({ property: "connectUrl", reason: `"${news.connectUrl}" must be the http(s) URL of the Connect REST API, without a path` });
    }
    if (news.state !== undefined && !isUnknown(news.state) && !["RUNNING", "PAUSED", "STOPPED"].includes(news.state)) {
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
                    reason: key === "name" ? "is set by the resource's `name`" : "goes in the secret `databasePassword` input, not in config; config may only hold a config-provider reference such as ${env:NAME} or ${file:/path/secrets.properties:key} (the `databasePasswordReference` argument)",
                });
            }
            const slot = config["slot.name"];
            if (typeof slot === "string" && !isUnknown(slot) && !/^[a-z0-9_]{1,63}$/.test(slot)) {
                failures.push({ property: 'config["slot.name"]', reason: `"${slot}" must be 1-63 lower-case letters, digits or '_' (a PostgreSQL replication slot name)` });
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
export function diffConnector(olds: Record<string, any>, news: Record<string, any>): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean; changedKeys: string[] } {
    // Defaults of inputs added after version 1, so older state compares equal.
    const normal = (v: Record<string, any>): Record<string, any> => ({ state: "RUNNING", dropSlotOnDelete: true, version: 1, ...v });
    const o = normal(olds);
    const n = normal(news);
    const changedKeys: string[] = [];
    for (const key of ["connectUrl", "name", "state", "dropSlotOnDelete", "cleanupDatabaseAddress", "databasePassword", "waitTimeoutSeconds", "dataGuard", "version"]) {
        if (JSON.stringify(o[key]) !== JSON.stringify(n[key])) changedKeys.push(key);
    }
    const oc = normalizeConnectorConfig(o.config ?? {});
    const nc = normalizeConnectorConfig(n.config ?? {});
    for (const key of [...new Set([...Object.keys(oc), ...Object.keys(nc)])].sort()) {
        if (oc[key] !== nc[key]) changedKeys.push(`config["${key}"]`);
    }
    const replaces = changedKeys.filter((k) => k === "name" || CONNECTOR_IDENTITY_KEYS.some((id) => k === `config["${id}"]`));
    return { changes: changedKeys.length > 0, replaces, deleteBeforeReplace: replaces.length > 0, changedKeys };
}

/** True when only access paths or Pulumi-side settings changed: nothing to change on Connect. */
export function accessOnlyChange(changedKeys: string[]): boolean {
    return changedKeys.every((k) => CONNECTOR_ACCESS_KEYS.includes(k));
}

/** Topics the connector writes: `<topic.prefix>.<schema>.<table>` for each entry of `table.include.list`. */
export function connectorTopics(config: Record<string, string>): string[] {
    const tables = (config["table.include.list"] ?? "").split(",").map((t) => t.trim()).filter(Boolean);
    return tables.map((t) => `${config["topic.prefix"]}.${t}`);
}

/** A plain Error carrying Connect's status (Error subclasses do not survive closure serialization). */
function connectError(status: number, message: string): Error & { status: number } {
    return Object.assign(new Error(message), { status });
}

/**
 * Calls the Connect REST API; non-2xx become errors with Connect's message. A worker answers 409
 * ("rebalance in progress") or 500 ("a rebalance is expected") while the group rebalances, e.g. right
 * after a connector is created or deleted; those are retried with backoff for up to 90 s.
 */
export async function connectRequest(baseUrl: string, method: string, path: string, body?: unknown): Promise<any> {
    let delay = 250;
    const retryUntil = Date.now() + 90_000;
    for (;;) {
        let response: Response;
        try {
            response = await fetch(`${baseUrl}${path}`, {
                method,
                headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(60_000),
            });
        } catch (err) {
            const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
            throw connectError(0, `Kafka Connect ${method} ${baseUrl}${path}: ${cause}`);
        }
        const text = await response.text();
        const rebalancing = response.status === 409 || (response.status === 500 && /rebalance/i.test(text));
        if (rebalancing && Date.now() + delay < retryUntil) {
            await new Promise((resolve) => setTimeout(resolve, delay));
            delay = Math.min(delay * 2, 5000);
            continue;
        }
        let json: any = {};
        try {
            json = text ? JSON.parse(text) : {};
        } catch {
            json = { message: text };
        }
        if (!response.ok) throw connectError(response.status, `Kafka Connect ${method} ${path}: ${response.status}: ${json.message ?? text}`);
        return json;
    }
}

/** Asks the plugin to validate a full config; throws listing every field error (values never included). */
export async function validateConnectorConfig(baseUrl: string, fullConfig: Record<string, string>): Promise<void> {
    const cls = fullConfig["connector.class"];
    const result = await connectRequest(baseUrl, "PUT", `/connector-plugins/${encodeURIComponent(cls)}/config/validate`, fullConfig);
    if (!result.error_count) return;
    const errors: string[] = [];
    for (const entry of result.configs ?? []) {
        for (const message of entry.value?.errors ?? []) errors.push(`${entry.value.name}: ${message}`);
    }
    throw new Error(`Kafka Connect rejected the config of connector "${fullConfig.name}" (${result.error_count} error${result.error_count === 1 ? "" : "s"}):\n  - ${errors.join("\n  - ")}`);
}

/** Waits (bounded, backed off) until the connector and every task are in `state`; a FAILED one throws with its trace. */
export async function waitForConnectorState(baseUrl: string, name: string, state: ConnectorState, timeoutMs: number): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let delay = 250;
    let last: any;
    for (;;) {
        try {
            last = await connectRequest(baseUrl, "GET", `/connectors/${encodeURIComponent(name)}/status`);
        } catch (err) {
            // Just created: the status can lag behind the config by a moment.
            if ((err as { status?: number }).status !== 404) throw err;
        }
        if (last) {
            const failed = [last.connector, ...(last.tasks ?? [])].find((s: any) => s?.state === "FAILED");
            if (failed) {
                const what = failed === last.connector ? "connector" : `task ${failed.id}`;
                throw new Error(`Kafka Connect connector "${name}": ${what} FAILED on ${failed.worker_id}:\n${String(failed.trace ?? "(no trace)").split("\n").slice(0, 30).join("\n")}`);
            }
            const tasks = last.tasks ?? [];
            // A STOPPED connector has no tasks; a running or paused one has at least one, all in the same state.
            const tasksReady = state === "STOPPED" ? tasks.length === 0 : tasks.length > 0 && tasks.every((t: any) => t.state === state);
            if (last.connector?.state === state && tasksReady) return last;
        }
        if (Date.now() + delay > deadline) {
            const seen = last ? `connector ${last.connector?.state}, tasks [${(last.tasks ?? []).map((t: any) => `${t.id}:${t.state}`).join(", ")}]` : "no status yet";
            throw new Error(`Kafka Connect connector "${name}" did not reach ${state} within ${Math.round(timeoutMs / 1000)} s (last seen: ${seen})`);
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
    }
}

/**
 * Waits (bounded, backed off) until every task of the connector runs with `config` (Connect copies the
 * connector config into each task's config when it reconfigures them). Until then a RUNNING status is
 * the old configuration's, and accepting it would report an update that has not happened yet.
 */
export async function waitForTaskConfig(baseUrl: string, name: string, config: Record<string, string>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 250;
    let stale = "no tasks yet";
    for (;;) {
        const tasks: Array<{ id?: { task?: number }; config?: Record<string, string> }> = await connectRequest(baseUrl, "GET", `/connectors/${encodeURIComponent(name)}/tasks`).catch((err: { status?: number }) => {
            if (err.status === 404) return [];
            throw err;
        });
        // A password reference counts too: Connect keeps it unresolved in task configs, so a task still holding
        // the old value (a literal, or another reference) has not been restarted with the new config yet.
        const behind = tasks.flatMap((t) => Object.keys(config).filter((k) => t.config?.[k] !== undefined && t.config[k] !== config[k]).map((k) => `task ${t.id?.task ?? "?"}: ${k}`));
        if (tasks.length > 0 && behind.length === 0) return;
        if (tasks.length > 0) stale = behind.join(", ");
        if (Date.now() + delay > deadline) throw new Error(`Kafka Connect connector "${name}": its tasks did not take the new config within ${Math.round(timeoutMs / 1000)} s (still old: ${stale})`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
    }
}

/** Drops the connector's replication slot, and its publication when the connector created it; absent ones are fine. */
export async function dropSlotAndPublication(props: Record<string, any>): Promise<void> {
    const { Client } = require("pg") as typeof import("pg");
    const config = props.config ?? {};
    const address = String(props.cleanupDatabaseAddress ?? `${config["database.hostname"]}:${config["database.port"]}`);
    const separator = address.lastIndexOf(":");
    const client = new Client({
        host: address.slice(0, separator),
        port: Number(address.slice(separator + 1)),
        user: config["database.user"],
        password: props.databasePassword,
        database: config["database.dbname"],
        connectionTimeoutMillis: 15_000,
    });
    const slot = config["slot.name"];
    await client.connect().catch((err: Error) => {
        throw new Error(`dropping replication slot "${slot}": cannot connect to PostgreSQL at ${address} as ${config["database.user"]}: ${err.message}`);
    });
    try {
        // The walsender of a just-deleted connector can hold the slot for a moment, and a task that was
        // still stopping can take it again: done only when the slot stays absent across two looks.
        const deadline = Date.now() + 90_000;
        let delay = 200;
        let absentSince: number | undefined;
        for (;;) {
            const found = await client.query("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1", [slot]);
            if (found.rowCount === 0) {
                absentSince ??= Date.now();
                if (Date.now() - absentSince >= 1500) break;
            } else {
                absentSince = undefined;
                if (found.rows[0].active_pid === null) {
                    await client.query("SELECT pg_drop_replication_slot($1)", [slot]).catch((err: { code?: string }) => {
                        // 55006: taken again between the look and the drop; 42704: already gone. Both: look again.
                        if (err.code !== "55006" && err.code !== "42704") throw err;
                    });
                    continue;
                }
            }
            if (Date.now() + delay > deadline) {
                const holder = found.rowCount ? `in use by backend ${found.rows[0].active_pid}` : "reappearing";
                throw new Error(`replication slot "${slot}" is still ${holder} after 90 s; it was not dropped`);
            }
            await new Promise((resolve) => setTimeout(resolve, delay));
            delay = Math.min(delay * 2, 2000);
        }
        const autocreate = config["publication.autocreate.mode"] ?? "all_tables";
        if (autocreate !== "disabled") {
            const publication = config["publication.name"] ?? "dbz_publication";
            await client.query(`DROP PUBLICATION IF EXISTS "${String(publication).replace(/"/g, '""')}"`);
        }
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** Applies create/update: validate, put config, reach the declared state, wait. Returns outputs. */
async function applyConnector(inputs: Record<string, any>, knownToExist: boolean): Promise<Record<string, any>> {
    const name = inputs.name;
    const config = normalizeConnectorConfig(inputs.config);
    // Connect stores what it is given: the reference when there is one, so the password stays out of its configs topic.
    const full = { ...config, name, "database.password": config["database.password"] ?? inputs.databasePassword };
    await validateConnectorConfig(inputs.connectUrl, full);
    let exists = knownToExist;
    try {
        const state: ConnectorState = inputs.state ?? "RUNNING";
        const current = await connectRequest(inputs.connectUrl, "GET", `/connectors/${encodeURIComponent(name)}/status`).catch((err: { status?: number }) => {
            if (err.status === 404) return undefined;
            throw err;
        });
        exists = current !== undefined;
        await connectRequest(inputs.connectUrl, "PUT", `/connectors/${encodeURIComponent(name)}/config`, full);
        exists = true;
        const failed = [current?.connector, ...(current?.tasks ?? [])].some((s: any) => s?.state === "FAILED");
        if (failed) await connectRequest(inputs.connectUrl, "POST", `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
        const action = { RUNNING: "resume", PAUSED: "pause", STOPPED: "stop" }[state];
        if (current?.connector?.state !== state) await connectRequest(inputs.connectUrl, "PUT", `/connectors/${encodeURIComponent(name)}/${action}`);
        const timeoutMs = (inputs.waitTimeoutSeconds ?? 180) * 1000;
        // A reconfigured connector restarts its tasks: wait for tasks with the new config before their state counts.
        if (state !== "STOPPED") await waitForTaskConfig(inputs.connectUrl, name, config, timeoutMs);
        const status = await waitForConnectorState(inputs.connectUrl, name, state, timeoutMs);
        return { ...inputs, config, topics: connectorTopics(config), connectorState: status.connector.state, taskStates: (status.tasks ?? []).map((t: any) => t.state) };
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
        return { inputs: { ...news, config: news.config && !isUnknown(news.config) ? normalizeConnectorConfig(news.config) : news.config }, failures: checkConnectorInputs(news) };
    },

    async diff(_id: string, olds: any, news: any) {
        const { changes, replaces, deleteBeforeReplace } = diffConnector(olds, news);
        refuseDataLoss("DebeziumConnector", replaces, olds, news);
        return { changes, replaces, deleteBeforeReplace };
    },

    async create(inputs: any) {
        return { id: inputs.name, outs: await applyConnector(inputs, false) };
    },

    async update(_id: string, olds: any, news: any) {
        const { changedKeys } = diffConnector(olds, news);
        if (accessOnlyChange(changedKeys)) {
            // Another way to reach the same Connect (or Pulumi-side settings): the running connector is left
            // alone, no task restarts. Where it is missing at the new URL, it is made there as declared.
            const found = await connectRequest(news.connectUrl, "GET", `/connectors/${encodeURIComponent(news.name)}/status`).catch((err: { status?: number }) => {
                if (err.status === 404) return undefined;
                throw err;
            });
            if (found && found.connector?.state === (news.state ?? "RUNNING")) {
                return { outs: { ...olds, ...news, topics: olds.topics, connectorState: found.connector.state, taskStates: (found.tasks ?? []).map((t: any) => t.state) } };
            }
        }
        return { outs: await applyConnector(news, true) };
    },

    async read(id: string, props: any) {
        let stored: Record<string, string>;
        let status: any;
        try {
            stored = await connectRequest(props.connectUrl, "GET", `/connectors/${encodeURIComponent(id)}/config`);
            status = await connectRequest(props.connectUrl, "GET", `/connectors/${encodeURIComponent(id)}/status`);
        } catch (err) {
            if ((err as { status?: number }).status === 404) return {};
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
                await connectRequest(props.connectUrl, "PUT", `${path}/stop`);
                await waitForConnectorState(props.connectUrl, id, "STOPPED", 60_000);
                await connectRequest(props.connectUrl, "DELETE", `${path}/offsets`);
            }
            await connectRequest(props.connectUrl, "DELETE", path);
        } catch (err) {
            if ((err as { status?: number }).status !== 404) throw err;
        }
        if (props.dropSlotOnDelete !== false) await dropSlotAndPublication(props);
    },
};

export interface DebeziumConnectorArgs {
    /** Connect REST URL reachable from the machine running Pulumi. */
    connectUrl: pulumi.Input<string>;
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
    /** Bound on waiting for the declared state, in seconds (default 180). */
    waitTimeoutSeconds?: pulumi.Input<number>;
    /** Refuse, at preview, a change that replaces the connector (its slot and offsets); default: none. */
    dataGuard?: DataGuard;
}

/** A Debezium PostgreSQL source connector. */
export class DebeziumConnector extends pulumi.dynamic.Resource {
    declare readonly topics: pulumi.Output<string[]>;
    declare readonly connectorState: pulumi.Output<string>;
    declare readonly taskStates: pulumi.Output<string[]>;

    constructor(name: string, args: DebeziumConnectorArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            connectorProvider,
            name,
            {
                connectUrl: args.connectUrl,
                name: args.name,
                config:
                    args.databasePasswordReference === undefined
                        ? args.config
                        : pulumi.all([args.config, args.databasePasswordReference]).apply(([config, reference]) => (reference === undefined ? config : { ...config, "database.password": reference })),
                databasePassword: pulumi.secret(args.databasePassword),
                state: args.state ?? "RUNNING",
                dropSlotOnDelete: args.dropSlotOnDelete ?? true,
                cleanupDatabaseAddress: args.cleanupDatabaseAddress,
                waitTimeoutSeconds: args.waitTimeoutSeconds ?? 180,
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
