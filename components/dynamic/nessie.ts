/**
 * Nessie branch and namespace as dynamic resources, through Nessie's REST API v2. Every write names
 * the expected commit hash; a conflict (someone committed meanwhile) is retried on the new hash.
 * Provider methods use only global `fetch`, the functions of this file, of ./data-guard,
 * ./toolkit, ../config/patterns and ../defaults (they are serialized).
 *
 * Identity is the branch and namespace names; the API URL is how Pulumi reaches Nessie, so a new URL
 * is an update (the object is made sure of there). A Nessie over HTTPS whose certificate a company CA
 * signed is reached with `caCert`; one that wants a bearer token gets `credentials.token` (a secret). The namespace carries an owner stamp (its
 * property `lakehouse.owner`): a delete leaves a namespace another resource adopted since.
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { NESSIE_API_V2_URL, NESSIE_REF_NAME } from "../config/patterns";
import { PROVIDER_DEFAULTS } from "../defaults";
import { DataGuard, newOwnerToken, ownsObject, refuseDataLoss } from "./data-guard";
import { backoffDelay, sleep } from "./toolkit/backoff";
import { InputDiff, engineDiff, inputDiff } from "./toolkit/diff";
import { caCertProblem, errorStatus, HttpError, httpError, requestJson, serverMessage, unlessNotFound } from "./toolkit/http";
import { isKnown } from "./toolkit/unknown";

/** The namespace property that names the resource owning the namespace. */
export const OWNER_PROPERTY = "lakehouse.owner";

export const NESSIE_PROVIDER_VERSION = 1;

/** An error answer from Nessie (the toolkit's `HttpError`); its body carries Nessie's error code. */
export type NessieError = HttpError & { body?: { errorCode?: string } };

/** An error of this provider's own in Nessie's shape, e.g. a branch that does not exist (404, REFERENCE_NOT_FOUND). */
export function nessieError(status: number, errorCode: string, message: string): NessieError {
    return httpError(status, message, { errorCode }) as NessieError;
}

/** True for an error answer from Nessie with this status (and error code, when given). */
export function isNessieError(err: unknown, status?: number, errorCode?: string): err is NessieError {
    const actual = errorStatus(err);
    return (
        actual !== undefined && (status === undefined || actual === status) && (errorCode === undefined || (err as NessieError).body?.errorCode === errorCode)
    );
}

/** Nessie's message in an error body, after its error code: `409: REFERENCE_CONFLICT: ...`. */
function nessieMessage(json: any, text: string): string {
    const message = serverMessage(json, text);
    return json?.errorCode ? `${json.errorCode}: ${message}` : message;
}

/**
 * How Pulumi reaches Nessie: its API v2 URL (ends in /api/v2), and over HTTPS the CA to trust and the
 * bearer token, when the server wants them. A plain URL string is the same without either.
 */
export type NessieApi = string | { apiUrl: string; caCert?: string; token?: string };

/** The API of a resource's inputs or state: `apiUrl`, `caCert`, `credentials.token`. */
export function nessieApiOf(props: Record<string, any>): NessieApi {
    const token = props.credentials?.token;
    return {
        apiUrl: props.apiUrl,
        ...(typeof props.caCert === "string" ? { caCert: props.caCert } : {}),
        ...(typeof token === "string" && token !== "" ? { token } : {}),
    };
}

/** The URL of a {@link NessieApi}, for messages. */
export function nessieApiUrl(api: NessieApi): string {
    return typeof api === "string" ? api : api.apiUrl;
}

