/**
 * What lives inside Dremio, as dynamic resources through Dremio's REST API:
 * - `DremioAdmin`: the first admin (`PUT /apiv2/bootstrap/firstuser`); a rerun, or a Dremio whose
 *   admin already exists, logs in instead (idempotent); a password change goes through the user API.
 * - `DremioSource`: a source (the Nessie catalog over S3) through `/api/v3/catalog`; Dremio returns
 *   secrets redacted and adds keys of its own, so drift compares only the keys the stack declares and
 *   never the secrets.
 *
 * Provider methods use only global `fetch`, this file's functions, ./toolkit,
 * ../config/patterns and ../defaults (they are serialized into state). Credentials are secret inputs;
 * no message carries them (the toolkit's `redact`).
 *
 * Tested against a local stand-in of Dremio's REST API (harness/dremio): Dremio itself is not
 * obtainable where this project is built.
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { DREMIO_USER_NAME, HTTP_BASE_URL, NESSIE_API_V2_URL } from "../config/patterns";
import { PROVIDER_DEFAULTS } from "../defaults";
import { InputDiff, changedEntries, engineDiff, inputDiff } from "./toolkit/diff";
import { caCertProblem, errorStatus, HttpTarget, httpTarget, isNotFound, requestJson, serverMessage, targetUrl, unlessNotFound } from "./toolkit/http";
import { pollUntil } from "./toolkit/poll";
import { redact } from "./toolkit/redact";
import { isKnown, isUnknown } from "./toolkit/unknown";

export const DREMIO_PROVIDER_VERSION = 1;

/** What Dremio answers in place of a secret; sent back on update, it keeps the stored value. */
export const DREMIO_REDACTED = "$DREMIO_EXISTING_VALUE$";

type Failure = { property: string; reason: string };

/** Dremio's message in an error body (`errorMessage`), with its `moreInfo` when it gives one. */
function dremioMessage(json: any, text: string): string {
    return `${serverMessage(json, text)}${json?.moreInfo ? ` (${json.moreInfo})` : ""}`;
}

/**
 * Calls Dremio's REST API; a non-2xx answer throws an error with Dremio's own `errorMessage` and the
 * `status` (0 when Dremio was not reached). `secrets` never show in an error.
 */
export async function dremioRequest(
    baseUrl: HttpTarget,
    method: string,
    path: string,
    options: { token?: string; body?: unknown; secrets?: Array<string | undefined> } = {},
): Promise<any> {
    return requestJson({
        service: "Dremio",
        baseUrl,
        method,
        path,
        body: options.body,
        headers: options.token ? { Authorization: `_dremio${options.token}` } : undefined,
        timeoutMs: PROVIDER_DEFAULTS.requestTimeoutMs,
        errorMessage: dremioMessage,
        secrets: options.secrets,
    });
}

/** How a resource reaches Dremio: `url`, with `caCert` when its https certificate is a company CA's. */
export function dremioTarget(props: Record<string, any>): HttpTarget {
    return httpTarget(props.url, props.caCert);
}

/** Waits (bounded, backed off, printing what it sees) until Dremio answers its status endpoint. */
export async function waitForDremio(baseUrl: HttpTarget, timeoutMs: number): Promise<void> {
    await pollUntil(`Dremio at ${targetUrl(baseUrl)} to answer /apiv2/server_status`, timeoutMs, async () => {
        try {
            await dremioRequest(baseUrl, "GET", "/apiv2/server_status");
            return { done: true, value: undefined };
        } catch (err) {
            return { done: false, seen: (err as Error).message };
        }
    });
}

/** Logs in and returns the session token; a rejected login names the user, never the password. */
export async function dremioLogin(baseUrl: HttpTarget, userName: string, password: string): Promise<string> {
    try {
        const session = await dremioRequest(baseUrl, "POST", "/apiv2/login", { body: { userName, password }, secrets: [password] });
        return String(session.token);
    } catch (err) {
        throw Object.assign(new Error(redact(`logging in to Dremio at ${targetUrl(baseUrl)} as "${userName}": ${(err as Error).message}`, [password])), {
            status: errorStatus(err),
        });
    }
}

