/**
 * A LOCAL STAND-IN FOR DREMIO'S REST API. THIS IS NOT DREMIO.
 *
 * Dremio cannot be obtained on this machine (no container engine, not on any reachable registry), so
 * the project's Dremio client (first-admin bootstrap, login, a NESSIE source through the catalog API)
 * is tested against this server instead. It implements only that slice of the REST API, with the
 * status codes, JSON shapes and error bodies read from Dremio's own sources (dremio-oss, tag
 * "Release 25.2.0", commit c7fee0bcd). It runs no queries, keeps no reflections, reads no Iceberg
 * metadata and never touches the object store; it does talk to the real Nessie to validate a source,
 * as Dremio does when it starts the source's plugin.
 *
 * Behaviour -> upstream file it follows (paths in github.com/dremio/dremio-oss):
 * - GET /apiv2/server_status -> "OK":
 *     dac/backend/src/main/java/com/dremio/dac/resource/ServerStatusResource.java,
 *     dac/backend/src/main/java/com/dremio/dac/model/system/ServerStatus.java
 * - PUT /apiv2/bootstrap/firstuser, once only (ERROR_MSG, validation error = 400), the UserUI answer,
 *   password/user-name rules:
 *     dac/backend/src/main/java/com/dremio/dac/resource/BootstrapResource.java,
 *     dac/backend/src/main/java/com/dremio/dac/model/usergroup/{UserForm,UserUI,UserName}.java,
 *     services/users/src/main/java/com/dremio/service/users/{SimpleUserService,SimpleUser,UserServiceUtils}.java
 * - every other /apiv2 call answers 403 "No User Available" until the first user exists:
 *     dac/backend/src/main/java/com/dremio/dac/server/{FirstTimeFeature,NoUserFilter}.java
 * - POST /apiv2/login (401 + GenericErrorMessage on a bad login, UserLoginSession on success),
 *   GET /apiv2/login (true), DELETE /apiv2/login (logout):
 *     dac/backend/src/main/java/com/dremio/dac/resource/LogInLogOutResource.java,
 *     dac/backend/src/main/java/com/dremio/dac/model/usergroup/{UserLoginSession,SessionPermissions}.java,
 *     services/users/src/main/java/com/dremio/service/users/UserLoginException.java
 * - tokens (random base-32, 30 h lifetime, persisted like Dremio's token store), header parsing
 *   (`_dremio<token>`, `Bearer <token>` or the bare token), 401 with an EMPTY body:
 *     services/tokens/src/main/java/com/dremio/service/tokens/TokenManagerImpl.java,
 *     dac/backend/src/main/java/com/dremio/dac/server/tokens/TokenUtils.java,
 *     dac/backend/src/main/java/com/dremio/dac/server/DACAuthFilter.java
 * - error bodies and status mapping: {errorMessage, moreInfo[, context][, stackTrace]}; UserException
 *   validation -> 400, CONCURRENT_MODIFICATION -> 409; WebApplicationException keeps its status;
 *   IllegalArgumentException -> 400, ConcurrentModificationException -> 409, other -> 500; null
 *   fields omitted (NON_NULL):
 *     dac/backend/src/main/java/com/dremio/dac/server/{GenericErrorMessage,UserExceptionMapper,GenericExceptionMapper,
 *       RestApiJsonMappingExceptionMapper,RestApiJsonParseExceptionMapper,APIServer}.java,
 *     dac/backend/src/main/java/com/dremio/dac/util/JSONUtil.java,
 *     dac/backend/src/main/java/com/dremio/dac/service/errors/{ConflictException,ResourceExistsException}.java
 * - /api/v3/catalog (list, by id, by-path, POST, PUT, DELETE) and their messages and statuses:
 *     dac/backend/src/main/java/com/dremio/dac/api/{CatalogResource,CatalogItem,ResponseList,CatalogEntity}.java,
 *     dac/backend/src/main/java/com/dremio/dac/service/catalog/CatalogServiceHelper.java,
 *     dac/backend/src/main/java/com/dremio/dac/service/source/SourceService.java
 * - the source entity (server-added keys and defaults: metadataPolicy, acceleration*, state,
 *   createdAt as an ISO string, children, allowCrossSourceSelection, disableMetadataValidityCheck):
 *     dac/backend/src/main/java/com/dremio/dac/api/{Source,MetadataPolicy,JsonISODateTime}.java,
 *     sabot/kernel/src/main/java/com/dremio/exec/store/CatalogService.java (DEFAULT_METADATA_POLICY,
 *       NEVER_REFRESH_POLICY: a versioned source's policy becomes NEVER_REFRESH on its first update),
 *     services/accelerator/src/main/java/com/dremio/service/reflection/ReflectionSettingsImpl.java
 *       (default refresh schedule "0 0 8 * * ?", policy PERIOD),
 *     dac/backend/src/main/java/com/dremio/dac/service/reflection/ReflectionServiceHelper.java,
 *     services/namespace/src/main/java/com/dremio/service/namespace/SourceState.java,
 *     services/namespace/src/main/proto/source.proto
 * - tags change on every write (a base-64 fingerprint); a stale tag on PUT is a 409 with Dremio's
 *   message; a stale tag on DELETE is a 400; a PUT without a tag is a 409 "Source already exists":
 *     services/datastore/src/main/java/com/dremio/datastore/ByteStore.java,
 *     services/namespace/src/main/java/com/dremio/service/namespace/NamespaceServiceImpl.java (canSourceConfigBeSaved),
 *     sabot/kernel/src/main/java/com/dremio/exec/catalog/{CatalogServiceImpl,ManagedStoragePlugin,PluginsManager}.java
 * - secrets: every @Secret field is answered as "$DREMIO_EXISTING_VALUE$" ("" stays "", null is
 *   omitted); on PUT that placeholder keeps the stored value:
 *     sabot/kernel/src/main/java/com/dremio/exec/catalog/conf/{ConnectionConf,SecretRef,SecretRefSerializer}.java
 * - the NESSIE config, its fields, defaults and which are @Secret:
 *     plugins/dataplane/src/main/java/com/dremio/plugins/dataplane/store/{NessiePluginConfig,AbstractDataplanePluginConfig}.java,
 *     sabot/kernel/src/main/java/com/dremio/exec/catalog/conf/{AWSAuthenticationType,NessieAuthType,Property,DefaultCtasFormatSelection}.java
 * - what is checked when a NESSIE source starts (create and update), in Dremio's order, and the
 *   messages: auth settings, root path, Nessie spec/API version (a real GET <nessieEndpoint>/config),
 *   default branch (a real GET <nessieEndpoint>/trees/-), S3 credentials; a failure is a 400:
 *     plugins/dataplane/src/main/java/com/dremio/plugins/dataplane/store/{NessiePlugin,DataplanePlugin,NessiePluginUtils,CloudStoragePathValidator}.java,
 *     plugins/dataplane/src/main/java/com/dremio/plugins/dataplane/NessiePluginConfigConstants.java,
 *     sabot/kernel/src/main/java/com/dremio/exec/catalog/ManagedStoragePlugin.java (the start failure's message
 *       becomes the error message), and projectnessie/nessie
 *       api/client/src/main/java/org/projectnessie/client/http/NessieApiCompatibility.java (v1 vs v2 detection).
 *
 * Not implemented (answers 400 naming the stand-in, or is simply absent): spaces, folders, datasets,
 * views, functions, other source types, SQL/jobs, reflections, users other than the first, the
 * contents of a source (children are always []), by-path below a source root.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

export const USE_EXISTING_SECRET_VALUE = '$DREMIO_EXISTING_VALUE$';
export const FIRST_USER_ERROR_MSG = 'First user can only be created when no user is already registered';
/** The Dremio release whose sources this stand-in follows. */
export const FOLLOWS_DREMIO_VERSION = '25.2.0';
/** Token lifetime: TokenManagerImpl's `token.expiration.min` default (30 hours). */
const DEFAULT_TOKEN_TTL_MS = 30 * 60 * 60 * 1000;
const ONE_MINUTE_IN_MS = 60000;
const HOUR = 3600000;
const CENTURY_MILLIS = 365 * 100 * 24 * HOUR;