/** Calls Nessie's API v2; a non-2xx answer throws a NessieError carrying the server's message and code (the token never in it). */
export async function nessieRequest(api: NessieApi, method: string, path: string, body?: unknown): Promise<any> {
    const a = typeof api === "string" ? { apiUrl: api } : api;
    return requestJson({
        service: "Nessie",
        baseUrl: a.apiUrl,
        method,
        path,
        body,
        timeoutMs: PROVIDER_DEFAULTS.requestTimeoutMs,
        errorMessage: (json, text) => nessieMessage(json, text) || "(no message)",
        ...(a.caCert !== undefined ? { caCert: a.caCert } : {}),
        ...(a.token !== undefined ? { headers: { Authorization: `Bearer ${a.token}` }, secrets: [a.token] } : {}),
    }).catch((err) => {
        const status = errorStatus(err);
        if (status !== 401 && status !== 403) throw err;
        const fix =
            status === 401
                ? a.token === undefined
                    ? "Nessie wants a login: give its bearer token (credentials.token; the stack's lakehouse:nessieToken)"
                    : "Nessie refused the bearer token (credentials.token; the stack's lakehouse:nessieToken): it is not valid there, or has expired"
                : "Nessie's authorization does not allow this to the token's user (credentials.token; the stack's lakehouse:nessieToken)";
        throw httpError(status!, `${(err as Error).message}; ${fix}`, (err as HttpError).body);
    });
}

/** The current hash of a branch, or undefined when it does not exist. */
export async function branchHash(api: NessieApi, branch: string): Promise<string | undefined> {
    return (await unlessNotFound(nessieRequest(api, "GET", `/trees/${encodeURIComponent(branch)}`)))?.reference.hash;
}

/** Runs `write(hash)` against the branch's current hash, retrying (backed off, with jitter) while Nessie reports a conflict. */
export async function withFreshHash<T>(api: NessieApi, branch: string, write: (hash: string) => Promise<T>, attempts = 6): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        const hash = await branchHash(api, branch);
        if (hash === undefined) throw nessieError(404, "REFERENCE_NOT_FOUND", `Nessie branch "${branch}" does not exist at ${nessieApiUrl(api)}`);
        try {
            return await write(hash);
        } catch (err) {
            if (!isNessieError(err, 409) || attempt >= attempts) throw err;
            await sleep(backoffDelay(attempt - 1, { initialMs: 200 }));
        }
    }
}

/** Nessie content key of a dotted namespace as a URL path segment (elements joined by "."). */
export function namespaceKey(namespace: string): string {
    return namespace.split(".").map(encodeURIComponent).join(".");
}

/** Validates branch/namespace inputs, naming each bad property; unknown preview values are skipped. */
export function checkNessieInputs(news: Record<string, any>, kind: "branch" | "namespace"): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const known = (k: string) => isKnown(news[k]);
    if (known("apiUrl") && !NESSIE_API_V2_URL.test(String(news.apiUrl)))
        failures.push({ property: "apiUrl", reason: `"${news.apiUrl}" must be an http(s) URL ending in /api/v2` });
    const ca = caCertProblem(news.caCert, [news.apiUrl]);
    if (ca) failures.push({ property: "caCert", reason: ca });
    const token = news.credentials?.token;
    if (isKnown(token) && token !== undefined && (typeof token !== "string" || token === "" || /\s/.test(token)))
        failures.push({ property: "credentials.token", reason: "must be the bearer token itself: one word, no spaces, without the word Bearer" });
    for (const k of kind === "branch" ? ["branch", "from"] : ["branch"]) {
        if (known(k) && !NESSIE_REF_NAME.test(String(news[k]))) failures.push({ property: k, reason: `"${news[k]}" is not a Nessie reference name` });
    }
    if (kind === "namespace" && known("namespace") && !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(String(news.namespace))) {
        failures.push({ property: "namespace", reason: `"${news.namespace}" must be dot-separated identifiers, e.g. cdc or cdc.raw` });
    }
    return failures;
}

/**
 * Changed properties; an identity change replaces, the new object made before the old one goes
 * (a branch or namespace of another name is another object; the old one is kept unless the stack
 * drops contents on delete).
 */
