/**
 * The stand-in's "KV store": users, home spaces, sources and session tokens, kept as one JSON file
 * (secrets in clear, mode 600) that survives restarts as Dremio's KV store does, and the tags that
 * version what is stored. Tags follow services/datastore/src/main/java/com/dremio/datastore/ByteStore.java
 * (github.com/dremio/dremio-oss).
 */
import * as crypto from "crypto";
import * as fs from "fs";

/** A user (SimpleUser): the first admin is the only one the stand-in creates. */
export interface StoredUser {
    uid: string;
    userName: string;
    firstName?: string;
    lastName?: string;
    email?: string;
    createdAt: number;
    modifiedAt: number;
    active: boolean;
    /** Base-64 salt of the PBKDF2 password hash. */
    salt: string;
    /** Base-64 PBKDF2 hash of the password. */
    hash: string;
    /** The user's version (SimpleUser.version): the `tag` of the v3 user API. */
    tag?: string;
}

/** The home space `@<owner>` Dremio creates with a user. */
export interface StoredHome {
    id: string;
    tag: string;
    owner: string;
    ctime: number;
}

/** A source's metadata refresh policy (dac/api/MetadataPolicy.java). */
export interface MetadataPolicy {
    authTTLMs: number;
    namesRefreshMs: number;
    datasetRefreshAfterMs: number;
    datasetExpireAfterMs: number;
    datasetUpdateMode: string;
    deleteUnavailableDatasets: boolean;
    autoPromoteDatasets: boolean;
}

/** The settings of a source a client may change on every write, stored and answered as sent (or defaulted). */
export interface SourceSettings {
    accelerationGracePeriodMs: number;
    accelerationRefreshPeriodMs: number;
    accelerationRefreshSchedule: string;
    accelerationActivePolicyType: string;
    accelerationNeverExpire: boolean;
    accelerationNeverRefresh: boolean;
    allowCrossSourceSelection: boolean;
    disableMetadataValidityCheck: boolean;
}

/** A catalog source (only NESSIE sources are created). */
export interface StoredSource extends SourceSettings {
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
}

/** A session token's owner and end of life (epoch ms). */
export interface StoredToken {
    userName: string;
    expiresAt: number;
}

/** Everything the stand-in keeps, as written to its data file. */
export interface StoreContents {
    clusterId: string;
    clusterCreatedAt: number;
    users: StoredUser[];
    homes: StoredHome[];
    sources: StoredSource[];
    tokens: Record<string, StoredToken>;
}

/** Reads the data file, or starts an empty store (a new cluster id) when there is none. */
export function loadStore(file: string): StoreContents {
    if (fs.existsSync(file)) {
        const s = JSON.parse(fs.readFileSync(file, "utf8")) as StoreContents;
        s.tokens ??= {};
        s.homes ??= [];
        return s;
    }
    return { clusterId: crypto.randomUUID(), clusterCreatedAt: Date.now(), users: [], homes: [], sources: [], tokens: {} };
}

/** Writes the whole store to the data file atomically (a temporary file renamed over it), mode 600. */
export function saveStore(file: string, contents: StoreContents): void {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(contents, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, file);
}

/** A new tag for a stored value: 12 base-64 characters, different on every write. */
export function newTag(value: unknown): string {
    // ByteStore.generateTagFromBytes: base-64 of a 64-bit fingerprint of the stored value. A random
    // salt makes two identical writes still get different tags, like lastModifiedAt does in Dremio.
    const h = crypto.createHash("sha256").update(JSON.stringify(value)).update(crypto.randomBytes(8)).digest();
    return h.subarray(0, 8).toString("base64");
}