// ----------------------------------------------------------------------------------------------
// The first admin

/** Validates the admin's inputs, naming each bad property (never echoing the password). */
export function checkDremioAdminInputs(news: Record<string, any>): Failure[] {
    const failures: Failure[] = [];
    const known = (k: string) => isKnown(news[k]);
    if (known("url") && !HTTP_BASE_URL.test(String(news.url)))
        failures.push({ property: "url", reason: `"${news.url}" must be Dremio's http(s) base URL, without a path` });
    const ca = caCertProblem(news.caCert, [news.url]);
    if (ca) failures.push({ property: "caCert", reason: ca });
    if (known("userName") && !DREMIO_USER_NAME.test(String(news.userName))) {
        failures.push({
            property: "userName",
            reason: `"${news.userName}" is not a Dremio user name (a letter or '_', then letters, digits, '_', '.' or '-'; at most 63)`,
        });
    }
    if (known("email") && !/^[^\s@]+@[^\s@]+$/.test(String(news.email)))
        failures.push({ property: "email", reason: `"${news.email}" is not an e-mail address` });
    if (news.password === undefined || news.password === "") {
        failures.push({ property: "password", reason: "is required" });
    } else if (known("password") && !(String(news.password).length >= 8 && /[A-Za-z]/.test(news.password) && /\d/.test(news.password))) {
        failures.push({ property: "password", reason: "must be at least 8 characters with at least one letter and one digit (Dremio's rule)" });
    }
    return failures;
}

/** Exactly the changed inputs; another user name is another admin (replace). The URL is how Pulumi reaches Dremio: an update. */
export function diffDremioAdmin(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    const normal = (v: Record<string, any>): Record<string, any> => ({ version: 1, waitTimeoutSeconds: PROVIDER_DEFAULTS.waitTimeoutSeconds, ...v });
    const o = normal(olds);
    const n = normal(news);
    // The old admin is kept (Dremio keeps its first admin): nothing to delete before the new one.
    return inputDiff(
        ["url", "caCert", "userName", "firstName", "lastName", "email", "password", "waitTimeoutSeconds", "version"].filter(
            (k) => JSON.stringify(o[k]) !== JSON.stringify(n[k]),
        ),
        ["userName"],
    );
}

/** The user's profile as Dremio's user API takes it. */
function userBody(inputs: Record<string, any>): Record<string, string> {
    return { name: inputs.userName, firstName: inputs.firstName, lastName: inputs.lastName, email: inputs.email };
}