export function diffNessie(olds: Record<string, any>, news: Record<string, any>, identity: string[]): InputDiff {
    // Defaults of inputs added after version 1, so older state compares equal.
    const normal = (v: Record<string, any>): Record<string, any> => ({ version: 1, dropContentsOnDelete: false, ...v });
    const o = normal(olds);
    const n = normal(news);
    return inputDiff(
        ["apiUrl", "caCert", "credentials", "branch", "from", "namespace", "dropContentsOnDelete", "dataGuard", "version"].filter(
            (k) => JSON.stringify(o[k]) !== JSON.stringify(n[k]),
        ),
        identity,
    );
}

/** The namespace's content (with its id and properties), or undefined when it does not exist at that hash. */
async function namespaceContent(api: NessieApi, branch: string, hash: string, namespace: string): Promise<any | undefined> {
    const found = await unlessNotFound(nessieRequest(api, "GET", `/trees/${encodeURIComponent(branch)}@${hash}/contents/${namespaceKey(namespace)}`));
    return found?.content?.type === "NAMESPACE" ? found.content : undefined;
}

/**
 * Creates the namespace, or adopts an existing one; `claim` stamps it as this resource's (a create:
 * the newest owner wins), otherwise only a namespace without a stamp is stamped.
 */
async function ensureNamespace(inputs: Record<string, any>, ownerToken: string, claim: boolean): Promise<void> {
    const elements = String(inputs.namespace).split(".");
    const api = nessieApiOf(inputs);
    await withFreshHash(api, inputs.branch, async (hash) => {
        const existing = await namespaceContent(api, inputs.branch, hash, inputs.namespace);
        const stamp = existing?.properties?.[OWNER_PROPERTY];
        if (existing && (stamp === ownerToken || (!claim && stamp))) return;
        const content = existing
            ? { ...existing, properties: { ...(existing.properties ?? {}), [OWNER_PROPERTY]: ownerToken } }
            : { type: "NAMESPACE", elements, properties: { [OWNER_PROPERTY]: ownerToken } };
        await nessieRequest(api, "POST", `/trees/${encodeURIComponent(inputs.branch)}@${hash}/history/commit`, {
            commitMeta: { message: `${existing ? "Adopt" : "Create"} namespace ${inputs.namespace} (lakehouse)` },
            operations: [{ type: "PUT", key: { elements }, content }],
        });
    });
}

/** Creates the branch from `from` unless it exists (an existing branch is adopted as it is). */
async function ensureBranch(inputs: Record<string, any>): Promise<void> {
    const api = nessieApiOf(inputs);
    const existing = await branchHash(api, inputs.branch);
    if (existing === undefined) {
        const source = await branchHash(api, inputs.from);
        if (source === undefined)
            throw nessieError(
                404,
                "REFERENCE_NOT_FOUND",
                `Nessie branch "${inputs.from}" (the source of "${inputs.branch}") does not exist at ${nessieApiUrl(api)}`,
            );
        try {
            await nessieRequest(api, "POST", `/trees?name=${encodeURIComponent(inputs.branch)}&type=BRANCH`, {
                type: "BRANCH",
                name: inputs.from,
                hash: source,
            });
        } catch (err) {
            // Created by a concurrent run: adopt it.
            if (!isNessieError(err, 409, "REFERENCE_ALREADY_EXISTS")) throw err;
        }
    }
}

