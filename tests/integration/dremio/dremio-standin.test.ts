/**
 * The Dremio REST STAND-IN's own contract (harness/dremio/standin/). This is not Dremio: Dremio
 * cannot be obtained on this machine. These tests pin the behaviour the stand-in copies from Dremio's
 * sources (harness/dremio/README.md), so the Dremio client is tested against something that answers
 * like Dremio: statuses, bodies, tags, redacted secrets, server-added keys and Nessie validation.
 *
 * Most tests use the harness's instance (endpoints().dremio, validating against the real Nessie from
 * the harness); a few start a private instance on a free port with its own data file (fresh
 * bootstrap, token expiry, restart).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { endpoints } from "../../../harness/cli";
import { createDremioStandin, FIRST_USER_ERROR_MSG, USE_EXISTING_SECRET_VALUE } from "../../../harness/dremio/standin";

jest.setTimeout(120000);

const all = endpoints();
const dremio = all.dremio;
const nessieApi = all.nessie.apiV2;

interface Reply {
    status: number;
    text: string;
    json: any;
    contentType: string | null;
}

async function call(
    base: string,
    method: string,
    pathAndQuery: string,
    options: { body?: unknown; token?: string; auth?: string; contentType?: string } = {},
): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
    if (options.auth !== undefined) headers.Authorization = options.auth;
    else if (options.token !== undefined) headers.Authorization = `_dremio${options.token}`;
    const res = await fetch(`${base}${pathAndQuery}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body),
        signal: AbortSignal.timeout(30000),
    });
    const text = await res.text();
    let json: unknown;
    try {
        json = text ? JSON.parse(text) : undefined;
    } catch {
        json = undefined;
    }
    return { status: res.status, text, json, contentType: res.headers.get("content-type") };
}

const admin = {
    userName: dremio.userName,
    firstName: dremio.firstName,
    lastName: dremio.lastName,
    email: dremio.email,
    password: dremio.password,
};

/** Bootstraps the shared instance if nobody has (the client may already have), then logs in. */
async function adminToken(base = dremio.url): Promise<string> {
    const boot = await call(base, "PUT", "/apiv2/bootstrap/firstuser", { body: admin });
    if (boot.status !== 200) expect(boot.json.errorMessage).toBe(FIRST_USER_ERROR_MSG);
    const login = await call(base, "POST", "/apiv2/login", { body: { userName: admin.userName, password: admin.password } });
    expect(login.status).toBe(200);
    return login.json.token as string;
}

function nessieConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        nessieEndpoint: nessieApi,
        nessieAuthType: "NONE",
        storageProvider: "AWS",
        credentialType: "ACCESS_KEY",
        awsAccessKey: "lakehouse-access",
        awsAccessSecret: "first-secret-1",
        awsRootPath: "/warehouse/dremio",
        secure: false,
        propertyList: [
            { name: "fs.s3a.path.style.access", value: "true" },
            { name: "fs.s3a.endpoint", value: "127.0.0.1:9000" },
            { name: "dremio.s3.compat", value: "true" },
        ],
        ...overrides,
    };
}