/* ------------------------------------------------------------------------------------------------
 * Stored state (the stand-in's "KV store"), persisted as JSON.
 * ---------------------------------------------------------------------------------------------- */

interface StoredUser {
    uid: string;
    userName: string;
    firstName?: string;
    lastName?: string;
    email?: string;
    createdAt: number;
    modifiedAt: number;
    active: boolean;
    salt: string;
    hash: string;
    /** The user's version (SimpleUser.version): the `tag` of the v3 user API. */
    tag?: string;
}

interface StoredHome {
    id: string;
    tag: string;
    owner: string;
    ctime: number;
}

interface MetadataPolicy {
    authTTLMs: number;
    namesRefreshMs: number;
    datasetRefreshAfterMs: number;
    datasetExpireAfterMs: number;
    datasetUpdateMode: string;
    deleteUnavailableDatasets: boolean;
    autoPromoteDatasets: boolean;
}

interface StoredSource {
    id: string;
    tag: string;
    type: string;
    name: string;
    description?: string;
    /** Full config, secrets in clear (Dremio keeps them in its KV store). */
    config: Record<string, unknown>;
    ctime: number;
    lastModifiedAt: number;
    metadataPolicy: MetadataPolicy;
    accelerationGracePeriodMs: number;
    accelerationRefreshPeriodMs: number;
    accelerationRefreshSchedule: string;
    accelerationActivePolicyType: string;
    accelerationNeverExpire: boolean;
    accelerationNeverRefresh: boolean;
    allowCrossSourceSelection: boolean;
    disableMetadataValidityCheck: boolean;
}

interface StoredToken {
    userName: string;
    expiresAt: number;
}

interface Store {
    clusterId: string;
    clusterCreatedAt: number;
    users: StoredUser[];
    homes: StoredHome[];
    sources: StoredSource[];
    tokens: Record<string, StoredToken>;
}

/* ------------------------------------------------------------------------------------------------
 * Errors, with Dremio's mappers' bodies.
 * ---------------------------------------------------------------------------------------------- */

class HttpError extends Error {
    constructor(
        readonly status: number,
        readonly body: unknown,
        readonly contentType = 'application/json',
    ) {
        super(typeof body === 'object' && body && 'errorMessage' in body ? String((body as any).errorMessage) : String(body));
    }
}

/** WebApplicationException / IllegalArgumentException / ConcurrentModificationException via GenericExceptionMapper: stackTrace null -> omitted. */
function generic(status: number, message: string): HttpError {
    return new HttpError(status, { errorMessage: message, moreInfo: '' });
}

/** `new GenericErrorMessage(message)`: moreInfo "" and an empty stackTrace array (login, NoUserFilter, JSON mapping). */
function genericWithTrace(status: number, message: string): HttpError {
    return new HttpError(status, { errorMessage: message, moreInfo: '', stackTrace: [] });
}

/** UserException via UserExceptionMapper: 400, or 409 for CONCURRENT_MODIFICATION; context without RESPONSE_STATUS. */
function userException(kind: 'validation' | 'concurrent' | 'resource' | 'invalidMetadata', message: string): HttpError {
    return new HttpError(kind === 'concurrent' ? 409 : 400, { errorMessage: message, moreInfo: '', context: [] });
}

function notImplemented(what: string): HttpError {
    return generic(400, `${what} is not implemented by the Dremio REST stand-in (harness/dremio): it covers bootstrap, login and NESSIE sources only`);
}

/* ------------------------------------------------------------------------------------------------
 * NESSIE source config: fields, defaults, secrets (NessiePluginConfig + AbstractDataplanePluginConfig).
 * ---------------------------------------------------------------------------------------------- */

type FieldKind = 'string' | 'secret' | 'boolean' | 'int' | 'properties' | { enum: string[] };

const NESSIE_FIELDS: Record<string, FieldKind> = {
    nessieEndpoint: 'string',
    nessieAccessToken: 'secret',
    awsAccessKey: 'string',
    awsAccessSecret: 'secret',
    awsRootPath: 'string',
    propertyList: 'properties',
    assumedRoleARN: 'string',
    credentialType: { enum: ['ACCESS_KEY', 'EC2_METADATA', 'NONE', 'AWS_PROFILE'] },
    asyncEnabled: 'boolean',
    isCachingEnabled: 'boolean',
    maxCacheSpacePct: 'int',
    defaultCtasFormat: { enum: ['ICEBERG', 'PARQUET'] },
    nessieAuthType: { enum: ['NONE', 'BEARER', 'OAUTH2'] },
    awsProfile: 'string',
    secure: 'boolean',
    storageProvider: { enum: ['AWS', 'AZURE', 'GOOGLE'] },
    azureStorageAccount: 'string',
    azureRootPath: 'string',
    azureAuthenticationType: { enum: ['ACCESS_KEY', 'AZURE_ACTIVE_DIRECTORY'] },
    azureAccessKey: 'secret',
    azureApplicationId: 'string',
    azureClientSecret: 'secret',
    azureOAuthTokenEndpoint: 'string',
    googleProjectId: 'string',
    googleRootPath: 'string',
    googleAuthenticationType: { enum: ['SERVICE_ACCOUNT_KEYS', 'AUTO'] },
    googlePrivateKeyId: 'string',
    googlePrivateKey: 'secret',
    googleClientEmail: 'string',
    googleClientId: 'string',
    oauth2ClientId: 'string',
    oauth2ClientSecret: 'secret',
    oauth2TokenEndpointURI: 'string',
};

/** Field initialisers of the Java classes: what the server fills in when a client leaves a field out. */
const NESSIE_DEFAULTS: Record<string, unknown> = {
    propertyList: [],
    asyncEnabled: true,
    isCachingEnabled: true,
    maxCacheSpacePct: 100,
    defaultCtasFormat: 'ICEBERG',
    nessieAuthType: 'BEARER',
    secure: true,
};

const NESSIE_SECRET_FIELDS = Object.keys(NESSIE_FIELDS).filter((k) => NESSIE_FIELDS[k] === 'secret');

