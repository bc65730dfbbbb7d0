/**
 * What Dremio checks when a NESSIE source's plugin starts (on create and on update), in Dremio's order,
 * with its messages: the endpoint URL, the Nessie auth settings, the S3 root path, the Nessie spec and
 * API version (a real GET <nessieEndpoint>/config), the default branch (a real GET
 * <nessieEndpoint>/trees/-) and the S3 credentials. Follows (github.com/dremio/dremio-oss):
 *     plugins/dataplane/src/main/java/com/dremio/plugins/dataplane/store/{NessiePlugin,DataplanePlugin,NessiePluginUtils,CloudStoragePathValidator}.java,
 *     plugins/dataplane/src/main/java/com/dremio/plugins/dataplane/NessiePluginConfigConstants.java,
 *     sabot/kernel/src/main/java/com/dremio/exec/catalog/ManagedStoragePlugin.java (the start failure's message
 *       becomes the error message), and projectnessie/nessie
 *       api/client/src/main/java/org/projectnessie/client/http/NessieApiCompatibility.java (v1 vs v2 detection).
 */
import { notImplemented, userException } from "./errors";
import { isBlank } from "./nessie-config";

const AWS_BUCKET = "[a-z0-9](?!.*\\.\\.)[a-z0-9.\\-]{1,61}[a-z0-9]";
const AWS_ROOT_PATH = new RegExp(`^/?(${AWS_BUCKET})(/[^/]+)*/?$`);

/** How the checks reach Nessie. */
export interface NessieCheckOptions {
    /** Bound on each request to Nessie. */
    timeoutMs: number;
    log: (line: string) => void;
}

async function getJson(url: string, timeoutMs: number, token?: string): Promise<{ status: number; json: any }> {
    // Dremio's Nessie client sends the source's bearer token; the CA of an https Nessie is the process's
    // trust (NODE_EXTRA_CA_CERTS, as a Dremio's operator adds a CA to its JVM's trust store).
    const res = await fetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { Accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    });
    const text = await res.text();
    let json: unknown;
    try {
        json = text ? JSON.parse(text) : undefined;
    } catch {
        json = undefined;
    }
    return { status: res.status, json };
}

/** Compares the first three numeric parts of two versions: negative, 0 or positive. */
function compareSemver(a: string, b: string): number {
    const pa = a.split(/[.-]/).slice(0, 3).map(Number);
    const pb = b.split(/[.-]/).slice(0, 3).map(Number);
    for (let i = 0; i < 3; i++) {
        if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
    }
    return 0;
}

/**
 * NessiePlugin.start + DataplanePlugin.start for the source `name` with config `c`: resolves when Dremio's
 * plugin would start, throws the 400 UserException carrying the message it would fail with otherwise.
 */
export async function startNessiePlugin(name: string, c: Record<string, unknown>, options: NessieCheckOptions): Promise<void> {
    const fail = (message: string) => userException("validation", message);
    // NessiePlugin constructor: NessieClientBuilder.withUri(URI.create(nessieEndpoint)).
    const endpoint = c.nessieEndpoint;
    let endpointUrl: URL | undefined;
    try {
        endpointUrl = typeof endpoint === "string" ? new URL(endpoint) : undefined;
    } catch {
        endpointUrl = undefined;
    }
    if (!endpointUrl || !["http:", "https:"].includes(endpointUrl.protocol)) {
        throw fail(`Unable to create source [${name}], ${endpoint ?? "null"} must be a valid http or https address`);
    }
    // NessiePlugin.validateNessieAuthSettings
    switch (c.nessieAuthType) {
        case null:
        case undefined:
            throw fail(`Unable to create source [${name}], Invalid Nessie Auth type`);
        case "BEARER":
            if (isBlank(c.nessieAccessToken)) throw fail(`Unable to create source [${name}], bearer token provided is empty`);
            break;
        case "OAUTH2":
            if (c.oauth2TokenEndpointURI == null) throw fail(`Unable to create source [${name}], OAuth2 URI must not be null`);
            if (c.oauth2ClientId == null) throw fail(`Unable to create source [${name}], OAuth2 ClientId must not be null`);
            if (c.oauth2ClientSecret == null) throw fail(`Unable to create source [${name}], OAuth2 ClientSecret must not be null`);
            throw notImplemented("A NESSIE source with OAUTH2 authentication");
        default:
            break;
    }
    const bearer = c.nessieAuthType === "BEARER" ? String(c.nessieAccessToken) : undefined;
    const storage = (c.storageProvider as string | null | undefined) ?? "AWS";
    if (storage !== "AWS") throw notImplemented(`storageProvider ${storage}`);
    // DataplanePlugin.validateRootPath
    const root = c.awsRootPath;
    if (typeof root !== "string" || !AWS_ROOT_PATH.test(root)) {
        throw fail("Failure creating or updating Nessie source. Invalid AWS S3 root path. You must provide a valid AWS S3 path. Example: /bucket-name/path");
    }
    // DataplanePlugin.validateNessieSpecificationVersion -> NessiePluginUtils (a real GET <endpoint>/config)
    const base = String(endpoint).replace(/\/+$/, "");
    let config: { status: number; json: any };
    try {
        config = await getJson(`${base}/config`, options.timeoutMs, bearer);
    } catch (e) {
        options.log(`nessie check of ${base}/config failed: ${(e as Error).message}`);
        throw fail(`Unable to create source [${name}], Make sure that Nessie endpoint URL [${endpoint}] is valid.`);
    }
    if (config.status === 401 || config.status === 403) {
        throw fail(`Unable to create source [${name}], Make sure that the token is valid and not expired`);
    }
    if (config.status < 200 || config.status >= 300 || !config.json || typeof config.json !== "object") {
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
    const specOk = typeof spec === "string" && /^\d+\.\d+\.\d+/.test(spec) && compareSemver(spec, "2.0.0") >= 0;
    if (!specOk) {
        throw fail(
            `Unable to create source [${name}], Nessie Server should comply with Nessie specification version 2.0.0 or later. Also make sure that Nessie endpoint URL is valid.`,
        );
    }
    // validateConnectionToNessieRepository: getDefaultBranch (GET <endpoint>/trees/-)
    let branch: { status: number; json: any };
    try {
        branch = await getJson(`${base}/trees/-`, options.timeoutMs, bearer);
    } catch {
        throw fail(`Unable to create source [${name}], Could not connect to [${name}]. Connection refused while connecting to the Nessie Server.`);
    }
    if (branch.status !== 200 || branch.json?.reference?.type !== "BRANCH") {
        throw fail(`Unable to create source [${name}], Could not connect to [${name}]. No default branch exists in the Nessie server.`);
    }
    // FileSystemPlugin start -> getProperties -> NessiePluginUtils.getCredentialProperties
    switch (c.credentialType) {
        case null:
        case undefined:
            throw fail("Failure creating an S3 connection. You must provide an authentication method [credentialType].");
        case "ACCESS_KEY":
            if (isBlank(c.awsAccessKey) || isBlank(c.awsAccessSecret)) {
                throw fail("Failure creating an S3 connection. You must provide an AWS access key and AWS access secret [awsAccessKey, awsAccessSecret].");
            }
            break;
        default:
            break;
    }
}
