/**
 * The catalog: the entities /api/v3/catalog answers (the user's home space and NESSIE sources) and the
 * source operations (create, update, delete) with Dremio's checks, statuses and messages. Follows
 * (github.com/dremio/dremio-oss):
 *     dac/backend/src/main/java/com/dremio/dac/api/{CatalogResource,CatalogItem,ResponseList,CatalogEntity,Source}.java,
 *     dac/backend/src/main/java/com/dremio/dac/service/catalog/CatalogServiceHelper.java,
 *     dac/backend/src/main/java/com/dremio/dac/service/source/SourceService.java,
 *     services/namespace/src/main/java/com/dremio/service/namespace/{SourceState,NamespaceServiceImpl}.java
 *       (canSourceConfigBeSaved: a stale tag on PUT is a 409, on DELETE a 400; a PUT without a tag is a 409),
 *     services/namespace/src/main/proto/source.proto,
 *     sabot/kernel/src/main/java/com/dremio/exec/catalog/{CatalogServiceImpl,ManagedStoragePlugin,PluginsManager}.java
 * Not implemented (answers 400 naming the stand-in): spaces, folders, datasets, views, functions, other
 * source types, the contents of a source (children are always []), by-path below a source root.
 */
import * as crypto from "crypto";
import { StandinContext } from "./context";
import { genericError, genericErrorWithTrace, notImplemented, userException } from "./errors";
import { neverRefreshMetadataPolicy } from "./metadata-policy";
import { applySecretsFrom, isBlank, redactConfig } from "./nessie-config";
import { startNessiePlugin } from "./nessie-plugin";
import { readSourceBody } from "./source-body";
import { newTag, StoredHome, StoredSource, StoredUser } from "./store";

function iso(ms: number): string {
    return new Date(ms).toISOString();
}

/** A source as Dremio answers it: secrets redacted, server-added keys, null fields omitted by JSON encoding. */
function sourceJson(s: StoredSource) {
    return {
        entityType: "source",
        config: redactConfig(s.config),
        state: { status: "good", suggestedUserAction: "", messages: [] },
        id: s.id,
        tag: s.tag,
        type: s.type,
        name: s.name,
        description: s.description,
        createdAt: iso(s.ctime),
        metadataPolicy: { ...s.metadataPolicy },
        accelerationGracePeriodMs: s.accelerationGracePeriodMs,
        accelerationRefreshPeriodMs: s.accelerationRefreshPeriodMs,
        accelerationRefreshSchedule: s.accelerationRefreshSchedule,
        accelerationActivePolicyType: s.accelerationActivePolicyType,
        accelerationNeverExpire: s.accelerationNeverExpire,
        accelerationNeverRefresh: s.accelerationNeverRefresh,
        children: [],
        allowCrossSourceSelection: s.allowCrossSourceSelection,
        disableMetadataValidityCheck: s.disableMetadataValidityCheck,
    };
}

function homeJson(h: StoredHome) {
    return { entityType: "home", id: h.id, name: `@${h.owner}`, tag: h.tag, children: [] };
}

/** GET /api/v3/catalog: the user's home space, then every source, as CatalogItems. */
export function listCatalog(ctx: StandinContext, user: StoredUser): { data: unknown[] } {
    const data: unknown[] = [];
    const home = ctx.store.homes.find((h) => h.owner === user.userName);
    if (home) data.push({ id: home.id, path: [`@${home.owner}`], tag: home.tag, type: "CONTAINER", containerType: "HOME", createdAt: iso(home.ctime) });
    for (const s of ctx.store.sources) {
        data.push({ id: s.id, path: [s.name], tag: s.tag, type: "CONTAINER", containerType: "SOURCE", createdAt: iso(s.ctime) });
    }
    return { data };
}

/** GET /api/v3/catalog/{id}: a source or a home space; 404 otherwise. */
export function entityById(ctx: StandinContext, id: string): unknown {
    const s = ctx.store.sources.find((x) => x.id === id);
    if (s) return sourceJson(s);
    const h = ctx.store.homes.find((x) => x.id === id);
    if (h) return homeJson(h);
    throw genericError(404, `Could not find entity with id [${id}]`);
}

/** GET /api/v3/catalog/by-path/{segments}: a source or a home space by name, case-insensitively; 404 otherwise. */
export function entityByPath(ctx: StandinContext, segments: string[]): unknown {
    const notFound = () => genericError(404, `Could not find entity with path [[${segments.join(", ")}]]`);
    if (segments.length !== 1) {
        if (segments.length > 1 && ctx.store.sources.some((s) => s.name.toLowerCase() === segments[0].toLowerCase())) {
            throw notImplemented("Looking up an entity inside a source");
        }
        throw notFound();
    }
    const s = ctx.store.sources.find((x) => x.name.toLowerCase() === segments[0].toLowerCase());
    if (s) return sourceJson(s);
    const h = ctx.store.homes.find((x) => `@${x.owner}`.toLowerCase() === segments[0].toLowerCase());
    if (h) return homeJson(h);
    throw notFound();
}

/** The `entityType` check of POST /api/v3/catalog, before anything else is read: only sources can be created here. */
export function checkCreatableEntityType(body: Record<string, unknown>): void {
    if (typeof body.entityType !== "string") throw genericErrorWithTrace(400, "Invalid value.");
    if (!["dataset", "space", "source", "folder", "file", "home", "function"].includes(body.entityType)) {
        throw genericErrorWithTrace(400, `An invalid value was found: ${body.entityType}`);
    }
    if (body.entityType !== "source") throw notImplemented(`Creating an entity of type ${body.entityType}`);
}