export const dremioAdminProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkDremioAdminInputs(news) };
    },

    async diff(_id: string, olds: any, news: any) {
        return engineDiff(diffDremioAdmin(olds, news), olds, news);
    },

    async create(inputs: any) {
        await waitForDremio(dremioTarget(inputs), (inputs.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds) * 1000);
        try {
            await dremioRequest(dremioTarget(inputs), "PUT", "/apiv2/bootstrap/firstuser", {
                body: {
                    userName: inputs.userName,
                    firstName: inputs.firstName,
                    lastName: inputs.lastName,
                    email: inputs.email,
                    createdAt: Date.now(),
                    password: inputs.password,
                },
                secrets: [inputs.password],
            });
        } catch (err) {
            const status = errorStatus(err) ?? 0;
            // Dremio refuses a second first user: a rerun after a crash, or an admin made by hand. Adopt it
            // when the stack's password logs in; otherwise say which setting to fix.
            if (status === 0 || status >= 500) throw err;
            try {
                await dremioLogin(dremioTarget(inputs), inputs.userName, inputs.password);
            } catch (loginErr) {
                throw new Error(
                    redact(
                        `Dremio at ${inputs.url} did not create the first admin (${(err as Error).message}), and ${(loginErr as Error).message}. ` +
                            "If Dremio already has an admin, set lakehouse:dremio.adminUser and the secret lakehouse:dremioAdminPassword to that user's name and password.",
                        [inputs.password],
                    ),
                );
            }
        }
        return { id: inputs.userName, outs: { ...inputs } };
    },

    async read(id: string, props: any) {
        try {
            await dremioLogin(dremioTarget(props), id, props.password);
            return { id, props: { ...props } };
        } catch (err) {
            const status = errorStatus(err);
            if (status === 401 || status === 403) {
                // The stack's password no longer logs in (changed or user removed out of band): a drift on
                // `password`, which `up` repairs once the stack holds a password that works (see update).
                return { id, props: { ...props, password: "(rejected by Dremio)" } };
            }
            throw err;
        }
    },

    async update(id: string, olds: any, news: any) {
        let token: string;
        let loggedInWithNew = true;
        try {
            token = await dremioLogin(dremioTarget(news), news.userName, news.password);
        } catch {
            loggedInWithNew = false;
            try {
                token = await dremioLogin(dremioTarget(news), news.userName, olds.password);
            } catch (err) {
                throw new Error(
                    redact(
                        `${(err as Error).message}; neither the stack's new nor its previous password for "${news.userName}" logs in to Dremio. ` +
                            "Set the secret lakehouse:dremioAdminPassword to the user's current password, then run up again.",
                        [news.password, olds.password],
                    ),
                );
            }
        }
        const profileChanged = ["firstName", "lastName", "email"].some((k) => olds[k] !== news[k]);
        if (!loggedInWithNew || profileChanged) {
            const user = await dremioRequest(dremioTarget(news), "GET", `/api/v3/user/by-name/${encodeURIComponent(news.userName)}`, { token });
            await dremioRequest(dremioTarget(news), "PUT", `/api/v3/user/${encodeURIComponent(user.id)}`, {
                token,
                body: { ...user, ...userBody(news), tag: user.tag, ...(loggedInWithNew ? {} : { password: news.password }) },
                secrets: [news.password, olds.password],
            }).catch((err: Error) => {
                throw new Error(`updating Dremio user "${id}": ${err.message}`);
            });
        }
        return { outs: { ...news } };
    },

    async delete() {
        // Dremio keeps its first admin: it owns the catalog, and removing the last admin would lock
        // everyone out. Its data goes with the Dremio workload's volume.
    },
};

export interface DremioAdminArgs {
    /** Dremio base URL as the machine running Pulumi reaches it, e.g. http://localhost:9047. */
    url: pulumi.Input<string>;
    /** With an https `url`: the CA that signed Dremio's certificate, PEM (default: the system's CAs). */
    caCert?: pulumi.Input<string>;
    userName: pulumi.Input<string>;
    /** Marked secret here whatever the caller passes. */
    password: pulumi.Input<string>;
    firstName?: pulumi.Input<string>;
    lastName?: pulumi.Input<string>;
    email?: pulumi.Input<string>;
    /** Bound on waiting for Dremio to answer, in seconds (default `PROVIDER_DEFAULTS.waitTimeoutSeconds`: a first start takes a while). */
    waitTimeoutSeconds?: pulumi.Input<number>;
}

/** Dremio's first admin user, created once and logged in to afterwards. */
export class DremioAdmin extends LakehouseResource {
    declare readonly userName: pulumi.Output<string>;

    constructor(name: string, args: DremioAdminArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            dremioAdminProvider,
            name,
            {
                url: args.url,
                ...(args.caCert !== undefined ? { caCert: args.caCert } : {}),
                userName: args.userName,
                password: pulumi.secret(args.password),
                firstName: args.firstName ?? "Lakehouse",
                lastName: args.lastName ?? "Admin",
                email: args.email ?? pulumi.output(args.userName).apply((u) => `${u}@lakehouse.local`),
                waitTimeoutSeconds: args.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds,
                version: DREMIO_PROVIDER_VERSION,
            },
            { ...opts, additionalSecretOutputs: ["password"] },
            "lakehouse",
            "DremioAdmin",
        );
    }
}

