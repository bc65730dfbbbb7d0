/**
 * Nessie branch and namespace as dynamic resources, through Nessie's REST API v2. Every write names
 * the expected commit hash; a conflict (someone committed meanwhile) is retried on the new hash.
 * Provider methods use only global `fetch` and the functions of this file (they are serialized).
 */
import * as pulumi from "@pulumi/pulumi";

export const NESSIE_PROVIDER_VERSION = 1;

/** An answer from Nessie that is not 2xx, with Nessie's own message and error code. */
export interface NessieError extends Error {
    status: number;
    errorCode: string;
}

/**
 * A plain Error with the answer's status and code: an Error subclass does not survive the closure
 * serializer that ships this provider to Pulumi's dynamic provider host (its message is lost).
 */
export function nessieError(status: number, errorCode: string, message: string): NessieError {
    return Object.assign(new Error(message), { status, errorCode });
}

/** True for an error answer from Nessie with this status (and code, when given). */
export function isNessieError(err: unknown, status?: number, errorCode?: string): err is NessieError {
    const e = err as Partial<NessieError> | undefined;
    return typeof e?.status === "number" && (status === undefined || e.status === status) && (errorCode === undefined || e.errorCode === errorCode);
}

/** Calls Nessie's API v2 (`apiUrl` ends in /api/v2); a non-2xx answer becomes a NessieError carrying the server's message. */
export async function nessieRequest(apiUrl: string, method: string, path: string, body?: unknown): Promise<any> {
    let response: Response;
    try {
        response = await fetch(`${apiUrl}${path}`, {
            method,
            headers: body === undefined ? {} : { "Content-Type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(30_000),
        });
    } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        throw nessieError(0, "UNREACHABLE", `Nessie ${method} ${apiUrl}${path}: ${cause}`);
    }
    const text = await response.text();
    const json = text ? (() => { try { return JSON.parse(text); } catch { return { message: text }; } })() : {};
    if (!response.ok) {
        throw nessieError(response.status, json.errorCode ?? "", `Nessie ${method} ${path}: ${response.status} ${json.errorCode ?? response.statusText}: ${json.message ?? text}`);
    }
    return json;
}

/** The current hash of a branch, or undefined when it does not exist. */
export async function branchHash(apiUrl: string, branch: string): Promise<string | undefined> {
    try {
        return (await nessieRequest(apiUrl, "GET", `/trees/${encodeURIComponent(branch)}`)).reference.hash;
    } catch (err) {
        if (isNessieError(err, 404)) return undefined;
        throw err;
    }
}

/** Runs `write(hash)` against the branch's current hash, retrying with backoff while Nessie reports a conflict. */
export async function withFreshHash<T>(apiUrl: string, branch: string, write: (hash: string) => Promise<T>, attempts = 6): Promise<T> {
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
        const hash = await branchHash(apiUrl, branch);
        if (hash === undefined) throw nessieError(404, "REFERENCE_NOT_FOUND", `Nessie branch "${branch}" does not exist at ${apiUrl}`);
        try {
            return await write(hash);
        } catch (err) {
            if (!isNessieError(err, 409) || attempt >= attempts) throw err;
            await new Promise((resolve) => setTimeout(resolve, delay));
            delay = Math.min(delay * 2, 3000);
        }
    }
}

/** Nessie content key of a dotted namespace as a URL path segment (elements joined by "."). */
export function namespaceKey(namespace: string): string {
    return namespace.split(".").map(encodeURIComponent).join(".");
}

function isUnknown(value: unknown): boolean {
    return value === "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
}

const REF_NAME = /^[A-Za-z](?:(?![.][.])[A-Za-z0-9./_-])*[A-Za-z0-9_-]$|^[A-Za-z]$/;