/** Jackson reading the config into NessiePluginConfig (FAIL_ON_UNKNOWN_PROPERTIES is on). */
function parseNessieConfig(raw: unknown): Record<string, unknown> {
    if (raw === undefined || raw === null) return { ...structuredClone(NESSIE_DEFAULTS) };
    if (typeof raw !== 'object' || Array.isArray(raw)) throw genericWithTrace(400, 'Invalid value found at: config');
    const out: Record<string, unknown> = structuredClone(NESSIE_DEFAULTS);
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
        const kind = NESSIE_FIELDS[key];
        const bad = () => genericWithTrace(400, `Invalid value found at: config.${key}`);
        if (!kind) throw bad();
        if (value === null) {
            // Jackson sets an explicit null (primitives keep their default).
            if (kind === 'boolean' || kind === 'int') continue;
            out[key] = null;
            continue;
        }
        if (kind === 'string' || kind === 'secret') {
            if (typeof value === 'object') throw bad();
            out[key] = String(value);
        } else if (kind === 'boolean') {
            if (typeof value === 'boolean') out[key] = value;
            else if (value === 'true' || value === 'false') out[key] = value === 'true';
            else throw bad();
        } else if (kind === 'int') {
            const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
            if (!Number.isInteger(n)) throw bad();
            out[key] = n;
        } else if (kind === 'properties') {
            if (!Array.isArray(value)) throw bad();
            out[key] = value.map((p, i) => {
                if (!p || typeof p !== 'object' || Array.isArray(p)) throw genericWithTrace(400, `Invalid value found at: config.${key}[${i}]`);
                const prop: Record<string, string> = {};
                for (const [pk, pv] of Object.entries(p as Record<string, unknown>)) {
                    if (pk !== 'name' && pk !== 'value') throw genericWithTrace(400, `Invalid value found at: config.${key}[${i}].${pk}`);
                    if (pv !== null && pv !== undefined) prop[pk] = String(pv);
                }
                return prop;
            });
        } else {
            if (typeof value !== 'string' || !kind.enum.includes(value)) throw bad();
            out[key] = value;
        }
    }
    return out;
}

/** ConnectionConf.clearSecrets + SecretRefSerializer: a set secret is answered as the placeholder. */
function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
        if (v === null || v === undefined) continue; // NON_NULL
        if (NESSIE_SECRET_FIELDS.includes(k)) out[k] = v === '' ? '' : USE_EXISTING_SECRET_VALUE;
        else out[k] = structuredClone(v);
    }
    return out;
}

/** ConnectionConf.applySecretsFrom: the placeholder in a secret field takes the stored value. */
function applySecretsFrom(config: Record<string, unknown>, existing: Record<string, unknown>): void {
    for (const k of NESSIE_SECRET_FIELDS) {
        if (config[k] === USE_EXISTING_SECRET_VALUE) config[k] = existing[k] ?? null;
    }
}

function isBlank(v: unknown): boolean {
    return v === undefined || v === null || v === '';
}

const AWS_BUCKET = '[a-z0-9](?!.*\\.\\.)[a-z0-9.\\-]{1,61}[a-z0-9]';
const AWS_ROOT_PATH = new RegExp(`^/?(${AWS_BUCKET})(/[^/]+)*/?$`);

/* ------------------------------------------------------------------------------------------------
 * The server.
 * ---------------------------------------------------------------------------------------------- */

export interface DremioStandinOptions {
    /** 0 picks a free port. */
    port: number;
    host?: string;
    /** JSON file holding users, tokens and the catalog; created if missing, survives restarts. */
    dataFile: string;
    /** Session token lifetime (default: Dremio's 30 hours). */
    tokenTtlMs?: number;
    /** Bound on each request to Nessie while validating a source (default 10 s). */
    nessieTimeoutMs?: number;
    log?: (line: string) => void;
}

export interface DremioStandin {
    url: string;
    port: number;
    close(): Promise<void>;
}

function newTag(value: unknown): string {
    // ByteStore.generateTagFromBytes: base-64 of a 64-bit fingerprint of the stored value. A random
    // salt makes two identical writes still get different tags, like lastModifiedAt does in Dremio.
    const h = crypto.createHash('sha256').update(JSON.stringify(value)).update(crypto.randomBytes(8)).digest();
    return h.subarray(0, 8).toString('base64');
}

function newToken(): string {
    // TokenManagerImpl: new BigInteger(130, SecureRandom).toString(32)
    const bytes = crypto.randomBytes(17);
    bytes[0] &= 0x03; // 130 bits
    return BigInt(`0x${bytes.toString('hex')}`).toString(32);
}

function hashPassword(password: string, salt: Buffer): string {
    // SimpleUserService: PBKDF2WithHmacSHA1
    return crypto.pbkdf2Sync(password, salt, 65536, 16, 'sha1').toString('base64');
}

function iso(ms: number): string {
    return new Date(ms).toISOString();
}

function loadStore(file: string): Store {
    if (fs.existsSync(file)) {
        const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Store;
        s.tokens ??= {};
        s.homes ??= [];
        return s;
    }
    return { clusterId: crypto.randomUUID(), clusterCreatedAt: Date.now(), users: [], homes: [], sources: [], tokens: {} };
}