// ----------------------------------------------------------------------------------------------
// A source

/** Dremio's rule for entity names. */
const SOURCE_NAME = /^[^/:[\]]{1,255}$/;

/**
 * A source config in one canonical form: keys sorted, `propertyList` sorted by name, `undefined`
 * dropped. Applied to both sides of every comparison so ordering never shows as a change.
 */
export function normalizeSourceConfig(config: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(config ?? {}).sort()) {
        const value = config[key];
        if (value === undefined) continue;
        out[key] =
            key === "propertyList" && Array.isArray(value)
                ? [...value].map((p: any) => ({ name: String(p.name), value: String(p.value) })).sort((a, b) => a.name.localeCompare(b.name))
                : value;
    }
    return out;
}

/**
 * The stack's view of a source as Dremio returns it: only the keys the stack declares (Dremio adds
 * defaults of its own), and no secrets (Dremio returns them redacted).
 */
export function projectSourceConfig(server: Record<string, unknown>, declared: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(declared)) {
        if (server[key] !== undefined && server[key] !== DREMIO_REDACTED) out[key] = server[key];
    }
    return normalizeSourceConfig(out);
}

/** Validates a source's inputs, naming each bad property; for NESSIE, what Dremio would refuse. */
export function checkDremioSourceInputs(news: Record<string, any>): Failure[] {
    const failures: Failure[] = [];
    const known = (k: string) => isKnown(news[k]);
    if (known("url") && !HTTP_BASE_URL.test(String(news.url)))
        failures.push({ property: "url", reason: `"${news.url}" must be Dremio's http(s) base URL, without a path` });
    const ca = caCertProblem(news.caCert, [news.url]);
    if (ca) failures.push({ property: "caCert", reason: ca });
    if (known("name") && !SOURCE_NAME.test(String(news.name)))
        failures.push({ property: "name", reason: `"${news.name}" must be 1-255 characters without '/', ':', '[' or ']'` });
    if (known("type") && !/^[A-Z0-9_]+$/.test(String(news.type)))
        failures.push({ property: "type", reason: `"${news.type}" is not a Dremio source type such as NESSIE` });
    for (const k of ["userName", "password"])
        if (news[k] === undefined || news[k] === "") failures.push({ property: k, reason: "is required (Dremio's API needs a login)" });
    const config = known("config") ? news.config : undefined;
    const secretConfig = known("secretConfig") ? news.secretConfig : undefined;
    if (config !== undefined && (config === null || typeof config !== "object" || Array.isArray(config)))
        failures.push({ property: "config", reason: "must be a map of source settings" });
    if (secretConfig !== undefined && (secretConfig === null || typeof secretConfig !== "object" || Array.isArray(secretConfig)))
        failures.push({ property: "secretConfig", reason: "must be a map of secret source settings" });
    if (config && typeof config === "object" && secretConfig && typeof secretConfig === "object") {
        for (const k of Object.keys(secretConfig).filter((k) => k in config))
            failures.push({ property: `config["${k}"]`, reason: "is also in secretConfig: a setting belongs in one of them" });
    }
    if (known("type") && news.type === "NESSIE" && config && typeof config === "object") {
        const setting = (k: string) => config[k] ?? secretConfig?.[k];
        const endpoint = config.nessieEndpoint;
        if (!isUnknown(endpoint) && !NESSIE_API_V2_URL.test(String(endpoint ?? ""))) {
            failures.push({
                property: 'config["nessieEndpoint"]',
                reason: `${endpoint === undefined ? "is required" : `"${endpoint}" must be`} the Nessie API v2 URL (ending in /api/v2; Dremio refuses v1)`,
            });
        }
        if (config.nessieAuthType !== undefined && !["NONE", "BEARER"].includes(config.nessieAuthType))
            failures.push({ property: 'config["nessieAuthType"]', reason: `"${config.nessieAuthType}" must be NONE or BEARER` });
        if ((config.storageProvider ?? "AWS") === "AWS") {
            if (!config.awsRootPath)
                failures.push({
                    property: 'config["awsRootPath"]',
                    reason: "is required: the bucket (and folder) Dremio writes new tables under, e.g. /warehouse",
                });
            if ((config.credentialType ?? "ACCESS_KEY") === "ACCESS_KEY") {
                if (!setting("awsAccessKey")) failures.push({ property: 'config["awsAccessKey"]', reason: "is required with credentialType ACCESS_KEY" });
                if (!setting("awsAccessSecret"))
                    failures.push({ property: 'secretConfig["awsAccessSecret"]', reason: "is required with credentialType ACCESS_KEY" });
            }
        }
    }
    return failures;
}