/** Validates branch/namespace inputs, naming each bad property; unknown preview values are skipped. */
export function checkNessieInputs(news: Record<string, any>, kind: "branch" | "namespace"): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const known = (k: string) => news[k] !== undefined && !isUnknown(news[k]);
    if (known("apiUrl") && !/^https?:\/\/\S+\/api\/v2$/.test(String(news.apiUrl))) failures.push({ property: "apiUrl", reason: `"${news.apiUrl}" must be an http(s) URL ending in /api/v2` });
    for (const k of kind === "branch" ? ["branch", "from"] : ["branch"]) {
        if (known(k) && !REF_NAME.test(String(news[k]))) failures.push({ property: k, reason: `"${news[k]}" is not a Nessie reference name` });
    }
    if (kind === "namespace" && known("namespace") && !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(String(news.namespace))) {
        failures.push({ property: "namespace", reason: `"${news.namespace}" must be dot-separated identifiers, e.g. cdc or cdc.raw` });
    }
    return failures;
}

/** Changed properties; any identity change replaces (the server-side name is fixed, so delete first). */
export function diffNessie(olds: Record<string, any>, news: Record<string, any>, identity: string[], updatable: string[] = []): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
    // Defaults of inputs added after version 1, so older state compares equal.
    const normal = (v: Record<string, any>): Record<string, any> => ({ version: 1, dropContentsOnDelete: false, ...v });
    const o = normal(olds);
    const n = normal(news);
    const changed = [...identity, ...updatable, "version"].filter((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k]));
    const replaces = changed.filter((k) => identity.includes(k));
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
}