export async function createDremioStandin(opts: DremioStandinOptions): Promise<DremioStandin> {
    const host = opts.host ?? '127.0.0.1';
    const tokenTtlMs = opts.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
    const nessieTimeoutMs = opts.nessieTimeoutMs ?? 10000;
    const log = opts.log ?? (() => undefined);
    fs.mkdirSync(path.dirname(opts.dataFile), { recursive: true });
    const store = loadStore(opts.dataFile);

    const persist = () => {
        const tmp = `${opts.dataFile}.tmp-${process.pid}`;
        fs.writeFileSync(tmp, JSON.stringify(store, null, 2), { mode: 0o600 });
        fs.renameSync(tmp, opts.dataFile);
    };
    persist();

    /* Writes that validate against Nessie are async: serialise every mutation, as Dremio's source lock does. */
    let queue: Promise<unknown> = Promise.resolve();
    const serial = <T>(fn: () => Promise<T>): Promise<T> => {
        const run = queue.then(fn, fn);
        queue = run.catch(() => undefined);
        return run;
    };

    /* ---------------- auth ---------------- */

    function tokenFromHeader(header: string | undefined): string | undefined {
        if (header === undefined) return undefined;
        const split = header.trim().split(/\s+/);
        if (split.length === 2 && split[0].toLowerCase() === 'bearer') return split[1];
        return header.startsWith('_dremio') ? header.slice('_dremio'.length).trim() : header.trim();
    }

    /** DACAuthFilter: any failure is a 401 with no body. */
    function authenticate(req: http.IncomingMessage): StoredUser {
        const token = tokenFromHeader(req.headers.authorization);
        const t = token ? store.tokens[token] : undefined;
        if (!t) throw new HttpError(401, undefined);
        if (t.expiresAt < Date.now()) {
            delete store.tokens[token!];
            persist();
            throw new HttpError(401, undefined);
        }
        const user = store.users.find((u) => u.userName === t.userName);
        if (!user) throw new HttpError(401, undefined);
        return user;
    }

    function requireAnyUser(): void {
        if (store.users.length === 0) throw genericWithTrace(403, 'No User Available');
    }

    /* ---------------- representations ---------------- */

    function userConfigJson(u: StoredUser) {
        return {
            uid: { id: u.uid },
            userName: u.userName,
            firstName: u.firstName,
            lastName: u.lastName,
            email: u.email,
            createdAt: u.createdAt,
            modifiedAt: u.modifiedAt,
            active: u.active,
        };
    }

    function sourceJson(s: StoredSource) {
        return {
            entityType: 'source',
            config: redactConfig(s.config),
            state: { status: 'good', suggestedUserAction: '', messages: [] },
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
        return { entityType: 'home', id: h.id, name: `@${h.owner}`, tag: h.tag, children: [] };
    }

    /* ---------------- Nessie validation (NessiePlugin.start + DataplanePlugin.start) ---------------- */

    async function getJson(url: string): Promise<{ status: number; json: any }> {
        const res = await fetch(url, { signal: AbortSignal.timeout(nessieTimeoutMs), headers: { Accept: 'application/json' } });
        const text = await res.text();
        let json: unknown;
        try {
            json = text ? JSON.parse(text) : undefined;
        } catch {
            json = undefined;
        }
        return { status: res.status, json };
    }

    /** Throws the message Dremio's plugin start would fail with; the caller makes it a 400. */
    async function startNessiePlugin(name: string, c: Record<string, unknown>): Promise<void> {
        const fail = (message: string) => userException('validation', message);
        // NessiePlugin constructor: NessieClientBuilder.withUri(URI.create(nessieEndpoint)).
        const endpoint = c.nessieEndpoint;
        let endpointUrl: URL | undefined;
        try {
            endpointUrl = typeof endpoint === 'string' ? new URL(endpoint) : undefined;
        } catch {
            endpointUrl = undefined;
        }
        if (!endpointUrl || !['http:', 'https:'].includes(endpointUrl.protocol)) {
            throw fail(`Unable to create source [${name}], ${endpoint ?? 'null'} must be a valid http or https address`);
        }
        // NessiePlugin.validateNessieAuthSettings
        switch (c.nessieAuthType) {
            case null:
            case undefined:
                throw fail(`Unable to create source [${name}], Invalid Nessie Auth type`);
            case 'BEARER':
                if (isBlank(c.nessieAccessToken)) throw fail(`Unable to create source [${name}], bearer token provided is empty`);
                break;
            case 'OAUTH2':
                if (c.oauth2TokenEndpointURI == null) throw fail(`Unable to create source [${name}], OAuth2 URI must not be null`);
                if (c.oauth2ClientId == null) throw fail(`Unable to create source [${name}], OAuth2 ClientId must not be null`);
                if (c.oauth2ClientSecret == null) throw fail(`Unable to create source [${name}], OAuth2 ClientSecret must not be null`);
                throw notImplemented('A NESSIE source with OAUTH2 authentication');
            default:
                break;
        }
        const storage = (c.storageProvider as string | null | undefined) ?? 'AWS';
        if (storage !== 'AWS') throw notImplemented(`storageProvider ${storage}`);
        // DataplanePlugin.validateRootPath
        const root = c.awsRootPath;
        if (typeof root !== 'string' || !AWS_ROOT_PATH.test(root)) {
            throw fail(
                'Failure creating or updating Nessie source. Invalid AWS S3 root path. You must provide a valid AWS S3 path. Example: /bucket-name/path',
            );
        }
        // DataplanePlugin.validateNessieSpecificationVersion -> NessiePluginUtils (a real GET <endpoint>/config)
        const base = String(endpoint).replace(/\/+$/, '');
        const headers: Record<string, string> = {};
        if (c.nessieAuthType === 'BEARER') headers.Authorization = `Bearer ${c.nessieAccessToken}`;
        let config: { status: number; json: any };
        try {
            config = await getJson(`${base}/config`);
        } catch (e) {
            log(`nessie check of ${base}/config failed: ${(e as Error).message}`);
            throw fail(`Unable to create source [${name}], Make sure that Nessie endpoint URL [${endpoint}] is valid.`);
        }
        if (config.status === 401 || config.status === 403) {
            throw fail(`Unable to create source [${name}], Make sure that the token is valid and not expired`);
        }
        if (config.status < 200 || config.status >= 300 || !config.json || typeof config.json !== 'object') {
            throw fail(`Unable to create source [${name}], Make sure that Nessie endpoint URL [${endpoint}] is valid.`);
        }
        const cfg = config.json as { minSupportedApiVersion?: number; maxSupportedApiVersion?: number; actualApiVersion?: number; specVersion?: string };
        const minApi = cfg.minSupportedApiVersion ?? 1;
        const maxApi = cfg.maxSupportedApiVersion ?? 1;
        const actual = cfg.actualApiVersion ?? (cfg.specVersion ? 2 : 1);
        if (minApi > 2 || maxApi < 2 || actual !== 2) {
            throw fail(
                `Unable to create source [${name}], Invalid API version. Make sure that Nessie endpoint URL [${endpoint}] has a valid API version. Expected version is 2.`,
            );
        }
        const spec = cfg.specVersion;
        const specOk = typeof spec === 'string' && /^\d+\.\d+\.\d+/.test(spec) && compareSemver(spec, '2.0.0') >= 0;
        if (!specOk) {
            throw fail(
                `Unable to create source [${name}], Nessie Server should comply with Nessie specification version 2.0.0 or later. Also make sure that Nessie endpoint URL is valid.`,
            );
        }
        // validateConnectionToNessieRepository: getDefaultBranch (GET <endpoint>/trees/-)
        let branch: { status: number; json: any };
        try {
            branch = await getJson(`${base}/trees/-`);
        } catch {
            throw fail(`Unable to create source [${name}], Could not connect to [${name}]. Connection refused while connecting to the Nessie Server.`);
        }
        if (branch.status !== 200 || branch.json?.reference?.type !== 'BRANCH') {
            throw fail(`Unable to create source [${name}], Could not connect to [${name}]. No default branch exists in the Nessie server.`);
        }
        // FileSystemPlugin start -> getProperties -> NessiePluginUtils.getCredentialProperties
        switch (c.credentialType) {
            case null:
            case undefined:
                throw fail('Failure creating an S3 connection. You must provide an authentication method [credentialType].');
            case 'ACCESS_KEY':
                if (isBlank(c.awsAccessKey) || isBlank(c.awsAccessSecret)) {
                    throw fail(
                        'Failure creating an S3 connection. You must provide an AWS access key and AWS access secret [awsAccessKey, awsAccessSecret].',
                    );
                }
                break;
            default:
                break;
        }
    }

    /* ---------------- catalog operations ---------------- */

    function readMetadataPolicy(raw: unknown): MetadataPolicy {
        const d: MetadataPolicy = {
            // CatalogService.DEFAULT_METADATA_POLICY
            authTTLMs: 24 * HOUR,
            namesRefreshMs: HOUR,
            datasetRefreshAfterMs: HOUR,
            datasetExpireAfterMs: 3 * HOUR,
            datasetUpdateMode: 'PREFETCH_QUERIED',
            deleteUnavailableDatasets: true,
            autoPromoteDatasets: false,
        };
        if (raw === undefined || raw === null) return d;
        if (typeof raw !== 'object') throw genericWithTrace(400, 'Invalid value found at: metadataPolicy');
        const r = raw as Record<string, unknown>;
        // Source.setMetadataPolicy -> setMetadataPolicyDefaults: 0 (absent) numbers take the defaults.
        const num = (k: keyof MetadataPolicy, dflt: number) => {
            const v = r[k];
            if (v === undefined || v === null || v === 0) return dflt;
            if (typeof v !== 'number') throw genericWithTrace(400, `Invalid value found at: metadataPolicy.${k}`);
            return v;
        };
        const p: MetadataPolicy = {
            authTTLMs: num('authTTLMs', d.authTTLMs),
            namesRefreshMs: num('namesRefreshMs', d.namesRefreshMs),
            datasetRefreshAfterMs: num('datasetRefreshAfterMs', d.datasetRefreshAfterMs),
            datasetExpireAfterMs: num('datasetExpireAfterMs', d.datasetExpireAfterMs),
            datasetUpdateMode: r.datasetUpdateMode as string,
            deleteUnavailableDatasets: Boolean(r.deleteUnavailableDatasets),
            autoPromoteDatasets: Boolean(r.autoPromoteDatasets),
        };
        if (!['PREFETCH', 'PREFETCH_QUERIED', 'INLINE'].includes(p.datasetUpdateMode)) {
            // MetadataPolicy.toMetadataPolicy: UpdateMode.valueOf(null) -> NullPointerException -> 500
            if (p.datasetUpdateMode == null) throw generic(500, 'Name is null');
            throw generic(400, `No enum constant com.dremio.service.namespace.source.proto.UpdateMode.${p.datasetUpdateMode}`);
        }
        const checks: [number, string][] = [
            [p.authTTLMs, 'authTTLMs'],
            [p.datasetExpireAfterMs, 'datasetExpireAfterMs'],
            [p.datasetRefreshAfterMs, 'datasetRefreshAfterMs'],
            [p.namesRefreshMs, 'namesRefreshMs'],
        ];
        for (const [v, n] of checks) {
            if (v < ONE_MINUTE_IN_MS) throw generic(400, `Source metadata policy ${n} must be greater than or equal to ${ONE_MINUTE_IN_MS}.`);
        }
        return p;
    }

    /** The parts of a POST/PUT body Dremio reads into a Source (unknown top-level keys are ignored). */
    function readSourceBody(body: Record<string, unknown>) {
        if (typeof body.type !== 'string') throw genericWithTrace(400, 'Invalid value.');
        if (body.type !== 'NESSIE') {
            throw notImplemented(`A source of type ${body.type}`);
        }
        const name = body.name;
        if (typeof name === 'string' && !/^[^.\"@]+$/.test(name)) {
            const msg = 'Source name can not contain periods, double quotes or @.';
            throw new HttpError(400, {
                errorMessage: `Invalid input \nname: ${msg}`,
                moreInfo: '',
                validationErrorMessages: { fieldErrorMessages: { name: [msg] }, globalErrorMessages: [] },
            });
        }
        const config = parseNessieConfig(body.config);
        const pct = config.maxCacheSpacePct as number;
        if (pct < 1 || pct > 100) {
            const msg = 'Max percent of total available cache space must be between 1 and 100';
            throw new HttpError(400, {
                errorMessage: `Invalid input \nconfig.maxCacheSpacePct: ${msg}`,
                moreInfo: '',
                validationErrorMessages: { fieldErrorMessages: { 'config.maxCacheSpacePct': [msg] }, globalErrorMessages: [] },
            });
        }
        let createdAt: number | undefined;
        if (body.createdAt !== undefined && body.createdAt !== null) {
            const t = typeof body.createdAt === 'number' ? body.createdAt : Date.parse(String(body.createdAt));
            if (!Number.isFinite(t)) throw genericWithTrace(400, 'Invalid value found at: createdAt');
            createdAt = t;
        }
        const long = (k: string): number => {
            const v = body[k];
            if (v === undefined || v === null) return 0;
            if (typeof v !== 'number') throw genericWithTrace(400, `Invalid value found at: ${k}`);
            return v;
        };
        const schedule = body.accelerationRefreshSchedule;
        if (schedule !== undefined && schedule !== null && typeof schedule !== 'string') throw genericWithTrace(400, 'Invalid value found at: accelerationRefreshSchedule');
        const policyType = body.accelerationActivePolicyType;
        if (policyType !== undefined && policyType !== null && !['PERIOD', 'SCHEDULE', 'NEVER', 'REFRESH_ON_DATA_CHANGES'].includes(String(policyType))) {
            throw genericWithTrace(400, 'Invalid value found at: accelerationActivePolicyType');
        }
        const neverRefresh = body.accelerationNeverRefresh === true;
        return {
            id: body.id as string | undefined,
            tag: body.tag as string | undefined,
            name: name as string | undefined,
            description: typeof body.description === 'string' ? body.description : undefined,
            config,
            createdAt,
            metadataPolicy: readMetadataPolicy(body.metadataPolicy),
            accelerationGracePeriodMs: long('accelerationGracePeriodMs'),
            accelerationRefreshPeriodMs: long('accelerationRefreshPeriodMs'),
            // ReflectionSettingsImpl.setReflectionSettings defaults
            accelerationRefreshSchedule: (schedule as string | undefined) ?? '0 0 8 * * ?',
            accelerationActivePolicyType: neverRefresh
                ? 'NEVER'
                : ['PERIOD', 'SCHEDULE', 'NEVER'].includes(String(policyType))
                  ? String(policyType)
                  : 'PERIOD',
            accelerationNeverExpire: body.accelerationNeverExpire === true,
            accelerationNeverRefresh: neverRefresh,
            allowCrossSourceSelection: body.allowCrossSourceSelection === true,
            disableMetadataValidityCheck: body.disableMetadataValidityCheck === true,
        };
    }

    async function createSource(body: Record<string, unknown>) {
        const s = readSourceBody(body);
        // SourceService.validateSourceConfig / createSource
        if (s.name === undefined || s.name === null) throw generic(500, 'Source name is missing.');
        if (!isBlank(s.id)) throw generic(400, 'Source id is immutable.');
        if (s.tag !== undefined && s.tag !== null) throw generic(400, 'Source tag is immutable.');
        if (store.sources.some((x) => x.name.toLowerCase() === s.name!.toLowerCase())) {
            throw generic(409, `A source with the name [${s.name}] already exists.`);
        }
        await startNessiePlugin(s.name, s.config);
        if (store.sources.some((x) => x.name.toLowerCase() === s.name!.toLowerCase())) {
            throw userException('concurrent', `Source already exists with name ${s.name}.`);
        }
        const now = Date.now();
        const stored: StoredSource = {
            id: crypto.randomUUID(),
            tag: '',
            type: 'NESSIE',
            name: s.name,
            description: s.description,
            config: s.config,
            ctime: now,
            lastModifiedAt: now,
            metadataPolicy: s.metadataPolicy,
            accelerationGracePeriodMs: s.accelerationGracePeriodMs,
            accelerationRefreshPeriodMs: s.accelerationRefreshPeriodMs,
            accelerationRefreshSchedule: s.accelerationRefreshSchedule,
            accelerationActivePolicyType: s.accelerationActivePolicyType,
            accelerationNeverExpire: s.accelerationNeverExpire,
            accelerationNeverRefresh: s.accelerationNeverRefresh,
            allowCrossSourceSelection: s.allowCrossSourceSelection,
            disableMetadataValidityCheck: s.disableMetadataValidityCheck,
        };
        stored.tag = newTag(stored);
        store.sources.push(stored);
        persist();
        log(`created source ${stored.name} (${stored.id}) tag ${stored.tag}`);
        return sourceJson(stored);
    }

    async function updateSource(id: string, body: Record<string, unknown>) {
        // CatalogServiceHelper.updateCatalogItem: IllegalArgumentException -> NotFoundException (404)
        if (body.id === undefined || body.id === null) throw generic(404, 'Entity id is required.');
        if (body.id !== id) throw generic(404, 'Ids must match.');
        const home = store.homes.find((h) => h.id === id);
        if (home) throw generic(400, `Catalog item [${id}] of type [com.dremio.dac.api.Home] can not be edited.`);
        if (body.entityType !== 'source') throw notImplemented(`Updating an entity of type ${String(body.entityType)}`);
        const s = readSourceBody(body);
        if (s.name === undefined || s.name === null) throw generic(500, 'Source name is missing.');
        const existing = store.sources.find((x) => x.id === id);
        if (!existing) throw generic(404, `Could not find entity with id [${id}]`);
        if (existing.name !== s.name) throw generic(404, 'Source name is immutable.');
        if (existing.type !== body.type) throw generic(404, 'Source type is immutable.');
        if (s.createdAt !== undefined && s.createdAt !== 0 && s.createdAt !== existing.ctime) throw generic(404, 'Creation time is immutable.');
        if (s.tag === undefined || s.tag === null) {
            // No tag: SourceService treats it as a create, and the plugin already exists.
            throw userException('concurrent', `Source already exists with name ${s.name}.`);
        }
        // ManagedStoragePlugin.updateConfig: secrets back, then the tag check (NamespaceServiceImpl.canSourceConfigBeSaved)
        applySecretsFrom(s.config, existing.config);
        if (s.tag !== existing.tag) {
            throw generic(
                409,
                `Source [${existing.name}] has been updated, and the given configuration is out of date (current tag: ${existing.tag}, given: ${s.tag})`,
            );
        }
        await startNessiePlugin(s.name, s.config);
        if (!store.sources.includes(existing) || existing.tag !== s.tag) {
            throw userException('concurrent', `Source update failed due to a concurrent update. Please try again [${s.name}].`);
        }
        Object.assign(existing, {
            description: s.description,
            config: s.config,
            lastModifiedAt: Date.now(),
            // ManagedStoragePlugin.createOrUpdateSource: a started versioned plugin gets NEVER_REFRESH_POLICY.
            metadataPolicy: {
                authTTLMs: CENTURY_MILLIS,
                namesRefreshMs: CENTURY_MILLIS,
                datasetRefreshAfterMs: CENTURY_MILLIS,
                datasetExpireAfterMs: CENTURY_MILLIS,
                datasetUpdateMode: 'PREFETCH',
                deleteUnavailableDatasets: true,
                autoPromoteDatasets: false,
            },
            accelerationGracePeriodMs: s.accelerationGracePeriodMs,
            accelerationRefreshPeriodMs: s.accelerationRefreshPeriodMs,
            accelerationRefreshSchedule: s.accelerationRefreshSchedule,
            accelerationActivePolicyType: s.accelerationActivePolicyType,
            accelerationNeverExpire: s.accelerationNeverExpire,
            accelerationNeverRefresh: s.accelerationNeverRefresh,
            allowCrossSourceSelection: s.allowCrossSourceSelection,
            disableMetadataValidityCheck: s.disableMetadataValidityCheck,
        });
        existing.tag = newTag(existing);
        persist();
        log(`updated source ${existing.name} (${existing.id}) tag ${existing.tag}`);
        return sourceJson(existing);
    }

    function deleteEntity(id: string, tag: string | undefined) {
        const idx = store.sources.findIndex((x) => x.id === id);
        if (idx < 0) {
            if (store.homes.some((h) => h.id === id)) throw notImplemented('Deleting a home space');
            throw generic(404, `Could not find entity with id [${id}].`);
        }
        const existing = store.sources[idx];
        if (tag !== undefined && tag !== existing.tag) {
            throw userException('invalidMetadata', 'Unable to remove source as the provided definition is out of date.');
        }
        store.sources.splice(idx, 1);
        persist();
        log(`deleted source ${existing.name} (${existing.id})`);
    }

    /* ---------------- routing ---------------- */

    async function readBody(req: http.IncomingMessage): Promise<string> {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of req) {
            size += (chunk as Buffer).length;
            if (size > 4 * 1024 * 1024) throw generic(413, 'HTTP 413 Request Entity Too Large');
            chunks.push(chunk as Buffer);
        }
        return Buffer.concat(chunks).toString('utf8');
    }

    /** @Consumes(APPLICATION_JSON): Jersey's 415 comes from resource matching, before the auth filter runs. */
    async function jsonText(req: http.IncomingMessage): Promise<string> {
        const ct = String(req.headers['content-type'] ?? '').toLowerCase();
        const text = await readBody(req);
        if (!ct.startsWith('application/json')) throw generic(415, 'HTTP 415 Unsupported Media Type');
        return text;
    }

    /** The entity is read after the filters; bad JSON is RestApiJsonParseExceptionMapper's text/plain 400. */
    function parseJson(text: string): unknown {
        if (text.trim() === '') return null;
        try {
            return JSON.parse(text);
        } catch (e) {
            throw new HttpError(400, (e as Error).message, 'text/plain');
        }
    }

    function objectBody(v: unknown): Record<string, unknown> {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw genericWithTrace(400, 'Invalid value.');
        return v as Record<string, unknown>;
    }

    type Handler = (req: http.IncomingMessage, params: string[], query: URLSearchParams) => Promise<{ status: number; body?: unknown }>;
    const routes: { pattern: RegExp; methods: Record<string, Handler> }[] = [];
    const route = (pattern: RegExp, methods: Record<string, Handler>) => routes.push({ pattern, methods });

    route(/^\/apiv2\/server_status$/, {
        GET: async () => ({ status: 200, body: 'OK' }),
    });

    route(/^\/apiv2\/bootstrap\/firstuser$/, {
        PUT: async (req) => {
            const body = objectBody(parseJson(await jsonText(req)));
            return serial(async () => {
                if (store.users.length > 0) throw userException('validation', FIRST_USER_ERROR_MSG);
                // new UserName(...) in BootstrapResource, then SimpleUserService.createUser's checks.
                const userName = body.userName;
                if (userName === undefined || userName === null) throw generic(500, 'Something went wrong.');
                if (typeof userName !== 'string') throw genericWithTrace(400, 'Invalid value found at: userName');
                if (userName.includes('"') || userName.includes(':')) {
                    throw generic(400, `Username “${userName}” can not contain quotes or colons.`);
                }
                if (userName === '') throw userException('validation', 'Invalid username: can not contain quotes or colons.');
                const password = body.password;
                if (typeof password !== 'string' || !/^(?=.*[0-9])(?=.*[a-zA-Z]).{8,}$/.test(password)) {
                    throw userException('validation', 'Invalid password: must be at least 8 letters long, must contain at least one number and one letter');
                }
                const now = Date.now();
                const salt = crypto.randomBytes(16);
                const user: StoredUser = {
                    uid: crypto.randomUUID(),
                    userName,
                    firstName: typeof body.firstName === 'string' ? body.firstName : undefined,
                    lastName: typeof body.lastName === 'string' ? body.lastName : undefined,
                    email: typeof body.email === 'string' ? body.email : undefined,
                    createdAt: now,
                    modifiedAt: now,
                    active: true,
                    salt: salt.toString('base64'),
                    hash: hashPassword(password, salt),
                };
                store.users.push(user);
                const home: StoredHome = { id: crypto.randomUUID(), tag: '', owner: userName, ctime: now };
                home.tag = newTag(home);
                store.homes.push(home);
                persist();
                log(`first user ${userName} created`);
                return {
                    status: 200,
                    body: {
                        resourcePath: `/user/${userName}`,
                        userName,
                        userConfig: userConfigJson(user),
                        name: userName,
                        id: user.uid,
                        links: { self: `/user/${userName}` },
                    },
                };
            });
        },
    });

    route(/^\/apiv2\/login$/, {
        POST: async (req) => {
            requireAnyUser();
            const raw = parseJson(await jsonText(req));
            const body = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
            const userName = body.userName;
            const password = body.password;
            if (typeof userName !== 'string' || userName === '' || typeof password !== 'string' || password === '') {
                throw genericWithTrace(401, 'user name or password cannot be null or empty');
            }
            const user = store.users.find((u) => u.userName === userName);
            const ok = user && user.active && crypto.timingSafeEqual(Buffer.from(hashPassword(password, Buffer.from(user.salt, 'base64'))), Buffer.from(user.hash));
            if (!user || !ok) throw genericWithTrace(401, `Login failed: Invalid username or password, user ${userName}`);
            const token = newToken();
            const expires = Date.now() + tokenTtlMs;
            store.tokens[token] = { userName, expiresAt: expires };
            for (const [t, v] of Object.entries(store.tokens)) if (v.expiresAt < Date.now()) delete store.tokens[t];
            persist();
            return {
                status: 200,
                body: {
                    token,
                    userName,
                    firstName: user.firstName,
                    lastName: user.lastName,
                    expires,
                    email: user.email,
                    userId: user.uid,
                    admin: true,
                    userCreatedAt: user.createdAt,
                    clusterId: store.clusterId,
                    clusterCreatedAt: store.clusterCreatedAt,
                    version: `${FOLLOWS_DREMIO_VERSION} (Dremio REST stand-in, not Dremio)`,
                    permissions: {
                        canUploadProfiles: true,
                        canDownloadProfiles: true,
                        canEmailForSupport: true,
                        canChatForSupport: false,
                        canViewAllJobs: true,
                        canCreateUser: true,
                        canCreateRole: true,
                        canCreateSource: true,
                        canUploadFile: true,
                        canManageNodeActivity: true,
                        canManageEngines: true,
                        canManageQueues: true,
                        canManageEngineRouting: true,
                        canManageSupportSettings: true,
                        canConfigureSecurity: true,
                        canRunDiagnostic: true,
                    },
                },
            };
        },
        GET: async (req) => {
            requireAnyUser();
            authenticate(req);
            return { status: 200, body: true };
        },
        DELETE: async (req) => {
            requireAnyUser();
            const token = tokenFromHeader(req.headers.authorization);
            if (token && store.tokens[token]) {
                delete store.tokens[token];
                persist();
            }
            return { status: 204 };
        },
    });

    /* UserResource (dac/backend/.../dac/api/UserResource.java) and User.java: the v3 user API, used by
       clients to update a profile or password. Only the slice the project uses: get by id or name, update. */
    function userJson(u: StoredUser) {
        u.tag ??= newTag({ uid: u.uid, modifiedAt: u.modifiedAt });
        return { id: u.uid, name: u.userName, firstName: u.firstName, lastName: u.lastName, email: u.email, tag: u.tag, active: u.active };
    }
    const userNotFound = (what: string) => generic(404, `User ${what} not found`);

    route(/^\/api\/v3\/user\/by-name\/([^/]+)$/, {
        GET: async (req, params) => {
            authenticate(req);
            const name = decodeURIComponent(params[0]);
            const u = store.users.find((x) => x.userName === name);
            if (!u) throw userNotFound(name);
            return { status: 200, body: userJson(u) };
        },
    });

    route(/^\/api\/v3\/user\/([^/]+)$/, {
        GET: async (req, params) => {
            authenticate(req);
            const u = store.users.find((x) => x.uid === decodeURIComponent(params[0]));
            if (!u) throw userNotFound(decodeURIComponent(params[0]));
            return { status: 200, body: userJson(u) };
        },
        PUT: async (req, params) => {
            const text = await jsonText(req);
            const caller = authenticate(req);
            const body = objectBody(parseJson(text));
            const id = decodeURIComponent(params[0]);
            return serial(async () => {
                const u = store.users.find((x) => x.uid === id);
                if (!u) throw userNotFound(id);
                // Only the first user exists here, and it is an admin: no "not allowed to update" case.
                if (caller.userName !== u.userName && !caller.active) throw generic(403, `User ${caller.userName} is not allowed to update user ${u.userName}`);
                if (body.name !== u.userName) throw generic(415, 'Changing of user name is not supported');
                // SimpleUserService.updateUser: the stored version must match the given tag.
                if (body.tag !== userJson(u).tag) throw generic(409, `User ${u.userName} has been updated by another request (current tag: ${u.tag}, given: ${String(body.tag)})`);
                if (body.password !== undefined && body.password !== null) {
                    if (typeof body.password !== 'string' || !/^(?=.*[0-9])(?=.*[a-zA-Z]).{8,}$/.test(body.password)) {
                        throw userException('validation', 'Invalid password: must be at least 8 letters long, must contain at least one number and one letter');
                    }
                    const salt = crypto.randomBytes(16);
                    u.salt = salt.toString('base64');
                    u.hash = hashPassword(body.password, salt);
                }
                for (const k of ['firstName', 'lastName', 'email'] as const) if (typeof body[k] === 'string') u[k] = body[k] as string;
                u.modifiedAt = Date.now();
                u.tag = newTag({ uid: u.uid, modifiedAt: u.modifiedAt });
                persist();
                return { status: 200, body: userJson(u) };
            });
        },
    });

    route(/^\/api\/v3\/catalog$/, {
        GET: async (req) => {
            const user = authenticate(req);
            const data: unknown[] = [];
            const home = store.homes.find((h) => h.owner === user.userName);
            if (home) data.push({ id: home.id, path: [`@${home.owner}`], tag: home.tag, type: 'CONTAINER', containerType: 'HOME', createdAt: iso(home.ctime) });
            for (const s of store.sources) {
                data.push({ id: s.id, path: [s.name], tag: s.tag, type: 'CONTAINER', containerType: 'SOURCE', createdAt: iso(s.ctime) });
            }
            return { status: 200, body: { data } };
        },
        POST: async (req) => {
            const text = await jsonText(req);
            authenticate(req);
            const body = objectBody(parseJson(text));
            if (typeof body.entityType !== 'string') throw genericWithTrace(400, 'Invalid value.');
            if (!['dataset', 'space', 'source', 'folder', 'file', 'home', 'function'].includes(body.entityType)) {
                throw genericWithTrace(400, `An invalid value was found: ${body.entityType}`);
            }
            if (body.entityType !== 'source') throw notImplemented(`Creating an entity of type ${body.entityType}`);
            return serial(async () => ({ status: 200, body: await createSource(body) }));
        },
    });

    route(/^\/api\/v3\/catalog\/by-path\/(.*)$/, {
        GET: async (req, params) => {
            authenticate(req);
            const segments = params[0]
                .split('/')
                .filter((p) => p !== '')
                .map((p) => decodeURIComponent(p));
            const notFound = () => generic(404, `Could not find entity with path [[${segments.join(', ')}]]`);
            if (segments.length !== 1) {
                if (segments.length > 1 && store.sources.some((s) => s.name.toLowerCase() === segments[0].toLowerCase())) {
                    throw notImplemented('Looking up an entity inside a source');
                }
                throw notFound();
            }
            const s = store.sources.find((x) => x.name.toLowerCase() === segments[0].toLowerCase());
            if (s) return { status: 200, body: sourceJson(s) };
            const h = store.homes.find((x) => `@${x.owner}`.toLowerCase() === segments[0].toLowerCase());
            if (h) return { status: 200, body: homeJson(h) };
            throw notFound();
        },
    });

    route(/^\/api\/v3\/catalog\/([^/]+)$/, {
        GET: async (req, params) => {
            authenticate(req);
            const id = decodeURIComponent(params[0]);
            const s = store.sources.find((x) => x.id === id);
            if (s) return { status: 200, body: sourceJson(s) };
            const h = store.homes.find((x) => x.id === id);
            if (h) return { status: 200, body: homeJson(h) };
            throw generic(404, `Could not find entity with id [${id}]`);
        },
        PUT: async (req, params) => {
            const text = await jsonText(req);
            authenticate(req);
            const body = objectBody(parseJson(text));
            const id = decodeURIComponent(params[0]);
            return serial(async () => ({ status: 200, body: await updateSource(id, body) }));
        },
        DELETE: async (req, params, query) => {
            authenticate(req);
            const id = decodeURIComponent(params[0]);
            const tag = query.get('tag') ?? undefined;
            await serial(async () => deleteEntity(id, tag));
            return { status: 204 };
        },
    });

    async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const method = req.method ?? 'GET';
        let status = 500;
        let payload: string | undefined;
        let contentType = 'application/json';
        try {
            const r = routes.find((x) => x.pattern.test(url.pathname));
            if (!r) throw generic(404, 'HTTP 404 Not Found');
            const handler = r.methods[method] ?? (method === 'HEAD' ? r.methods.GET : undefined);
            if (!handler) throw generic(405, 'HTTP 405 Method Not Allowed');
            const params = (url.pathname.match(r.pattern) ?? []).slice(1);
            const out = await handler(req, params, url.searchParams);
            status = out.status;
            payload = out.body === undefined ? undefined : JSON.stringify(out.body);
        } catch (e) {
            if (e instanceof HttpError) {
                status = e.status;
                contentType = e.contentType;
                payload = e.body === undefined ? undefined : typeof e.body === 'string' && contentType === 'text/plain' ? e.body : JSON.stringify(e.body);
            } else {
                log(`unexpected error on ${method} ${url.pathname}: ${(e as Error).stack ?? e}`);
                status = 500;
                payload = JSON.stringify({ errorMessage: (e as Error).message || 'Something went wrong.', moreInfo: '' });
            }
        }
        // Drain an unread body so keep-alive connections stay usable.
        req.resume();
        const headers: Record<string, string> = { 'X-Dremio-Standin': 'true (harness/dremio/standin.ts: not Dremio)' };
        if (payload !== undefined) {
            headers['Content-Type'] = contentType;
            headers['Content-Length'] = String(Buffer.byteLength(payload));
        } else if (status !== 204) {
            headers['Content-Length'] = '0';
        }
        res.writeHead(status, headers);
        res.end(method === 'HEAD' ? undefined : payload);
        log(`${method} ${url.pathname}${url.search} -> ${status}`);
    }

    const server = http.createServer((req, res) => {
        handle(req, res).catch((e) => {
            log(`response failed: ${(e as Error).message}`);
            res.destroy();
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    const port = (server.address() as { port: number }).port;
    log(`Dremio REST stand-in (NOT Dremio) listening on http://${host}:${port}, data ${opts.dataFile}`);
    return {
        url: `http://${host}:${port}`,
        port,
        close: () =>
            new Promise<void>((resolve, reject) => {
                server.close((err) => (err ? reject(err) : resolve()));
                server.closeAllConnections();
            }),
    };
}

function compareSemver(a: string, b: string): number {
    const pa = a.split(/[.-]/).slice(0, 3).map(Number);
    const pb = b.split(/[.-]/).slice(0, 3).map(Number);
    for (let i = 0; i < 3; i++) {
        if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
    }
    return 0;
}

/** `node -r ts-node/register/transpile-only harness/dremio/standin.ts --port 9047 --data-file <file>` */
if (require.main === module) {
    const args = process.argv.slice(2);
    const arg = (name: string) => {
        const i = args.indexOf(`--${name}`);
        return i >= 0 ? args[i + 1] : undefined;
    };
    const port = Number(arg('port') ?? 9047);
    const dataFile = arg('data-file');
    if (!dataFile) {
        process.stderr.write('usage: standin.ts --port <port> --data-file <file> [--host 127.0.0.1]\n');
        process.exit(2);
    }
    createDremioStandin({
        port,
        host: arg('host') ?? '127.0.0.1',
        dataFile,
        log: (line) => process.stdout.write(`[dremio-standin ${new Date().toISOString()}] ${line}\n`),
    }).then(
        (s) => {
            const stop = () => {
                s.close().finally(() => process.exit(0));
            };
            process.on('SIGTERM', stop);
            process.on('SIGINT', stop);
        },
        (e) => {
            process.stderr.write(`Dremio REST stand-in failed to start: ${(e as Error).stack ?? e}\n`);
            process.exit(1);
        },
    );
}