/** Exactly the changed settings (by name: secret values never appear); a new name, type or Dremio replaces. */
export function diffDremioSource(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    const normal = (v: Record<string, any>): Record<string, any> => ({ version: 1, ...v });
    const o = normal(olds);
    const n = normal(news);
    const changedKeys = [
        ...["url", "caCert", "name", "type", "userName", "password", "version"].filter((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k])),
        ...["config", "secretConfig"].flatMap((group) =>
            changedEntries(normalizeSourceConfig(o[group] ?? {}), normalizeSourceConfig(n[group] ?? {})).map((key) => `${group}["${key}"]`),
        ),
    ];
    // Name and type make another source (the old one deleted first: Dremio holds one source per name);
    // the URL is how Pulumi reaches Dremio (an update, never identity).
    return inputDiff(changedKeys, ["name", "type"], true);
}

/** The catalog body Dremio takes: the server's own keys kept, the stack's settings (and secrets) on top. */
export function sourceBody(inputs: Record<string, any>, existing?: Record<string, any>): Record<string, any> {
    return {
        ...(existing ?? {}),
        entityType: "source",
        name: inputs.name,
        type: inputs.type,
        config: { ...(existing?.config ?? {}), ...normalizeSourceConfig(inputs.config ?? {}), ...(inputs.secretConfig ?? {}) },
    };
}

/** The source by path, or undefined when Dremio has none of that name. */
function findSource(url: HttpTarget, token: string, name: string): Promise<any | undefined> {
    return unlessNotFound(dremioRequest(url, "GET", `/api/v3/catalog/by-path/${encodeURIComponent(name)}`, { token }));
}

/** Creates the source or brings an existing one to the declared settings; returns the outputs. */
async function applySource(inputs: Record<string, any>, id?: string): Promise<{ id: string; outs: Record<string, any> }> {
    const secrets = [inputs.password, ...Object.values(inputs.secretConfig ?? {})];
    try {
        const token = await dremioLogin(dremioTarget(inputs), inputs.userName, inputs.password);
        let existing = id
            ? await unlessNotFound(dremioRequest(dremioTarget(inputs), "GET", `/api/v3/catalog/${encodeURIComponent(id)}`, { token }))
            : undefined;
        existing ??= await findSource(dremioTarget(inputs), token, inputs.name);
        const saved = existing
            ? await dremioRequest(dremioTarget(inputs), "PUT", `/api/v3/catalog/${encodeURIComponent(existing.id)}`, {
                  token,
                  body: sourceBody(inputs, existing),
                  secrets,
              })
            : await dremioRequest(dremioTarget(inputs), "POST", "/api/v3/catalog", { token, body: sourceBody(inputs), secrets });
        return {
            id: saved.id,
            // `savedTag`: the version this resource wrote; a delete leaves a source written by another since (a replacement that adopted it).
            outs: {
                ...inputs,
                config: normalizeSourceConfig(inputs.config ?? {}),
                sourceId: saved.id,
                status: saved.state?.status ?? "unknown",
                savedTag: saved.tag ?? "",
            },
        };
    } catch (err) {
        throw Object.assign(new Error(redact(`Dremio source "${inputs.name}": ${(err as Error).message}`, secrets)), { status: errorStatus(err) });
    }
}