function uniqueName(prefix: string): string {
    return `${prefix}_${Date.now()}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
}

function storedSource(name: string, dataFile = dremio.dataFile): any {
    const store = JSON.parse(fs.readFileSync(dataFile, "utf8"));
    return store.sources.find((s: any) => s.name === name);
}

describe("Dremio REST stand-in (NOT Dremio): harness instance", () => {
    let token: string;

    beforeAll(async () => {
        token = await adminToken();
    });

    test('is marked as a stand-in and answers server_status "OK"', async () => {
        const res = await fetch(`${dremio.url}/apiv2/server_status`, { signal: AbortSignal.timeout(10000) });
        expect(res.status).toBe(200);
        expect(await res.json()).toBe("OK");
        expect(res.headers.get("x-dremio-standin")).toMatch(/not Dremio/);
        expect(dremio.standIn).toBe("true");
        expect(dremio.standInOf).toMatch(/dremio-oss 25\.2\.0/);
    });

    test("first-user bootstrap is refused once a user exists, the way Dremio refuses it", async () => {
        const again = await call(dremio.url, "PUT", "/apiv2/bootstrap/firstuser", { body: { ...admin, userName: "someone_else" } });
        expect(again.status).toBe(400);
        expect(again.json).toEqual({ errorMessage: FIRST_USER_ERROR_MSG, moreInfo: "", context: [] });
    });

    test("login returns a session; a wrong or empty password is a 401 with a GenericErrorMessage", async () => {
        const ok = await call(dremio.url, "POST", "/apiv2/login", { body: { userName: admin.userName, password: admin.password } });
        expect(ok.status).toBe(200);
        expect(ok.json).toMatchObject({ userName: admin.userName, firstName: admin.firstName, lastName: admin.lastName, email: admin.email, admin: true });
        expect(ok.json.token).toMatch(/^[0-9a-v]{20,}$/);
        expect(ok.json.expires).toBeGreaterThan(Date.now() + 29 * 3600 * 1000);
        expect(typeof ok.json.userId).toBe("string");
        expect(ok.json.permissions.canCreateSource).toBe(true);

        const wrong = await call(dremio.url, "POST", "/apiv2/login", { body: { userName: admin.userName, password: "not-the-password-9" } });
        expect(wrong.status).toBe(401);
        expect(wrong.json).toEqual({ errorMessage: `Login failed: Invalid username or password, user ${admin.userName}`, moreInfo: "", stackTrace: [] });

        const nobody = await call(dremio.url, "POST", "/apiv2/login", { body: { userName: "nobody", password: admin.password } });
        expect(nobody.status).toBe(401);
        expect(nobody.json.errorMessage).toBe("Login failed: Invalid username or password, user nobody");

        const empty = await call(dremio.url, "POST", "/apiv2/login", { body: { userName: admin.userName, password: "" } });
        expect(empty.status).toBe(401);
        expect(empty.json.errorMessage).toBe("user name or password cannot be null or empty");
    });

    test("/api/v3 needs the session token: 401 with an empty body otherwise", async () => {
        const none = await call(dremio.url, "GET", "/api/v3/catalog");
        expect(none.status).toBe(401);
        expect(none.text).toBe("");

        const bogus = await call(dremio.url, "GET", "/api/v3/catalog", { token: "not-a-token" });
        expect(bogus.status).toBe(401);
        expect(bogus.text).toBe("");

        const withPrefix = await call(dremio.url, "GET", "/api/v3/catalog", { token });
        expect(withPrefix.status).toBe(200);
        expect(Array.isArray(withPrefix.json.data)).toBe(true);
        expect(withPrefix.json.data).toContainEqual(expect.objectContaining({ path: [`@${admin.userName}`], type: "CONTAINER", containerType: "HOME" }));

        // TokenUtils also accepts "Bearer <token>" and the bare token.
        expect((await call(dremio.url, "GET", "/api/v3/catalog", { auth: `Bearer ${token}` })).status).toBe(200);
        expect((await call(dremio.url, "GET", "/api/v3/catalog", { auth: token })).status).toBe(200);

        const check = await call(dremio.url, "GET", "/apiv2/login", { token });
        expect(check.status).toBe(200);
        expect(check.json).toBe(true);
    });

    test("unknown routes, wrong methods, wrong content type and bad JSON answer as Jersey does", async () => {
        const missing = await call(dremio.url, "GET", "/api/v3/nothing-here", { token });
        expect(missing.status).toBe(404);
        expect(missing.json).toEqual({ errorMessage: "HTTP 404 Not Found", moreInfo: "" });

        const method = await call(dremio.url, "PATCH", "/api/v3/catalog", { token });
        expect(method.status).toBe(405);

        const textPlain = await call(dremio.url, "POST", "/api/v3/catalog", { token, body: "{}", contentType: "text/plain" });
        expect(textPlain.status).toBe(415);
        expect(textPlain.json.errorMessage).toBe("HTTP 415 Unsupported Media Type");

        const badJson = await call(dremio.url, "POST", "/api/v3/catalog", { token, body: '{"entityType": "source",' });
        expect(badJson.status).toBe(400);
        expect(badJson.contentType).toMatch(/^text\/plain/);
    });

    test("a NESSIE source: create, read (id, path, list), server-added keys, redacted secrets, false drift for a naive client", async () => {
        const name = uniqueName("standin_src");
        const config = nessieConfig();
        const created = await call(dremio.url, "POST", "/api/v3/catalog", { token, body: { entityType: "source", type: "NESSIE", name, config } });
        expect(created.status).toBe(200);
        const src = created.json;
        try {
            expect(src).toMatchObject({ entityType: "source", type: "NESSIE", name });
            expect(src.id).toMatch(/^[0-9a-f-]{36}$/);
            expect(src.tag).toMatch(/^[A-Za-z0-9+/]{11}=$/);
            expect(new Date(src.createdAt).toISOString()).toBe(src.createdAt);
            expect(src.state).toEqual({ status: "good", suggestedUserAction: "", messages: [] });
            expect(src.metadataPolicy).toEqual({
                authTTLMs: 86400000,
                namesRefreshMs: 3600000,
                datasetRefreshAfterMs: 3600000,
                datasetExpireAfterMs: 10800000,
                datasetUpdateMode: "PREFETCH_QUERIED",
                deleteUnavailableDatasets: true,
                autoPromoteDatasets: false,
            });
            expect(src).toMatchObject({
                accelerationGracePeriodMs: 0,
                accelerationRefreshPeriodMs: 0,
                accelerationRefreshSchedule: "0 0 8 * * ?",
                accelerationActivePolicyType: "PERIOD",
                accelerationNeverExpire: false,
                accelerationNeverRefresh: false,
                allowCrossSourceSelection: false,
                disableMetadataValidityCheck: false,
                children: [],
            });
            // The config comes back with the secret redacted and the server's defaults added ...
            expect(src.config).toEqual({
                ...config,
                awsAccessSecret: USE_EXISTING_SECRET_VALUE,
                asyncEnabled: true,
                isCachingEnabled: true,
                maxCacheSpacePct: 100,
                defaultCtasFormat: "ICEBERG",
            });
            // ... so a client comparing what it sent with what it reads sees drift that is not there.
            expect(src.config).not.toEqual(config);
            // The real secret is stored (and never answered).
            expect(storedSource(name).config.awsAccessSecret).toBe("first-secret-1");

            const byId = await call(dremio.url, "GET", `/api/v3/catalog/${src.id}`, { token });
            expect(byId.status).toBe(200);
            expect(byId.json).toEqual(src);

            const byPath = await call(dremio.url, "GET", `/api/v3/catalog/by-path/${encodeURIComponent(name)}`, { token });
            expect(byPath.status).toBe(200);
            expect(byPath.json).toEqual(src);

            const list = await call(dremio.url, "GET", "/api/v3/catalog", { token });
            expect(list.json.data).toContainEqual({
                id: src.id,
                path: [name],
                tag: src.tag,
                type: "CONTAINER",
                containerType: "SOURCE",
                createdAt: src.createdAt,
            });

            const dup = await call(dremio.url, "POST", "/api/v3/catalog", { token, body: { entityType: "source", type: "NESSIE", name, config } });
            expect(dup.status).toBe(409);
            expect(dup.json).toEqual({ errorMessage: `A source with the name [${name}] already exists.`, moreInfo: "" });
        } finally {
            await call(dremio.url, "DELETE", `/api/v3/catalog/${src.id}`, { token });
        }
    });

    test("update: the current tag is required, a stale tag is a 409, the placeholder keeps the secret, the tag changes", async () => {
        const name = uniqueName("standin_upd");
        const created = await call(dremio.url, "POST", "/api/v3/catalog", {
            token,
            body: { entityType: "source", type: "NESSIE", name, config: nessieConfig() },
        });
        expect(created.status).toBe(200);
        const v1 = created.json;
        try {
            // Full body as read back (placeholder in the secret), a changed property: accepted.
            const edited = { ...v1, config: { ...v1.config, awsRootPath: "/warehouse/dremio2" } };
            const updated = await call(dremio.url, "PUT", `/api/v3/catalog/${v1.id}`, { token, body: edited });
            expect(updated.status).toBe(200);
            const v2 = updated.json;
            expect(v2.id).toBe(v1.id);
            expect(v2.tag).not.toBe(v1.tag);
            expect(v2.createdAt).toBe(v1.createdAt);
            expect(v2.config.awsRootPath).toBe("/warehouse/dremio2");
            expect(v2.config.awsAccessSecret).toBe(USE_EXISTING_SECRET_VALUE);
            expect(storedSource(name).config.awsAccessSecret).toBe("first-secret-1");
            // A versioned (Nessie) source's policy becomes NEVER_REFRESH once its plugin runs.
            expect(v2.metadataPolicy).toMatchObject({ authTTLMs: 3153600000000, namesRefreshMs: 3153600000000, datasetUpdateMode: "PREFETCH" });

            // The tag read before the update is now stale.
            const stale = await call(dremio.url, "PUT", `/api/v3/catalog/${v1.id}`, {
                token,
                body: { ...edited, config: { ...edited.config, awsRootPath: "/warehouse/other" } },
            });
            expect(stale.status).toBe(409);
            expect(stale.json).toEqual({
                errorMessage: `Source [${name}] has been updated, and the given configuration is out of date (current tag: ${v2.tag}, given: ${v1.tag})`,
                moreInfo: "",
            });
            expect(storedSource(name).config.awsRootPath).toBe("/warehouse/dremio2");

            // No tag at all: Dremio treats it as a create of an existing source.
            const { tag: _drop, ...untagged } = v2;
            const noTag = await call(dremio.url, "PUT", `/api/v3/catalog/${v1.id}`, { token, body: untagged });
            expect(noTag.status).toBe(409);
            expect(noTag.json.errorMessage).toBe(`Source already exists with name ${name}.`);

            // Mismatched ids / renames are IllegalArgumentExceptions turned into 404s by CatalogResource.
            const otherId = await call(dremio.url, "PUT", `/api/v3/catalog/${v1.id}`, { token, body: { ...v2, id: "00000000-0000-0000-0000-000000000000" } });
            expect(otherId.status).toBe(404);
            expect(otherId.json.errorMessage).toBe("Ids must match.");
            const renamed = await call(dremio.url, "PUT", `/api/v3/catalog/${v1.id}`, { token, body: { ...v2, name: `${name}_x` } });
            expect(renamed.status).toBe(404);
            expect(renamed.json.errorMessage).toBe("Source name is immutable.");

            // A new secret replaces the stored one.
            const rotated = await call(dremio.url, "PUT", `/api/v3/catalog/${v1.id}`, {
                token,
                body: { ...v2, config: { ...v2.config, awsAccessSecret: "second-secret-2" } },
            });
            expect(rotated.status).toBe(200);
            expect(rotated.json.config.awsAccessSecret).toBe(USE_EXISTING_SECRET_VALUE);
            expect(rotated.json.tag).not.toBe(v2.tag);
            expect(storedSource(name).config.awsAccessSecret).toBe("second-secret-2");

            // An empty secret is checked like Dremio's S3 credential setup, and nothing changes.
            const emptied = await call(dremio.url, "PUT", `/api/v3/catalog/${v1.id}`, {
                token,
                body: { ...rotated.json, config: { ...rotated.json.config, awsAccessSecret: "" } },
            });
            expect(emptied.status).toBe(400);
            expect(emptied.json.errorMessage).toBe(
                "Failure creating an S3 connection. You must provide an AWS access key and AWS access secret [awsAccessKey, awsAccessSecret].",
            );
            expect(storedSource(name).tag).toBe(rotated.json.tag);
        } finally {
            await call(dremio.url, "DELETE", `/api/v3/catalog/${v1.id}`, { token });
        }
    });

    test("delete: a stale tag is refused, the current one (or none) deletes, then 404", async () => {
        const name = uniqueName("standin_del");
        const created = await call(dremio.url, "POST", "/api/v3/catalog", {
            token,
            body: { entityType: "source", type: "NESSIE", name, config: nessieConfig() },
        });
        expect(created.status).toBe(200);
        const src = created.json;

        const stale = await call(dremio.url, "DELETE", `/api/v3/catalog/${src.id}?tag=${encodeURIComponent("AAAAAAAAAAA=")}`, { token });
        expect(stale.status).toBe(400);
        expect(stale.json).toEqual({ errorMessage: "Unable to remove source as the provided definition is out of date.", moreInfo: "", context: [] });

        const deleted = await call(dremio.url, "DELETE", `/api/v3/catalog/${src.id}?tag=${encodeURIComponent(src.tag)}`, { token });
        expect(deleted.status).toBe(204);
        expect(deleted.text).toBe("");

        const byId = await call(dremio.url, "GET", `/api/v3/catalog/${src.id}`, { token });
        expect(byId.status).toBe(404);
        expect(byId.json).toEqual({ errorMessage: `Could not find entity with id [${src.id}]`, moreInfo: "" });
        const byPath = await call(dremio.url, "GET", `/api/v3/catalog/by-path/${name}`, { token });
        expect(byPath.status).toBe(404);
        expect(byPath.json.errorMessage).toBe(`Could not find entity with path [[${name}]]`);

        const again = await call(dremio.url, "DELETE", `/api/v3/catalog/${src.id}`, { token });
        expect(again.status).toBe(404);
        expect(again.json.errorMessage).toBe(`Could not find entity with id [${src.id}].`);
    });

    test("NESSIE validation: the endpoint must answer as Nessie API v2, required fields are checked, nothing is created", async () => {
        const cases: [string, Record<string, unknown>, string][] = [
            [
                "missing root path",
                nessieConfig({ awsRootPath: undefined }),
                "Failure creating or updating Nessie source. Invalid AWS S3 root path. You must provide a valid AWS S3 path. Example: /bucket-name/path",
            ],
            ["bad root path", nessieConfig({ awsRootPath: "/UPPER/case" }), "Failure creating or updating Nessie source. Invalid AWS S3 root path."],
            [
                "Nessie API v1 endpoint",
                nessieConfig({ nessieEndpoint: nessieApi.replace(/\/api\/v2$/, "/api/v1") }),
                "has a valid API version. Expected version is 2.",
            ],
            [
                "nothing listening",
                nessieConfig({ nessieEndpoint: "http://127.0.0.1:1/api/v2" }),
                "Make sure that Nessie endpoint URL [http://127.0.0.1:1/api/v2] is valid.",
            ],
            ["not a Nessie URL", nessieConfig({ nessieEndpoint: nessieApi.replace(/\/api\/v2$/, "/nope") }), "is valid."],
            ["no endpoint", nessieConfig({ nessieEndpoint: undefined }), "null must be a valid http or https address"],
            ["default auth is BEARER, no token", nessieConfig({ nessieAuthType: undefined }), "bearer token provided is empty"],
            [
                "access key without secret",
                nessieConfig({ awsAccessSecret: undefined }),
                "You must provide an AWS access key and AWS access secret [awsAccessKey, awsAccessSecret].",
            ],
            ["no credential type", nessieConfig({ credentialType: undefined }), "You must provide an authentication method [credentialType]."],
        ];
        for (const [what, rawConfig, message] of cases) {
            const config = JSON.parse(JSON.stringify(rawConfig)); // drops the undefined keys
            const name = uniqueName("standin_bad");
            const res = await call(dremio.url, "POST", "/api/v3/catalog", { token, body: { entityType: "source", type: "NESSIE", name, config } });
            expect({ what, status: res.status }).toEqual({ what, status: 400 });
            expect({ what, message: res.json.errorMessage }).toEqual({ what, message: expect.stringContaining(message) });
            expect(res.json.moreInfo).toBe("");
            const lookup = await call(dremio.url, "GET", `/api/v3/catalog/by-path/${name}`, { token });
            expect({ what, status: lookup.status }).toEqual({ what, status: 404 });
        }
        const fullMessage = await call(dremio.url, "POST", "/api/v3/catalog", {
            token,
            body: {
                entityType: "source",
                type: "NESSIE",
                name: "standin_v1",
                config: nessieConfig({ nessieEndpoint: nessieApi.replace(/\/api\/v2$/, "/api/v1") }),
            },
        });
        expect(fullMessage.json).toEqual({
            errorMessage: `Unable to create source [standin_v1], Invalid API version. Make sure that Nessie endpoint URL [${nessieApi.replace(/\/api\/v2$/, "/api/v1")}] has a valid API version. Expected version is 2.`,
            moreInfo: "",
            context: [],
        });

        const unknownKey = await call(dremio.url, "POST", "/api/v3/catalog", {
            token,
            body: { entityType: "source", type: "NESSIE", name: uniqueName("standin_key"), config: nessieConfig({ notAField: 1 }) },
        });
        expect(unknownKey.status).toBe(400);
        expect(unknownKey.json.errorMessage).toBe("Invalid value found at: config.notAField");

        const badEnum = await call(dremio.url, "POST", "/api/v3/catalog", {
            token,
            body: { entityType: "source", type: "NESSIE", name: uniqueName("standin_enum"), config: nessieConfig({ credentialType: "PASSWORD" }) },
        });
        expect(badEnum.status).toBe(400);
        expect(badEnum.json.errorMessage).toBe("Invalid value found at: config.credentialType");

        const badName = await call(dremio.url, "POST", "/api/v3/catalog", {
            token,
            body: { entityType: "source", type: "NESSIE", name: "has.period", config: nessieConfig() },
        });
        expect(badName.status).toBe(400);
        expect(badName.json.validationErrorMessages.fieldErrorMessages.name).toEqual(["Source name can not contain periods, double quotes or @."]);

        const withId = await call(dremio.url, "POST", "/api/v3/catalog", {
            token,
            body: { entityType: "source", type: "NESSIE", id: "abc", name: uniqueName("standin_id"), config: nessieConfig() },
        });
        expect(withId.status).toBe(400);
        expect(withId.json.errorMessage).toBe("Source id is immutable.");

        const space = await call(dremio.url, "POST", "/api/v3/catalog", { token, body: { entityType: "space", name: uniqueName("space") } });
        expect(space.status).toBe(400);
        expect(space.json.errorMessage).toMatch(/not implemented by the Dremio REST stand-in/);
    });
});

describe("Dremio REST stand-in (NOT Dremio): private instance", () => {
    let dir: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dremio-standin-test-"));
    });

    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("fresh: only bootstrap is open, it works once and answers a UserUI", async () => {
        const standin = await createDremioStandin({ port: 0, dataFile: path.join(dir, "store.json") });
        try {
            expect(standin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
            const early = await call(standin.url, "POST", "/apiv2/login", { body: { userName: "first", password: "first-pass-1" } });
            expect(early.status).toBe(403);
            expect(early.json).toEqual({ errorMessage: "No User Available", moreInfo: "", stackTrace: [] });

            const weak = await call(standin.url, "PUT", "/apiv2/bootstrap/firstuser", { body: { userName: "first", password: "short" } });
            expect(weak.status).toBe(400);
            expect(weak.json.errorMessage).toBe("Invalid password: must be at least 8 letters long, must contain at least one number and one letter");

            const first = await call(standin.url, "PUT", "/apiv2/bootstrap/firstuser", {
                body: { userName: "first", firstName: "F", lastName: "L", email: "f@example.org", password: "first-pass-1" },
            });
            expect(first.status).toBe(200);
            expect(first.json).toMatchObject({
                resourcePath: "/user/first",
                userName: "first",
                name: "first",
                links: { self: "/user/first" },
                userConfig: { userName: "first", firstName: "F", lastName: "L", email: "f@example.org", active: true },
            });
            expect(first.json.id).toBe(first.json.userConfig.uid.id);
            expect(JSON.stringify(first.json)).not.toContain("first-pass-1");

            const second = await call(standin.url, "PUT", "/apiv2/bootstrap/firstuser", { body: { userName: "second", password: "second-pass-2" } });
            expect(second.status).toBe(400);
            expect(second.json).toEqual({ errorMessage: FIRST_USER_ERROR_MSG, moreInfo: "", context: [] });
            // The refused bootstrap did not create a user.
            const secondLogin = await call(standin.url, "POST", "/apiv2/login", { body: { userName: "second", password: "second-pass-2" } });
            expect(secondLogin.status).toBe(401);
        } finally {
            await standin.close();
        }
    });

    test("tokens expire and a logout invalidates one", async () => {
        const standin = await createDremioStandin({ port: 0, dataFile: path.join(dir, "store.json"), tokenTtlMs: 1500 });
        try {
            expect((await call(standin.url, "PUT", "/apiv2/bootstrap/firstuser", { body: { userName: "u", password: "password-1" } })).status).toBe(200);
            const login = await call(standin.url, "POST", "/apiv2/login", { body: { userName: "u", password: "password-1" } });
            const token = login.json.token as string;
            expect(login.json.expires).toBeLessThanOrEqual(Date.now() + 1500);
            expect((await call(standin.url, "GET", "/api/v3/catalog", { token })).status).toBe(200);
            await new Promise((r) => setTimeout(r, 1700));
            const expired = await call(standin.url, "GET", "/api/v3/catalog", { token });
            expect(expired.status).toBe(401);
            expect(expired.text).toBe("");

            const other = (await call(standin.url, "POST", "/apiv2/login", { body: { userName: "u", password: "password-1" } })).json.token as string;
            expect((await call(standin.url, "DELETE", "/apiv2/login", { token: other })).status).toBe(204);
            expect((await call(standin.url, "GET", "/api/v3/catalog", { token: other })).status).toBe(401);
        } finally {
            await standin.close();
        }
    });

    test("users, tokens and sources survive a restart (like Dremio's KV store)", async () => {
        const dataFile = path.join(dir, "store.json");
        const a = await createDremioStandin({ port: 0, dataFile });
        let token: string;
        let source: any;
        try {
            expect((await call(a.url, "PUT", "/apiv2/bootstrap/firstuser", { body: { userName: "keeper", password: "keeper-pass-1" } })).status).toBe(200);
            token = (await call(a.url, "POST", "/apiv2/login", { body: { userName: "keeper", password: "keeper-pass-1" } })).json.token;
            const created = await call(a.url, "POST", "/api/v3/catalog", {
                token,
                body: { entityType: "source", type: "NESSIE", name: "kept", config: nessieConfig() },
            });
            expect(created.status).toBe(200);
            source = created.json;
        } finally {
            await a.close();
        }
        expect(fs.readFileSync(dataFile, "utf8")).toContain("first-secret-1"); // the store holds the secret, answers never do

        const b = await createDremioStandin({ port: 0, dataFile });
        try {
            expect(b.url).not.toBe(a.url);
            const again = await call(b.url, "GET", "/api/v3/catalog/by-path/kept", { token: token! });
            expect(again.status).toBe(200);
            expect(again.json).toEqual(source);
            const boot = await call(b.url, "PUT", "/apiv2/bootstrap/firstuser", { body: { userName: "late", password: "late-pass-1" } });
            expect(boot.status).toBe(400);
            expect((await call(b.url, "POST", "/apiv2/login", { body: { userName: "keeper", password: "keeper-pass-1" } })).status).toBe(200);
        } finally {
            await b.close();
        }
    });
});