export const nessieBranchProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkNessieInputs(news, "branch") };
    },
    async diff(_id: string, olds: any, news: any) {
        // `from` only matters when the branch is made: a new one changes nothing on a branch that exists.
        const diff = diffNessie(olds, news, ["branch"]);
        refuseDataLoss("NessieBranch", diff.replaces, olds, news);
        return engineDiff(diff, olds, news);
    },
    async create(inputs: any) {
        await ensureBranch(inputs);
        return { id: inputs.branch, outs: { ...inputs } };
    },
    async read(id: string, props: any) {
        const hash = await branchHash(nessieApiOf(props), id);
        return hash === undefined ? {} : { id, props: { ...props, branch: id } };
    },
    async update(_id: string, olds: any, news: any) {
        // Another URL for Nessie: the branch is made there if it is missing, nothing is removed.
        if (olds.apiUrl !== news.apiUrl) await ensureBranch(news);
        return { outs: { ...news } };
    },
    async delete(id: string, props: any) {
        // A branch holds the tables' history: it is dropped only when the stack drops data with the stack.
        if (!props.dropContentsOnDelete) return;
        try {
            const api = nessieApiOf(props);
            await withFreshHash(api, id, (hash) => nessieRequest(api, "DELETE", `/trees/${encodeURIComponent(id)}@${hash}`));
        } catch (err) {
            if (isNessieError(err, 404)) return;
            throw err;
        }
    },
};

export const nessieNamespaceProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkNessieInputs(news, "namespace") };
    },
    async diff(_id: string, olds: any, news: any) {
        const diff = diffNessie(olds, news, ["branch", "namespace"]);
        refuseDataLoss("NessieNamespace", diff.replaces, olds, news);
        return engineDiff(diff, olds, news);
    },
    async create(inputs: any) {
        const ownerToken = newOwnerToken();
        await ensureNamespace(inputs, ownerToken, true);
        return { id: `${inputs.branch}/${inputs.namespace}`, outs: { ...inputs, ownerToken } };
    },
    async read(id: string, props: any) {
        const found = await unlessNotFound(
            nessieRequest(nessieApiOf(props), "GET", `/trees/${encodeURIComponent(props.branch)}/contents/${namespaceKey(props.namespace)}`),
        );
        return found?.content?.type === "NAMESPACE" ? { id, props: { ...props } } : {};
    },
    async update(_id: string, olds: any, news: any) {
        // Another URL for Nessie (or state from before stamps): made sure of there, never taken from another owner.
        const ownerToken = olds.ownerToken ?? newOwnerToken();
        if (olds.apiUrl !== news.apiUrl || !olds.ownerToken) await ensureNamespace(news, ownerToken, false);
        return { outs: { ...news, ownerToken } };
    },
    async delete(_id: string, props: any) {
        const elements = String(props.namespace).split(".");
        const api = nessieApiOf(props);
        try {
            await withFreshHash(api, props.branch, async (hash) => {
                const existing = await namespaceContent(api, props.branch, hash, props.namespace);
                if (!existing) return; // Already gone.
                // Adopted by another resource since (the replacement of this one): it stays, with its tables.
                if (!ownsObject(existing.properties?.[OWNER_PROPERTY], props.ownerToken)) return;
                // The tables (and nested namespaces) in it, deepest first, when the stack drops data with the stack.
                const contents: string[][] = [];
                if (props.dropContentsOnDelete) {
                    let pageToken: string | undefined;
                    do {
                        const page = await nessieRequest(
                            api,
                            "GET",
                            `/trees/${encodeURIComponent(props.branch)}@${hash}/entries?maxRecords=1000${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`,
                        );
                        for (const entry of page.entries ?? []) {
                            const key: string[] = entry.name?.elements ?? [];
                            if (key.length > elements.length && elements.every((e, i) => key[i] === e)) contents.push(key);
                        }
                        pageToken = page.hasMore ? page.token : undefined;
                    } while (pageToken);
                    contents.sort((a, b) => b.length - a.length);
                }
                await nessieRequest(api, "POST", `/trees/${encodeURIComponent(props.branch)}@${hash}/history/commit`, {
                    commitMeta: { message: `Drop namespace ${props.namespace}${contents.length ? ` and its ${contents.length} entries` : ""} (lakehouse)` },
                    operations: [...contents.map((key) => ({ type: "DELETE", key: { elements: key } })), { type: "DELETE", key: { elements } }],
                }).catch((err) => {
                    if (isNessieError(err, 409) || /not empty/i.test((err as Error).message)) {
                        throw Object.assign(
                            new Error(
                                `${(err as Error).message}\n(the namespace holds tables: drop them first, or set storage.forceDestroy: true to delete the data with the stack)`,
                            ),
                            { status: (err as any).status },
                        );
                    }
                    throw err;
                });
            });
        } catch (err) {
            // The branch itself is gone: so is the namespace.
            if (isNessieError(err, 404, "REFERENCE_NOT_FOUND")) return;
            throw err;
        }
    },
};