export const dremioSourceProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        const config = news.config && !isUnknown(news.config) && typeof news.config === "object" ? normalizeSourceConfig(news.config) : news.config;
        return { inputs: { ...news, config }, failures: checkDremioSourceInputs(news) };
    },

    async diff(_id: string, olds: any, news: any) {
        return engineDiff(diffDremioSource(olds, news), olds, news);
    },

    async create(inputs: any) {
        return applySource(inputs);
    },

    async update(id: string, _olds: any, news: any) {
        return { outs: (await applySource(news, id)).outs };
    },

    async read(id: string, props: any) {
        const token = await dremioLogin(dremioTarget(props), props.userName, props.password);
        let entity: any;
        try {
            entity = await dremioRequest(dremioTarget(props), "GET", `/api/v3/catalog/${encodeURIComponent(id)}`, { token });
        } catch (err) {
            if (isNotFound(err)) return {};
            throw new Error(redact((err as Error).message, [props.password]));
        }
        return {
            id,
            props: {
                ...props,
                name: entity.name,
                type: entity.type,
                // Only what the stack declares; Dremio's own defaults and its redacted secrets are not drift.
                config: projectSourceConfig(entity.config ?? {}, props.config ?? {}),
                status: entity.state?.status ?? props.status,
                // A refresh takes the source as it is now as this resource's.
                savedTag: entity.tag ?? props.savedTag,
            },
        };
    },

    async delete(id: string, props: any) {
        const token = await dremioLogin(dremioTarget(props), props.userName, props.password);
        try {
            const entity = await dremioRequest(dremioTarget(props), "GET", `/api/v3/catalog/${encodeURIComponent(id)}`, { token });
            // Written by another resource since this one last saved it (a replacement that adopted it): kept.
            if (props.savedTag && entity.tag !== props.savedTag) return;
            await dremioRequest(dremioTarget(props), "DELETE", `/api/v3/catalog/${encodeURIComponent(id)}?tag=${encodeURIComponent(entity.tag ?? "")}`, {
                token,
            });
        } catch (err) {
            if (isNotFound(err)) return;
            throw new Error(
                redact(`deleting Dremio source "${props.name}": ${(err as Error).message}`, [props.password, ...Object.values(props.secretConfig ?? {})]),
            );
        }
    },
};

export interface DremioSourceArgs {
    /** Dremio base URL as the machine running Pulumi reaches it. */
    url: pulumi.Input<string>;
    /** With an https `url`: the CA that signed Dremio's certificate, PEM (default: the system's CAs). */
    caCert?: pulumi.Input<string>;
    /** The admin the calls log in as (a `DremioAdmin`'s user). */
    userName: pulumi.Input<string>;
    /** Marked secret here whatever the caller passes. */
    password: pulumi.Input<string>;
    /** Source name: the first element of every table path in Dremio's SQL. */
    name: pulumi.Input<string>;
    /** Dremio source type, e.g. NESSIE. */
    type: pulumi.Input<string>;
    /** Settings compared for drift (Dremio's own defaults are not). */
    config: pulumi.Input<Record<string, any>>;
    /** Secret settings (e.g. `awsAccessSecret`): sent to Dremio, never compared with what it returns (redacted). */
    secretConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A Dremio source, e.g. the Nessie catalog with its S3 storage. */
export class DremioSource extends LakehouseResource {
    declare readonly sourceId: pulumi.Output<string>;
    declare readonly status: pulumi.Output<string>;

    constructor(name: string, args: DremioSourceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            dremioSourceProvider,
            name,
            {
                url: args.url,
                ...(args.caCert !== undefined ? { caCert: args.caCert } : {}),
                userName: args.userName,
                password: pulumi.secret(args.password),
                name: args.name,
                type: args.type,
                config: args.config,
                secretConfig: pulumi.secret(args.secretConfig ?? {}),
                version: DREMIO_PROVIDER_VERSION,
                sourceId: undefined,
                status: undefined,
                savedTag: undefined,
            },
            { ...opts, additionalSecretOutputs: ["password", "secretConfig"] },
            "lakehouse",
            "DremioSource",
        );
    }
}