/** POST /api/v3/catalog with a source: checks, starts the plugin against the real Nessie, stores it; answers the new source. */
export async function createSource(ctx: StandinContext, body: Record<string, unknown>) {
    const { store } = ctx;
    const s = readSourceBody(body);
    // SourceService.validateSourceConfig / createSource
    if (s.name === undefined || s.name === null) throw genericError(500, "Source name is missing.");
    if (!isBlank(s.id)) throw genericError(400, "Source id is immutable.");
    if (s.tag !== undefined && s.tag !== null) throw genericError(400, "Source tag is immutable.");
    if (store.sources.some((x) => x.name.toLowerCase() === s.name!.toLowerCase())) {
        throw genericError(409, `A source with the name [${s.name}] already exists.`);
    }
    await startNessiePlugin(s.name, s.config, { timeoutMs: ctx.nessieTimeoutMs, log: ctx.log });
    if (store.sources.some((x) => x.name.toLowerCase() === s.name!.toLowerCase())) {
        throw userException("concurrent", `Source already exists with name ${s.name}.`);
    }
    const now = Date.now();
    const stored: StoredSource = {
        id: crypto.randomUUID(),
        tag: "",
        type: "NESSIE",
        name: s.name,
        description: s.description,
        config: s.config,
        ctime: now,
        lastModifiedAt: now,
        metadataPolicy: s.metadataPolicy,
        ...s.settings,
    };
    stored.tag = newTag(stored);
    store.sources.push(stored);
    ctx.persist();
    ctx.log(`created source ${stored.name} (${stored.id}) tag ${stored.tag}`);
    return sourceJson(stored);
}

/** PUT /api/v3/catalog/{id}: the full source with its current tag; starts the plugin again, stores it with a new tag. */
export async function updateSource(ctx: StandinContext, id: string, body: Record<string, unknown>) {
    const { store } = ctx;
    // CatalogServiceHelper.updateCatalogItem: IllegalArgumentException -> NotFoundException (404)
    if (body.id === undefined || body.id === null) throw genericError(404, "Entity id is required.");
    if (body.id !== id) throw genericError(404, "Ids must match.");
    const home = store.homes.find((h) => h.id === id);
    if (home) throw genericError(400, `Catalog item [${id}] of type [com.dremio.dac.api.Home] can not be edited.`);
    if (body.entityType !== "source") throw notImplemented(`Updating an entity of type ${String(body.entityType)}`);
    const s = readSourceBody(body);
    if (s.name === undefined || s.name === null) throw genericError(500, "Source name is missing.");
    const existing = store.sources.find((x) => x.id === id);
    if (!existing) throw genericError(404, `Could not find entity with id [${id}]`);
    if (existing.name !== s.name) throw genericError(404, "Source name is immutable.");
    if (existing.type !== body.type) throw genericError(404, "Source type is immutable.");
    if (s.createdAt !== undefined && s.createdAt !== 0 && s.createdAt !== existing.ctime) throw genericError(404, "Creation time is immutable.");
    if (s.tag === undefined || s.tag === null) {
        // No tag: SourceService treats it as a create, and the plugin already exists.
        throw userException("concurrent", `Source already exists with name ${s.name}.`);
    }
    // ManagedStoragePlugin.updateConfig: secrets back, then the tag check (NamespaceServiceImpl.canSourceConfigBeSaved)
    applySecretsFrom(s.config, existing.config);
    if (s.tag !== existing.tag) {
        throw genericError(
            409,
            `Source [${existing.name}] has been updated, and the given configuration is out of date (current tag: ${existing.tag}, given: ${s.tag})`,
        );
    }
    await startNessiePlugin(s.name, s.config, { timeoutMs: ctx.nessieTimeoutMs, log: ctx.log });
    if (!store.sources.includes(existing) || existing.tag !== s.tag) {
        throw userException("concurrent", `Source update failed due to a concurrent update. Please try again [${s.name}].`);
    }
    Object.assign(existing, {
        description: s.description,
        config: s.config,
        lastModifiedAt: Date.now(),
        // ManagedStoragePlugin.createOrUpdateSource: a started versioned plugin gets NEVER_REFRESH_POLICY.
        metadataPolicy: neverRefreshMetadataPolicy(),
        ...s.settings,
    });
    existing.tag = newTag(existing);
    ctx.persist();
    ctx.log(`updated source ${existing.name} (${existing.id}) tag ${existing.tag}`);
    return sourceJson(existing);
}

/** DELETE /api/v3/catalog/{id}[?tag=]: removes a source; a stale tag is a 400, a home space is not implemented. */
export function deleteEntity(ctx: StandinContext, id: string, tag: string | undefined): void {
    const { store } = ctx;
    const idx = store.sources.findIndex((x) => x.id === id);
    if (idx < 0) {
        if (store.homes.some((h) => h.id === id)) throw notImplemented("Deleting a home space");
        throw genericError(404, `Could not find entity with id [${id}].`);
    }
    const existing = store.sources[idx];
    if (tag !== undefined && tag !== existing.tag) {
        throw userException("invalidMetadata", "Unable to remove source as the provided definition is out of date.");
    }
    store.sources.splice(idx, 1);
    ctx.persist();
    ctx.log(`deleted source ${existing.name} (${existing.id})`);
}