/** How a Nessie resource reaches a secured Nessie (issue 19); both optional. */
export interface NessieSecurityArgs {
    /** With an https `apiUrl`: the CA certificate(s) to trust, PEM (default: the system's trusted CAs). */
    caCert?: pulumi.Input<string>;
    /** `token`: the bearer token Nessie wants (default: none, an unauthenticated Nessie). Kept secret. */
    credentials?: pulumi.Input<{ token?: pulumi.Input<string> }>;
}

/** The security inputs as registered: present only when given (a stack without them keeps its state as it was). */
function securityInputs(args: NessieSecurityArgs): pulumi.Inputs {
    return {
        ...(args.caCert !== undefined ? { caCert: args.caCert } : {}),
        ...(args.credentials !== undefined ? { credentials: pulumi.secret(args.credentials) } : {}),
    };
}

export interface NessieBranchArgs extends NessieSecurityArgs {
    /** Nessie API v2 URL reachable from the machine running Pulumi, e.g. http://localhost:19120/api/v2. */
    apiUrl: pulumi.Input<string>;
    branch: pulumi.Input<string>;
    /** Branch it starts from (default main). */
    from?: pulumi.Input<string>;
    /** On delete, drop the branch with every table on it (default false: the branch is kept). */
    dropContentsOnDelete?: pulumi.Input<boolean>;
    /** Refuse, at preview, a change that replaces the branch; default: none. */
    dataGuard?: DataGuard;
}

/** A Nessie branch (tables written on it stay off the default branch until merged). */
export class NessieBranch extends LakehouseResource {
    declare readonly branch: pulumi.Output<string>;

    constructor(name: string, args: NessieBranchArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            nessieBranchProvider,
            name,
            {
                apiUrl: args.apiUrl,
                ...securityInputs(args),
                branch: args.branch,
                from: args.from ?? "main",
                dropContentsOnDelete: args.dropContentsOnDelete ?? false,
                ...(args.dataGuard ? { dataGuard: args.dataGuard } : {}),
                version: NESSIE_PROVIDER_VERSION,
            },
            { ...opts, additionalSecretOutputs: ["credentials"] },
            "lakehouse",
            "NessieBranch",
        );
    }
}

export interface NessieNamespaceArgs extends NessieSecurityArgs {
    apiUrl: pulumi.Input<string>;
    branch: pulumi.Input<string>;
    /** Dotted namespace, e.g. `cdc`. */
    namespace: pulumi.Input<string>;
    /** On delete, drop the tables in it too (default false: a namespace holding tables is not deleted). */
    dropContentsOnDelete?: pulumi.Input<boolean>;
    /** Refuse, at preview, a change that replaces the namespace; default: none. */
    dataGuard?: DataGuard;
}

/** An Iceberg namespace in Nessie, created before any table in it. */
export class NessieNamespace extends LakehouseResource {
    declare readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: NessieNamespaceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            nessieNamespaceProvider,
            name,
            {
                apiUrl: args.apiUrl,
                ...securityInputs(args),
                branch: args.branch,
                namespace: args.namespace,
                dropContentsOnDelete: args.dropContentsOnDelete ?? false,
                ...(args.dataGuard ? { dataGuard: args.dataGuard } : {}),
                version: NESSIE_PROVIDER_VERSION,
                ownerToken: undefined,
            },
            { ...opts, additionalSecretOutputs: ["credentials"] },
            "lakehouse",
            "NessieNamespace",
        );
    }
}