export const nessieBranchProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkNessieInputs(news, "branch") };
    },
    async diff(_id: string, olds: any, news: any) {
        return diffNessie(olds, news, ["apiUrl", "branch", "from"]);
    },
    async create(inputs: any) {
        const existing = await branchHash(inputs.apiUrl, inputs.branch);
        if (existing === undefined) {
            const source = await branchHash(inputs.apiUrl, inputs.from);
            if (source === undefined) throw nessieError(404, "REFERENCE_NOT_FOUND", `Nessie branch "${inputs.from}" (the source of "${inputs.branch}") does not exist at ${inputs.apiUrl}`);
            try {
                await nessieRequest(inputs.apiUrl, "POST", `/trees?name=${encodeURIComponent(inputs.branch)}&type=BRANCH`, { type: "BRANCH", name: inputs.from, hash: source });
            } catch (err) {
                // Created by a concurrent run: adopt it.
                if (!isNessieError(err, 409, "REFERENCE_ALREADY_EXISTS")) throw err;
            }
        }
        return { id: inputs.branch, outs: { ...inputs } };
    },
    async read(id: string, props: any) {
        const hash = await branchHash(props.apiUrl, id);
        return hash === undefined ? {} : { id, props: { ...props, branch: id } };
    },
    async update(_id: string, _olds: any, news: any) {
        return { outs: { ...news } };
    },
    async delete(id: string, props: any) {
        try {
            await withFreshHash(props.apiUrl, id, (hash) => nessieRequest(props.apiUrl, "DELETE", `/trees/${encodeURIComponent(id)}@${hash}`));
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
        return diffNessie(olds, news, ["apiUrl", "branch", "namespace"], ["dropContentsOnDelete"]);
    },
    async create(inputs: any) {
        const elements = String(inputs.namespace).split(".");
        const key = namespaceKey(inputs.namespace);
        await withFreshHash(inputs.apiUrl, inputs.branch, async (hash) => {
            try {
                await nessieRequest(inputs.apiUrl, "GET", `/trees/${encodeURIComponent(inputs.branch)}@${hash}/contents/${key}`);
                return; // Already there (a rerun after a crash): adopt.
            } catch (err) {
                if (!isNessieError(err, 404)) throw err;
            }
            await nessieRequest(inputs.apiUrl, "POST", `/trees/${encodeURIComponent(inputs.branch)}@${hash}/history/commit`, {
                commitMeta: { message: `Create namespace ${inputs.namespace} (lakehouse)` },
                operations: [{ type: "PUT", key: { elements }, content: { type: "NAMESPACE", elements } }],
            });
        });
        return { id: `${inputs.branch}/${inputs.namespace}`, outs: { ...inputs } };
    },
    async read(id: string, props: any) {
        try {
            const found = await nessieRequest(props.apiUrl, "GET", `/trees/${encodeURIComponent(props.branch)}/contents/${namespaceKey(props.namespace)}`);
            if (found.content?.type !== "NAMESPACE") return {};
            return { id, props: { ...props } };
        } catch (err) {
            if (isNessieError(err, 404)) return {};
            throw err;
        }
    },
    async update(_id: string, _olds: any, news: any) {
        return { outs: { ...news } };
    },
    async delete(_id: string, props: any) {
        const elements = String(props.namespace).split(".");
        try {
            await withFreshHash(props.apiUrl, props.branch, async (hash) => {
                try {
                    await nessieRequest(props.apiUrl, "GET", `/trees/${encodeURIComponent(props.branch)}@${hash}/contents/${namespaceKey(props.namespace)}`);
                } catch (err) {
                    if (isNessieError(err, 404)) return; // Already gone.
                    throw err;
                }
                // The tables (and nested namespaces) in it, deepest first, when the stack drops data with the stack.
                const contents: string[][] = [];
                if (props.dropContentsOnDelete) {
                    let pageToken: string | undefined;
                    do {
                        const page = await nessieRequest(
                            props.apiUrl,
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
                await nessieRequest(props.apiUrl, "POST", `/trees/${encodeURIComponent(props.branch)}@${hash}/history/commit`, {
                    commitMeta: { message: `Drop namespace ${props.namespace}${contents.length ? ` and its ${contents.length} entries` : ""} (lakehouse)` },
                    operations: [...contents.map((key) => ({ type: "DELETE", key: { elements: key } })), { type: "DELETE", key: { elements } }],
                }).catch((err) => {
                    if (isNessieError(err, 409) || /not empty/i.test((err as Error).message)) {
                        throw Object.assign(new Error(`${(err as Error).message}\n(the namespace holds tables: drop them first, or set storage.forceDestroy: true to delete the data with the stack)`), { status: (err as any).status });
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

export interface NessieBranchArgs {
    /** Nessie API v2 URL reachable from the machine running Pulumi, e.g. http://localhost:19120/api/v2. */
    apiUrl: pulumi.Input<string>;
    branch: pulumi.Input<string>;
    /** Branch it starts from (default main). */
    from?: pulumi.Input<string>;
}

/** A Nessie branch (tables written on it stay off the default branch until merged). */
export class NessieBranch extends pulumi.dynamic.Resource {
    declare readonly branch: pulumi.Output<string>;

    constructor(name: string, args: NessieBranchArgs, opts?: pulumi.CustomResourceOptions) {
        super(nessieBranchProvider, name, { apiUrl: args.apiUrl, branch: args.branch, from: args.from ?? "main", version: NESSIE_PROVIDER_VERSION }, opts, "lakehouse", "NessieBranch");
    }
}

export interface NessieNamespaceArgs {
    apiUrl: pulumi.Input<string>;
    branch: pulumi.Input<string>;
    /** Dotted namespace, e.g. `cdc`. */
    namespace: pulumi.Input<string>;
    /** On delete, drop the tables in it too (default false: a namespace holding tables is not deleted). */
    dropContentsOnDelete?: pulumi.Input<boolean>;
}

/** An Iceberg namespace in Nessie, created before any table in it. */
export class NessieNamespace extends pulumi.dynamic.Resource {
    declare readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: NessieNamespaceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            nessieNamespaceProvider,
            name,
            { apiUrl: args.apiUrl, branch: args.branch, namespace: args.namespace, dropContentsOnDelete: args.dropContentsOnDelete ?? false, version: NESSIE_PROVIDER_VERSION },
            opts,
            "lakehouse",
            "NessieNamespace",
        );
    }
}
